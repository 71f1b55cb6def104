//! The streaming export (`har::export_replayed`, what `wwe-trace convert`
//! and `redact` use) writes exactly what the export of a session holding
//! every record writes: the same bytes, redaction summary and notes, in
//! every format, for token replies before or after their requests, dates
//! outside HAR's years, a redaction history and WWE options. And it fails
//! with the reader's error, never a panic.

#[path = "planted.rs"]
mod planted;
#[path = "replay_mem.rs"]
mod replay_mem;

use std::cell::Cell;
use std::io::Cursor;

use replay_mem::{mem_spill, MemSource};
use serde_json::json;
use wwe_core::har::{export_replayed, export_to, preview_replayed, session_of, Format, Pass, StreamOptions};
use wwe_core::options::{parse_options, Options};
use wwe_core::record::Record;
use wwe_core::redact::{summarize, Rule, Rules, Summary, TokenReplies};
use wwe_core::synthetic::{agent_desktop, Payload};

/// Exports `records` both ways and checks they agree; returns the text and
/// the passes the source was read in.
fn both(records: &[Record], rules: &Rules, format: Format, pretty: bool, history: &[Summary], options: Option<Options>) -> (String, Vec<Pass>) {
    let session = session_of(records.to_vec(), options.clone());
    let mut held = Vec::new();
    let written = export_to(&session, rules, format, pretty, history, &mut held).expect("in memory");
    let mut source = MemSource::new(records.to_vec());
    let spills = Cell::new(0);
    let passes = std::cell::RefCell::new(Vec::new());
    let progress = |pass: Pass, done: u64, all: u64| {
        assert!(done <= all, "{pass:?}: {done} of {all}");
        if done == all {
            passes.borrow_mut().push(pass);
        }
    };
    let mut streamed = Vec::new();
    let how = StreamOptions { rules, format, pretty, history, options, token_replies: None, progress: Some(&progress) };
    let mut spill = || {
        spills.set(spills.get() + 1);
        mem_spill()
    };
    let s = export_replayed(&mut source, &mut spill, &how, &mut streamed).expect("in memory");
    let (held, streamed) = (String::from_utf8(held).expect("UTF-8"), String::from_utf8(streamed).expect("UTF-8"));
    if held != streamed {
        let at = held.bytes().zip(streamed.bytes()).position(|(a, b)| a != b).unwrap_or(held.len().min(streamed.len()));
        let from = at.saturating_sub(120);
        panic!(
            "{format:?}: streamed differs at byte {at}\n held: …{}\n streamed: …{}",
            &held[from..(at + 120).min(held.len())],
            &streamed[from..(at + 120).min(streamed.len())]
        );
    }
    assert_eq!(s.redactions, summarize(&written.hits), "{format:?}: redaction summary");
    assert_eq!(s.notes, written.notes, "{format:?}: notes");
    assert_eq!(s.records, records.len() as u64);
    if format == Format::JsonLines {
        assert_eq!(spills.get(), 0, "JSON Lines needs no spill");
        assert_eq!(*passes.borrow(), []);
    } else {
        assert_eq!(spills.get(), 1);
        assert_eq!(*passes.borrow(), [Pass::Entries, Pass::Messages], "progress of the spill's passes, each to the end");
    }
    (streamed, source.passes)
}

fn every_way(records: &[Record], rules: &Rules, history: &[Summary], options: Option<Options>) {
    for format in [Format::Har, Format::JsonLines] {
        for pretty in [false, true] {
            both(records, rules, format, pretty, history, options.clone());
        }
    }
}

fn customer_rules() -> Rules {
    let mut rules = Rules::default();
    rules.push(Rule::Email);
    rules.push(Rule::Phone);
    rules.push(Rule::Key("Note".into()));
    rules
}

#[test]
fn planted_secrets_stream_as_they_export() {
    let (tokens, kinds) = planted::tokens();
    let (customer, customer_kinds) = planted::customer_data();
    for rules in [Rules::default(), Rules::none(), customer_rules()] {
        every_way(&tokens, &rules, &[], None);
        every_way(&customer, &rules, &[], None);
    }
    for format in [Format::Har, Format::JsonLines] {
        let (text, _) = both(&tokens, &Rules::default(), format, false, &[], None);
        assert_eq!(planted::survivors(&text, &kinds), [], "{format:?}");
        let (text, _) = both(&customer, &customer_rules(), format, false, &[], None);
        assert_eq!(planted::survivors(&text, &customer_kinds), [], "{format:?}");
    }
}

#[test]
fn a_token_reply_read_before_its_request_is_still_redacted_whole() {
    let (mut records, _) = planted::tokens();
    // The reply to auth.getJwtToken (record 6) comes first: pairing learns
    // it is a token reply only from a later record.
    records.swap(4, 5);
    records[4].time -= 1.0;
    let (text, passes) = both(&records, &Rules::default(), Format::JsonLines, false, &[], None);
    assert!(!text.contains("opaqueJwtReply66"), "{text}");
    assert_eq!(passes, [Pass::Pairing, Pass::Redacting]);
}

#[test]
fn without_jwt_reply_no_pairing_pass_is_made() {
    let (records, _) = planted::tokens();
    let rules = Rules::new(vec![Rule::Jwt, Rule::Credentials]);
    let (_, passes) = both(&records, &rules, Format::Har, false, &[], None);
    assert_eq!(passes, [Pass::Redacting]);
}

#[test]
fn a_big_desktop_with_options_history_and_odd_dates_streams_as_it_exports() {
    let mut records = agent_desktop(5_000, Payload::Typical);
    // Dates HAR cannot write, a second tab, and a navigation.
    records[10].time = -7.0e13;
    records[11].time = 4.0e14;
    records[500].tab_id = 2;
    records[900].frame_url.push_str("?page=2");
    records[901].extra.insert("newerField".into(), json!({"kept": [1, "two"]}));
    let options = parse_options("service-client-api.accepted-web-content-origins=https://crm.example (agent.*)").expect("valid");
    let history = vec![Summary { rule: "jwt".into(), count: 2, messages: vec![1, 7], paths: vec!["/parameters/0".into()] }];
    every_way(&records, &customer_rules(), &history, Some(options));
}

#[test]
fn a_source_that_breaks_gives_its_error() {
    let (records, _) = planted::tokens();
    for format in [Format::Har, Format::JsonLines] {
        let mut source = MemSource::new(records.clone());
        source.fail_after = Some(3);
        let rules = Rules::default();
        let how = StreamOptions { rules: &rules, format, pretty: false, history: &[], options: None, token_replies: None, progress: None };
        let e = export_replayed(&mut source, &mut mem_spill, &how, &mut Vec::new()).expect_err("it broke");
        assert_eq!(e.to_string(), "the source broke at record 3");
    }
    // A spill that does not read back: the HAR writer says so.
    struct Garbled(Cursor<Vec<u8>>);
    impl std::io::Write for Garbled {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.write(&buf.iter().map(|b| if *b == b'{' { b'[' } else { *b }).collect::<Vec<_>>())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    impl std::io::Read for Garbled {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            self.0.read(buf)
        }
    }
    impl std::io::Seek for Garbled {
        fn seek(&mut self, to: std::io::SeekFrom) -> std::io::Result<u64> {
            self.0.seek(to)
        }
    }
    let rules = Rules::default();
    let how = StreamOptions { rules: &rules, format: Format::Har, pretty: false, history: &[], options: None, token_replies: None, progress: None };
    let e = export_replayed(&mut MemSource::new(records), &mut || Ok(Garbled(Cursor::new(Vec::new()))), &how, &mut Vec::new())
        .expect_err("the spill is garbled");
    assert!(e.to_string().starts_with("the spill file of redacted records, line 1: "), "{e}");
}

#[test]
fn the_streamed_preview_lists_what_the_preview_of_a_session_does() {
    let (mut records, _) = planted::tokens();
    records.swap(4, 5);
    records[4].time -= 1.0;
    let (customer, _) = planted::customer_data();
    records.extend(customer);
    for rules in [Rules::default(), customer_rules()] {
        let held = wwe_core::redact::preview(&session_of(records.clone(), None), &rules);
        let mut streamed = Vec::new();
        let mut source = MemSource::new(records.clone());
        preview_replayed(&mut source, &rules, None, &mut |h| {
            streamed.push(h.clone());
            Ok(())
        })
        .expect("in memory");
        assert!(!held.is_empty());
        assert_eq!(streamed, held);
        assert_eq!(source.passes, [Pass::Pairing, Pass::Redacting]);
    }
}

#[test]
fn token_replies_known_from_loading_save_the_pairing_pass() {
    let (records, kinds) = planted::tokens();
    let rules = Rules::default();
    let known = TokenReplies::of(&session_of(records.clone(), None), &rules);
    let mut source = MemSource::new(records);
    let how = StreamOptions { rules: &rules, format: Format::JsonLines, pretty: false, history: &[], options: None, token_replies: Some(known), progress: None };
    let mut out = Vec::new();
    export_replayed(&mut source, &mut mem_spill, &how, &mut out).expect("in memory");
    assert_eq!(source.passes, [Pass::Redacting]);
    assert_eq!(planted::survivors(&String::from_utf8(out).expect("UTF-8"), &kinds), []);
}

/// A HAR read from a stream gives the records and trace its text gives,
/// without asking for the text when the file is as the panel writes it;
/// a damaged file is read from its text, with the usual error.
#[test]
fn a_har_read_from_a_stream_is_its_text_read() {
    use wwe_core::har::{import_har_each, import_har_reader};
    let read = |text: &str| {
        let asked = Cell::new(false);
        let mut records = Vec::new();
        let result = import_har_reader(
            text.as_bytes(),
            &mut || {
                asked.set(true);
                Ok(text.to_owned())
            },
            &mut |r| records.push(r),
        )
        .expect("in memory");
        let mut held = Vec::new();
        let expected = import_har_each(text, &mut |r| held.push(r));
        assert_eq!(records, held);
        assert_eq!(result.as_ref().map(|t| (&t.creator, &t.redactions)).map_err(ToString::to_string), expected.as_ref().map(|t| (&t.creator, &t.redactions)).map_err(ToString::to_string));
        (asked.get(), result.map_err(|e| e.to_string()))
    };
    let (tokens, _) = planted::tokens();
    let mut desktop = agent_desktop(2_000, Payload::Typical);
    desktop[3].extra.insert("newerField".into(), json!({"big": 1}));
    for records in [tokens, desktop] {
        for pretty in [false, true] {
            let mut text = Vec::new();
            export_to(&session_of(records.clone(), None), &customer_rules(), Format::Har, pretty, &[], &mut text).expect("in memory");
            let text = String::from_utf8(text).expect("UTF-8");
            let (asked, result) = read(&text);
            assert!(!asked, "the text was asked for a file as the panel writes it");
            assert!(result.is_ok());
            let (asked, _) = read(&format!("\u{feff}{text}\n"));
            assert!(!asked, "a byte-order mark and a final line break are usual");
            // Cut short, and with a syntax error inside `entries`.
            let (asked, result) = read(&text[..text.len() - 40]);
            assert!(asked);
            assert!(result.expect_err("cut short").contains("truncated"));
            let broken = text.replacen("\"pageref\"", "\"pageref\" 1", 1);
            let (asked, result) = read(&broken);
            assert!(asked);
            assert!(result.expect_err("broken").contains("line"));
        }
    }
    // Not a trace: the usual errors.
    for text in ["{}", "{\"log\": null}", "{\"log\": {\"creator\": {\"name\": \"Chrome\"}}}", "[1]", ""] {
        let (_, result) = read(text);
        assert!(result.is_err(), "{text}");
    }
}
