//! The serializer: writes the pickle stream directly from serde calls, with
//! the opcode choices of [`crate::pickler`] (which mirrors CPython's C
//! pickler): memo PUTs for strs and containers, batches of 1000, framing
//! at protocol 4+, reductions for bytes/sets/bytearrays at the protocols
//! that need them.
//!
//! serde values have no identity, so every str and container is a new
//! object (memoized, never referenced again), except with
//! [`SerOptions::dedup_strings`](super::SerOptions::dedup_strings).

use std::collections::HashMap;
use std::io;

use ::serde::ser::{self, Serialize};
use num_bigint::BigInt;

use super::{
    SerOptions, MAGIC_BIGINT, MAGIC_BYTEARRAY, MAGIC_FROZENSET, MAGIC_GLOBAL, MAGIC_OBJECT,
    MAGIC_SET, MAGIC_WTF8,
};
use crate::error::{Error, Result};
use crate::opcodes::Opcode as O;
use crate::value::PyStr;
use crate::writer::{unpicklable, Output as Out, BATCHSIZE};

#[derive(Hash, PartialEq, Eq)]
enum Named {
    Global(String, String),
    Module(String),
    Latin1,
}

/// A pending request from a magic newtype for the next value.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Pending {
    None,
    Set,
    FrozenSet,
    ByteArray,
    Wtf8,
    BigInt,
    /// Write the next sequence's items inline (object arguments).
    Splice,
}

/// A serde `Serializer` writing a pickle.
///
/// ```
/// use serde::Serialize;
/// let mut out = Vec::new();
/// let mut s = brinery::serde::Serializer::new(&mut out, 5);
/// (1, "two", [3.0]).serialize(&mut s).unwrap();
/// s.end().unwrap();
/// assert_eq!(brinery::from_slice::<(i32, String, Vec<f64>)>(&out).unwrap().1, "two");
/// ```
pub struct Serializer<W: io::Write> {
    out: Out<W>,
    proto: u8,
    fix_imports: bool,
    memo_len: u32,
    named: HashMap<Named, u32>,
    strings: Option<HashMap<Box<[u8]>, u32>>,
    /// > 0 inside a dict key or set element: containers become tuples.
    key: u32,
    pending: Pending,
}

impl<W: io::Write> Serializer<W> {
    /// A serializer for `protocol` (0–5; higher means 5). The PROTO header
    /// is buffered at once; call [`Serializer::end`] after serializing one
    /// value.
    pub fn new(writer: W, protocol: u8) -> Self {
        Serializer::with_options(writer, &SerOptions::new().protocol(protocol))
    }

    /// A serializer with options.
    pub fn with_options(writer: W, opts: &SerOptions) -> Self {
        let proto = opts.protocol.min(crate::opcodes::HIGHEST_PROTOCOL);
        let mut s = Serializer {
            out: Out::new(writer),
            proto,
            fix_imports: opts.fix_imports && proto < 3,
            memo_len: 0,
            named: HashMap::new(),
            strings: opts.dedup_strings.then(HashMap::new),
            key: 0,
            pending: Pending::None,
        };
        if proto >= 2 {
            s.out.write(&[O::Proto.code(), proto]);
            if proto >= 4 {
                s.out.framing = true;
            }
        }
        s
    }

    /// Write STOP, the last frame, and flush; gives the writer back.
    pub fn end(mut self) -> Result<W> {
        self.finish()?;
        Ok(self.out.sink)
    }

    pub(super) fn finish(&mut self) -> Result<()> {
        self.out.finish()
    }

    // ----- memo -----

    /// Memoize the object just written.
    fn memo_put(&mut self) -> u32 {
        let idx = self.memo_len;
        self.memo_len += 1;
        self.out.put(idx, self.proto);
        idx
    }

    fn memo_put_named(&mut self, key: Named) {
        let idx = self.memo_put();
        self.named.insert(key, idx);
    }

    // ----- scalars -----

    fn save_none(&mut self) {
        self.out.byte(O::None.code());
    }

    /// A str object: written and memoized (or a GET of an equal one when
    /// deduplicating).
    fn save_str(&mut self, wtf8: &[u8]) -> Result<()> {
        self.out.boundary()?;
        if let Some(map) = &self.strings {
            if let Some(&idx) = map.get(wtf8) {
                self.out.get(idx, self.proto);
                return Ok(());
            }
        }
        self.out.str(wtf8, self.proto)?;
        let idx = self.memo_put();
        if let Some(map) = &mut self.strings {
            map.insert(wtf8.into(), idx);
        }
        Ok(())
    }

    /// A fresh str temporary (never deduplicated).
    fn save_fresh_str(&mut self, wtf8: &[u8]) -> Result<()> {
        self.out.boundary()?;
        self.out.str(wtf8, self.proto)?;
        self.memo_put();
        Ok(())
    }

    fn save_named_str(&mut self, key: Named, text: &str) -> Result<()> {
        self.out.boundary()?;
        if let Some(&idx) = self.named.get(&key) {
            self.out.get(idx, self.proto);
            return Ok(());
        }
        self.out.str(text.as_bytes(), self.proto)?;
        self.memo_put_named(key);
        Ok(())
    }

    fn save_global(&mut self, module: &str, name: &str) -> Result<()> {
        self.out.boundary()?;
        let key = Named::Global(module.to_string(), name.to_string());
        if let Some(&idx) = self.named.get(&key) {
            self.out.get(idx, self.proto);
            return Ok(());
        }
        if self.proto >= 4 {
            self.save_named_str(Named::Module(module.to_string()), module)?;
            self.save_fresh_str(name.as_bytes())?;
            self.out.byte(O::StackGlobal.code());
            self.memo_put_named(key);
            return Ok(());
        }
        if let Some((parent, last)) = name.rsplit_once('.') {
            self.save_global("builtins", "getattr")?;
            self.out.boundary()?;
            let marked = self.proto < 2;
            if marked {
                self.out.byte(O::Mark.code());
            }
            self.save_global(module, parent)?;
            self.save_fresh_str(last.as_bytes())?;
            self.tuple_end(2, marked);
            self.out.byte(O::Reduce.code());
            self.memo_put_named(key);
            return Ok(());
        }
        self.out
            .global_line(module, name, self.proto, self.fix_imports)?;
        self.memo_put_named(key);
        Ok(())
    }

    /// Close a tuple of `len` items (1–3 unmarked at protocol 2+) and
    /// memoize it.
    fn tuple_end(&mut self, len: usize, marked: bool) {
        self.out.tuple_end(len, marked);
        self.memo_put();
    }

    fn empty_tuple(&mut self) {
        self.out.empty(O::EmptyTuple, O::Tuple, self.proto);
    }

    fn save_bytes(&mut self, data: &[u8]) -> Result<()> {
        self.out.boundary()?;
        if self.proto < 3 {
            if data.is_empty() {
                self.save_global("builtins", "bytes")?;
                self.out.boundary()?;
                self.empty_tuple();
            } else {
                self.save_global("_codecs", "encode")?;
                self.out.boundary()?;
                let marked = self.proto < 2;
                if marked {
                    self.out.byte(O::Mark.code());
                }
                let s = crate::writer::latin1_wtf8(data);
                self.save_fresh_str(&s)?;
                self.save_named_str(Named::Latin1, "latin1")?;
                self.tuple_end(2, marked);
            }
            self.out.byte(O::Reduce.code());
            self.memo_put();
            return Ok(());
        }
        self.out.bin_bytes(data, self.proto)?;
        self.memo_put();
        Ok(())
    }

    fn save_bytearray(&mut self, data: &[u8]) -> Result<()> {
        if self.key > 0 {
            return self.save_bytes(data);
        }
        self.out.boundary()?;
        if self.proto < 5 {
            self.save_global("builtins", "bytearray")?;
            self.out.boundary()?;
            if data.is_empty() {
                self.empty_tuple();
            } else {
                let marked = self.proto < 2;
                if marked {
                    self.out.byte(O::Mark.code());
                }
                self.save_bytes(data)?;
                self.tuple_end(1, marked);
            }
            self.out.byte(O::Reduce.code());
            self.memo_put();
            return Ok(());
        }
        let mut h = [0u8; 9];
        h[0] = O::ByteArray8.code();
        h[1..].copy_from_slice(&(data.len() as u64).to_le_bytes());
        self.out.write_bytes(&h, data)?;
        self.memo_put();
        Ok(())
    }

    fn take_pending(&mut self) -> Pending {
        std::mem::replace(&mut self.pending, Pending::None)
    }

    // ----- containers -----

    fn begin_list(&mut self, hint: Option<usize>) -> Result<Compound<'_, W>> {
        self.out.boundary()?;
        self.out.empty(O::EmptyList, O::List, self.proto);
        self.memo_put();
        Ok(Compound::batched(self, Kind::List, hint))
    }

    fn begin_dict(&mut self, hint: Option<usize>) -> Result<Compound<'_, W>> {
        self.out.boundary()?;
        self.out.empty(O::EmptyDict, O::Dict, self.proto);
        self.memo_put();
        Ok(Compound::batched(self, Kind::Dict, hint))
    }

    fn begin_set(&mut self, frozen: bool, hint: Option<usize>) -> Result<Compound<'_, W>> {
        self.out.boundary()?;
        let frozen = frozen || self.key > 0;
        if self.proto < 4 {
            self.save_global("builtins", if frozen { "frozenset" } else { "set" })?;
            self.out.boundary()?;
            let marked = self.proto < 2;
            if marked {
                self.out.byte(O::Mark.code());
            }
            // The argument: a fresh list of the items.
            self.out.boundary()?;
            self.out.empty(O::EmptyList, O::List, self.proto);
            self.memo_put();
            self.key += 1;
            let mut c = Compound::batched(self, Kind::List, hint);
            c.after = After::SetReduce { marked };
            return Ok(c);
        }
        self.key += 1;
        if frozen {
            self.out.byte(O::Mark.code());
            return Ok(Compound::new(self, Kind::FrozenSet));
        }
        self.out.byte(O::EmptySet.code());
        self.memo_put();
        Ok(Compound::batched(self, Kind::Set, hint))
    }

    /// A tuple of `len` items (`None`: unknown, decided at the end).
    fn begin_tuple(&mut self, len: Option<usize>) -> Result<Compound<'_, W>> {
        self.out.boundary()?;
        let kind = match len {
            Some(0) => {
                self.empty_tuple();
                Kind::Done
            }
            Some(n) => {
                let marked = !(n <= 3 && self.proto >= 2);
                if marked {
                    self.out.byte(O::Mark.code());
                }
                Kind::Tuple { marked }
            }
            None => {
                let at = self.out.mark();
                Kind::OpenTuple { at }
            }
        };
        Ok(Compound::new(self, kind))
    }

    /// `{variant: ...}`, or `('variant', ...)` in a key: writes up to the
    /// value.
    /// A dict (`serialize_map`, `serialize_struct`); inside a dict key, a
    /// key of the kind `in_key` makes (from where it starts).
    fn begin_mapping(
        &mut self,
        len: Option<usize>,
        in_key: impl FnOnce((usize, u64)) -> Kind,
    ) -> Result<Compound<'_, W>> {
        self.pending = Pending::None;
        if self.key > 0 {
            self.out.boundary()?;
            let at = self.out.mark();
            self.key += 1;
            return Ok(Compound::new(self, in_key(at)));
        }
        self.begin_dict(len)
    }

    fn begin_variant(&mut self, variant: &str) -> Result<After> {
        self.out.boundary()?;
        if self.key > 0 {
            let marked = self.proto < 2;
            if marked {
                self.out.byte(O::Mark.code());
            }
            self.save_str(variant.as_bytes())?;
            Ok(After::KeyVariant { marked })
        } else {
            self.out.empty(O::EmptyDict, O::Dict, self.proto);
            self.memo_put();
            self.save_str(variant.as_bytes())?;
            Ok(After::SetItem)
        }
    }

    fn end_variant(&mut self, after: After) {
        match after {
            After::SetItem => self.out.byte(O::SetItem.code()),
            After::KeyVariant { marked } => self.tuple_end(2, marked),
            _ => {}
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// An exact list: EMPTY_LIST then batches.
    List,
    /// An exact dict (also structs).
    Dict,
    /// A set at protocol 4+: EMPTY_SET then batches.
    Set,
    /// MARK items FROZENSET.
    FrozenSet,
    /// A tuple of known length.
    Tuple {
        marked: bool,
    },
    /// A tuple of unknown length: its MARK may be taken back.
    OpenTuple {
        at: (usize, u64),
    },
    /// Items written inline (object arguments).
    Splice,
    /// In a key: a map as a tuple of (k, v) tuples; a struct as a tuple
    /// of its values. Written like an open tuple.
    KeyMap {
        at: (usize, u64),
    },
    KeyStruct {
        at: (usize, u64),
    },
    /// The empty tuple, already written.
    Done,
    /// An object's parts ([`super::value::InstanceRepr`]).
    Object,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum After {
    None,
    /// Close a `{variant: value}` dict.
    SetItem,
    /// Close a `('variant', value)` tuple.
    KeyVariant {
        marked: bool,
    },
    /// Close `set([...])`: list closed, then `(list,)`, REDUCE.
    SetReduce {
        marked: bool,
    },
}

/// The state of one container being written.
pub struct Compound<'a, W: io::Write> {
    ser: &'a mut Serializer<W>,
    kind: Kind,
    /// Items (pairs for dicts) written so far.
    total: usize,
    /// Items in the open batch.
    in_batch: usize,
    /// One opcode per item (protocol 0, or a single-item container).
    single: bool,
    /// The first batch's MARK, when the item count was unknown.
    first_mark: Option<(usize, u64)>,
    after: After,
    /// For a variant wrapper around this container.
    variant: After,
    obj: ObjState,
}

#[derive(Default)]
struct ObjState {
    part: usize,
    kind: u8,
    marked: bool,
    inst: Option<(String, String)>,
}

impl<'a, W: io::Write> Compound<'a, W> {
    fn new(ser: &'a mut Serializer<W>, kind: Kind) -> Self {
        Compound {
            ser,
            kind,
            total: 0,
            in_batch: 0,
            single: false,
            first_mark: None,
            after: After::None,
            variant: After::None,
            obj: ObjState::default(),
        }
    }

    fn batched(ser: &'a mut Serializer<W>, kind: Kind, hint: Option<usize>) -> Self {
        let single = ser.proto == 0 || (hint == Some(1) && kind != Kind::Set);
        let mut c = Compound::new(ser, kind);
        c.single = single;
        c
    }

    /// Before an item (or a key): open a batch if needed.
    #[inline]
    fn pre(&mut self) {
        match self.kind {
            Kind::List | Kind::Dict | Kind::Set if !self.single && self.in_batch == 0 => {
                let at = self.ser.out.mark();
                if self.total == 0 {
                    self.first_mark = Some(at);
                }
            }
            _ => {}
        }
    }

    /// After an item (or a value).
    #[inline]
    fn post(&mut self) {
        self.total += 1;
        let (one, many) = match self.kind {
            Kind::List => (O::Append, O::Appends),
            Kind::Dict => (O::SetItem, O::SetItems),
            Kind::Set => (O::AddItems, O::AddItems),
            _ => return,
        };
        if self.single {
            self.ser.out.byte(one.code());
            return;
        }
        self.in_batch += 1;
        if self.in_batch == BATCHSIZE {
            self.ser.out.byte(many.code());
            self.in_batch = 0;
        }
    }

    fn end_inner(&mut self) -> Result<()> {
        let ser = &mut *self.ser;
        match self.kind {
            Kind::List | Kind::Dict | Kind::Set => {
                let (one, many) = match self.kind {
                    Kind::List => (O::Append, O::Appends),
                    Kind::Dict => (O::SetItem, O::SetItems),
                    _ => (O::AddItems, O::AddItems),
                };
                if !self.single {
                    if self.in_batch > 0 {
                        let lone = self.total == 1 && self.kind != Kind::Set;
                        if lone && self.first_mark.is_some_and(|at| ser.out.unmark(at)) {
                            ser.out.byte(one.code());
                        } else {
                            ser.out.byte(many.code());
                        }
                    } else if self.total > 0 && self.kind != Kind::List {
                        // CPython's do-while: an empty batch after a full one.
                        ser.out.byte(O::Mark.code());
                        ser.out.byte(many.code());
                    }
                }
                if self.kind == Kind::Set {
                    ser.key -= 1;
                }
            }
            Kind::FrozenSet => {
                ser.key -= 1;
                ser.out.byte(O::FrozenSet.code());
                ser.memo_put();
            }
            Kind::Tuple { marked } => ser.tuple_end(self.total, marked),
            Kind::OpenTuple { at } | Kind::KeyMap { at } | Kind::KeyStruct { at } => {
                let n = self.total;
                if n == 0 && ser.proto > 0 && ser.out.unmark(at) {
                    ser.empty_tuple();
                } else if n == 0 {
                    ser.out.byte(O::Tuple.code());
                } else if n <= 3 && ser.proto >= 2 && ser.out.unmark(at) {
                    ser.tuple_end(n, false);
                } else {
                    ser.tuple_end(n, true);
                }
                if matches!(self.kind, Kind::KeyMap { .. } | Kind::KeyStruct { .. }) {
                    ser.key -= 1;
                }
            }
            Kind::Splice | Kind::Done | Kind::Object => {}
        }
        match self.after {
            After::SetReduce { marked } => {
                ser.key -= 1;
                ser.tuple_end(1, marked);
                ser.out.byte(O::Reduce.code());
                ser.memo_put();
            }
            After::None | After::SetItem | After::KeyVariant { .. } => {}
        }
        let v = self.variant;
        ser.end_variant(v);
        Ok(())
    }

    fn element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
        if self.kind == Kind::Object {
            return self.object_part(value);
        }
        self.pre();
        value.serialize(&mut *self.ser)?;
        if self.kind == Kind::Splice {
            self.total += 1;
            return Ok(());
        }
        if matches!(
            self.kind,
            Kind::Tuple { .. } | Kind::OpenTuple { .. } | Kind::FrozenSet | Kind::KeyStruct { .. }
        ) {
            self.total += 1;
            return Ok(());
        }
        self.post();
        Ok(())
    }

    fn key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<()> {
        if let Kind::KeyMap { .. } = self.kind {
            self.ser.out.boundary()?;
            if self.ser.proto < 2 {
                self.ser.out.byte(O::Mark.code());
            }
            return key.serialize(&mut *self.ser);
        }
        self.pre();
        self.ser.key += 1;
        let r = key.serialize(&mut *self.ser);
        self.ser.key -= 1;
        r
    }

    fn value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
        value.serialize(&mut *self.ser)?;
        if let Kind::KeyMap { .. } = self.kind {
            let marked = self.ser.proto < 2;
            self.ser.tuple_end(2, marked);
            self.total += 1;
            return Ok(());
        }
        self.post();
        Ok(())
    }

    fn field<T: Serialize + ?Sized>(&mut self, name: &'static str, value: &T) -> Result<()> {
        if let Kind::KeyStruct { .. } = self.kind {
            value.serialize(&mut *self.ser)?;
            self.total += 1;
            return Ok(());
        }
        self.pre();
        self.ser.key += 1;
        let r = self.ser.save_str(name.as_bytes());
        self.ser.key -= 1;
        r?;
        value.serialize(&mut *self.ser)?;
        self.post();
        Ok(())
    }

    /// One part of an object (see `InstanceRepr`): kind, callable, args,
    /// kwargs, list items, dict items, set items, state.
    fn object_part<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
        let part = self.obj.part;
        self.obj.part += 1;
        let ser = &mut *self.ser;
        const REDUCE: u8 = 0;
        const NEWOBJ: u8 = 1;
        const NEWOBJ_EX: u8 = 2;
        const INST: u8 = 3;
        const OBJ: u8 = 4;
        let k = self.obj.kind;
        match part {
            0 => {
                let mut c = Capture::default();
                value.serialize(&mut c)?;
                self.obj.kind = c.int.unwrap_or(0) as u8;
                if self.obj.kind > OBJ {
                    return Err(unpicklable("invalid object kind"));
                }
            }
            1 => match k {
                REDUCE => value.serialize(&mut *ser)?,
                NEWOBJ | NEWOBJ_EX if ser.proto >= 2 && (k == NEWOBJ || ser.proto >= 4) => {
                    value.serialize(&mut *ser)?
                }
                NEWOBJ | NEWOBJ_EX => {
                    let name = if k == NEWOBJ {
                        "__newobj__"
                    } else {
                        "__newobj_ex__"
                    };
                    ser.save_global("copyreg", name)?;
                    self.obj.marked = ser.proto < 2 || k == NEWOBJ;
                    if self.obj.marked {
                        ser.out.byte(O::Mark.code());
                    }
                    value.serialize(&mut *ser)?;
                }
                INST => {
                    let mut c = Capture::default();
                    value.serialize(&mut c)?;
                    let (m, n) = c
                        .global
                        .ok_or_else(|| unpicklable("an INST object's class must be a global"))?;
                    self.obj.inst = Some((m, n));
                    ser.out.byte(O::Mark.code());
                }
                _ => {
                    ser.out.byte(O::Mark.code());
                    value.serialize(&mut *ser)?;
                }
            },
            2 => match k {
                REDUCE => {
                    value.serialize(&mut *ser)?;
                    ser.out.byte(O::Reduce.code());
                }
                NEWOBJ if ser.proto >= 2 => {
                    value.serialize(&mut *ser)?;
                    ser.out.byte(O::NewObj.code());
                }
                NEWOBJ_EX if ser.proto >= 4 => value.serialize(&mut *ser)?,
                NEWOBJ_EX => value.serialize(&mut *ser)?,
                _ => {
                    // NEWOBJ below protocol 2, INST, OBJ: the arguments inline.
                    ser.pending = Pending::Splice;
                    value.serialize(&mut *ser)?;
                    ser.pending = Pending::None;
                    match k {
                        NEWOBJ => {
                            ser.tuple_end(0, true);
                            ser.out.byte(O::Reduce.code());
                        }
                        INST => {
                            let (m, n) = self.obj.inst.take().unwrap_or_default();
                            let mut line = vec![O::Inst.code()];
                            line.extend_from_slice(m.as_bytes());
                            line.push(b'\n');
                            line.extend_from_slice(n.as_bytes());
                            line.push(b'\n');
                            ser.out.write(&line);
                        }
                        _ => ser.out.byte(O::Obj.code()),
                    }
                }
            },
            3 => {
                if k == NEWOBJ_EX {
                    value.serialize(&mut *ser)?;
                    if ser.proto >= 4 {
                        ser.out.byte(O::NewObjEx.code());
                    } else {
                        let marked = self.obj.marked;
                        ser.tuple_end(3, marked);
                        ser.out.byte(O::Reduce.code());
                    }
                }
                ser.memo_put();
            }
            4 => value.serialize(ObjItems {
                ser,
                single: O::Append,
                multi: O::Appends,
            })?,
            5 => value.serialize(ObjItems {
                ser,
                single: O::SetItem,
                multi: O::SetItems,
            })?,
            6 => value.serialize(ObjItems {
                ser,
                single: O::AddItems,
                multi: O::AddItems,
            })?,
            7 => {
                let mut c = Capture::default();
                value.serialize(&mut c)?;
                if !c.none {
                    value.serialize(&mut *ser)?;
                    ser.out.byte(O::Build.code());
                }
            }
            _ => return Err(unpicklable("too many object parts")),
        }
        Ok(())
    }
}

// ----- the serde Serializer -----

/// `serialize_i8` ... `serialize_u32` as `serialize_i64` (every one fits).
macro_rules! small_ints_as_i64 {
    () => {
        small_ints_as_i64!(serialize_i8 i8, serialize_i16 i16, serialize_i32 i32,
            serialize_u8 u8, serialize_u16 u16, serialize_u32 u32);
    };
    ($($f:ident $t:ty),*) => {$(
        fn $f(self, v: $t) -> Result<()> {
            self.serialize_i64(i64::from(v))
        }
    )*};
}

/// `serialize_tuple_variant` and `serialize_struct_variant`: the
/// variant's wrapper (see `begin_variant`) around what `begin` opens.
macro_rules! variant_methods {
    ($($method:ident => $begin:expr,)*) => {$(
        fn $method(
            self,
            _name: &'static str,
            _index: u32,
            variant: &'static str,
            len: usize,
        ) -> Result<Compound<'a, W>> {
            let after = self.begin_variant(variant)?;
            let mut c = ($begin)(self, len)?;
            c.variant = after;
            Ok(c)
        }
    )*};
}

impl<'a, W: io::Write> ser::Serializer for &'a mut Serializer<W> {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = Compound<'a, W>;
    type SerializeTuple = Compound<'a, W>;
    type SerializeTupleStruct = Compound<'a, W>;
    type SerializeTupleVariant = Compound<'a, W>;
    type SerializeMap = Compound<'a, W>;
    type SerializeStruct = Compound<'a, W>;
    type SerializeStructVariant = Compound<'a, W>;

    fn serialize_bool(self, v: bool) -> Result<()> {
        self.out.boundary()?;
        self.out.bool(v, self.proto);
        Ok(())
    }
    small_ints_as_i64!();
    fn serialize_i64(self, v: i64) -> Result<()> {
        self.out.boundary()?;
        self.out.int(v, self.proto);
        Ok(())
    }
    fn serialize_i128(self, v: i128) -> Result<()> {
        self.out.boundary()?;
        self.out.bigint(&BigInt::from(v), self.proto)
    }
    fn serialize_u64(self, v: u64) -> Result<()> {
        self.out.boundary()?;
        match i64::try_from(v) {
            Ok(i) => {
                self.out.int(i, self.proto);
                Ok(())
            }
            Err(_) => self.out.bigint(&BigInt::from(v), self.proto),
        }
    }
    fn serialize_u128(self, v: u128) -> Result<()> {
        self.out.boundary()?;
        self.out.bigint(&BigInt::from(v), self.proto)
    }
    fn serialize_f32(self, v: f32) -> Result<()> {
        self.serialize_f64(v as f64)
    }
    fn serialize_f64(self, v: f64) -> Result<()> {
        self.out.boundary()?;
        self.out.float(v, self.proto);
        Ok(())
    }
    fn serialize_char(self, v: char) -> Result<()> {
        let mut b = [0u8; 4];
        self.save_str(v.encode_utf8(&mut b).as_bytes())
    }
    fn serialize_str(self, v: &str) -> Result<()> {
        match self.take_pending() {
            Pending::BigInt => {
                let b: BigInt = v
                    .parse()
                    .map_err(|_| unpicklable(format!("invalid int {v:?}")))?;
                self.out.boundary()?;
                self.out.bigint(&b, self.proto)
            }
            _ => self.save_str(v.as_bytes()),
        }
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<()> {
        match self.take_pending() {
            Pending::ByteArray => self.save_bytearray(v),
            Pending::Wtf8 => {
                if PyStr::from_wtf8(v).is_none() {
                    return Err(unpicklable("invalid str"));
                }
                self.save_str(v)
            }
            _ => self.save_bytes(v),
        }
    }
    fn serialize_none(self) -> Result<()> {
        self.out.boundary()?;
        self.save_none();
        Ok(())
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<()> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<()> {
        self.serialize_none()
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result<()> {
        self.serialize_none()
    }
    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<()> {
        self.save_str(variant.as_bytes())
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        name: &'static str,
        value: &T,
    ) -> Result<()> {
        if name.starts_with('\0') {
            let p = match name {
                MAGIC_SET => Pending::Set,
                MAGIC_FROZENSET => Pending::FrozenSet,
                MAGIC_BYTEARRAY => Pending::ByteArray,
                MAGIC_WTF8 => Pending::Wtf8,
                MAGIC_BIGINT => Pending::BigInt,
                MAGIC_GLOBAL => {
                    let mut c = Capture::default();
                    value.serialize(&mut c)?;
                    let (m, n) = match (c.strs.first(), c.strs.get(1)) {
                        (Some(m), Some(n)) => (m.clone(), n.clone()),
                        _ => return Err(unpicklable("a global needs (module, name)")),
                    };
                    return self.save_global(&m, &n);
                }
                MAGIC_OBJECT => {
                    self.out.boundary()?;
                    let mut c = Compound::new(self, Kind::Object);
                    value.serialize(ObjectParts(&mut c))?;
                    return Ok(());
                }
                _ => Pending::None,
            };
            self.pending = p;
            let r = value.serialize(&mut *self);
            self.pending = Pending::None;
            return r;
        }
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<()> {
        let after = self.begin_variant(variant)?;
        value.serialize(&mut *self)?;
        self.end_variant(after);
        Ok(())
    }
    fn serialize_seq(self, len: Option<usize>) -> Result<Compound<'a, W>> {
        match self.take_pending() {
            Pending::Set => self.begin_set(false, len),
            Pending::FrozenSet => self.begin_set(true, len),
            Pending::Splice => Ok(Compound::new(self, Kind::Splice)),
            _ if self.key > 0 => self.begin_tuple(None),
            _ => self.begin_list(len),
        }
    }
    fn serialize_tuple(self, len: usize) -> Result<Compound<'a, W>> {
        match self.take_pending() {
            Pending::Set => self.begin_set(false, Some(len)),
            Pending::FrozenSet => self.begin_set(true, Some(len)),
            Pending::Splice => Ok(Compound::new(self, Kind::Splice)),
            _ => self.begin_tuple(Some(len)),
        }
    }
    fn serialize_tuple_struct(self, _name: &'static str, len: usize) -> Result<Compound<'a, W>> {
        self.serialize_tuple(len)
    }
    fn serialize_map(self, len: Option<usize>) -> Result<Compound<'a, W>> {
        self.begin_mapping(len, |at| Kind::KeyMap { at })
    }
    fn serialize_struct(self, _name: &'static str, len: usize) -> Result<Compound<'a, W>> {
        self.begin_mapping(Some(len), |at| Kind::KeyStruct { at })
    }
    variant_methods! {
        serialize_tuple_variant => |s: &'a mut Serializer<W>, len| s.begin_tuple(Some(len)),
        serialize_struct_variant => |s: &'a mut Serializer<W>, len| s.begin_mapping(Some(len), |at| Kind::KeyStruct { at }),
    }
    fn is_human_readable(&self) -> bool {
        true
    }
}

/// The sequence-like `Serialize*` traits of [`Compound`]: one element method
/// that stores the value, `end` closing the container.
macro_rules! compound_elements {
    ($($tr:ident :: $method:ident),* $(,)?) => {$(
        impl<W: io::Write> ser::$tr for Compound<'_, W> {
            type Ok = ();
            type Error = Error;
            fn $method<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
                self.element(value)
            }
            fn end(mut self) -> Result<()> {
                self.end_inner()
            }
        }
    )*};
}

compound_elements!(
    SerializeSeq::serialize_element,
    SerializeTuple::serialize_element,
    SerializeTupleStruct::serialize_field,
    SerializeTupleVariant::serialize_field,
);

impl<W: io::Write> ser::SerializeMap for Compound<'_, W> {
    type Ok = ();
    type Error = Error;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<()> {
        self.key(key)
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
        self.value(value)
    }
    fn end(mut self) -> Result<()> {
        self.end_inner()
    }
}

/// The struct-like `Serialize*` traits of [`Compound`].
macro_rules! compound_fields {
    ($($tr:ident),*) => {$(
        impl<W: io::Write> ser::$tr for Compound<'_, W> {
            type Ok = ();
            type Error = Error;
            fn serialize_field<T: Serialize + ?Sized>(
                &mut self,
                key: &'static str,
                value: &T,
            ) -> Result<()> {
                self.field(key, value)
            }
            fn end(mut self) -> Result<()> {
                self.end_inner()
            }
        }
    )*};
}

compound_fields!(SerializeStruct, SerializeStructVariant);

// ----- objects -----

/// Receives `InstanceRepr`'s 8-tuple and hands each part to the object
/// state machine.
struct ObjectParts<'c, 'a, W: io::Write>(&'c mut Compound<'a, W>);

impl<W: io::Write> ser::SerializeTuple for ObjectParts<'_, '_, W> {
    type Ok = ();
    type Error = Error;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
        self.0.object_part(value)
    }
    fn end(self) -> Result<()> {
        Ok(())
    }
}

macro_rules! unsupported {
    ($($f:ident($($a:ty),*) -> $r:ty;)*) => {$(
        fn $f(self, $(_: $a),*) -> Result<$r> {
            Err(unpicklable("unsupported value here"))
        }
    )*};
}

/// The `Serializer` methods of the helpers that only take a compound:
/// every scalar, option and newtype is refused.
macro_rules! refuse_scalars {
    () => {
        unsupported! {
            serialize_bool(bool) -> ();
            serialize_i8(i8) -> ();
            serialize_i16(i16) -> ();
            serialize_i32(i32) -> ();
            serialize_i64(i64) -> ();
            serialize_u8(u8) -> ();
            serialize_u16(u16) -> ();
            serialize_u32(u32) -> ();
            serialize_u64(u64) -> ();
            serialize_f32(f32) -> ();
            serialize_f64(f64) -> ();
            serialize_char(char) -> ();
            serialize_str(&str) -> ();
            serialize_bytes(&[u8]) -> ();
            serialize_none() -> ();
            serialize_unit() -> ();
            serialize_unit_struct(&'static str) -> ();
            serialize_unit_variant(&'static str, u32, &'static str) -> ();
        }
        fn serialize_some<T: Serialize + ?Sized>(self, _: &T) -> Result<()> {
            Err(unpicklable("unsupported value here"))
        }
        fn serialize_newtype_struct<T: Serialize + ?Sized>(
            self,
            _: &'static str,
            _: &T,
        ) -> Result<()> {
            Err(unpicklable("unsupported value here"))
        }
        fn serialize_newtype_variant<T: Serialize + ?Sized>(
            self,
            _: &'static str,
            _: u32,
            _: &'static str,
            _: &T,
        ) -> Result<()> {
            Err(unpicklable("unsupported value here"))
        }
    };
}

impl<'c, 'a, W: io::Write> ser::Serializer for ObjectParts<'c, 'a, W> {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = ser::Impossible<(), Error>;
    type SerializeTuple = Self;
    type SerializeTupleStruct = ser::Impossible<(), Error>;
    type SerializeTupleVariant = ser::Impossible<(), Error>;
    type SerializeMap = ser::Impossible<(), Error>;
    type SerializeStruct = ser::Impossible<(), Error>;
    type SerializeStructVariant = ser::Impossible<(), Error>;
    fn serialize_tuple(self, _len: usize) -> Result<Self> {
        Ok(self)
    }
    unsupported! {
        serialize_seq(Option<usize>) -> Self::SerializeSeq;
        serialize_tuple_struct(&'static str, usize) -> Self::SerializeTupleStruct;
        serialize_tuple_variant(&'static str, u32, &'static str, usize) -> Self::SerializeTupleVariant;
        serialize_map(Option<usize>) -> Self::SerializeMap;
        serialize_struct(&'static str, usize) -> Self::SerializeStruct;
        serialize_struct_variant(&'static str, u32, &'static str, usize) -> Self::SerializeStructVariant;
    }
    refuse_scalars!();
}

/// Writes an object's list/dict/set items the way `save_reduce` does
/// (`batch_list`/`batch_dict` over an iterator; sets in chunks).
struct ObjItems<'s, W: io::Write> {
    ser: &'s mut Serializer<W>,
    single: O,
    multi: O,
}

struct ObjBatch<'s, W: io::Write> {
    ser: &'s mut Serializer<W>,
    single: O,
    multi: O,
    len: usize,
    done: usize,
    in_batch: usize,
    pending_key: bool,
}

impl<W: io::Write> ObjBatch<'_, W> {
    fn is_set(&self) -> bool {
        self.single == O::AddItems
    }

    /// Before an item: open a batch if one starts here.
    fn pre(&mut self) {
        if self.in_batch > 0 {
            return;
        }
        let left = self.len - self.done;
        if self.is_set() || (self.ser.proto > 0 && left > 1) {
            self.ser.out.byte(O::Mark.code());
        }
    }

    fn post(&mut self) {
        let left_before = self.len - self.done;
        self.done += 1;
        if self.is_set() {
            self.in_batch += 1;
            if self.in_batch == BATCHSIZE || self.done == self.len {
                self.ser.out.byte(O::AddItems.code());
                self.in_batch = 0;
            }
            return;
        }
        if self.ser.proto == 0 || (self.in_batch == 0 && left_before == 1) {
            self.ser.out.byte(self.single.code());
            return;
        }
        self.in_batch += 1;
        if self.in_batch == BATCHSIZE || self.done == self.len {
            self.ser.out.byte(self.multi.code());
            self.in_batch = 0;
        }
    }
}

impl<W: io::Write> ser::SerializeSeq for ObjBatch<'_, W> {
    type Ok = ();
    type Error = Error;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
        self.pre();
        value.serialize(&mut *self.ser)?;
        self.post();
        Ok(())
    }
    fn end(self) -> Result<()> {
        Ok(())
    }
}

impl<W: io::Write> ser::SerializeMap for ObjBatch<'_, W> {
    type Ok = ();
    type Error = Error;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<()> {
        self.pre();
        self.pending_key = true;
        self.ser.key += 1;
        let r = key.serialize(&mut *self.ser);
        self.ser.key -= 1;
        r
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
        value.serialize(&mut *self.ser)?;
        self.pending_key = false;
        self.post();
        Ok(())
    }
    fn end(self) -> Result<()> {
        Ok(())
    }
}

impl<'s, W: io::Write> ser::Serializer for ObjItems<'s, W> {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = ObjBatch<'s, W>;
    type SerializeTuple = ser::Impossible<(), Error>;
    type SerializeTupleStruct = ser::Impossible<(), Error>;
    type SerializeTupleVariant = ser::Impossible<(), Error>;
    type SerializeMap = ObjBatch<'s, W>;
    type SerializeStruct = ser::Impossible<(), Error>;
    type SerializeStructVariant = ser::Impossible<(), Error>;
    fn serialize_seq(self, len: Option<usize>) -> Result<ObjBatch<'s, W>> {
        Ok(ObjBatch {
            ser: self.ser,
            single: self.single,
            multi: self.multi,
            len: len.ok_or_else(|| unpicklable("object items need a known length"))?,
            done: 0,
            in_batch: 0,
            pending_key: false,
        })
    }
    fn serialize_map(self, len: Option<usize>) -> Result<ObjBatch<'s, W>> {
        self.serialize_seq(len)
    }
    unsupported! {
        serialize_tuple(usize) -> Self::SerializeTuple;
        serialize_tuple_struct(&'static str, usize) -> Self::SerializeTupleStruct;
        serialize_tuple_variant(&'static str, u32, &'static str, usize) -> Self::SerializeTupleVariant;
        serialize_struct(&'static str, usize) -> Self::SerializeStruct;
        serialize_struct_variant(&'static str, u32, &'static str, usize) -> Self::SerializeStructVariant;
    }
    refuse_scalars!();
}

/// Captures small values without writing them: an int, strs, whether it
/// is None, a sequence's length, a global's names.
#[derive(Default)]
struct Capture {
    int: Option<i64>,
    strs: Vec<String>,
    none: bool,
    len: Option<usize>,
    global: Option<(String, String)>,
}

impl<'c> ser::Serializer for &'c mut Capture {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = &'c mut Capture;
    type SerializeTuple = &'c mut Capture;
    type SerializeTupleStruct = &'c mut Capture;
    type SerializeTupleVariant = ser::Impossible<(), Error>;
    type SerializeMap = &'c mut Capture;
    type SerializeStruct = ser::Impossible<(), Error>;
    type SerializeStructVariant = ser::Impossible<(), Error>;
    fn serialize_bool(self, _: bool) -> Result<()> {
        Ok(())
    }
    small_ints_as_i64!();
    fn serialize_i64(self, v: i64) -> Result<()> {
        self.int = Some(v);
        Ok(())
    }
    fn serialize_u64(self, v: u64) -> Result<()> {
        self.int = i64::try_from(v).ok();
        Ok(())
    }
    fn serialize_f32(self, _: f32) -> Result<()> {
        Ok(())
    }
    fn serialize_f64(self, _: f64) -> Result<()> {
        Ok(())
    }
    fn serialize_char(self, _: char) -> Result<()> {
        Ok(())
    }
    fn serialize_str(self, v: &str) -> Result<()> {
        self.strs.push(v.to_string());
        Ok(())
    }
    fn serialize_bytes(self, _: &[u8]) -> Result<()> {
        Ok(())
    }
    fn serialize_none(self) -> Result<()> {
        self.none = true;
        Ok(())
    }
    fn serialize_some<T: Serialize + ?Sized>(self, _: &T) -> Result<()> {
        Ok(())
    }
    fn serialize_unit(self) -> Result<()> {
        self.none = true;
        Ok(())
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<()> {
        Ok(())
    }
    fn serialize_unit_variant(self, _: &'static str, _: u32, _: &'static str) -> Result<()> {
        Ok(())
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        name: &'static str,
        value: &T,
    ) -> Result<()> {
        if name == MAGIC_GLOBAL {
            let mut c = Capture::default();
            value.serialize(&mut c)?;
            if c.strs.len() == 2 {
                let n = c.strs.pop().unwrap_or_default();
                let m = c.strs.pop().unwrap_or_default();
                self.global = Some((m, n));
            }
        }
        Ok(())
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<()> {
        Ok(())
    }
    fn serialize_seq(self, len: Option<usize>) -> Result<Self> {
        self.len = len;
        Ok(self)
    }
    fn serialize_tuple(self, len: usize) -> Result<Self> {
        self.len = Some(len);
        Ok(self)
    }
    fn serialize_tuple_struct(self, _: &'static str, len: usize) -> Result<Self> {
        self.len = Some(len);
        Ok(self)
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant> {
        Err(unpicklable("unexpected value"))
    }
    fn serialize_map(self, len: Option<usize>) -> Result<Self> {
        self.len = len;
        Ok(self)
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self::SerializeStruct> {
        Err(unpicklable("unexpected value"))
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant> {
        Err(unpicklable("unexpected value"))
    }
}

/// The sequence-like `Serialize*` traits of [`Capture`]: every element is
/// captured in turn.
macro_rules! capture_elements {
    ($($tr:ident :: $method:ident),*) => {$(
        impl ser::$tr for &mut Capture {
            type Ok = ();
            type Error = Error;
            fn $method<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<()> {
                v.serialize(&mut **self)
            }
            fn end(self) -> Result<()> {
                Ok(())
            }
        }
    )*};
}

capture_elements!(
    SerializeSeq::serialize_element,
    SerializeTuple::serialize_element,
    SerializeTupleStruct::serialize_field
);

impl ser::SerializeMap for &mut Capture {
    type Ok = ();
    type Error = Error;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, _: &T) -> Result<()> {
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, _: &T) -> Result<()> {
        Ok(())
    }
    fn end(self) -> Result<()> {
        Ok(())
    }
}
