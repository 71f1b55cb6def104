//! Tests of HAR and JSON Lines export and import: the shape of the HAR,
//! errors that say what and where, and the round trip of every record.

use expect_test::{expect, Expect};
use proptest::prelude::*;
use serde_json::{json, Value};

use super::*;
use crate::ErrorKind;
use crate::record::Undelivered;

const WWE: &str = "https://wwe.example";
const CRM: &str = "https://crm.example";
const T0: f64 = 1_700_000_020_000.0;

fn to_service(id: u64, t: f64, data: Value) -> Record {
    Record {
        id,
        seq: id,
        tab_id: 1,
        frame_id: 0,
        frame_url: format!("{WWE}/ui/ad/v1/index.html"),
        frame_origin: WWE.into(),
        source_origin: CRM.into(),
        source_frame_id: Some(5),
        time: T0 + t,
        size: data.to_string().len() as u64,
        target_origin: Some("*".into()),
        data,
        ..Record::default()
    }
}

fn to_client(id: u64, t: f64, data: Value) -> Record {
    Record {
        id,
        seq: id,
        tab_id: 1,
        frame_id: 5,
        frame_url: format!("{CRM}/app.html"),
        frame_origin: CRM.into(),
        source_origin: WWE.into(),
        source_frame_id: Some(0),
        time: T0 + t,
        size: data.to_string().len() as u64,
        data,
        ..Record::default()
    }
}

fn req(name: &str, rid: &str, params: Value) -> Value {
    json!({"request": name, "parameters": params, "referenceId": rid, "userAgent": "WWE Client", "protocolVersion": 2})
}

fn sample() -> Vec<Record> {
    vec![
        to_service(1, 0.0, req("agent.get", "0", json!([]))),
        to_client(
            2,
            4.5,
            json!({"referenceId": "0", "data": {"username": "ada"}, "userAgent": "WWE Web Edition"}),
        ),
        to_service(3, 10.0, req("voice.pauseRecording", "1", json!(["017c"]))),
        to_client(
            4,
            12.0,
            json!({"referenceId": "1", "errorMessage": "Unknown request", "userAgent": "WWE Web Edition"}),
        ),
        to_client(
            5,
            20.0,
            json!({"event": "agent", "data": {"eventType": "STATE_CHANGED"}, "userAgent": "WWE Web Edition"}),
        ),
        to_client(6, 21.0, json!({"type": "webpackOk"})),
        to_service(7, 30.0, req("voice.dial", "2", json!(["5001", {}]))),
        to_service(8, 20_000.0, json!("wwe-ready")),
    ]
}

fn export(records: &[Record]) -> String {
    to_har(
        &session_of(records.iter().cloned(), None),
        &HarOptions {
            creator_version: Some("test"),
            ..HarOptions::default()
        },
    )
}

fn check_err(text: &str, expect: Expect) {
    match import(text) {
        Ok(t) => panic!("imported {} records", t.records.len()),
        Err(e) => expect.assert_eq(&e.to_string()),
    }
}

#[test]
fn har_shape() {
    let har: Value = serde_json::from_str(&export(&sample())).unwrap();
    let log = &har["log"];
    assert_eq!(log["version"], "1.2");
    assert_eq!(
        log["creator"],
        json!({"name": "wwe-devtools", "version": "test"})
    );
    assert_eq!(log["_wweFormat"], 1);
    let mut out = String::new();
    for p in log["pages"].as_array().unwrap() {
        out += &format!("page {} {} {}\n", p["id"], p["startedDateTime"], p["title"]);
    }
    for e in log["entries"].as_array().unwrap() {
        out += &format!(
            "{} {} {} {} {} wait={} {} {}\n",
            e["pageref"],
            e["startedDateTime"],
            e["request"]["url"],
            e["response"]["status"],
            e["response"]["statusText"],
            e["timings"]["wait"],
            e["_wwe"]["state"],
            e["_wwe"]["findings"]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| f["code"].as_str().unwrap())
                .collect::<Vec<_>>()
                .join(",")
        );
    }
    for m in log["_wweMessages"].as_array().unwrap() {
        out += &format!(
            "{} {} {} {} {}\n",
            m["type"], m["time"], m["_direction"], m["_kind"], m["_entry"]
        );
    }
    expect![[r#"
        page "page_1" "2023-11-14T22:13:40.000Z" "https://wwe.example/ui/ad/v1/index.html"
        "page_1" "2023-11-14T22:13:40.000Z" "https://wwe.example/wwe-service-client-api/agent.get?referenceId=0" 200 "OK" wait=4.5 "ok" W012
        "page_1" "2023-11-14T22:13:40.010Z" "https://wwe.example/wwe-service-client-api/voice.pauseRecording?referenceId=1" 400 "WWE error" wait=2.0 "error" W012,W001
        "page_1" "2023-11-14T22:13:40.030Z" "https://wwe.example/wwe-service-client-api/voice.dial?referenceId=2" 504 "Request timeout" wait=10000.0 "timed-out" W012,E016
        "send" 1700000020.0 "to-service" "request" 0
        "receive" 1700000020.0045 "to-client" "reply" 0
        "send" 1700000020.01 "to-service" "request" 1
        "receive" 1700000020.012 "to-client" "error" 1
        "receive" 1700000020.02 "to-client" "event" null
        "receive" 1700000020.021 "unknown" "foreign" null
        "send" 1700000020.03 "to-service" "request" 2
        "receive" 1700000040.0 "unknown" "legacy" null
    "#]]
    .assert_eq(&out);
    let e = &log["entries"][0];
    assert_eq!(e["request"]["method"], "POST");
    assert_eq!(e["request"]["postData"]["mimeType"], "application/json");
    let body: Value =
        serde_json::from_str(e["request"]["postData"]["text"].as_str().unwrap()).unwrap();
    assert_eq!(body["request"], "agent.get");
    let reply: Value =
        serde_json::from_str(e["response"]["content"]["text"].as_str().unwrap()).unwrap();
    assert_eq!(reply["data"]["username"], "ada");
    assert_eq!(
        e["request"]["headers"],
        json!([{"name": "Origin", "value": CRM}])
    );
    assert_eq!(
        e["_wwe"]["client"],
        json!({"tabId": 1, "frameId": 5, "origin": CRM})
    );
    assert_eq!(e["_wwe"]["targetOrigin"], "*");
}

#[test]
fn pages_follow_top_frame_navigations_per_tab() {
    let mut a = to_service(1, 0.0, req("agent.get", "0", json!([])));
    a.frame_url = "https://wwe.example/a".into();
    let mut child = to_client(
        2,
        1.0,
        json!({"referenceId": "0", "data": 1, "userAgent": "WWE"}),
    );
    child.tab_id = 2;
    let mut b = to_service(3, 2.0, req("agent.get", "1", json!([])));
    b.frame_url = "https://wwe.example/b".into();
    let mut top2 = child.clone();
    top2.id = 4;
    top2.frame_id = 0;
    top2.frame_url = "https://crm.example/top".into();
    let har: Value = serde_json::from_str(&export(&[a, child, b, top2])).unwrap();
    let titles: Vec<&str> = har["log"]["pages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["title"].as_str().unwrap())
        .collect();
    assert_eq!(
        titles,
        [
            "https://wwe.example/a",
            "https://crm.example/top",
            "https://wwe.example/b"
        ]
    );
    let refs: Vec<&str> = har["log"]["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["pageref"].as_str().unwrap())
        .collect();
    assert_eq!(refs, ["page_1", "page_3"]);
    let empty: Value = serde_json::from_str(&export(&[])).unwrap();
    assert_eq!(empty["log"]["pages"].as_array().unwrap().len(), 1);
}

#[test]
fn har_round_trips_records() {
    let records = sample();
    let trace = import(&export(&records)).unwrap();
    assert_eq!(trace.format, Format::Har);
    assert_eq!(trace.creator.as_deref(), Some("wwe-devtools test"));
    assert_eq!(trace.records, records);
}

#[test]
fn a_har_is_read_a_record_at_a_time() {
    // `wwe-trace summary` of a HAR holds its text and what the session
    // keeps, never a tree of the file or a list of its records: each record
    // goes out as soon as it is parsed, before the file's end is reached.
    let records = sample();
    let text = export(&records);
    let mut seen = Vec::new();
    let trace = import_har_each(&text, &mut |r| seen.push(r)).unwrap();
    assert_eq!((seen.as_slice(), trace.records.len()), (records.as_slice(), 0));
    assert_eq!(trace.creator.as_deref(), Some("wwe-devtools test"));
    // Cut inside the third message: the first two were already given.
    let messages = text.find("\"_wweMessages\"").unwrap();
    let third = text[messages..].match_indices("\"_record\"").nth(2).unwrap().0 + messages;
    let mut seen = Vec::new();
    let e = import_har_each(&text[..third], &mut |r| seen.push(r)).unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::Json { .. }), "{e}");
    assert_eq!(seen.as_slice(), &records[..2]);
    // What is not a HAR is refused as before.
    assert!(matches!(import_har_each(&to_jsonl(&records), &mut |_| ()).unwrap_err().kind(), ErrorKind::NotATrace { .. }));
}

#[test]
fn integers_beyond_64_bits_keep_every_digit_in_both_formats() {
    // Issue 17: a trace's numbers are written back as they were read.
    let line = r#"{"id":1,"seq":1,"tabId":1,"frameId":0,"frameUrl":"https://wwe.example/","frameOrigin":"https://wwe.example","sourceOrigin":"https://crm.example","sourceFrameId":5,"time":1700000000000.0,"data":{"request":"voice.dial","parameters":[123456789012345678901234567890,-98765432109876543210],"referenceId":"1","userAgent":"WWE Client","protocolVersion":2,"n":18446744073709551616},"marker":null,"size":0,"targetOrigin":null,"newerField":[340282366920938463463374607431768211457]}"#;
    let digits = ["123456789012345678901234567890", "-98765432109876543210", "18446744073709551616", "340282366920938463463374607431768211457"];
    let trace = import(line).unwrap();
    let jsonl = to_jsonl(&trace.records);
    for d in digits {
        assert_eq!(jsonl.matches(d).count(), 1, "{d} in {jsonl}");
    }
    let har = to_har(&session_of(trace.records.clone(), None), &HarOptions::default());
    for d in digits {
        assert!(har.contains(&format!("{d}]")) || har.contains(&format!("{d},")) || har.contains(&format!("{d}}}")), "{d} in the HAR");
    }
    let back = import(&har).unwrap();
    assert_eq!(to_jsonl(&back.records), jsonl);
    // The request's body in the HAR entry (JSON text in a string) too.
    assert_eq!(har.matches("[123456789012345678901234567890,-98765432109876543210]").count(), 2, "{har}");
}

#[test]
fn jsonl_round_trips_records() {
    let records = sample();
    let text = to_jsonl(&records);
    assert_eq!(text.lines().count(), records.len());
    let trace = import(&text).unwrap();
    assert_eq!(trace.format, Format::JsonLines);
    assert_eq!(trace.records, records);
}

#[test]
fn a_minified_har_is_not_mistaken_for_json_lines() {
    let text = export(&sample());
    assert_eq!(text.lines().count(), 1);
    assert_eq!(import(&text).unwrap().format, Format::Har);
    let reordered = format!("{{\"x\": 1, {}", &text[1..]);
    assert_eq!(import(&reordered).unwrap().format, Format::Har);
}

#[test]
fn import_errors_say_what_and_where() {
    check_err("", expect![[r#"the trace is empty"#]]);
    check_err("\u{feff}  \n", expect![[r#"the trace is empty"#]]);
    check_err(
        "[1, 2]",
        expect![[
            r#"not a trace: expected a HAR file (a JSON object with `log`) or JSON Lines of records, found a JSON array"#
        ]],
    );
    check_err(
        "<html>",
        expect![[
            r#"not a trace: expected a HAR file (a JSON object with `log`) or JSON Lines of records, found markup (HTML or XML?)"#
        ]],
    );
    check_err(
        r#"{"log": {"version": "1.2", "creator": {"name": "WebInspector", "version": "537.36"}, "pages": [], "entries": []}}"#,
        expect![[
            r#"this HAR has no wwe-devtools data: it was saved by WebInspector 537.36; export it from the WWE API panel instead"#
        ]],
    );
    check_err(
        r#"{"log": {"entries": []}}"#,
        expect![[
            r#"this HAR has no wwe-devtools data and does not say what saved it; export it from the WWE API panel instead"#
        ]],
    );
    check_err(
        r#"{"log": {"_wweFormat": 9, "_wweMessages": []}}"#,
        expect![[
            r#"this HAR uses wwe-devtools trace format 9, newer than the format 1 this version reads; update wwe-devtools"#
        ]],
    );
    let har = export(&sample());
    check_err(
        &har[..har.len() / 2],
        expect!["not valid JSON at line 1, column 4464: EOF while parsing a string: the file is truncated (was it still being written, or cut by a size limit?)"],
    );
    check_err(
        "{\n  \"log\": {\n    \"_wweMessages\": [{\"_record\": {\"id\": \"seven\"}}]\n  }\n}",
        expect![[
            r#"not a wwe-devtools trace at line 3, column 47: invalid type: string "seven", expected u64"#
        ]],
    );
    let mut lines = to_jsonl(&sample());
    lines.insert(lines.find('\n').unwrap() + 1, '\n');
    lines.truncate(lines.len() - 10);
    check_err(&lines, expect!["line 9 (record 8) is not a valid record at column 258: EOF while parsing a string: the line is cut short"]);
    check_err(
        "{\"id\": 1, \"time\": 0, \"data\": 0}\n{\"id\": -2}\n",
        expect![[
            r#"line 2 (record 2) is not a valid record at column 9: invalid value: integer `-2`, expected u64"#
        ]],
    );
    check_err(
        "{\"traceEvents\": []}\n",
        expect![[
            r#"line 1 (record 1) is not a valid record at column 1: not a capture record: missing `time` and `data`"#
        ]],
    );
}

#[test]
fn huge_input_is_refused_before_parsing() {
    let huge = " ".repeat(MAX_TRACE_BYTES + 1);
    assert!(matches!(
        import(&huge).unwrap_err().kind(),
        ErrorKind::TraceTooLarge { .. }
    ));
}

#[test]
fn junk_never_panics() {
    let har = export(&sample());
    for cut in (0..har.len()).step_by(97) {
        let _ = import(&har[..cut]);
        let _ = import(&har[cut..]);
    }
}

fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        ".{0,12}".prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(".{0,6}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn arb_wwe_data() -> impl Strategy<Value = Value> {
    prop_oneof![
        arb_json(),
        ("[a-z]{1,6}\\.[a-zA-Z]{1,8}", "[0-9]{1,2}").prop_map(|(n, r)| req(&n, &r, json!([]))),
        ("[0-9]{1,2}", arb_json())
            .prop_map(|(r, d)| json!({"referenceId": r, "data": d, "userAgent": "WWE"})),
    ]
}

fn arb_record() -> impl Strategy<Value = Record> {
    let opt_text = || prop::option::of(".{0,8}");
    (
        (
            any::<u64>(),
            any::<u64>(),
            any::<i64>(),
            0i64..4,
            ".{0,10}",
            ".{0,10}",
            ".{0,10}",
        ),
        (
            prop::option::of(0i64..4),
            -1e13f64..1e13,
            arb_wwe_data(),
            opt_text(),
            any::<u64>(),
            opt_text(),
        ),
        (
            prop::collection::vec(any::<u32>(), 0..3),
            prop::option::of(prop::collection::vec(any::<u32>(), 0..3)),
            opt_text(),
            prop::option::of(any::<i64>()),
            opt_text(),
            opt_text(),
            any::<bool>(),
            any::<u32>(),
            prop::option::of(any::<i64>()),
            any::<bool>(),
            opt_text(),
            opt_text(),
        ),
        prop::option::of((".{0,10}", ".{0,10}", opt_text(), opt_text(), ".{0,10}").prop_map(
            |(target_origin, recipient_origin, stack, sender_url, text)| Undelivered {
                target_origin,
                recipient_origin,
                stack,
                sender_url,
                text,
            },
        )),
    )
        .prop_map(
            |(
                (id, seq, tab_id, frame_id, frame_url, frame_origin, source_origin),
                (source_frame_id, time, data, marker, size, target_origin),
                (
                    frame_path,
                    source_path,
                    source_relation,
                    source_tab_id,
                    source_unknown,
                    stack,
                    page_reported,
                    ports,
                    capture_tab_id,
                    dispatched_by_page,
                    event_class,
                    claimed_origin,
                ),
                undelivered,
            )| {
                // Every field today; `..default()` keeps this compiling when
                // the record grows (add the new field here too).
                #[allow(clippy::needless_update)]
                Record {
                    id,
                    seq,
                    tab_id,
                    frame_id,
                    frame_url,
                    frame_origin,
                    source_origin,
                    source_frame_id,
                    time,
                    data,
                    marker,
                    size,
                    target_origin,
                    frame_path,
                    source_path,
                    source_relation,
                    source_tab_id,
                    source_unknown,
                    stack,
                    page_reported,
                    ports,
                    capture_tab_id,
                    dispatched_by_page,
                    event_class,
                    claimed_origin,
                    undelivered,
                    ..Record::default()
                }
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn export_then_import_gives_back_every_record(records in prop::collection::vec(arb_record(), 0..12)) {
        let har = export(&records);
        prop_assert_eq!(&import(&har).unwrap().records, &records);
        let pretty = to_har(&session_of(records.iter().cloned(), None), &HarOptions { pretty: true, ..HarOptions::default() });
        prop_assert_eq!(&import(&pretty).unwrap().records, &records);
        prop_assert_eq!(&import(&to_jsonl(&records)).map(|t| t.records).unwrap_or_default(), &if records.is_empty() { vec![] } else { records.clone() });
    }
}

#[test]
fn export_redacts_by_default_and_keeps_the_clock() {
    let mut records = sample();
    records.push(to_service(
        9,
        20_001.0,
        req("auth.getJwtToken", "3", json!([])),
    ));
    records.push(to_client(10, 20_002.0, json!({"referenceId": "3", "data": "eyJhbGciOiJub25lIn0.eyJzdWIiOiJhIn0.", "userAgent": "WWE"})));
    records.push(to_service(11, 20_003.0, req("agent.get", "4", json!([]))));
    let mut live = crate::session::Session::new();
    for r in records.iter().cloned() {
        live.push(r);
    }
    let plain = super::export(&live, &crate::redact::Rules::none(), Format::Har, false);
    assert!(plain.hits.is_empty());
    assert!(plain.text.contains("eyJhbGciOiJub25lIn0"));
    let out = super::export(&live, &crate::redact::Rules::default(), Format::Har, false);
    assert!(!out.text.contains("eyJhbGciOiJub25lIn0"));
    assert_eq!(out.hits.len(), 1);
    let har: Value = serde_json::from_str(&out.text).unwrap();
    assert_eq!(har["log"]["_wweRedactions"][0]["rule"], "jwt-reply");
    let states: Vec<&str> = har["log"]["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["_wwe"]["state"].as_str().unwrap())
        .collect();
    assert_eq!(states, ["ok", "error", "timed-out", "ok", "pending"]);
    let lines = super::export(
        &live,
        &crate::redact::Rules::default(),
        Format::JsonLines,
        false,
    );
    let back = import(&lines.text).unwrap().records;
    assert_eq!(back.len(), records.len());
    assert_eq!(back[9].data["data"], "[redacted:jwt-reply]");
}

/// `data` nested `levels` deep: arrays around an object around a string.
fn nested(levels: usize) -> Value {
    let mut v = json!({"deepest": "here"});
    for _ in 1..levels {
        v = json!([v]);
    }
    v
}

#[test]
fn a_message_as_deep_as_a_trace_holds_reads_back_from_har_and_json_lines() {
    // 124 levels: the issue's case (fits a JSON Lines line, not serde_json's
    // 128 levels under a HAR's 4); MAX_MESSAGE_DEPTH: the deepest allowed.
    for levels in [124, MAX_MESSAGE_DEPTH] {
        let mut records = sample();
        records[5].data = nested(levels);
        let har = export(&records);
        assert_eq!(import(&har).map(|t| t.records).as_ref(), Ok(&records), "HAR, {levels} levels");
        let jsonl = to_jsonl(&records);
        assert_eq!(import(&jsonl).map(|t| t.records).as_ref(), Ok(&records), "JSON Lines, {levels} levels");
    }
}

#[test]
fn a_message_deeper_than_a_trace_holds_is_refused_at_its_place() {
    let mut records = sample();
    records[5].data = nested(MAX_MESSAGE_DEPTH + 1);
    let har = to_har(&session_of(records.clone(), None), &HarOptions { pretty: true, ..HarOptions::default() });
    match import(&har).unwrap_err().kind() {
        ErrorKind::TooDeep { line, column, limit } => {
            assert_eq!(*limit, MAX_MESSAGE_DEPTH);
            let at = har.lines().nth(line - 1).unwrap().chars().nth(column - 1);
            // The innermost object, at level 4 + MAX_MESSAGE_DEPTH + 1.
            assert_eq!(at, Some('{'), "line {line} column {column}");
        }
        other => panic!("{other:?}"),
    }
    let jsonl = to_jsonl(&records);
    check_err(
        &jsonl,
        expect!["line 6 (record 6) is not a valid record at column 330: the message nests deeper than the 128 levels a trace holds"],
    );
}

#[test]
fn json_lines_with_a_few_bad_lines_are_read_leniently_with_the_lines_listed() {
    let mut lines: Vec<String> = to_jsonl(&sample()).lines().map(str::to_owned).collect();
    lines[0].truncate(30); // the first line damaged: still JSON Lines
    lines[3] = "{\"traceEvents\": []}".to_owned();
    let text = lines.join("\n") + "\n";
    let lenient = ImportOptions { strict: false, max_bytes: None };
    let trace = import_with(&text, &lenient).unwrap();
    assert_eq!(trace.format, Format::JsonLines);
    let mut expected = sample();
    expected.remove(3);
    expected.remove(0);
    assert_eq!(trace.records, expected);
    let skipped: Vec<String> = trace.skipped.iter().map(ToString::to_string).collect();
    expect![[r#"
        [
            "line 1 (record 1) is not a valid record at column 30: EOF while parsing a string: the line is cut short",
            "line 4 (record 4) is not a valid record at column 1: not a capture record: missing `time` and `data`",
        ]
    "#]]
    .assert_debug_eq(&skipped);
    // Strict (import's default): the first bad line is the error.
    check_err(&text, expect!["line 1 (record 1) is not a valid record at column 30: EOF while parsing a string: the line is cut short"]);
    // No record at all: not a trace, even leniently.
    let e = import_with("{\"traceEvents\": []}\n{\"a\": 1}\n", &lenient).unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::BadRecordLine { line: 1, .. }), "{e}");
}

#[test]
fn a_har_without_what_a_trace_needs_says_what_is_missing() {
    check_err(
        r#"{"log": {"_wweMessages": [{"data": {"request": "agent.get"}}]}}"#,
        expect!["not a wwe-devtools trace at line 1, column 60: missing field `_record`"],
    );
}

#[test]
fn the_size_limit_is_optional() {
    let padded = format!("{}{}", export(&sample()), " ".repeat(64));
    let limit = ImportOptions { strict: true, max_bytes: Some(padded.len() - 1) };
    assert!(matches!(import_with(&padded, &limit).unwrap_err().kind(), ErrorKind::TraceTooLarge { .. }));
    assert_eq!(import_with(&padded, &ImportOptions { max_bytes: None, ..limit }).unwrap().records, sample());
}

#[test]
fn fields_this_version_does_not_know_survive_har_and_json_lines() {
    let mut records = sample();
    records[0].extra.insert("newerField".into(), json!({"kept": [1, "two", null]}));
    records[4].extra.insert("zz".into(), json!(false));
    let har = export(&records);
    let from_har = import(&har).unwrap().records;
    assert_eq!(from_har, records);
    let from_jsonl = import(&to_jsonl(&from_har)).unwrap().records;
    assert_eq!(from_jsonl, records);
    // `_record` leaves `data` out and keeps the unknown field.
    let v: Value = serde_json::from_str(&har).unwrap();
    let first = &v["log"]["_wweMessages"][0]["_record"];
    assert_eq!(first["newerField"], json!({"kept": [1, "two", null]}));
    assert!(first.get("data").is_none(), "{first}");
}

#[test]
fn times_outside_hars_years_are_clamped_with_a_note_and_kept_in_the_records() {
    let mut records = sample();
    records[0].time = 4.0e14; // the year 14645
    records[6].time = -7.0e13; // the year -249
    let session = session_of(records.clone(), None);
    let exported = super::export(&session, &Rules::none(), Format::Har, false);
    expect![[r#"
        [
            "2 records have times outside HAR's years 0000-9999: the startedDateTime of their pages and entries is clamped (each says so in its comment); the records keep their times",
        ]
    "#]]
    .assert_debug_eq(&exported.notes);
    let v: Value = serde_json::from_str(&exported.text).unwrap();
    let dates: Vec<&str> = v["log"]["entries"].as_array().unwrap().iter().map(|e| e["startedDateTime"].as_str().unwrap()).collect();
    assert_eq!(dates[0], "9999-12-31T23:59:59.999Z");
    assert_eq!(dates[2], "0000-01-01T00:00:00.000Z");
    assert!(v["log"]["entries"][0]["comment"].as_str().unwrap().contains("400000000000000 ms"));
    assert_eq!(v["log"]["pages"][0]["startedDateTime"], "9999-12-31T23:59:59.999Z");
    assert_eq!(import(&exported.text).unwrap().records, records);
    assert!(super::export(&session_of(sample(), None), &Rules::none(), Format::Har, false).notes.is_empty());
}

#[test]
fn fractional_times_and_unknown_fields_read_back() {
    // Fractional numbers beside an unknown field: with serde_json's
    // arbitrary_precision (tried, then removed) the flattened `extra`
    // buffered every number as a map and `time` was refused.
    let line = r#"{"id":1,"seq":1,"tabId":1,"frameId":0,"frameUrl":"","frameOrigin":"","sourceOrigin":"","sourceFrameId":null,"time":1700000000000.125,"data":{"balance":-12.5},"marker":null,"size":0,"targetOrigin":null,"newer":0.25}"#;
    let records = import(&format!("{line}\n")).unwrap().records;
    assert_eq!(records[0].time, 1_700_000_000_000.125);
    assert_eq!(records[0].extra.get("newer"), Some(&serde_json::json!(0.25)));
    let record = Record::from_json(line).unwrap();
    assert_eq!(record.time, 1_700_000_000_000.125);
    assert_eq!(to_jsonl(&records), format!("{line}\n"));
}

#[test]
fn json_lines_read_a_line_at_a_time_as_a_whole_text() {
    let mut text = to_jsonl(&sample()).replace('\n', "\r\n");
    text.insert_str(0, "\r\n");
    text.push_str("{\"traceEvents\": []}\n");
    assert_eq!(detect(&text), Ok(Format::JsonLines));
    let mut reader = JsonlReader::new(false);
    let mut records = Vec::new();
    // `split_inclusive` as a file reader gives lines, `\r\n` and all.
    for line in text.split_inclusive('\n') {
        records.extend(reader.line(line.strip_suffix('\n').unwrap_or(line)).unwrap());
    }
    let skipped = reader.finish().unwrap();
    let whole = import_with(&text, &ImportOptions { strict: false, max_bytes: None }).unwrap();
    assert_eq!(records, whole.records);
    assert_eq!(records, sample());
    assert_eq!(skipped, whole.skipped);
    assert!(matches!(skipped[0].kind(), ErrorKind::BadRecordLine { line: 10, record: 9, .. }), "{skipped:?}");
    assert_eq!(detect(&export(&sample())), Ok(Format::Har));
    assert!(matches!(detect("  \n").unwrap_err().kind(), ErrorKind::EmptyTrace));
}

#[test]
fn a_har_head_is_told_from_its_first_bytes_as_detect_tells_it() {
    let har = export(&sample());
    for text in [har.clone(), format!("\u{feff}  \n{har}"), to_har(&session_of(sample(), None), &HarOptions { pretty: true, ..HarOptions::default() })] {
        assert!(is_har_head(&text.as_bytes()[..12]), "{}", &text[..12]);
        assert_eq!(detect(&text).expect("a trace"), Format::Har);
    }
    // JSON Lines, other JSON and a HAR whose first key is not `log`: the
    // head says nothing (detect reads the lines).
    for text in [to_jsonl(&sample()), "[1]".to_owned(), "{\"version\": 1, \"log\": {}}".to_owned(), String::new()] {
        assert!(!is_har_head(text.as_bytes()), "{text}");
    }
}
