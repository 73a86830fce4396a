//! Canonical JSON written straight from a `Serialize` value, without the
//! [`serde_json::Value`] tree in between.
//!
//! [`crate::hash::canonical_json`] of `serde_json::to_value(v)` is the text
//! every stored hash covers. Building that tree (a `String` per key, a
//! `BTreeMap` per object) only to write it out and drop it was most of
//! the cost of recording an event. [`to_canonical`] writes the same text
//! in one pass: each object's entries are written as they come, and when
//! their keys do not arrive sorted, the object's text is reordered in
//! place once it ends (its members are canonical already).
//!
//! Whatever this writer does not reproduce exactly, it refuses, and the
//! caller takes the tree path: 128-bit and `f32` numbers, byte strings,
//! map keys other than strings, integers and unit variants, serde_json's
//! own private types (raw values, arbitrary-precision numbers), and an
//! object with a key twice (the tree keeps the last value, this writer
//! would keep both).

use serde::Serialize;
use serde::ser::{self, Serializer};
use std::borrow::Cow;

/// The canonical JSON text of `value` (what
/// `canonical_json(&serde_json::to_value(value)?)` gives), or `None` when
/// this writer cannot be sure of writing the same: take the tree path then.
#[cfg(test)]
pub fn to_canonical<T: Serialize + ?Sized>(value: &T) -> Option<String> {
    to_canonical_text(value).map(|c| c.text)
}

/// [`to_canonical`], with where the members of the outermost object lie.
pub fn to_canonical_text<T: Serialize + ?Sized>(value: &T) -> Option<Canonical> {
    let mut st = State {
        out: Vec::with_capacity(512),
        entries: Vec::new(),
        scratch: Vec::new(),
        members: None,
    };
    value.serialize(Canon { st: &mut st }).ok()?;
    // Only serde_json's string and number text and ASCII punctuation were
    // written, so this never fails; refuse rather than guess if it does.
    let text = String::from_utf8(st.out).ok()?;
    Some(Canonical {
        text,
        members: st.members,
    })
}

/// A canonical JSON text, written directly.
#[derive(Debug, Clone)]
pub struct Canonical {
    pub text: String,
    /// When the text is an object: its members, in order.
    pub members: Option<Vec<Member>>,
}

/// A member of an object in its canonical text: `"key":value` lies in
/// `start..end`, the value in `value..end`.
#[derive(Debug, Clone)]
pub struct Member {
    pub key: Cow<'static, str>,
    pub start: usize,
    pub value: usize,
    pub end: usize,
}

/// `"key":`, the key escaped as serde_json escapes strings (a key with
/// nothing to escape, as every field name, is copied as it is).
fn write_key(out: &mut Vec<u8>, key: &str) {
    let plain = key.bytes().all(|b| b >= 0x20 && b != b'"' && b != b'\\');
    if plain {
        out.reserve(key.len() + 3);
        out.push(b'"');
        out.extend_from_slice(key.as_bytes());
        out.extend_from_slice(b"\":");
    } else {
        // Writing a string into a Vec cannot fail.
        let _ = serde_json::to_writer(&mut *out, key);
        out.push(b':');
    }
}

/// Keys in `BTreeMap<String, _>` order (bytewise), most told apart by
/// their first byte.
fn cmp_keys(a: &str, b: &str) -> std::cmp::Ordering {
    match (a.as_bytes().first(), b.as_bytes().first()) {
        (Some(x), Some(y)) if x != y => x.cmp(y),
        _ => a.as_bytes().cmp(b.as_bytes()),
    }
}

/// What this writer refuses (the caller takes the tree path).
#[derive(Debug)]
pub struct Unsupported;

impl std::fmt::Display for Unsupported {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("not written by the direct canonical writer")
    }
}

impl std::error::Error for Unsupported {}

impl ser::Error for Unsupported {
    fn custom<T: std::fmt::Display>(_: T) -> Self {
        Unsupported
    }
}

type R<T = ()> = Result<T, Unsupported>;

/// One member of an object being written: its key and where its
/// `"key":value` text lies in the output.
struct Entry {
    key: Cow<'static, str>,
    start: usize,
    value: usize,
    end: usize,
}

struct State {
    out: Vec<u8>,
    /// The members of every object being written, innermost last.
    entries: Vec<Entry>,
    /// Where an unsorted object's text is copied while it is reordered.
    scratch: Vec<u8>,
    /// The outermost object's members, once it is closed.
    members: Option<Vec<Member>>,
}

impl State {
    fn leaf<T: Serialize + ?Sized>(&mut self, v: &T) -> R {
        serde_json::to_writer(&mut self.out, v).map_err(|_| Unsupported)
    }
}

struct Canon<'a> {
    st: &'a mut State,
}

/// An array being written.
struct Seq<'a> {
    st: &'a mut State,
    first: bool,
    /// A tuple variant's array closes its one-member object too.
    close_object: bool,
}

/// An object being written; `base` is where its entries start in
/// [`State::entries`], `open` where its `{` is.
struct Obj<'a> {
    st: &'a mut State,
    base: usize,
    open: usize,
    /// A struct variant's object sits in a one-member object.
    close_outer: bool,
}

const PRIVATE: &str = "$serde_json::private::";

impl<'a> Canon<'a> {
    fn object(self, close_outer: bool) -> Obj<'a> {
        self.st.out.push(b'{');
        let base = self.st.entries.len();
        let open = self.st.out.len();
        Obj {
            st: self.st,
            base,
            open,
            close_outer,
        }
    }

    /// `{"variant":` (a variant with content is a one-member object).
    fn variant_open(&mut self, variant: &'static str) -> R {
        self.st.out.push(b'{');
        self.st.leaf(variant)?;
        self.st.out.push(b':');
        Ok(())
    }
}

impl<'a> Serializer for Canon<'a> {
    type Ok = ();
    type Error = Unsupported;
    type SerializeSeq = Seq<'a>;
    type SerializeTuple = Seq<'a>;
    type SerializeTupleStruct = Seq<'a>;
    type SerializeTupleVariant = Seq<'a>;
    type SerializeMap = Obj<'a>;
    type SerializeStruct = Obj<'a>;
    type SerializeStructVariant = Obj<'a>;

    fn serialize_bool(self, v: bool) -> R {
        self.st
            .out
            .extend_from_slice(if v { b"true" } else { b"false" });
        Ok(())
    }
    fn serialize_i8(self, v: i8) -> R {
        self.st.leaf(&v)
    }
    fn serialize_i16(self, v: i16) -> R {
        self.st.leaf(&v)
    }
    fn serialize_i32(self, v: i32) -> R {
        self.st.leaf(&v)
    }
    fn serialize_i64(self, v: i64) -> R {
        self.st.leaf(&v)
    }
    fn serialize_u8(self, v: u8) -> R {
        self.st.leaf(&v)
    }
    fn serialize_u16(self, v: u16) -> R {
        self.st.leaf(&v)
    }
    fn serialize_u32(self, v: u32) -> R {
        self.st.leaf(&v)
    }
    fn serialize_u64(self, v: u64) -> R {
        self.st.leaf(&v)
    }
    fn serialize_i128(self, _: i128) -> R {
        Err(Unsupported)
    }
    fn serialize_u128(self, _: u128) -> R {
        Err(Unsupported)
    }
    fn serialize_f32(self, _: f32) -> R {
        // The tree widens it to f64 first, and prints that.
        Err(Unsupported)
    }
    fn serialize_f64(self, v: f64) -> R {
        // Not finite: `null`, as the tree stores it.
        self.st.leaf(&v)
    }
    fn serialize_char(self, v: char) -> R {
        self.st.leaf(v.encode_utf8(&mut [0u8; 4]))
    }
    fn serialize_str(self, v: &str) -> R {
        self.st.leaf(v)
    }
    fn serialize_bytes(self, _: &[u8]) -> R {
        Err(Unsupported)
    }
    fn serialize_none(self) -> R {
        self.st.out.extend_from_slice(b"null");
        Ok(())
    }
    fn serialize_some<T: Serialize + ?Sized>(self, v: &T) -> R {
        v.serialize(self)
    }
    fn serialize_unit(self) -> R {
        self.serialize_none()
    }
    fn serialize_unit_struct(self, _: &'static str) -> R {
        self.serialize_none()
    }
    fn serialize_unit_variant(self, _: &'static str, _: u32, variant: &'static str) -> R {
        self.st.leaf(variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, name: &'static str, v: &T) -> R {
        if name.starts_with(PRIVATE) {
            return Err(Unsupported);
        }
        v.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        mut self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        v: &T,
    ) -> R {
        self.variant_open(variant)?;
        v.serialize(Canon { st: self.st })?;
        self.st.out.push(b'}');
        Ok(())
    }
    fn serialize_seq(self, _: Option<usize>) -> R<Seq<'a>> {
        self.st.out.push(b'[');
        Ok(Seq {
            st: self.st,
            first: true,
            close_object: false,
        })
    }
    fn serialize_tuple(self, len: usize) -> R<Seq<'a>> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_struct(self, _: &'static str, len: usize) -> R<Seq<'a>> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_variant(
        mut self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        len: usize,
    ) -> R<Seq<'a>> {
        self.variant_open(variant)?;
        let mut seq = self.serialize_seq(Some(len))?;
        seq.close_object = true;
        Ok(seq)
    }
    fn serialize_map(self, _: Option<usize>) -> R<Obj<'a>> {
        Ok(self.object(false))
    }
    fn serialize_struct(self, name: &'static str, _: usize) -> R<Obj<'a>> {
        if name.starts_with(PRIVATE) {
            return Err(Unsupported);
        }
        Ok(self.object(false))
    }
    fn serialize_struct_variant(
        mut self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> R<Obj<'a>> {
        self.variant_open(variant)?;
        Ok(self.object(true))
    }
}

impl Seq<'_> {
    fn element<T: Serialize + ?Sized>(&mut self, v: &T) -> R {
        if !self.first {
            self.st.out.push(b',');
        }
        self.first = false;
        v.serialize(Canon { st: self.st })
    }

    fn close(self) -> R {
        self.st.out.push(b']');
        if self.close_object {
            self.st.out.push(b'}');
        }
        Ok(())
    }
}

macro_rules! seq_impl {
    ($($trait:ident :: $method:ident),*) => {
        $(impl ser::$trait for Seq<'_> {
            type Ok = ();
            type Error = Unsupported;
            fn $method<T: Serialize + ?Sized>(&mut self, v: &T) -> R {
                self.element(v)
            }
            fn end(self) -> R {
                self.close()
            }
        })*
    };
}

seq_impl!(
    SerializeSeq::serialize_element,
    SerializeTuple::serialize_element,
    SerializeTupleStruct::serialize_field,
    SerializeTupleVariant::serialize_field
);

impl Obj<'_> {
    /// Writes `"key":` (after a comma unless first) and opens its entry.
    fn key(&mut self, key: Cow<'static, str>) -> R {
        if self.st.entries.len() > self.base {
            self.st.out.push(b',');
        }
        let start = self.st.out.len();
        write_key(&mut self.st.out, &key);
        let value = self.st.out.len();
        self.st.entries.push(Entry {
            key,
            start,
            value,
            end: value,
        });
        Ok(())
    }

    /// Writes the value of the entry just opened.
    fn value<T: Serialize + ?Sized>(&mut self, v: &T) -> R {
        v.serialize(Canon { st: self.st })?;
        let end = self.st.out.len();
        if self.st.entries.len() <= self.base {
            return Err(Unsupported);
        }
        match self.st.entries.last_mut() {
            Some(e) => e.end = end,
            None => return Err(Unsupported),
        }
        Ok(())
    }

    /// Closes the object: its entries sorted by key (bytewise, as
    /// `BTreeMap<String, _>` orders them), refused when a key repeats.
    fn close(self) -> R {
        let st = self.st;
        let entries = &mut st.entries[self.base..];
        let mut sorted = true;
        for w in entries.windows(2) {
            match cmp_keys(&w[0].key, &w[1].key) {
                std::cmp::Ordering::Less => {}
                std::cmp::Ordering::Equal => return Err(Unsupported),
                std::cmp::Ordering::Greater => sorted = false,
            }
        }
        // Only the outermost object starts the text.
        let outermost = self.open == 1;
        if !sorted {
            entries.sort_unstable_by(|a, b| cmp_keys(&a.key, &b.key));
            if entries.windows(2).any(|w| w[0].key == w[1].key) {
                return Err(Unsupported);
            }
            st.scratch.clear();
            st.scratch.extend_from_slice(&st.out[self.open..]);
            st.out.truncate(self.open);
            for (i, e) in entries.iter_mut().enumerate() {
                if i > 0 {
                    st.out.push(b',');
                }
                let start = st.out.len();
                st.out
                    .extend_from_slice(&st.scratch[e.start - self.open..e.end - self.open]);
                if outermost {
                    e.value = start + (e.value - e.start);
                    e.start = start;
                    e.end = st.out.len();
                }
            }
        }
        if outermost {
            st.members = Some(
                st.entries
                    .drain(self.base..)
                    .map(|e| Member {
                        key: e.key,
                        start: e.start,
                        value: e.value,
                        end: e.end,
                    })
                    .collect(),
            );
        }
        st.entries.truncate(self.base);
        st.out.push(b'}');
        if self.close_outer {
            st.out.push(b'}');
        }
        Ok(())
    }
}

impl ser::SerializeMap for Obj<'_> {
    type Ok = ();
    type Error = Unsupported;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> R {
        let key = key.serialize(KeyText)?;
        self.key(Cow::Owned(key))
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, v: &T) -> R {
        self.value(v)
    }
    fn end(self) -> R {
        self.close()
    }
}

macro_rules! struct_impl {
    ($($trait:ident),*) => {
        $(impl ser::$trait for Obj<'_> {
            type Ok = ();
            type Error = Unsupported;
            fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, v: &T) -> R {
                self.key(Cow::Borrowed(key))?;
                self.value(v)
            }
            fn end(self) -> R {
                self.close()
            }
        })*
    };
}

struct_impl!(SerializeStruct, SerializeStructVariant);

/// A map key as the tree's key serializer spells it: a string, a char, an
/// integer in decimal, a unit variant's name; anything else is refused.
struct KeyText;

impl Serializer for KeyText {
    type Ok = String;
    type Error = Unsupported;
    type SerializeSeq = ser::Impossible<String, Unsupported>;
    type SerializeTuple = ser::Impossible<String, Unsupported>;
    type SerializeTupleStruct = ser::Impossible<String, Unsupported>;
    type SerializeTupleVariant = ser::Impossible<String, Unsupported>;
    type SerializeMap = ser::Impossible<String, Unsupported>;
    type SerializeStruct = ser::Impossible<String, Unsupported>;
    type SerializeStructVariant = ser::Impossible<String, Unsupported>;

    fn serialize_str(self, v: &str) -> R<String> {
        Ok(v.to_string())
    }
    fn serialize_char(self, v: char) -> R<String> {
        Ok(v.to_string())
    }
    fn serialize_i8(self, v: i8) -> R<String> {
        Ok(v.to_string())
    }
    fn serialize_i16(self, v: i16) -> R<String> {
        Ok(v.to_string())
    }
    fn serialize_i32(self, v: i32) -> R<String> {
        Ok(v.to_string())
    }
    fn serialize_i64(self, v: i64) -> R<String> {
        Ok(v.to_string())
    }
    fn serialize_u8(self, v: u8) -> R<String> {
        Ok(v.to_string())
    }
    fn serialize_u16(self, v: u16) -> R<String> {
        Ok(v.to_string())
    }
    fn serialize_u32(self, v: u32) -> R<String> {
        Ok(v.to_string())
    }
    fn serialize_u64(self, v: u64) -> R<String> {
        Ok(v.to_string())
    }
    fn serialize_unit_variant(self, _: &'static str, _: u32, variant: &'static str) -> R<String> {
        Ok(variant.to_string())
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        name: &'static str,
        v: &T,
    ) -> R<String> {
        if name.starts_with(PRIVATE) {
            return Err(Unsupported);
        }
        v.serialize(self)
    }

    fn serialize_bool(self, _: bool) -> R<String> {
        Err(Unsupported)
    }
    fn serialize_i128(self, _: i128) -> R<String> {
        Err(Unsupported)
    }
    fn serialize_u128(self, _: u128) -> R<String> {
        Err(Unsupported)
    }
    fn serialize_f32(self, _: f32) -> R<String> {
        Err(Unsupported)
    }
    fn serialize_f64(self, _: f64) -> R<String> {
        Err(Unsupported)
    }
    fn serialize_bytes(self, _: &[u8]) -> R<String> {
        Err(Unsupported)
    }
    fn serialize_none(self) -> R<String> {
        Err(Unsupported)
    }
    fn serialize_some<T: Serialize + ?Sized>(self, _: &T) -> R<String> {
        Err(Unsupported)
    }
    fn serialize_unit(self) -> R<String> {
        Err(Unsupported)
    }
    fn serialize_unit_struct(self, _: &'static str) -> R<String> {
        Err(Unsupported)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> R<String> {
        Err(Unsupported)
    }
    fn serialize_seq(self, _: Option<usize>) -> R<Self::SerializeSeq> {
        Err(Unsupported)
    }
    fn serialize_tuple(self, _: usize) -> R<Self::SerializeTuple> {
        Err(Unsupported)
    }
    fn serialize_tuple_struct(self, _: &'static str, _: usize) -> R<Self::SerializeTupleStruct> {
        Err(Unsupported)
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> R<Self::SerializeTupleVariant> {
        Err(Unsupported)
    }
    fn serialize_map(self, _: Option<usize>) -> R<Self::SerializeMap> {
        Err(Unsupported)
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> R<Self::SerializeStruct> {
        Err(Unsupported)
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> R<Self::SerializeStructVariant> {
        Err(Unsupported)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::canonical_json;
    use proptest::prelude::*;
    use serde_json::{Value, json};
    use std::collections::{BTreeMap, HashMap};

    /// The tree path: what every stored hash was computed over.
    fn tree<T: Serialize + ?Sized>(v: &T) -> String {
        canonical_json(&serde_json::to_value(v).unwrap_or(Value::Null))
    }

    /// The direct text, or the tree's when the direct writer refuses (what
    /// `Payload::of` stores).
    fn stored<T: Serialize + ?Sized>(v: &T) -> String {
        to_canonical(v).unwrap_or_else(|| tree(v))
    }

    /// A value whose objects serialize their members in reverse (so the
    /// direct writer has to reorder them), or in a given rotation.
    struct Shuffled<'a>(&'a Value, usize);

    impl Serialize for Shuffled<'_> {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            use ser::{SerializeMap, SerializeSeq};
            match self.0 {
                Value::Object(map) => {
                    let mut entries: Vec<_> = map.iter().collect();
                    entries.reverse();
                    if !entries.is_empty() {
                        let k = self.1 % entries.len();
                        entries.rotate_left(k);
                    }
                    let mut m = s.serialize_map(Some(entries.len()))?;
                    for (k, v) in entries {
                        m.serialize_entry(k, &Shuffled(v, self.1 + 1))?;
                    }
                    m.end()
                }
                Value::Array(items) => {
                    let mut seq = s.serialize_seq(Some(items.len()))?;
                    for v in items {
                        seq.serialize_element(&Shuffled(v, self.1 + 1))?;
                    }
                    seq.end()
                }
                other => other.serialize(s),
            }
        }
    }

    fn key() -> impl Strategy<Value = String> {
        prop_oneof![
            Just(String::new()),
            "[a-c]{1,3}",
            "[A-Za-z_]{1,8}",
            // Escapes, control characters, non-ASCII and astral letters.
            "[\"\\\\\u{0}-\u{1f}a-bé✓\u{1F600}]{0,4}",
        ]
    }

    fn leaf() -> impl Strategy<Value = Value> {
        prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            any::<u64>().prop_map(Value::from),
            any::<f64>().prop_map(Value::from),
            (-1e3f64..1e3).prop_map(Value::from),
            ".{0,12}".prop_map(Value::from),
            "[\"\\\\\u{0}-\u{1f}\u{7f}\u{2028}é✓\u{1F600}]{0,6}".prop_map(Value::from),
        ]
    }

    fn value() -> impl Strategy<Value = Value> {
        leaf().prop_recursive(4, 64, 8, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                prop::collection::btree_map(key(), inner, 0..8)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        /// Keys in order, as a `Value` hands them over.
        #[test]
        fn a_value_is_written_as_the_tree_writes_it(v in value()) {
            prop_assert_eq!(to_canonical(&v), Some(canonical_json(&v)));
        }

        /// Keys out of order: reordered, nested objects too.
        #[test]
        fn members_out_of_order_are_sorted_as_the_tree_sorts_them(v in value(), turn in 0usize..7) {
            prop_assert_eq!(to_canonical(&Shuffled(&v, turn)), Some(canonical_json(&v)));
        }

        /// The outermost object's members: each key and value where the
        /// text holds them.
        #[test]
        fn the_outermost_members_are_found_where_the_text_has_them(v in value(), turn in 0usize..7) {
            let c = to_canonical_text(&Shuffled(&v, turn)).unwrap();
            prop_assert_eq!(&c.text, &canonical_json(&v));
            match (&v, &c.members) {
                (Value::Object(map), Some(members)) => {
                    let keys: Vec<&str> = members.iter().map(|m| &*m.key).collect();
                    prop_assert_eq!(keys, map.keys().map(String::as_str).collect::<Vec<_>>());
                    for m in members {
                        prop_assert_eq!(&c.text[m.value..m.end], canonical_json(&map[&*m.key]));
                        let member = format!("{}:{}", serde_json::to_string(&m.key).unwrap(), &c.text[m.value..m.end]);
                        prop_assert_eq!(&c.text[m.start..m.end], member);
                    }
                }
                (Value::Object(_), None) => prop_assert!(false, "no members"),
                (_, members) => prop_assert!(members.is_none()),
            }
        }

        /// A key is spelled as serde_json spells a string.
        #[test]
        fn keys_are_escaped_as_serde_json_escapes_them(k in any::<String>(), plain in "[ -~é✓]{0,8}") {
            for k in [k, plain] {
                let mut out = Vec::new();
                write_key(&mut out, &k);
                prop_assert_eq!(String::from_utf8(out).unwrap(), serde_json::to_string(&k).unwrap() + ":");
            }
        }

        /// A map with integer keys (spelled in decimal, sorted as text).
        #[test]
        fn integer_keys_are_sorted_as_text(m in prop::collection::hash_map(any::<i64>(), leaf(), 0..12)) {
            prop_assert_eq!(to_canonical(&m), Some(tree(&m)));
        }

        /// Keys that repeat (a flattened map beside a field of the same
        /// name): refused, and the tree's text is stored.
        #[test]
        fn repeated_keys_fall_back_to_the_tree(
            a in prop::collection::btree_map(key(), leaf(), 0..5),
            b in prop::collection::btree_map(key(), leaf(), 0..5),
        ) {
            let both = Both { a: &a, b: &b };
            let repeats = a.keys().any(|k| b.contains_key(k));
            match to_canonical(&both) {
                Some(text) => {
                    prop_assert!(!repeats);
                    prop_assert_eq!(text, tree(&both));
                }
                None => prop_assert!(repeats),
            }
            prop_assert_eq!(stored(&both), tree(&both));
        }
    }

    /// Two maps written as one object (as `#[serde(flatten)]` does).
    struct Both<'a> {
        a: &'a BTreeMap<String, Value>,
        b: &'a BTreeMap<String, Value>,
    }

    impl Serialize for Both<'_> {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            use ser::SerializeMap;
            let mut m = s.serialize_map(None)?;
            for (k, v) in self.a.iter().chain(self.b.iter()) {
                m.serialize_entry(k, v)?;
            }
            m.end()
        }
    }

    #[derive(Serialize)]
    #[serde(rename_all = "snake_case")]
    enum Shape {
        Unit,
        Newtype(u8),
        Tuple(i32, String),
        Record { z: bool, a: Option<Vec<u8>> },
    }

    #[derive(Serialize)]
    struct Unit;

    #[derive(Serialize)]
    struct Newtype(String);

    #[derive(Serialize)]
    struct Pair(u8, char);

    /// Fields declared out of alphabetical order, every kind of enum
    /// variant, options, unit and newtype structs, chars, maps keyed by
    /// variants, a flattened map.
    #[derive(Serialize)]
    struct Record {
        zeta: u32,
        alpha: String,
        shapes: Vec<Shape>,
        middle: Option<i64>,
        #[serde(skip_serializing_if = "Option::is_none")]
        skipped: Option<u8>,
        unit: Unit,
        newtype: Newtype,
        pair: Pair,
        letter: char,
        by_shape: BTreeMap<Kind, u8>,
        by_char: HashMap<char, bool>,
        #[serde(rename = "Beta")]
        beta: (),
        float: f64,
        #[serde(flatten)]
        extra: BTreeMap<String, Value>,
    }

    #[derive(Serialize, PartialEq, Eq, PartialOrd, Ord)]
    #[serde(rename_all = "snake_case")]
    enum Kind {
        Zed,
        Ant,
    }

    #[test]
    fn derived_structs_and_enums_are_written_as_the_tree_writes_them() {
        for (extra, float) in [
            (json!({}), 0.5),
            (
                json!({ "aardvark": [1, {"y": 2, "x": 3}], "zz": null, "\u{7f}": "é" }),
                -0.0,
            ),
            (
                json!({ "mid": { "b": 1, "a": { "d": 2, "c": 3 } } }),
                f64::NAN,
            ),
            (json!({ "Zulu": 1e300, "": "" }), f64::INFINITY),
        ] {
            let r = Record {
                zeta: 7,
                alpha: "a\"b\\c\n\u{1}".into(),
                shapes: vec![
                    Shape::Unit,
                    Shape::Newtype(3),
                    Shape::Tuple(-4, "t".into()),
                    Shape::Record {
                        z: true,
                        a: Some(vec![1, 2]),
                    },
                    Shape::Record { z: false, a: None },
                ],
                middle: None,
                skipped: None,
                unit: Unit,
                newtype: Newtype("n".into()),
                pair: Pair(9, '✓'),
                letter: '"',
                by_shape: [(Kind::Zed, 1), (Kind::Ant, 2)].into_iter().collect(),
                by_char: [('b', true), ('a', false), ('\u{1F600}', true)]
                    .into_iter()
                    .collect(),
                beta: (),
                float,
                extra: serde_json::from_value(extra).unwrap(),
            };
            assert_eq!(to_canonical(&r), Some(tree(&r)));
        }
    }

    #[test]
    fn what_the_tree_writes_differently_is_refused() {
        // f32 is widened to f64 by the tree (0.1f32 becomes
        // 0.10000000149011612); 128-bit numbers and byte strings too.
        assert_eq!(to_canonical(&0.1f32), None);
        assert_eq!(stored(&0.1f32), tree(&0.1f32));
        assert_eq!(to_canonical(&1u128), None);
        assert_eq!(
            to_canonical(&[(1u128, 2)].into_iter().collect::<HashMap<_, _>>()),
            None
        );
        assert_eq!(
            to_canonical(&[(true, 2)].into_iter().collect::<BTreeMap<_, _>>()),
            None
        );
        // A map keyed by something the tree cannot key: no text either way.
        let odd: BTreeMap<Vec<u8>, u8> = [(vec![1], 1)].into_iter().collect();
        assert_eq!(to_canonical(&odd), None);
        assert_eq!(stored(&odd), "null");
    }

    #[test]
    fn a_plan_sized_payload_keeps_its_text() {
        let items: Vec<Value> = (0..200)
            .map(|i| json!({ "id": format!("item-{i}"), "title": "Check", "checks": [{"url": "http://x/", "expect": {"status": 200}}], "blocker": i % 3 == 0 }))
            .collect();
        let v = json!({ "plan": { "items": items, "checklist": "RELEASE.md" }, "version": "1" });
        assert_eq!(
            to_canonical(&Shuffled(&v, 1)).as_deref(),
            Some(canonical_json(&v).as_str())
        );
    }
}
