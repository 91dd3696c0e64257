//! How brinery's deserializers hand Python-only types (tuple, set,
//! frozenset, bytearray, big int, str with surrogates, global, object) to
//! [`super::Value`]'s visitor through serde's data model: a one-entry map
//! whose key is a tag (a str starting with NUL, which no identifier has)
//! and whose value is the payload. Only produced when `Value` asks (with
//! its private newtype name), so ordinary types never see them.

use std::marker::PhantomData;

use ::serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};

use crate::error::{Error, Result};

pub(super) const PREFIX: &str = "\0brinery:";
pub(super) const TUPLE: &str = "\0brinery:tuple";
pub(super) const SET: &str = "\0brinery:set";
pub(super) const FROZENSET: &str = "\0brinery:frozenset";
pub(super) const BYTEARRAY: &str = "\0brinery:bytearray";
pub(super) const INT: &str = "\0brinery:int";
pub(super) const STR: &str = "\0brinery:str";
pub(super) const GLOBAL: &str = "\0brinery:global";
pub(super) const OBJECT: &str = "\0brinery:object";
pub(super) const DICT: &str = "\0brinery:dict";

/// A one-entry map `{tag: payload}`.
pub(super) struct Tagged<P> {
    tag: Option<&'static str>,
    payload: Option<P>,
}

impl<P> Tagged<P> {
    pub(super) fn new(tag: &'static str, payload: P) -> Self {
        Tagged {
            tag: Some(tag),
            payload: Some(payload),
        }
    }
}

impl Tagged<BytesPayload> {
    pub(super) fn bytes(tag: &'static str, b: Vec<u8>) -> Self {
        Tagged::new(tag, BytesPayload(b))
    }
}

impl<'de, P: de::Deserializer<'de, Error = Error>> MapAccess<'de> for Tagged<P> {
    type Error = Error;
    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>> {
        match self.tag.take() {
            Some(t) => seed
                .deserialize(de::value::BorrowedStrDeserializer::<Error>::new(t))
                .map(Some),
            None => Ok(None),
        }
    }
    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value> {
        match self.payload.take() {
            Some(p) => seed.deserialize(p),
            None => Err(<Error as de::Error>::custom("tag value read twice")),
        }
    }
    fn size_hint(&self) -> Option<usize> {
        Some(self.tag.is_some() as usize)
    }
}

macro_rules! forward_all {
    () => {
        ::serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
            bytes byte_buf option unit unit_struct newtype_struct seq tuple
            tuple_struct map struct enum identifier ignored_any
        }
    };
}
pub(super) use forward_all;

/// The parts of brinery's two Python-data deserializers (the stream's and
/// the graph's) that are the same: unit structs read as unit, the
/// private newtype names of [`super::Value`] and [`super::BigInt`] handed
/// to the deserializer's own `newtype_value`/`newtype_bigint`, and every
/// other type forwarded to `deserialize_any` (plus `$forward`). With
/// `enum;` first, enums are read by the deserializer's own `enum_value`.
macro_rules! python_deserializer {
    (enum; $($forward:ident)*) => {
        fn deserialize_enum<V: Visitor<'de>>(
            self,
            _name: &'static str,
            _variants: &'static [&'static str],
            visitor: V,
        ) -> Result<V::Value> {
            self.enum_value(visitor)
        }

        $crate::serde::tags::python_deserializer!($($forward)*);
    };
    ($($forward:ident)*) => {
        fn deserialize_unit_struct<V: Visitor<'de>>(
            self,
            _name: &'static str,
            visitor: V,
        ) -> Result<V::Value> {
            self.deserialize_unit(visitor)
        }

        fn deserialize_newtype_struct<V: Visitor<'de>>(
            self,
            name: &'static str,
            visitor: V,
        ) -> Result<V::Value> {
            match name {
                $crate::serde::MAGIC_VALUE => self.newtype_value(visitor),
                $crate::serde::MAGIC_BIGINT => self.newtype_bigint(visitor),
                _ => visitor.visit_newtype_struct(self),
            }
        }

        fn is_human_readable(&self) -> bool {
            true
        }

        ::serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
            bytes byte_buf seq tuple tuple_struct map struct identifier $($forward)*
        }
    };
}
pub(super) use python_deserializer;

/// Bytes.
pub(super) struct BytesPayload(pub Vec<u8>);

impl<'de> de::Deserializer<'de> for BytesPayload {
    type Error = Error;
    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        visitor.visit_byte_buf(self.0)
    }
    forward_all!();
}

/// An empty sequence.
pub(super) struct EmptyPayload;

impl<'de> de::Deserializer<'de> for EmptyPayload {
    type Error = Error;
    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        visitor.visit_seq(de::value::SeqDeserializer::<_, Error>::new(
            std::iter::empty::<()>(),
        ))
    }
    forward_all!();
}

/// A (module, name) pair.
pub(super) struct Pair(pub String, pub String);

impl<'de> de::Deserializer<'de> for Pair {
    type Error = Error;
    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        visitor.visit_seq(de::value::SeqDeserializer::<_, Error>::new(
            [self.0, self.1].into_iter(),
        ))
    }
    forward_all!();
}

/// Wraps a visitor: a map given to it is presented as a sequence of
/// `(key, value)` 2-tuples.
pub(super) struct MapAsPairs<V>(pub V);

impl<'de, V: Visitor<'de>> Visitor<'de> for MapAsPairs<V> {
    type Value = V::Value;
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        self.0.expecting(f)
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> std::result::Result<V::Value, A::Error> {
        self.0.visit_seq(PairsSeq { map })
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> std::result::Result<V::Value, A::Error> {
        self.0.visit_seq(seq)
    }
}

struct PairsSeq<A> {
    map: A,
}

impl<'de, A: MapAccess<'de>> SeqAccess<'de> for PairsSeq<A> {
    type Error = A::Error;
    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> std::result::Result<Option<T::Value>, A::Error> {
        if self.map.size_hint() == Some(0) {
            return Ok(None);
        }
        seed.deserialize(PairDe {
            map: &mut self.map,
            _e: PhantomData,
        })
        .map(Some)
    }
    fn size_hint(&self) -> Option<usize> {
        self.map.size_hint()
    }
}

struct PairDe<'a, A> {
    map: &'a mut A,
    _e: PhantomData<()>,
}

impl<'de, A: MapAccess<'de>> de::Deserializer<'de> for PairDe<'_, A> {
    type Error = A::Error;
    fn deserialize_any<V: Visitor<'de>>(
        self,
        visitor: V,
    ) -> std::result::Result<V::Value, A::Error> {
        visitor.visit_seq(PairSeq {
            map: self.map,
            state: 0,
        })
    }
    ::serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct newtype_struct seq tuple
        tuple_struct map struct enum identifier ignored_any
    }
}

struct PairSeq<'a, A> {
    map: &'a mut A,
    state: u8,
}

impl<'de, A: MapAccess<'de>> SeqAccess<'de> for PairSeq<'_, A> {
    type Error = A::Error;
    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> std::result::Result<Option<T::Value>, A::Error> {
        self.state += 1;
        match self.state {
            1 => self.map.next_key_seed(seed),
            2 => self.map.next_value_seed(seed).map(Some),
            _ => Ok(None),
        }
    }
    fn size_hint(&self) -> Option<usize> {
        Some(2usize.saturating_sub(self.state as usize))
    }
}
