//! Bounded fuzzing of the option parser on stable Rust (no cargo-fuzz, which
//! needs nightly): an entry point that takes arbitrary bytes and checks the
//! parser's invariants, and a seeded driver that mutates a small corpus of
//! realistic option texts and feeds them to it. The xtask's fuzz command and
//! the unit tests call these; a violated invariant panics with the input.

use super::{parse_options, split_json, split_properties, OriginPattern, RawOption};
use crate::error::ErrorKind;
use crate::policy::{check_user_data_write, evaluate, filter_user_data_read};

/// Realistic option texts that the driver mutates.
pub const SEEDS: &[&str] = &[
    "service-client-api.accepted-web-content-origins=http://my-web-server0, http://my-web-server1 (*), http://my-web-server2 (agent.*, voice.dial), http://my-web-server3 (agent.*, interaction.*)\n",
    "service-client-api.rate-limit=0\nservice-client-api.rate-limit.voice.dial=4\nservice-client-api.rate-limit.email.create=2\n",
    "service-client-api.user-data.write-allowed=Key1,Key3\nservice-client-api.user-data.read-allowed=Key1,Key2,Key3\n",
    "# comment\n! other\n[interaction-workspace]\nservice-client-api.rate-limit-quarantine-delay: 30\ninteraction.web-content = crm, popup\n",
    "service-client-api.accepted-web-content-origins = HTTPS://Crm.Example.com:443/, \\\n  http://[::1]:8080 (voice.*)\n",
    "{\"service-client-api.rate-limit\": 5, \"service-client-api.accepted-web-content-origins\": \"*\", \"x\": [\"a\", 1]}",
];

/// Characters the mutator likes to insert: the grammar's punctuation and
/// the separators of both input forms.
const INTERESTING: &[char] =
    &[',', '(', ')', '*', '.', ':', '=', '#', '!', '\\', '\n', ' ', '-', '/', '[', ']', '{', '}', '"', '0', '9', 'é', '\r', '\t'];

/// What a bounded run did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FuzzStats {
    /// Inputs tried.
    pub inputs: u64,
    /// Inputs that parsed.
    pub parsed: u64,
    /// Inputs rejected with an error.
    pub rejected: u64,
}

/// Runs the parser on one input (bytes are decoded lossily as UTF-8) and
/// panics if an invariant breaks:
///
/// - parsing never panics and is deterministic;
/// - an [`ErrorKind::Options`] error names an option present in the input,
///   on that option's line, with a position within its value and on a
///   character boundary;
/// - on success every entry's and filter's span lies within the value and
///   its text is the value's text at that span;
/// - policy decisions on the parsed options do not panic, and an origin
///   listed with no filter list is allowed every request.
pub fn fuzz_options_once(bytes: &[u8]) {
    let text = String::from_utf8_lossy(bytes);
    check_invariants(&text);
}

/// [`fuzz_options_once`] on a string.
pub fn check_invariants(text: &str) {
    let first = parse_options(text);
    assert_eq!(first, parse_options(text), "parse_options is not deterministic on {text:?}");
    match first {
        Err(e) => {
            assert!(!e.to_string().is_empty(), "empty error message on {text:?}");
            if let ErrorKind::Options { option, line, position, .. } = e.kind() {
                // A JSON value of the wrong shape is refused before any
                // option is split out: it names the key, at position 0.
                if text.trim_start().starts_with('{') && split_json(text).is_err() {
                    assert_eq!(*position, 0, "a JSON shape error points at its value's start: {e}");
                    return;
                }
                // An application section's key is named `[Section] key`.
                let option = option.rsplit_once("] ").map_or(option.as_str(), |(_, key)| key);
                let raw = raw_options(text);
                let value = raw
                    .iter()
                    .rev()
                    .find(|r| r.key == option && r.line == *line)
                    .map(|r| r.value.as_str())
                    .unwrap_or_else(|| panic!("error names option {option:?} line {line:?} not in {text:?}"));
                assert!(
                    *position <= value.len() && value.is_char_boundary(*position),
                    "position {position} outside value {value:?} of {option}: {e}"
                );
            }
        }
        Ok(options) => {
            if let Some(accepted) = &options.accepted_origins {
                for entry in &accepted.entries {
                    let span_text = accepted.value.get(entry.span.start..entry.span.end);
                    assert_eq!(span_text, Some(entry.text.as_str()), "entry span mismatch in {text:?}");
                    for filter in entry.filters.iter().flatten() {
                        let span_text = accepted.value.get(filter.span.start..filter.span.end);
                        assert_eq!(span_text, Some(filter.text.as_str()), "filter span mismatch in {text:?}");
                    }
                    let origin = match &entry.origin {
                        OriginPattern::Any => "http://fuzz.invalid",
                        OriginPattern::Origin(o) => o.as_str(),
                    };
                    let decision = evaluate(&options, origin, "voice.dial");
                    let _ = decision.explanation();
                }
                for entry in &accepted.entries {
                    if let OriginPattern::Origin(o) = &entry.origin {
                        let decider = accepted.entries.iter().find(|e| e.origin == entry.origin);
                        if decider.is_some_and(|d| d.filters.is_none()) {
                            assert!(evaluate(&options, o, "agent.get").is_allowed(), "unfiltered {o} denied in {text:?}");
                        }
                    }
                }
            }
            let user_data = serde_json::json!({"Key1": 1, "Key2": "x"});
            let _ = filter_user_data_read(&options, &user_data);
            let _ = check_user_data_write(&options, ["Key1", "*"]);
        }
    }
}

fn raw_options(text: &str) -> Vec<RawOption> {
    if text.trim_start().starts_with('{') {
        split_json(text).unwrap_or_default()
    } else {
        split_properties(text)
    }
}

/// A small deterministic generator (xorshift64*), so a run is reproducible
/// from its seed on every platform, wasm included.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Builds the `i`-th input of a run: a seed, mutated a few times.
pub fn mutated_input(seed: u64, i: u64) -> String {
    let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ i.wrapping_add(1).wrapping_mul(0xD1B5_4A32_D192_ED03) | 1);
    let mut chars: Vec<char> = SEEDS[rng.below(SEEDS.len())].chars().collect();
    for _ in 0..1 + rng.below(6) {
        let at = rng.below(chars.len() + 1);
        match rng.below(5) {
            0 => chars.insert(at, INTERESTING[rng.below(INTERESTING.len())]),
            1 if at < chars.len() => {
                let len = 1 + rng.below(8);
                chars.drain(at..(at + len).min(chars.len()));
            }
            2 if at < chars.len() => {
                let end = (at + 1 + rng.below(16)).min(chars.len());
                let copy: Vec<char> = chars[at..end].to_vec();
                let to = rng.below(chars.len() + 1);
                chars.splice(to..to, copy);
            }
            3 => {
                let other: Vec<char> = SEEDS[rng.below(SEEDS.len())].chars().collect();
                let from = rng.below(other.len());
                let end = (from + 1 + rng.below(40)).min(other.len());
                chars.splice(at..at, other[from..end].iter().copied());
            }
            _ if at < chars.len() => chars[at] = INTERESTING[rng.below(INTERESTING.len())],
            _ => chars.push(INTERESTING[rng.below(INTERESTING.len())]),
        }
    }
    chars.into_iter().collect()
}

/// Runs `iterations` mutated inputs derived from `seed` through
/// [`check_invariants`]; panics (with the input) on the first violation.
pub fn fuzz_options_bounded(seed: u64, iterations: u64) -> FuzzStats {
    let mut stats = FuzzStats::default();
    for i in 0..iterations {
        let input = mutated_input(seed, i);
        check_invariants(&input);
        stats.inputs += 1;
        if parse_options(&input).is_ok() {
            stats.parsed += 1;
        } else {
            stats.rejected += 1;
        }
    }
    stats
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded_run_exercises_both_outcomes() {
        // 12345 and 1796516682351980362 found a JSON shape error the
        // invariant could not place, and sections' `[X] key` names.
        for seed in [12345, 1_796_516_682_351_980_362] {
            fuzz_options_bounded(seed, 3000);
        }
        let stats = fuzz_options_bounded(7, 3000);
        assert_eq!(stats.inputs, 3000);
        assert!(stats.parsed > 100, "{stats:?}");
        assert!(stats.rejected > 100, "{stats:?}");
    }

    #[test]
    fn seeds_parse() {
        for seed in SEEDS {
            assert!(parse_options(seed).is_ok(), "{seed}");
        }
    }

    #[test]
    fn raw_bytes_entry_point_accepts_invalid_utf8() {
        fuzz_options_once(b"service-client-api.rate-limit=\xff\xfe");
        fuzz_options_once(b"service-client-api.accepted-web-content-origins=http://a (\xc3");
    }
}
