//! Redaction while serializing: every string of data passes through the
//! [`Redactor`]; the names our own types write do not.
//!
//! Rewriting a serialized value after the fact cannot tell a field name of
//! our structures (`"expect"`, `"id"`, `"line"`) from a key the user wrote
//! (a header name, a key of a captured JSON body): with a short secret such
//! as `x`, `"expect"` became `"e[redacted]pect"` and a recorded plan could
//! no longer be read. Serde can tell them apart, so redaction happens here:
//!
//! - **kept**: struct field names, enum variant names, and the value of an
//!   internally tagged enum's tag (`"probe": "http"`). Serde hands these
//!   over as `&'static str` from the type's definition;
//! - **redacted**: every other string, map keys included: a map's keys are
//!   data (header names, JSON bodies, a [`serde_json::Value`]).
//!
//! A tag's value reaches the serializer as a field or map entry whose value
//! has the unsized type `str` itself (the derive passes the literal);
//! a data string is a `String`, a `&str` field (`&&str`), a `Cow<str>`…
//! That difference is how the two are told apart (see [`is_type_name`]);
//! the round-trip tests in `redact.rs` hold it to every name of the plan.

use super::Redactor;
use serde::ser::{self, Serialize, Serializer};

/// The newtype name under which a JSON value whose keys are already
/// settled is passed (see [`settled_keys`]).
const SETTLED_KEYS: &str = "greenlight::redact::SettledKeys";

/// The newtype name under which a value greenlight generated itself (a
/// run ID, a schema name) is passed (see [`generated`]).
const GENERATED: &str = "greenlight::redact::Generated";

/// `value`, serialized with every data string redacted by `redactor` and
/// every name of its types kept (see the module docs). Use it with any
/// serde serializer: `serde_json::to_value(Redacted::new(&r, &plan))`.
#[derive(Debug, Clone, Copy)]
pub struct Redacted<'a, T: ?Sized> {
    redactor: &'a Redactor,
    value: &'a T,
}

impl<'a, T: ?Sized> Redacted<'a, T> {
    /// Wraps `value` for redacted serialization.
    pub fn new(redactor: &'a Redactor, value: &'a T) -> Self {
        Redacted { redactor, value }
    }
}

impl<T: Serialize + ?Sized> Serialize for Redacted<'_, T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if self.redactor.is_empty() {
            return self.value.serialize(s);
        }
        self.value.serialize(Adapter {
            inner: s,
            r: self.redactor,
        })
    }
}

/// `serialize_with` for a JSON value (or an `Option` of one) our code made
/// from its own structures, already redacted (a load summary, an event's
/// payload): under [`Redacted`] its string values are redacted again but
/// its keys are left alone. Any other serializer sees the plain value.
pub fn settled_keys<T: Serialize + ?Sized, S: Serializer>(
    value: &T,
    s: S,
) -> Result<S::Ok, S::Error> {
    s.serialize_newtype_struct(SETTLED_KEYS, value)
}

/// `serialize_with` for a value greenlight made itself and no user wrote:
/// a run ID (it names the run to act on), a schema name. [`Redacted`]
/// leaves it whole; a one-letter secret would otherwise mask the run ID
/// in the report that is the only place to find it. Any other serializer
/// sees the plain value.
pub fn generated<T: Serialize + ?Sized, S: Serializer>(value: &T, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_newtype_struct(GENERATED, value)
}

/// Whether a value of type `T` handed to a struct field or map entry is a
/// name of the type itself: the tag value of an internally tagged enum
/// (`#[serde(tag = "kind")]`) is passed as a `&'static str` literal, so
/// `T` is `str`. Data strings never reach a field as bare `str`.
fn is_type_name<T: ?Sized>() -> bool {
    std::any::type_name::<T>() == "str"
}

/// Serializes data strings redacted and type names as they are.
struct Adapter<'a, S> {
    inner: S,
    r: &'a Redactor,
}

/// A compound (sequence, map, struct…) whose elements are redacted.
struct Compound<'a, C> {
    inner: C,
    r: &'a Redactor,
}

impl<'a, C> Compound<'a, C> {
    fn new(inner: C, r: &'a Redactor) -> Self {
        Compound { inner, r }
    }
}

macro_rules! plain {
    ($($name:ident: $ty:ty),* $(,)?) => {
        $(fn $name(self, v: $ty) -> Result<S::Ok, S::Error> {
            self.inner.$name(v)
        })*
    };
}

impl<'a, S: Serializer> Serializer for Adapter<'a, S> {
    type Ok = S::Ok;
    type Error = S::Error;
    type SerializeSeq = Compound<'a, S::SerializeSeq>;
    type SerializeTuple = Compound<'a, S::SerializeTuple>;
    type SerializeTupleStruct = Compound<'a, S::SerializeTupleStruct>;
    type SerializeTupleVariant = Compound<'a, S::SerializeTupleVariant>;
    type SerializeMap = Compound<'a, S::SerializeMap>;
    type SerializeStruct = Compound<'a, S::SerializeStruct>;
    type SerializeStructVariant = Compound<'a, S::SerializeStructVariant>;

    plain! {
        serialize_bool: bool,
        serialize_i8: i8, serialize_i16: i16, serialize_i32: i32, serialize_i64: i64,
        serialize_i128: i128,
        serialize_u8: u8, serialize_u16: u16, serialize_u32: u32, serialize_u64: u64,
        serialize_u128: u128,
        serialize_f32: f32, serialize_f64: f64,
        serialize_bytes: &[u8],
    }

    fn serialize_char(self, v: char) -> Result<S::Ok, S::Error> {
        let mut buf = [0u8; 4];
        let text = v.encode_utf8(&mut buf);
        let out = self.r.redact(text);
        if out == *text {
            self.inner.serialize_char(v)
        } else {
            self.inner.serialize_str(&out)
        }
    }

    fn serialize_str(self, v: &str) -> Result<S::Ok, S::Error> {
        self.inner.serialize_str(&self.r.redact(v))
    }

    fn serialize_none(self) -> Result<S::Ok, S::Error> {
        self.inner.serialize_none()
    }

    fn serialize_some<T: Serialize + ?Sized>(self, v: &T) -> Result<S::Ok, S::Error> {
        self.inner.serialize_some(&Redacted::new(self.r, v))
    }

    fn serialize_unit(self) -> Result<S::Ok, S::Error> {
        self.inner.serialize_unit()
    }

    fn serialize_unit_struct(self, name: &'static str) -> Result<S::Ok, S::Error> {
        self.inner.serialize_unit_struct(name)
    }

    fn serialize_unit_variant(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
    ) -> Result<S::Ok, S::Error> {
        self.inner.serialize_unit_variant(name, index, variant)
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        name: &'static str,
        v: &T,
    ) -> Result<S::Ok, S::Error> {
        if name == GENERATED {
            return self.inner.serialize_newtype_struct(name, v);
        }
        if name == SETTLED_KEYS {
            // Only `settled_keys` uses this name.
            let value = serde_json::to_value(v).map_err(ser::Error::custom)?;
            return self
                .inner
                .serialize_newtype_struct(name, &self.r.redacted_json_values(value));
        }
        self.inner
            .serialize_newtype_struct(name, &Redacted::new(self.r, v))
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        v: &T,
    ) -> Result<S::Ok, S::Error> {
        self.inner
            .serialize_newtype_variant(name, index, variant, &Redacted::new(self.r, v))
    }

    fn serialize_seq(self, len: Option<usize>) -> Result<Self::SerializeSeq, S::Error> {
        Ok(Compound::new(self.inner.serialize_seq(len)?, self.r))
    }

    fn serialize_tuple(self, len: usize) -> Result<Self::SerializeTuple, S::Error> {
        Ok(Compound::new(self.inner.serialize_tuple(len)?, self.r))
    }

    fn serialize_tuple_struct(
        self,
        name: &'static str,
        len: usize,
    ) -> Result<Self::SerializeTupleStruct, S::Error> {
        Ok(Compound::new(
            self.inner.serialize_tuple_struct(name, len)?,
            self.r,
        ))
    }

    fn serialize_tuple_variant(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Self::SerializeTupleVariant, S::Error> {
        Ok(Compound::new(
            self.inner
                .serialize_tuple_variant(name, index, variant, len)?,
            self.r,
        ))
    }

    fn serialize_map(self, len: Option<usize>) -> Result<Self::SerializeMap, S::Error> {
        Ok(Compound::new(self.inner.serialize_map(len)?, self.r))
    }

    fn serialize_struct(
        self,
        name: &'static str,
        len: usize,
    ) -> Result<Self::SerializeStruct, S::Error> {
        Ok(Compound::new(
            self.inner.serialize_struct(name, len)?,
            self.r,
        ))
    }

    fn serialize_struct_variant(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Self::SerializeStructVariant, S::Error> {
        Ok(Compound::new(
            self.inner
                .serialize_struct_variant(name, index, variant, len)?,
            self.r,
        ))
    }

    fn is_human_readable(&self) -> bool {
        self.inner.is_human_readable()
    }
}

macro_rules! elements {
    ($($trait:ident :: $method:ident),* $(,)?) => {
        $(impl<C: ser::$trait> ser::$trait for Compound<'_, C> {
            type Ok = C::Ok;
            type Error = C::Error;

            fn $method<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), C::Error> {
                self.inner.$method(&Redacted::new(self.r, v))
            }

            fn end(self) -> Result<C::Ok, C::Error> {
                self.inner.end()
            }
        })*
    };
}

elements! {
    SerializeSeq::serialize_element,
    SerializeTuple::serialize_element,
    SerializeTupleStruct::serialize_field,
    SerializeTupleVariant::serialize_field,
}

macro_rules! fields {
    ($($trait:ident),* $(,)?) => {
        $(impl<C: ser::$trait> ser::$trait for Compound<'_, C> {
            type Ok = C::Ok;
            type Error = C::Error;

            fn serialize_field<T: Serialize + ?Sized>(
                &mut self,
                key: &'static str,
                v: &T,
            ) -> Result<(), C::Error> {
                if is_type_name::<T>() {
                    self.inner.serialize_field(key, v)
                } else {
                    self.inner.serialize_field(key, &Redacted::new(self.r, v))
                }
            }

            fn skip_field(&mut self, key: &'static str) -> Result<(), C::Error> {
                self.inner.skip_field(key)
            }

            fn end(self) -> Result<C::Ok, C::Error> {
                self.inner.end()
            }
        })*
    };
}

fields!(SerializeStruct, SerializeStructVariant);

impl<C: ser::SerializeMap> ser::SerializeMap for Compound<'_, C> {
    type Ok = C::Ok;
    type Error = C::Error;

    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), C::Error> {
        if is_type_name::<T>() {
            self.inner.serialize_key(key)
        } else {
            self.inner.serialize_key(&Redacted::new(self.r, key))
        }
    }

    fn serialize_value<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), C::Error> {
        if is_type_name::<T>() {
            self.inner.serialize_value(v)
        } else {
            self.inner.serialize_value(&Redacted::new(self.r, v))
        }
    }

    fn end(self) -> Result<C::Ok, C::Error> {
        self.inner.end()
    }
}
