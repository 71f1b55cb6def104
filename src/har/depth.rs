//! Parsing JSON that nests deeper than serde_json's default limit, up to a
//! bound of our own.
//!
//! serde_json refuses anything nested 128 levels or more, counted from the
//! top of the document. A message nested 124 levels fits on a JSON Lines
//! line (one level for the record) but not in a HAR (four levels above
//! `data`), so the limit must be the message's, not the file's: whatever
//! one format holds, the other must too. Files parse with serde_json's
//! limit first (no cost for the usual trace); only when that fails for
//! depth is the nesting measured, and a file within our bound parsed again
//! without serde_json's limit. The bound keeps recursion, and so the stack,
//! finite on any input.

use serde::de::DeserializeOwned;

/// The deepest a message (`Record::data`) may nest, counting each array
/// or object: at least what serde_json reads anywhere (the panel receives
/// records as JSON text), so every record the panel or a reader holds can
/// be written and read back in either format.
pub const MAX_MESSAGE_DEPTH: usize = 128;

/// Why a text did not parse.
pub(super) enum DeepError {
    /// serde_json's error (syntax, types, missing fields).
    Json(serde_json::Error),
    /// Nested deeper than the bound.
    TooDeep {
        /// Byte offset of the bracket that went past the bound.
        offset: usize,
    },
}

/// Parses `text`, accepting nesting up to `max_depth` levels.
pub(super) fn from_str<T: DeserializeOwned>(text: &str, max_depth: usize) -> Result<T, DeepError> {
    match serde_json::from_str(text) {
        Err(e) if is_recursion_limit(&e) => {
            if let Some(offset) = past(text, max_depth) {
                return Err(DeepError::TooDeep { offset });
            }
            let mut de = serde_json::Deserializer::from_str(text);
            // Bounded above: `past` found no bracket deeper than max_depth.
            de.disable_recursion_limit();
            let value = T::deserialize(&mut de).map_err(DeepError::Json)?;
            de.end().map_err(DeepError::Json)?;
            Ok(value)
        }
        other => other.map_err(DeepError::Json),
    }
}

pub(super) fn is_recursion_limit(e: &serde_json::Error) -> bool {
    e.is_syntax() && e.to_string().starts_with("recursion limit exceeded")
}

/// The index just past the JSON string that opens at `bytes[open]` (a
/// `"`), escapes skipped; the end of `bytes` when it is not closed. The
/// one reader of strings for the scans over a trace's raw text (this
/// module's nesting, `crate::bignum`'s long integers).
pub(crate) fn string_end(bytes: &[u8], open: usize) -> usize {
    let mut i = open + 1;
    while i < bytes.len() && bytes[i] != b'"' {
        i += if bytes[i] == b'\\' { 2 } else { 1 };
    }
    (i + 1).min(bytes.len())
}

/// The offset of the first `[` or `{` (outside strings) that opens level
/// `max_depth + 1`, if any.
pub(super) fn past(text: &str, max_depth: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut depth = 0usize;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => {
                i = string_end(bytes, i);
                continue;
            }
            b'[' | b'{' => {
                depth += 1;
                if depth > max_depth {
                    return Some(i);
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    None
}

/// 1-based line and column (in characters) of a byte offset.
pub(super) fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.bytes().filter(|&b| b == b'\n').count() + 1;
    let start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[start..].chars().count() + 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    fn nested(n: usize) -> String {
        "[".repeat(n) + &"]".repeat(n)
    }

    #[test]
    fn serde_json_alone_stops_at_128_levels() {
        assert!(serde_json::from_str::<Value>(&nested(127)).is_ok());
        assert!(serde_json::from_str::<Value>(&nested(128)).is_err());
    }

    #[test]
    fn deeper_than_serde_json_parses_up_to_the_bound_and_no_further() {
        let v: Value = from_str(&nested(140), 140).ok().expect("140 levels within a bound of 140");
        assert_eq!(v.to_string(), nested(140));
        match from_str::<Value>(&format!("\n {}", nested(141)), 140) {
            Err(DeepError::TooDeep { offset }) => {
                assert_eq!(line_column(&format!("\n {}", nested(141)), offset), (2, 142));
            }
            _ => panic!("141 levels must be refused"),
        }
    }

    /// `past` skips strings whole: escaped quotes and backslashes inside
    /// them, brackets inside them, a string cut at the end of the text.
    #[test]
    fn past_reads_strings_as_json_does() {
        assert_eq!(past(r#"["\"[[[", [[1]]]"#, 3), None);
        assert_eq!(past(r#"["\"[[[", [[[1]]]]"#, 3), Some(12));
        assert_eq!(past(r#"["a\\", [[[1]]]]"#, 3), Some(10), "an escaped backslash ends the escape");
        assert_eq!(past(r#"["a\"#, 0), Some(0));
        assert_eq!(past(r#"{"k": "[{[{"}"#, 1), None);
    }

    #[test]
    fn brackets_in_strings_do_not_count() {
        let text = format!("[\"{}\", {}]", "[".repeat(500), nested(126));
        assert!(from_str::<Value>(&text, 128).is_ok());
    }
}
