//! Python key semantics for dicts and sets: hashing and equality over the
//! graph, without recursion proportional to nesting.
//!
//! Numbers compare across kinds (`1 == 1.0 == True`); NaN equals only
//! itself (the same node); tuples and frozensets compare structurally;
//! opaque objects, globals' instances and buffers compare by identity.
//! Lists, dicts, sets and bytearrays are unhashable, as in Python.

use std::hash::{BuildHasher, Hash, Hasher};
use std::sync::OnceLock;

use hashbrown::HashTable;
use num_bigint::BigInt;
use num_traits::{FromPrimitive, ToPrimitive};

use super::{Dict, Node, NodeId, Set};

/// A key or set element that Python cannot hash.
#[derive(Debug, Clone)]
pub struct Unhashable {
    /// Python's name of the offending type.
    pub type_name: &'static str,
    /// The offending node.
    pub id: NodeId,
}

/// Hash index over a dict's or set's entries (built once they are large).
#[derive(Clone, Debug, Default)]
pub(crate) struct Index {
    table: HashTable<u32>,
    hashes: Vec<u64>,
}

/// Entries from which a dict or set gets a hash index.
pub(crate) const INDEX_THRESHOLD: usize = 8;

fn build_hasher() -> &'static hashbrown::DefaultHashBuilder {
    static H: OnceLock<hashbrown::DefaultHashBuilder> = OnceLock::new();
    H.get_or_init(hashbrown::DefaultHashBuilder::default)
}

fn hash_one<T: Hash + ?Sized>(tag: u8, v: &T) -> u64 {
    let mut h = build_hasher().build_hasher();
    tag.hash(&mut h);
    v.hash(&mut h);
    h.finish()
}

/// Canonical numeric form: equal numbers have equal forms.
enum Num {
    Int(i64),
    Big(BigInt),
    Frac(u64),
    Nan,
}

fn float_num(f: f64) -> Num {
    if f.is_nan() {
        return Num::Nan;
    }
    if f.is_finite() && f.fract() == 0.0 {
        // i64::MIN as f64 is exact; i64::MAX as f64 rounds up to 2^63.
        if (i64::MIN as f64..i64::MAX as f64).contains(&f) {
            return Num::Int(f as i64);
        }
        if let Some(b) = BigInt::from_f64(f) {
            return Num::Big(b);
        }
    }
    Num::Frac(f.to_bits())
}

fn num_of(node: &Node<'_>) -> Option<Num> {
    Some(match node {
        Node::Bool(b) => Num::Int(*b as i64),
        Node::Int(i) => Num::Int(*i),
        Node::BigInt(b) => match b.to_i64() {
            Some(i) => Num::Int(i),
            None => Num::Big((**b).clone()),
        },
        Node::Float(f) => float_num(*f),
        _ => return None,
    })
}

fn num_hash(n: &Num, id: NodeId) -> u64 {
    match n {
        Num::Int(i) => hash_one(1, i),
        Num::Big(b) => hash_one(2, &b.to_signed_bytes_le()),
        Num::Frac(bits) => hash_one(3, bits),
        Num::Nan => hash_one(4, &id.0),
    }
}

fn num_eq(a: &Num, b: &Num) -> bool {
    match (a, b) {
        (Num::Int(x), Num::Int(y)) => x == y,
        (Num::Big(x), Num::Big(y)) => x == y,
        (Num::Frac(x), Num::Frac(y)) => f64::from_bits(*x) == f64::from_bits(*y),
        _ => false,
    }
}

/// Hash of a leaf (non-container) hashable node, or None for tuples and
/// frozensets (handled by the caller), or Err for unhashable nodes.
fn leaf_hash(nodes: &[Node<'_>], id: NodeId) -> Result<Option<u64>, Unhashable> {
    let node = &nodes[id.index()];
    Ok(Some(match node {
        Node::None => hash_one(0, &()),
        Node::Str(s) => hash_one(5, s.as_wtf8()),
        Node::Bytes(b) => hash_one(6, b.as_slice()),
        Node::Global(g) => hash_one(7, &(&g.module, &g.name)),
        Node::Tuple(_) | Node::FrozenSet(_) => return Ok(None),
        Node::List(_) | Node::Dict(_) | Node::Set(_) | Node::ByteArray(_) => {
            return Err(Unhashable {
                type_name: node.type_name(),
                id,
            })
        }
        Node::Object(_) | Node::PersistentId(_) | Node::Buffer(_) => hash_one(8, &id.0),
        _ => match num_of(node) {
            Some(n) => num_hash(&n, id),
            None => hash_one(9, &id.0),
        },
    }))
}

/// Hashes of tuples and frozensets already computed (they never change
/// once built), so that a big or deeply nested key is hashed once however
/// often it is used.
pub(crate) type HashCache = hashbrown::HashMap<NodeId, u64>;

/// Python-compatible hash (consistent with [`key_eq`]) of a node.
pub(crate) fn hash_key(nodes: &[Node<'_>], id: NodeId) -> Result<u64, Unhashable> {
    hash_key_cached(nodes, id, &mut HashCache::new())
}

/// [`hash_key`] with a cache of container hashes that outlives the call.
pub(crate) fn hash_key_cached(
    nodes: &[Node<'_>],
    id: NodeId,
    cache: &mut HashCache,
) -> Result<u64, Unhashable> {
    if let Some(h) = leaf_hash(nodes, id)? {
        return Ok(h);
    }
    if let Some(&h) = cache.get(&id) {
        return Ok(h);
    }
    // Tuples and frozensets: explicit stack; the cache makes shared
    // sub-structures (DAGs) hashed once.
    // (node, next child index, accumulator)
    let mut stack: Vec<(NodeId, usize, u64)> = vec![(id, 0, 0)];
    let mut done: Option<u64> = None;
    while let Some(top) = stack.last_mut() {
        let (nid, i) = (top.0, top.1);
        let (items, frozen) = match &nodes[nid.index()] {
            Node::Tuple(v) => (&v[..], false),
            Node::FrozenSet(s) => (&s.items[..], true),
            _ => unreachable!("only containers are pushed"),
        };
        if let Some(h) = done.take() {
            // A child finished.
            top.2 = combine(top.2, h, frozen);
            continue;
        }
        if i < items.len() {
            top.1 += 1;
            let child = items[i];
            let h = match leaf_hash(nodes, child)? {
                Some(h) => h,
                None => match cache.get(&child) {
                    Some(&h) => h,
                    None => {
                        stack.push((child, 0, 0));
                        continue;
                    }
                },
            };
            let top = stack.last_mut().expect("non-empty");
            top.2 = combine(top.2, h, frozen);
        } else {
            let (nid, n, acc) = stack.pop().expect("non-empty");
            let h = hash_one(if frozen { 11 } else { 10 }, &(acc, n));
            cache.insert(nid, h);
            if stack.is_empty() {
                return Ok(h);
            }
            done = Some(h);
        }
    }
    unreachable!("loop returns when the root is done")
}

fn combine(acc: u64, h: u64, unordered: bool) -> u64 {
    if unordered {
        // Order-independent: sum of mixed hashes.
        acc.wrapping_add(h.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ (h >> 29))
    } else {
        (acc.rotate_left(5) ^ h).wrapping_mul(0x100_0000_01B3)
    }
}

/// Python `==` between two hashable values.
pub(crate) fn key_eq(nodes: &[Node<'_>], a: NodeId, b: NodeId) -> bool {
    if a == b {
        return true;
    }
    match eq_shallow(nodes, a, b) {
        Shallow::Equal => true,
        Shallow::NotEqual => false,
        Shallow::Containers => eq_deep(nodes, a, b, 0),
    }
}

enum Shallow {
    Equal,
    NotEqual,
    Containers,
}

#[inline]
fn eq_shallow(nodes: &[Node<'_>], a: NodeId, b: NodeId) -> Shallow {
    if a == b {
        return Shallow::Equal;
    }
    let (na, nb) = (&nodes[a.index()], &nodes[b.index()]);
    let r = match (na, nb) {
        (Node::Str(x), Node::Str(y)) => x.as_wtf8() == y.as_wtf8(),
        (Node::Bytes(x), Node::Bytes(y)) => x.as_slice() == y.as_slice(),
        (Node::Int(x), Node::Int(y)) => x == y,
        (Node::None, Node::None) => true,
        (Node::Global(x), Node::Global(y)) => x == y,
        (Node::Tuple(x), Node::Tuple(y)) => {
            if x.len() != y.len() {
                false
            } else {
                return Shallow::Containers;
            }
        }
        (Node::FrozenSet(x), Node::FrozenSet(y)) => {
            if x.items.len() != y.items.len() {
                false
            } else {
                return Shallow::Containers;
            }
        }
        _ => match (num_of(na), num_of(nb)) {
            (Some(x), Some(y)) => num_eq(&x, &y),
            _ => false,
        },
    };
    if r {
        Shallow::Equal
    } else {
        Shallow::NotEqual
    }
}

/// Structural equality of tuples/frozensets with an explicit work list.
/// `depth` bounds the rare recursion used to resolve hash collisions
/// inside frozensets.
fn eq_deep(nodes: &[Node<'_>], a: NodeId, b: NodeId, depth: u32) -> bool {
    let mut work = vec![(a, b)];
    let mut seen: hashbrown::HashSet<(NodeId, NodeId)> = hashbrown::HashSet::new();
    while let Some((x, y)) = work.pop() {
        match eq_shallow(nodes, x, y) {
            Shallow::Equal => continue,
            Shallow::NotEqual => return false,
            Shallow::Containers => {}
        }
        if !seen.insert((x, y)) {
            continue;
        }
        match (&nodes[x.index()], &nodes[y.index()]) {
            (Node::Tuple(p), Node::Tuple(q)) => {
                work.extend(p.iter().copied().zip(q.iter().copied()));
            }
            (Node::FrozenSet(p), Node::FrozenSet(q)) => {
                // Match each element of p with an element of q of equal hash.
                let hq: Vec<u64> = match q.items.iter().map(|&e| hash_key(nodes, e)).collect() {
                    Ok(v) => v,
                    Err(_) => return false,
                };
                for &e in &p.items {
                    let he = match hash_key(nodes, e) {
                        Ok(h) => h,
                        Err(_) => return false,
                    };
                    let cands: Vec<NodeId> = q
                        .items
                        .iter()
                        .zip(&hq)
                        .filter(|(_, &h)| h == he)
                        .map(|(&c, _)| c)
                        .collect();
                    match cands.len() {
                        0 => return false,
                        1 => work.push((e, cands[0])),
                        _ => {
                            if depth > 64 {
                                return false;
                            }
                            if !cands.iter().any(|&c| {
                                c == e
                                    || match eq_shallow(nodes, e, c) {
                                        Shallow::Equal => true,
                                        Shallow::NotEqual => false,
                                        Shallow::Containers => eq_deep(nodes, e, c, depth + 1),
                                    }
                            }) {
                                return false;
                            }
                        }
                    }
                }
            }
            _ => return false,
        }
    }
    true
}

/// Whether `id` is hashable, cheaply for the common leaf kinds.
#[inline]
fn check_hashable(nodes: &[Node<'_>], id: NodeId, cache: &mut HashCache) -> Result<(), Unhashable> {
    match &nodes[id.index()] {
        Node::Str(_) | Node::Int(_) | Node::Bytes(_) | Node::None | Node::Bool(_) => Ok(()),
        _ => hash_key_cached(nodes, id, cache).map(|_| ()),
    }
}

fn find_linear(nodes: &[Node<'_>], keys: impl Iterator<Item = NodeId>, k: NodeId) -> Option<usize> {
    if let Node::Str(ks) = &nodes[k.index()] {
        // The common case (str keys): a str equals only a str with the
        // same code points (the same generalized UTF-8 bytes).
        let kb = ks.as_wtf8();
        return keys.enumerate().find_map(|(i, e)| {
            let hit = e == k || matches!(&nodes[e.index()], Node::Str(es) if es.as_wtf8() == kb);
            hit.then_some(i)
        });
    }
    for (i, e) in keys.enumerate() {
        if key_eq(nodes, e, k) {
            return Some(i);
        }
    }
    None
}

impl Index {
    fn build(
        nodes: &[Node<'_>],
        keys: impl Iterator<Item = NodeId>,
        cache: &mut HashCache,
    ) -> Result<Index, Unhashable> {
        let mut idx = Index::default();
        for k in keys {
            let h = hash_key_cached(nodes, k, cache)?;
            let i = idx.hashes.len() as u32;
            idx.hashes.push(h);
            let hashes = &idx.hashes;
            idx.table.insert_unique(h, i, |&j| hashes[j as usize]);
        }
        Ok(idx)
    }

    fn find(&self, h: u64, mut eq: impl FnMut(usize) -> bool) -> Option<usize> {
        self.table
            .find(h, |&j| self.hashes[j as usize] == h && eq(j as usize))
            .map(|&j| j as usize)
    }

    /// Room for `n` more keys (one rehash for a whole SETITEMS batch).
    pub(crate) fn reserve(&mut self, n: usize) {
        self.hashes.reserve(n);
        let hashes = &self.hashes;
        self.table.reserve(n, |&j| hashes[j as usize]);
    }

    fn push(&mut self, h: u64) {
        let i = self.hashes.len() as u32;
        self.hashes.push(h);
        let hashes = &self.hashes;
        self.table.insert_unique(h, i, |&j| hashes[j as usize]);
    }
}

pub(crate) fn dict_find(nodes: &[Node<'_>], d: &Dict, k: NodeId) -> Option<usize> {
    match &d.index {
        None => find_linear(nodes, d.entries.iter().map(|e| e.0), k),
        Some(idx) => {
            let h = hash_key(nodes, k).ok()?;
            idx.find(h, |i| key_eq(nodes, d.entries[i].0, k))
        }
    }
}

pub(crate) fn dict_insert(
    nodes: &[Node<'_>],
    cache: &mut HashCache,
    d: &mut Dict,
    k: NodeId,
    v: NodeId,
) -> Result<(), Unhashable> {
    match &mut d.index {
        None => {
            check_hashable(nodes, k, cache)?;
            if let Some(i) = find_linear(nodes, d.entries.iter().map(|e| e.0), k) {
                d.entries[i].1 = v;
                return Ok(());
            }
            d.entries.push((k, v));
            if d.entries.len() >= INDEX_THRESHOLD {
                d.index = Some(Box::new(Index::build(
                    nodes,
                    d.entries.iter().map(|e| e.0),
                    cache,
                )?));
            }
            Ok(())
        }
        Some(idx) => {
            let h = hash_key_cached(nodes, k, cache)?;
            let entries = &mut d.entries;
            if let Some(i) = idx.find(h, |i| key_eq(nodes, entries[i].0, k)) {
                entries[i].1 = v;
            } else {
                entries.push((k, v));
                idx.push(h);
            }
            Ok(())
        }
    }
}

pub(crate) fn set_add(
    nodes: &[Node<'_>],
    cache: &mut HashCache,
    s: &mut Set,
    k: NodeId,
) -> Result<(), Unhashable> {
    match &mut s.index {
        None => {
            check_hashable(nodes, k, cache)?;
            if find_linear(nodes, s.items.iter().copied(), k).is_none() {
                s.items.push(k);
                if s.items.len() >= INDEX_THRESHOLD {
                    s.index = Some(Box::new(Index::build(
                        nodes,
                        s.items.iter().copied(),
                        cache,
                    )?));
                }
            }
            Ok(())
        }
        Some(idx) => {
            let h = hash_key_cached(nodes, k, cache)?;
            let items = &s.items;
            if idx.find(h, |i| key_eq(nodes, items[i], k)).is_none() {
                s.items.push(k);
                idx.push(h);
            }
            Ok(())
        }
    }
}
