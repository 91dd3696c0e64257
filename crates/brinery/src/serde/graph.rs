//! Deserializing from a [`Graph`]: the path for pickles the streaming
//! deserializer does not take (objects, REDUCE, hooks...) and for graphs
//! the caller already has.
//!
//! Opaque objects are presented by what they hold: their BUILD state (a
//! `__dict__`, or the `(dict, slots)` pair merged into one map), else the
//! items added to them (dict or list subclasses), else the state argument
//! of `copyreg._reconstructor`, else their constructor arguments.

use ::serde::de::{self, DeserializeSeed, IntoDeserializer, MapAccess, SeqAccess, Visitor};

use super::de::{big_err, int_le, surrogate_err, visit_big};
use super::tags::python_deserializer;
use super::value::{TaggedValue, Value};
use super::DeOptions;
use crate::error::{Error, ErrorKind, Result};
use crate::value::{Construct, Graph, Node, NodeId};

pub(super) struct GraphDe<'g, 'a, 'de, 'o> {
    g: &'g Graph<'a>,
    /// The input the graph was decoded from, to lend `'de` borrows.
    data: &'de [u8],
    on_path: Vec<bool>,
    depth: usize,
    values: u64,
    limit: u64,
    opts: &'o DeOptions,
}

fn err(kind: ErrorKind, msg: impl Into<String>) -> Error {
    Error::new(kind, msg)
}

/// What an opaque object shows to a deserializer.
enum View<'g> {
    Node(NodeId),
    /// A `(dict, slots)` state: both dicts' entries as one map.
    Pair(Option<NodeId>, Option<NodeId>),
    Pairs(&'g [(NodeId, NodeId)]),
    Items(&'g [NodeId]),
}

impl<'g, 'a, 'de, 'o> GraphDe<'g, 'a, 'de, 'o> {
    pub(super) fn new(g: &'g Graph<'a>, data: &'de [u8], opts: &'o DeOptions) -> Self {
        GraphDe {
            g,
            data,
            on_path: vec![false; g.len()],
            depth: 0,
            values: 0,
            limit: opts.expansion_limit(data.len().max(g.len())),
            opts,
        }
    }

    pub(super) fn root<T: de::Deserialize<'de>>(&mut self) -> Result<T> {
        let root = self
            .g
            .root_id()
            .ok_or_else(|| err(ErrorKind::InvalidValue, "graph has no root"))?;
        T::deserialize(NodeDe { st: self, id: root })
    }

    /// Lend `s` for `'de` if it lies inside the input.
    fn lend(&self, s: &[u8]) -> Option<&'de [u8]> {
        let base = self.data.as_ptr() as usize;
        let p = s.as_ptr() as usize;
        if !self.data.is_empty() && p >= base && p + s.len() <= base + self.data.len() {
            Some(&self.data[p - base..p - base + s.len()])
        } else {
            None
        }
    }

    fn enter(&mut self, id: NodeId) -> Result<()> {
        self.values += 1;
        if self.values > self.limit {
            return Err(err(
                ErrorKind::LimitExceeded,
                "shared values expand to more values than DeOptions::max_expansion allows",
            ));
        }
        let composite = crate::pretty::is_container(self.g.node(id));
        if composite {
            if self.on_path[id.index()] {
                return Err(err(
                    ErrorKind::InvalidValue,
                    "recursive structure: a container that contains itself cannot be deserialized into a Rust value",
                ));
            }
            self.opts.enter(&mut self.depth)?;
            self.on_path[id.index()] = true;
        }
        Ok(())
    }

    fn leave(&mut self, id: NodeId) {
        if self.on_path[id.index()] {
            self.on_path[id.index()] = false;
            self.depth -= 1;
        }
    }

    fn view(&self, id: NodeId) -> View<'g> {
        let g = self.g;
        let o = match g.node(id) {
            Node::Object(o) => o,
            _ => return View::Node(id),
        };
        if let Some(state) = o.state() {
            if let Node::Tuple(t) = g.node(state) {
                let is_dict_or_none = |n: NodeId| matches!(g.node(n), Node::Dict(_) | Node::None);
                if t.len() == 2 && is_dict_or_none(t[0]) && is_dict_or_none(t[1]) {
                    let d = |n: NodeId| match g.node(n) {
                        Node::Dict(_) => Some(n),
                        _ => None,
                    };
                    return View::Pair(d(t[0]), d(t[1]));
                }
            }
            return View::Node(state);
        }
        if !o.dict_items.is_empty() {
            return View::Pairs(&o.dict_items);
        }
        if !o.list_items.is_empty() {
            return View::Items(&o.list_items);
        }
        if !o.set_items.is_empty() {
            return View::Items(&o.set_items);
        }
        match &o.construct {
            Construct::Reduce { callable, args } => {
                if let (Some(("copyreg", "_reconstructor")), Node::Tuple(a)) =
                    (g.view(*callable).as_global(), g.node(*args))
                {
                    if a.len() == 3 && !matches!(g.node(a[2]), Node::None) {
                        return View::Node(a[2]);
                    }
                    return View::Items(&[]);
                }
                View::Node(*args)
            }
            Construct::NewObj { args, .. } | Construct::NewObjEx { args, .. } => View::Node(*args),
            Construct::Inst { args, .. } | Construct::Obj { args, .. } => View::Items(args),
        }
    }
}

pub(super) struct NodeDe<'s, 'g, 'a, 'de, 'o> {
    st: &'s mut GraphDe<'g, 'a, 'de, 'o>,
    id: NodeId,
}

impl<'de> NodeDe<'_, '_, '_, 'de, '_> {
    fn any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        let NodeDe { st, id } = self;
        st.enter(id)?;
        let r = NodeDe { st: &mut *st, id }.any_inner(visitor);
        st.leave(id);
        r
    }

    fn any_inner<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        let st = self.st;
        let g = st.g;
        let view = st.view(self.id);
        let id = match view {
            View::Node(n) if n == self.id => n,
            View::Node(n) => {
                // An object's state or arguments.
                return NodeDe { st, id: n }.any(visitor);
            }
            View::Pair(a, b) => {
                let ea = a
                    .map(|n| g.view(n).as_entries().unwrap_or(&[]))
                    .unwrap_or(&[]);
                let eb = b
                    .map(|n| g.view(n).as_entries().unwrap_or(&[]))
                    .unwrap_or(&[]);
                return visitor.visit_map(Pairs {
                    st,
                    a: ea,
                    b: eb,
                    i: 0,
                });
            }
            View::Pairs(p) => {
                return visitor.visit_map(Pairs {
                    st,
                    a: p,
                    b: &[],
                    i: 0,
                })
            }
            View::Items(items) => return visitor.visit_seq(Items { st, items, i: 0 }),
        };
        match g.node(id) {
            Node::None => visitor.visit_unit(),
            Node::Bool(b) => visitor.visit_bool(*b),
            Node::Int(i) => visitor.visit_i64(*i),
            Node::BigInt(b) => visit_big(b, visitor),
            Node::Float(f) => visitor.visit_f64(*f),
            Node::Str(s) => match s.as_str() {
                Some(text) => match st.lend(text.as_bytes()) {
                    Some(b) => match std::str::from_utf8(b) {
                        Ok(t) => visitor.visit_borrowed_str(t),
                        Err(_) => visitor.visit_str(text),
                    },
                    None => visitor.visit_str(text),
                },
                None => Err(surrogate_err()),
            },
            Node::Bytes(b) | Node::ByteArray(b) => match st.lend(b.as_slice()) {
                Some(b) => visitor.visit_borrowed_bytes(b),
                None => visitor.visit_bytes(b.as_slice()),
            },
            Node::Buffer(b) => visitor.visit_bytes(b.data.as_slice()),
            Node::List(items) | Node::Tuple(items) => visitor.visit_seq(Items { st, items, i: 0 }),
            Node::Set(s) | Node::FrozenSet(s) => visitor.visit_seq(Items {
                st,
                items: s.items(),
                i: 0,
            }),
            Node::Dict(d) => visitor.visit_map(Pairs {
                st,
                a: d.entries(),
                b: &[],
                i: 0,
            }),
            Node::Global(gl) => visitor.visit_string(format!("{}.{}", gl.module, gl.name)),
            Node::Object(_) => unreachable!("objects have views"),
            Node::PersistentId(_) => Err(err(
                ErrorKind::MissingHook,
                "a persistent id cannot be deserialized into a Rust value (resolve it with Unpickler::persistent_load)",
            )),
        }
    }

    fn is_none(&self) -> bool {
        matches!(self.st.g.node(self.id), Node::None)
    }
}

struct Items<'s, 'g, 'a, 'de, 'o> {
    st: &'s mut GraphDe<'g, 'a, 'de, 'o>,
    items: &'g [NodeId],
    i: usize,
}

impl<'de> SeqAccess<'de> for Items<'_, '_, '_, 'de, '_> {
    type Error = Error;
    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>> {
        let Some(&id) = self.items.get(self.i) else {
            return Ok(None);
        };
        self.i += 1;
        seed.deserialize(NodeDe {
            st: &mut *self.st,
            id,
        })
        .map(Some)
    }
    fn size_hint(&self) -> Option<usize> {
        Some(self.items.len() - self.i)
    }
}

struct Pairs<'s, 'g, 'a, 'de, 'o> {
    st: &'s mut GraphDe<'g, 'a, 'de, 'o>,
    a: &'g [(NodeId, NodeId)],
    b: &'g [(NodeId, NodeId)],
    i: usize,
}

impl Pairs<'_, '_, '_, '_, '_> {
    fn entry(&self, i: usize) -> Option<(NodeId, NodeId)> {
        if i < self.a.len() {
            Some(self.a[i])
        } else {
            self.b.get(i - self.a.len()).copied()
        }
    }
}

impl<'de> MapAccess<'de> for Pairs<'_, '_, '_, 'de, '_> {
    type Error = Error;
    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>> {
        let Some((k, _)) = self.entry(self.i) else {
            return Ok(None);
        };
        seed.deserialize(NodeDe {
            st: &mut *self.st,
            id: k,
        })
        .map(Some)
    }
    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value> {
        let (_, v) = self
            .entry(self.i)
            .ok_or_else(|| err(ErrorKind::Custom, "map value read without a key"))?;
        self.i += 1;
        seed.deserialize(NodeDe {
            st: &mut *self.st,
            id: v,
        })
    }
    fn size_hint(&self) -> Option<usize> {
        Some(self.a.len() + self.b.len() - self.i)
    }
}

impl<'de> de::Deserializer<'de> for NodeDe<'_, '_, '_, 'de, '_> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.any(visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        if self.is_none() {
            visitor.visit_none()
        } else {
            visitor.visit_some(self)
        }
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match self.st.g.node(self.id) {
            Node::None => visitor.visit_unit(),
            Node::Tuple(t) if t.is_empty() => visitor.visit_unit(),
            _ => self.any(visitor),
        }
    }

    python_deserializer!(enum; ignored_any);
}

impl<'de> NodeDe<'_, '_, '_, 'de, '_> {
    /// [`Value`]'s newtype: the node as a Python-typed value.
    fn newtype_value<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        let st = self.st;
        let (g, depth) = (st.g, st.opts.max_depth);
        let v = Value::from_node_counted(g, self.id, depth, &mut |n| {
            st.values += n;
            st.values <= st.limit
        })?;
        visitor.visit_newtype_struct(TaggedValue(v))
    }

    /// An enum: a str (unit variant), a dict with one key or a `(name,
    /// value)` tuple.
    fn enum_value<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        let g = self.st.g;
        match g.node(self.id) {
            Node::Str(s) => match s.as_str() {
                Some(t) => visitor.visit_enum(t.into_deserializer()),
                None => Err(surrogate_err()),
            },
            Node::Dict(d) if d.len() == 1 => {
                let (k, v) = d.entries()[0];
                visitor.visit_enum(EnumDe {
                    st: self.st,
                    k,
                    v,
                })
            }
            Node::Tuple(t) if t.len() == 2 => visitor.visit_enum(EnumDe {
                st: self.st,
                k: t[0],
                v: t[1],
            }),
            Node::BigInt(b) => Err(big_err(b)),
            other => Err(err(
                ErrorKind::Custom,
                format!(
                    "invalid type: {}, expected an enum (a str, a dict with one key or a (name, value) tuple)",
                    other.type_name()
                ),
            )),
        }
    }

    /// [`BigInt`](super::BigInt)'s newtype: an int of any size.
    fn newtype_bigint<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        if let Node::BigInt(b) = self.st.g.node(self.id) {
            return visitor.visit_bytes(&int_le(b));
        }
        self.any(visitor)
    }
}

struct EnumDe<'s, 'g, 'a, 'de, 'o> {
    st: &'s mut GraphDe<'g, 'a, 'de, 'o>,
    k: NodeId,
    v: NodeId,
}

impl<'s, 'g, 'a, 'de, 'o> de::EnumAccess<'de> for EnumDe<'s, 'g, 'a, 'de, 'o> {
    type Error = Error;
    type Variant = Self;
    fn variant_seed<V: DeserializeSeed<'de>>(self, seed: V) -> Result<(V::Value, Self)> {
        let v = seed.deserialize(NodeDe {
            st: &mut *self.st,
            id: self.k,
        })?;
        Ok((v, self))
    }
}

impl<'de> de::VariantAccess<'de> for EnumDe<'_, '_, '_, 'de, '_> {
    type Error = Error;
    fn unit_variant(self) -> Result<()> {
        de::Deserialize::deserialize(NodeDe {
            st: self.st,
            id: self.v,
        })
    }
    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value> {
        seed.deserialize(NodeDe {
            st: self.st,
            id: self.v,
        })
    }
    fn tuple_variant<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value> {
        de::Deserializer::deserialize_seq(
            NodeDe {
                st: self.st,
                id: self.v,
            },
            visitor,
        )
    }
    fn struct_variant<V: Visitor<'de>>(
        self,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value> {
        de::Deserializer::deserialize_map(
            NodeDe {
                st: self.st,
                id: self.v,
            },
            visitor,
        )
    }
}
