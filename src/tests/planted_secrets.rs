//! The planted-secret suite: one secret of every kind issue 17 lists, each
//! checked to be gone after `redact` and after the panel's export (HAR and
//! JSON Lines, through `har::export`), preview paths and the HAR's
//! redaction summary included. `wwe-trace diff` is checked on the same
//! secrets in `cli/tests/golden.rs`.

#[path = "planted.rs"]
mod planted;

use planted::{customer_data, survivors, tokens, Kind};
use wwe_core::har::{export, session_of, to_jsonl, Format};
use wwe_core::redact::{preview, redact, Rule, Rules};

fn customer_rules() -> Rules {
    let mut rules = Rules::default();
    rules.push(Rule::Email);
    rules.push(Rule::Phone);
    rules
}

/// Every needle is in the trace before redaction: a needle that is not
/// would prove nothing.
fn planted_for_real(text: &str, kinds: &[Kind]) {
    for k in kinds {
        for n in &k.needles {
            assert!(text.contains(n.as_str()), "{}: {n} is not in the trace to begin with", k.name);
        }
    }
}

#[test]
fn no_token_survives_the_default_rules() {
    let (records, kinds) = tokens();
    planted_for_real(&to_jsonl(&records), &kinds);
    let session = session_of(records, None);
    let redacted = redact(&session, &Rules::default());
    assert_eq!(survivors(&to_jsonl(&redacted.records), &kinds), [], "redact");
    for format in [Format::Har, Format::JsonLines] {
        let out = export(&session, &Rules::default(), format, false);
        assert_eq!(survivors(&out.text, &kinds), [], "the panel's export as {format:?}");
    }
    // Pairing survives: the protocol fields are untouched.
    let clean = session_of(redacted.records, None);
    assert_eq!(clean.exchanges().len(), session.exchanges().len());
}

#[test]
fn no_customer_data_survives_the_email_and_phone_patterns() {
    let (records, kinds) = customer_data();
    planted_for_real(&to_jsonl(&records), &kinds);
    let session = session_of(records.clone(), None);
    let rules = customer_rules();
    assert_eq!(survivors(&to_jsonl(&redact(&session, &rules).records), &kinds), [], "redact");
    for format in [Format::Har, Format::JsonLines] {
        assert_eq!(survivors(&export(&session, &rules, format, false).text, &kinds), [], "export as {format:?}");
    }
    let paths: Vec<String> = preview(&session, &rules).into_iter().map(|h| h.pointer).collect();
    assert_eq!(survivors(&paths.join(" "), &kinds), [], "preview paths");
}
