//! Serializes a [`Record`] by its own `Serialize` implementation, leaving
//! out its `data` field: `log._wweMessages` writes the message once, beside
//! the record, and every other field of the record (including fields added
//! to it later) goes through unchanged. A record with flattened fields
//! (`Record::extra`) serializes as a map, whose `data` entry is left out
//! the same way.

use serde::ser::{Impossible, SerializeMap, SerializeStruct, Serializer};
use serde::Serialize;

use crate::record::Record;

/// The record without `data`, for `_record`.
pub(super) struct WithoutData<'a>(pub &'a Record);

impl Serialize for WithoutData<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(SkipData(s))
    }
}

/// Passes a struct or map through, skipping the field called `data`. A
/// record is one of these; any other shape is refused.
struct SkipData<S>(S);

struct SkipDataStruct<S>(S);

impl<S: SerializeStruct> SerializeStruct for SkipDataStruct<S> {
    type Ok = S::Ok;
    type Error = S::Error;

    fn serialize_field<T: ?Sized + Serialize>(&mut self, key: &'static str, value: &T) -> Result<(), S::Error> {
        if key == "data" {
            self.0.skip_field(key)
        } else {
            self.0.serialize_field(key, value)
        }
    }

    fn skip_field(&mut self, key: &'static str) -> Result<(), S::Error> {
        self.0.skip_field(key)
    }

    fn end(self) -> Result<S::Ok, S::Error> {
        self.0.end()
    }
}

struct SkipDataMap<M> {
    map: M,
    /// The key just passed to `serialize_key` was `data`: drop its value.
    skipping: bool,
}

impl<M: SerializeMap> SerializeMap for SkipDataMap<M> {
    type Ok = M::Ok;
    type Error = M::Error;

    fn serialize_key<T: ?Sized + Serialize>(&mut self, key: &T) -> Result<(), M::Error> {
        self.skipping = is_data(key);
        if self.skipping {
            Ok(())
        } else {
            self.map.serialize_key(key)
        }
    }

    fn serialize_value<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), M::Error> {
        if std::mem::take(&mut self.skipping) {
            Ok(())
        } else {
            self.map.serialize_value(value)
        }
    }

    fn serialize_entry<K: ?Sized + Serialize, V: ?Sized + Serialize>(&mut self, key: &K, value: &V) -> Result<(), M::Error> {
        if is_data(key) {
            Ok(())
        } else {
            self.map.serialize_entry(key, value)
        }
    }

    fn end(self) -> Result<M::Ok, M::Error> {
        self.map.end()
    }
}

/// Whether a map key is the string `data`. `Err(true)` carries the
/// answer out of [`IsData`]: a key is a string, and anything else is not
/// `data`.
fn is_data<T: ?Sized + Serialize>(key: &T) -> bool {
    matches!(key.serialize(IsData), Err(Answer(true)))
}

#[derive(Debug)]
struct Answer(bool);

impl std::fmt::Display for Answer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl std::error::Error for Answer {}

impl serde::ser::Error for Answer {
    fn custom<T: std::fmt::Display>(_: T) -> Answer {
        Answer(false)
    }
}

/// Answers [`is_data`] through its error, so that no method needs a
/// value of its own; every non-string key answers `false`.
struct IsData;

macro_rules! not_data {
    ($($name:ident($($arg:ty),*);)*) => {
        $(fn $name(self, $(_: $arg),*) -> Result<(), Answer> { Err(Answer(false)) })*
    };
}

impl Serializer for IsData {
    type Ok = ();
    type Error = Answer;
    type SerializeSeq = Impossible<(), Answer>;
    type SerializeTuple = Impossible<(), Answer>;
    type SerializeTupleStruct = Impossible<(), Answer>;
    type SerializeTupleVariant = Impossible<(), Answer>;
    type SerializeMap = Impossible<(), Answer>;
    type SerializeStruct = Impossible<(), Answer>;
    type SerializeStructVariant = Impossible<(), Answer>;

    fn serialize_str(self, v: &str) -> Result<(), Answer> {
        Err(Answer(v == "data"))
    }

    not_data! {
        serialize_bool(bool);
        serialize_i8(i8);
        serialize_i16(i16);
        serialize_i32(i32);
        serialize_i64(i64);
        serialize_u8(u8);
        serialize_u16(u16);
        serialize_u32(u32);
        serialize_u64(u64);
        serialize_f32(f32);
        serialize_f64(f64);
        serialize_char(char);
        serialize_bytes(&[u8]);
        serialize_none();
        serialize_unit();
        serialize_unit_struct(&'static str);
        serialize_unit_variant(&'static str, u32, &'static str);
    }

    fn serialize_some<T: ?Sized + Serialize>(self, _: &T) -> Result<(), Answer> {
        Err(Answer(false))
    }

    fn serialize_newtype_struct<T: ?Sized + Serialize>(self, _: &'static str, v: &T) -> Result<(), Answer> {
        v.serialize(self)
    }

    fn serialize_newtype_variant<T: ?Sized + Serialize>(self, _: &'static str, _: u32, _: &'static str, _: &T) -> Result<(), Answer> {
        Err(Answer(false))
    }

    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, Answer> {
        Err(Answer(false))
    }

    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, Answer> {
        Err(Answer(false))
    }

    fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Result<Self::SerializeTupleStruct, Answer> {
        Err(Answer(false))
    }

    fn serialize_tuple_variant(self, _: &'static str, _: u32, _: &'static str, _: usize) -> Result<Self::SerializeTupleVariant, Answer> {
        Err(Answer(false))
    }

    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, Answer> {
        Err(Answer(false))
    }

    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self::SerializeStruct, Answer> {
        Err(Answer(false))
    }

    fn serialize_struct_variant(self, _: &'static str, _: u32, _: &'static str, _: usize) -> Result<Self::SerializeStructVariant, Answer> {
        Err(Answer(false))
    }
}

fn not_a_struct<E: serde::ser::Error>() -> E {
    E::custom("a record serializes as a struct")
}

macro_rules! refuse {
    ($($name:ident($($arg:ty),*);)*) => {
        $(fn $name(self, $(_: $arg),*) -> Result<S::Ok, S::Error> { Err(not_a_struct()) })*
    };
}

impl<S: Serializer> Serializer for SkipData<S> {
    type Ok = S::Ok;
    type Error = S::Error;
    type SerializeSeq = Impossible<S::Ok, S::Error>;
    type SerializeTuple = Impossible<S::Ok, S::Error>;
    type SerializeTupleStruct = Impossible<S::Ok, S::Error>;
    type SerializeTupleVariant = Impossible<S::Ok, S::Error>;
    type SerializeMap = SkipDataMap<S::SerializeMap>;
    type SerializeStruct = SkipDataStruct<S::SerializeStruct>;
    type SerializeStructVariant = Impossible<S::Ok, S::Error>;

    fn serialize_struct(self, name: &'static str, len: usize) -> Result<Self::SerializeStruct, S::Error> {
        self.0.serialize_struct(name, len).map(SkipDataStruct)
    }

    refuse! {
        serialize_bool(bool);
        serialize_i8(i8);
        serialize_i16(i16);
        serialize_i32(i32);
        serialize_i64(i64);
        serialize_u8(u8);
        serialize_u16(u16);
        serialize_u32(u32);
        serialize_u64(u64);
        serialize_f32(f32);
        serialize_f64(f64);
        serialize_char(char);
        serialize_str(&str);
        serialize_bytes(&[u8]);
        serialize_none();
        serialize_unit();
        serialize_unit_struct(&'static str);
        serialize_unit_variant(&'static str, u32, &'static str);
    }

    fn serialize_some<T: ?Sized + Serialize>(self, _: &T) -> Result<S::Ok, S::Error> {
        Err(not_a_struct())
    }

    fn serialize_newtype_struct<T: ?Sized + Serialize>(self, _: &'static str, _: &T) -> Result<S::Ok, S::Error> {
        Err(not_a_struct())
    }

    fn serialize_newtype_variant<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<S::Ok, S::Error> {
        Err(not_a_struct())
    }

    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, S::Error> {
        Err(not_a_struct())
    }

    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, S::Error> {
        Err(not_a_struct())
    }

    fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Result<Self::SerializeTupleStruct, S::Error> {
        Err(not_a_struct())
    }

    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, S::Error> {
        Err(not_a_struct())
    }

    fn serialize_map(self, len: Option<usize>) -> Result<Self::SerializeMap, S::Error> {
        self.0.serialize_map(len).map(|map| SkipDataMap { map, skipping: false })
    }

    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, S::Error> {
        Err(not_a_struct())
    }
}
