//! Integers beyond 64 bits, kept to the last digit.
//!
//! serde_json reads an integer that fits neither `i64` nor `u64` as a
//! float, losing digits, unless its `arbitrary_precision` feature is on;
//! that feature applies to every crate of the workspace and breaks the
//! panel's internally tagged wire enum (see `Cargo.toml`). So a trace's
//! text is read through [`protect`], which turns each such integer into the
//! tagged value `{"$wwe": "integer", "value": "<digits>"}`
//! ([`crate::tagged::TRACE_TAGS`]: shown as the digits), and records are
//! written through [`Exact`], which writes that tag back as the bare
//! integer. A tag, not a marked string: a page can send any string, but a
//! page's own object with a `$wwe` key is wrapped by the relay (`object`),
//! so nothing a page sends can become a number. Nothing else changes: a
//! trace without such integers is read as it is (one scan for long runs of
//! digits), and the value written for any other string or number is
//! serde_json's own.

use std::borrow::Cow;

use serde::ser::{Error as _, Serialize, Serializer};
use serde_json::value::RawValue;
use serde_json::{Map, Value};

/// The tag of an integer beyond 64 bits.
pub const TAG: &str = "integer";

/// Digits from which an integer may not fit 64 bits (`i64::MIN` has 19).
const LONG: usize = 19;

/// `text` (JSON) with every integer beyond 64 bits outside strings turned
/// into its tag; borrowed when there is none.
pub fn protect(text: &str) -> Cow<'_, str> {
    let bytes = text.as_bytes();
    if !has_long_run(bytes) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 64);
    let (mut last, mut i) = (0, 0);
    while i < bytes.len() {
        let b = bytes[i];
        match b {
            b'"' => i = crate::har::string_end(bytes, i),
            b'-' | b'0'..=b'9' => {
                let start = i;
                if b == b'-' {
                    i += 1;
                }
                let digits = i;
                while i < bytes.len() && bytes[i].is_ascii_digit() {
                    i += 1;
                }
                if i < bytes.len() && matches!(bytes[i], b'.' | b'e' | b'E') {
                    // A fraction or an exponent: a float, read as one.
                    while i < bytes.len() && matches!(bytes[i], b'0'..=b'9' | b'.' | b'e' | b'E' | b'+' | b'-') {
                        i += 1;
                    }
                    continue;
                }
                let token = &text[start..i];
                if i - digits >= LONG && bytes[digits] != b'0' && !fits(token) {
                    out.push_str(&text[last..start]);
                    out.push_str(r#"{"$wwe":"integer","value":""#);
                    out.push_str(token);
                    out.push_str(r#""}"#);
                    last = i;
                }
            }
            _ => i += 1,
        }
    }
    out.push_str(&text[last..]);
    Cow::Owned(out)
}

/// Whether `bytes` has [`LONG`] digits in a row. Such a run covers a
/// multiple of `LONG - 1`, so only those bytes are looked at first, and
/// the run measured around a digit found there (every record has numbers,
/// few have long ones: this is the only cost on a usual trace).
fn has_long_run(bytes: &[u8]) -> bool {
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i].is_ascii_digit() {
            let start = bytes[..i].iter().rposition(|b| !b.is_ascii_digit()).map_or(0, |p| p + 1);
            let end = bytes[i..].iter().position(|b| !b.is_ascii_digit()).map_or(bytes.len(), |p| i + p);
            if end - start >= LONG {
                return true;
            }
        }
        i += LONG - 1;
    }
    false
}

/// Whether an integer literal fits 64 bits (serde_json keeps it exactly).
fn fits(token: &str) -> bool {
    token.parse::<i64>().is_ok() || token.parse::<u64>().is_ok()
}

/// The integer an `integer` tag stands for, if the value is one.
pub fn marked(value: &Value) -> Option<&str> {
    if crate::tagged::tag_of(value) != Some(TAG) {
        return None;
    }
    let token = value.get("value")?.as_str()?;
    let digits = token.strip_prefix('-').unwrap_or(token);
    let valid = digits.len() >= LONG
        && !digits.starts_with('0')
        && digits.bytes().all(|b| b.is_ascii_digit())
        && !fits(token);
    valid.then_some(token)
}

/// A value written as serde_json writes it, except that an `integer` tag
/// is the integer it stands for.
#[derive(Debug, Clone, Copy)]
pub struct Exact<'a>(pub &'a Value);

impl Serialize for Exact<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            Value::Array(items) => s.collect_seq(items.iter().map(Exact)),
            Value::Object(map) => match tag_of(map) {
                None => s.collect_map(map.iter().map(|(k, v)| (k, Exact(v)))),
                // A page's own object (its `$wwe` key wrapped by the relay)
                // is no tag itself; what it holds may be.
                Some("object") => s.collect_map(map.iter().map(|(k, v)| (k, Own(v)))),
                Some(_) => match marked(self.0) {
                    Some(token) => RawValue::from_string(token.to_owned()).map_err(S::Error::custom)?.serialize(s),
                    None => s.collect_map(map.iter().map(|(k, v)| (k, Exact(v)))),
                },
            },
            other => other.serialize(s),
        }
    }
}

/// The string under an object's `$wwe` key, if any. Most objects are no
/// tag, and their first key tells without a lookup: keys are sorted
/// (serde_json's map is a `BTreeMap`), so when the first key's first byte
/// sorts after `$`, so does every key, and none is `$wwe`.
fn tag_of(map: &Map<String, Value>) -> Option<&str> {
    let first = map.keys().next()?;
    if first.as_bytes().first().is_some_and(|&b| b > b'$') {
        return None;
    }
    map.get(crate::tagged::TAG_KEY).and_then(Value::as_str)
}

/// A page's own object (the `value` of an `object` wrapper): its keys as
/// they are, whatever its `$wwe` key says, its values [`Exact`].
struct Own<'a>(&'a Value);

impl Serialize for Own<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            Value::Object(map) => s.collect_map(map.iter().map(|(k, v)| (k, Exact(v)))),
            other => Exact(other).serialize(s),
        }
    }
}

/// `serialize_with` for a value field ([`crate::record::Record::data`]).
pub fn serialize_value<S: Serializer>(v: &Value, s: S) -> Result<S::Ok, S::Error> {
    Exact(v).serialize(s)
}

/// `serialize_with` for a flattened map of values
/// ([`crate::record::Record::extra`]).
pub fn serialize_map<S: Serializer>(m: &Map<String, Value>, s: S) -> Result<S::Ok, S::Error> {
    s.collect_map(m.iter().map(|(k, v)| (k, Exact(v))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_integers_beyond_64_bits_outside_strings_are_marked() {
        let text = r#"{"a":123456789012345678901234567890,"b":-9223372036854775809,"c":18446744073709551615,"d":-9223372036854775808,"e":"12345678901234567890123","f":1.5,"g":[340282366920938463463374607431768211457]}"#;
        let protected = protect(text);
        let v: Value = serde_json::from_str(&protected).unwrap();
        assert_eq!(v["a"], serde_json::json!({"$wwe": "integer", "value": "123456789012345678901234567890"}));
        assert_eq!(v["b"], serde_json::json!({"$wwe": "integer", "value": "-9223372036854775809"}));
        assert_eq!(v["c"], serde_json::json!(18446744073709551615u64));
        assert_eq!(v["d"], serde_json::json!(i64::MIN));
        assert_eq!(v["e"], "12345678901234567890123");
        assert_eq!(v["f"], 1.5);
        // A float with many digits stays a float.
        assert!(matches!(protect("[1.2345678901234567890123e5]"), Cow::Borrowed(_)) || serde_json::from_str::<Value>(&protect("[1.2345678901234567890123e5]")).unwrap()[0].is_f64());
        assert_eq!(serde_json::to_string(&Exact(&v)).unwrap(), text);
        assert!(matches!(protect(r#"{"a":1,"b":"x"}"#), Cow::Borrowed(_)));
    }

    #[test]
    fn a_long_integer_is_found_wherever_it_starts() {
        for pad in 0..40 {
            for n in ["12345678901234567890123", "-9223372036854775809", "18446744073709551616"] {
                let text = format!("[{}{n}]", "1,".repeat(pad));
                assert!(matches!(protect(&text), Cow::Owned(_)), "{text}");
            }
            let fits = format!("[{}18446744073709551615,-9223372036854775808,123456789012345678]", "1,".repeat(pad));
            assert_eq!(protect(&fits), fits.as_str());
        }
    }

    /// What a page sends never becomes a number: a string (any string)
    /// stays a string, and a page's own object that looks like the tag is
    /// wrapped by the relay, and written back as that object.
    #[test]
    fn nothing_a_page_sends_becomes_a_number() {
        let page = serde_json::json!({
            "s": "\u{e000}wwe-int:123456789012345678901234567890",
            "o": {"$wwe": "object", "value": {"$wwe": "integer", "value": "123456789012345678901234567890"}}
        });
        let written = serde_json::to_string(&Exact(&page)).unwrap();
        assert_eq!(serde_json::from_str::<Value>(&written).unwrap(), page, "{written}");
    }

    /// [`tag_of`] relies on sorted keys: serde_json's `preserve_order`
    /// feature (insertion order) would break it.
    #[test]
    fn map_keys_are_sorted_and_a_tag_is_found_beside_keys_before_it() {
        let v: Value = serde_json::from_str(r#"{"z":1,"$wwe":"object","!":2,"":3,"value":{}}"#).unwrap();
        let keys: Vec<&String> = v.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["", "!", "$wwe", "value", "z"]);
        assert_eq!(tag_of(v.as_object().unwrap()), Some("object"));
        let plain: Value = serde_json::from_str(r#"{"a":1,"%":2}"#).unwrap();
        assert_eq!(tag_of(plain.as_object().unwrap()), None);
    }

    #[test]
    fn invalid_json_stays_invalid() {
        // Leading zeros are no JSON number: not turned into a string.
        assert!(serde_json::from_str::<Value>(&protect("[00000000000000000000001]")).is_err());
    }
}
