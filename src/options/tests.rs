//! Tests of the option parser: snapshot checks of parse results and errors,
//! the vendor guide's examples, and properties of arbitrary input.

use expect_test::{expect, Expect};
use proptest::prelude::*;

use super::*;

/// Renders parsed options (or the error) as compact text for snapshots.
fn render(text: &str) -> String {
    let options = match parse_options(text) {
        Ok(o) => o,
        Err(e) => return format!("error: {e}\n"),
    };
    let mut out = String::new();
    if let Some(acc) = &options.accepted_origins {
        out.push_str(&format!("origins (line {:?}):\n", acc.line));
        for e in &acc.entries {
            let origin = match &e.origin {
                OriginPattern::Any => "*".to_string(),
                OriginPattern::Origin(o) => o.clone(),
            };
            let filters = match &e.filters {
                None => "every request".to_string(),
                Some(fs) => fs
                    .iter()
                    .map(|f| match &f.kind {
                        FilterKind::Any => format!("{}@{}..{}=any", f.text, f.span.start, f.span.end),
                        FilterKind::Namespace(ns) => format!("{}@{}..{}=ns:{ns}", f.text, f.span.start, f.span.end),
                        FilterKind::Exact(n) => format!("{}@{}..{}=exact:{n}", f.text, f.span.start, f.span.end),
                    })
                    .collect::<Vec<_>>()
                    .join(", "),
            };
            out.push_str(&format!("  #{} `{}` @{}..{} -> {origin}: {filters}\n", e.index, e.text, e.span.start, e.span.end));
        }
    }
    let rl = &options.rate_limits;
    if rl.global.is_some() || !rl.per_request.is_empty() || rl.quarantine_delay_seconds.is_some() {
        out.push_str(&format!("rate limits: global={:?} quarantine={:?}", rl.global, rl.quarantine_delay_seconds));
        for (k, v) in &rl.per_request {
            out.push_str(&format!(" {k}={v}"));
        }
        out.push('\n');
    }
    for (name, list) in [
        ("read-allowed", &options.user_data_read_allowed),
        ("write-allowed", &options.user_data_write_allowed),
        ("web-content", &options.web_content),
    ] {
        if let Some(list) = list {
            out.push_str(&format!("{name}: [{}]\n", list.keys.join("|")));
        }
    }
    for u in &options.unknown {
        out.push_str(&format!("unknown (line {:?}): {} = {}\n", u.line, u.key, u.value));
    }
    for w in &options.warnings {
        out.push_str(&format!("warning (line {:?}, position {:?}) {}: {}\n", w.line, w.position, w.option, w.message));
    }
    out
}

fn check(text: &str, expect: Expect) {
    expect.assert_eq(&render(text));
}

/// Checks only the accepted-origins value, written without the key.
fn check_origins(value: &str, expect: Expect) {
    expect.assert_eq(&render(&format!("{ACCEPTED_ORIGINS}={value}")));
}

#[test]
fn guide_origin_example() {
    check_origins(
        "http://my-web-server0, http://my-web-server1 (*), http://my-web-server2 (agent.*, voice.dial), http://my-web-server3 (agent.*, interaction.*)",
        expect![[r#"
            origins (line Some(1)):
              #0 `http://my-web-server0` @0..21 -> http://my-web-server0: every request
              #1 `http://my-web-server1 (*)` @23..48 -> http://my-web-server1: *@46..47=any
              #2 `http://my-web-server2 (agent.*, voice.dial)` @50..93 -> http://my-web-server2: agent.*@73..80=ns:agent, voice.dial@82..92=exact:voice.dial
              #3 `http://my-web-server3 (agent.*, interaction.*)` @95..141 -> http://my-web-server3: agent.*@118..125=ns:agent, interaction.*@127..140=ns:interaction
        "#]],
    );
}

#[test]
fn guide_simple_origin_forms() {
    check_origins(
        "http://my-web-server, http://my-second-web-server, http://my-third-web-server",
        expect![[r#"
            origins (line Some(1)):
              #0 `http://my-web-server` @0..20 -> http://my-web-server: every request
              #1 `http://my-second-web-server` @22..49 -> http://my-second-web-server: every request
              #2 `http://my-third-web-server` @51..77 -> http://my-third-web-server: every request
        "#]],
    );
    check_origins(
        "*",
        expect![[r#"
            origins (line Some(1)):
              #0 `*` @0..1 -> *: every request
        "#]],
    );
}

#[test]
fn guide_rate_limit_sample() {
    check(
        "service-client-api.rate-limit=0\nservice-client-api.rate-limit.voice.dial=4\nservice-client-api.rate-limit.email.create=2\n",
        expect![[r#"
            rate limits: global=Some(0) quarantine=None email.create=2 voice.dial=4
        "#]],
    );
    let o = parse_options("service-client-api.rate-limit=0\nservice-client-api.rate-limit.voice.dial=4\nservice-client-api.rate-limit.email.create=2\n").unwrap();
    assert_eq!(o.rate_limits.limit_for("voice.dial"), Some(4));
    assert_eq!(o.rate_limits.limit_for("email.create"), Some(2));
    assert_eq!(o.rate_limits.limit_for("agent.get"), None, "0 globally means unlimited");
    assert_eq!(o.rate_limits.quarantine_delay(), DEFAULT_QUARANTINE_DELAY_SECONDS);
}

#[test]
fn guide_user_data_sample() {
    check(
        "service-client-api.user-data.write-allowed=Key1,Key3\nservice-client-api.user-data.read-allowed=Key1,Key2,Key3\n",
        expect![[r#"
            read-allowed: [Key1|Key2|Key3]
            write-allowed: [Key1|Key3]
        "#]],
    );
}

#[test]
fn properties_syntax_variants() {
    check(
        "  # a comment\n! another\n\n[interaction-workspace]\n service-client-api.rate-limit : 50  \r\nservice-client-api.rate-limit-quarantine-delay 60\ninteraction.web-content=crm-tab,  crm-popup\nservice-client-api.rate-limit.voice.dial=\\\n   4\n",
        expect![[r#"
            rate limits: global=Some(50) quarantine=Some(60) voice.dial=4
            web-content: [crm-tab|crm-popup]
            warning (line None, position None) interaction.web-content: interaction.web-content lists `crm-tab`, but no section `[crm-tab]` is given here, so this tool does not know its page or how it is shown
            warning (line None, position None) interaction.web-content: interaction.web-content lists `crm-popup`, but no section `[crm-popup]` is given here, so this tool does not know its page or how it is shown
        "#]],
    );
}

#[test]
fn json_form() {
    check(
        r#"{"service-client-api.rate-limit": "5", "service-client-api.rate-limit.voice.dial": 2,
            "service-client-api.accepted-web-content-origins": ["http://a (voice.dial)", "*"],
            "service-client-api.user-data.read-allowed": "Key1, Key2", "custom.thing": true}"#,
        expect![[r#"
            origins (line None):
              #0 `http://a (voice.dial)` @0..21 -> http://a: voice.dial@10..20=exact:voice.dial
              #1 `*` @23..24 -> *: every request
            rate limits: global=Some(5) quarantine=None voice.dial=2
            read-allowed: [Key1|Key2]
            unknown (line None): custom.thing = true
            warning (line None, position None) custom.thing: `custom.thing` is not a Service Client API option this tool knows; it is kept but has no effect here
        "#]],
    );
}

#[test]
fn json_errors() {
    check(
        r#"{"service-client-api.rate-limit": "5",}"#,
        expect![[r#"
            error: not valid JSON at line 1, column 39: trailing comma
        "#]],
    );
    check(
        r#"{"service-client-api.rate-limit": {"a": 1}}"#,
        expect![[r#"
            error: in option `service-client-api.rate-limit` at position 0: expected a string or a number, found an object
        "#]],
    );
    check(
        r#"{"service-client-api.rate-limit": -3}"#,
        expect![[r#"
            error: in option `service-client-api.rate-limit` at position 0: expected a number of requests per minute (0 = unlimited), found the negative number `-3`
        "#]],
    );
    check(
        r#"{"service-client-api.rate-limit": 2.5}"#,
        expect![[r#"
            error: in option `service-client-api.rate-limit` at position 1: expected a digit: a number of requests per minute (0 = unlimited), found `.` in `2.5`
        "#]],
    );
}

#[test]
fn unknown_keys_and_duplicates_are_warnings() {
    check(
        "Service-Client-API.Rate-Limit=5\nservice-client-api.rate-limit=1\nservice-client-api.rate-limit=2\nfoo.bar=baz\n",
        expect![[r#"
            rate limits: global=Some(2) quarantine=None
            unknown (line Some(1)): Service-Client-API.Rate-Limit = 5
            unknown (line Some(4)): foo.bar = baz
            warning (line Some(1), position None) Service-Client-API.Rate-Limit: `Service-Client-API.Rate-Limit` is not a Service Client API option this tool knows; it is kept but has no effect here; did you mean `service-client-api.rate-limit`? (option names are case-sensitive)
            warning (line Some(3), position None) service-client-api.rate-limit: `service-client-api.rate-limit` is set more than once; this value replaces the earlier one (line 2)
            warning (line Some(4), position None) foo.bar: `foo.bar` is not a Service Client API option this tool knows; it is kept but has no effect here
        "#]],
    );
}

#[test]
fn origins_are_normalised() {
    check_origins(
        "HTTPS://Crm.Example.COM:443/, http://Host:80, http://host:8080/, https://h:80, http://[::1]:8080, http://[::1]",
        expect![[r#"
            origins (line Some(1)):
              #0 `HTTPS://Crm.Example.COM:443/` @0..28 -> https://crm.example.com: every request
              #1 `http://Host:80` @30..44 -> http://host: every request
              #2 `http://host:8080/` @46..63 -> http://host:8080: every request
              #3 `https://h:80` @65..77 -> https://h:80: every request
              #4 `http://[::1]:8080` @79..96 -> http://[::1]:8080: every request
              #5 `http://[::1]` @98..110 -> http://[::1]: every request
        "#]],
    );
    assert_eq!(normalize_origin(" HTTP://Example.com:80/ "), "http://example.com");
    assert_eq!(normalize_origin("null"), "null");
    // Normalising is idempotent, also for entries that are not origins
    // (found by proptest: `//` once normalised to `/`, then to ``).
    for odd in ["//", "a//", "HTTP://A:80/", "*", "x:y"] {
        let once = normalize_origin(odd);
        assert_eq!(normalize_origin(&once), once, "{odd}");
    }
    fuzzing::check_invariants(&format!("{ACCEPTED_ORIGINS}=//"));
}

#[test]
fn origin_layout_variants() {
    // Filters glued to the origin, spaces inside the parentheses, a line
    // continuation between entries.
    check(
        "service-client-api.accepted-web-content-origins=http://a(voice.dial,agent.*) , \\\n    *( * )\n",
        expect![[r#"
            origins (line Some(1)):
              #0 `http://a(voice.dial,agent.*)` @0..28 -> http://a: voice.dial@9..19=exact:voice.dial, agent.*@20..27=ns:agent
              #1 `*( * )` @31..37 -> *: *@34..35=any
        "#]],
    );
}

#[test]
fn origin_warnings() {
    check_origins(
        "my-web-server, http://a,, http://*.example.com, http://a (agent), http://b,",
        expect![[r#"
            origins (line Some(1)):
              #0 `my-web-server` @0..13 -> my-web-server: every request
              #1 `http://a` @15..23 -> http://a: every request
              #2 `http://*.example.com` @26..46 -> http://*.example.com: every request
              #3 `http://a (agent)` @48..64 -> http://a: agent@58..63=exact:agent
              #4 `http://b` @66..74 -> http://b: every request
            warning (line Some(1), position Some(0)) service-client-api.accepted-web-content-origins: `my-web-server` has no scheme; browsers report origins as scheme://host[:port] (e.g. http://my-web-server), so this entry never matches
            warning (line Some(1), position Some(24)) service-client-api.accepted-web-content-origins: empty entry in the list (two commas in a row, or a leading comma); it is ignored
            warning (line Some(1), position Some(26)) service-client-api.accepted-web-content-origins: wildcards in host names are not documented; `http://*.example.com` matches only an origin spelled exactly so, not subdomains
            warning (line Some(1), position Some(58)) service-client-api.accepted-web-content-origins: `agent` is not a full request name (namespace.request) and matches nothing; did you mean `agent.*`?
            warning (line Some(1), position Some(48)) service-client-api.accepted-web-content-origins: origin http://a is already listed by entry 2 (`http://a`); only the first entry for an origin is used, so `http://a (agent)` has no effect
            warning (line Some(1), position Some(74)) service-client-api.accepted-web-content-origins: the list ends with a comma; the empty entry after it is ignored
        "#]],
    );
}

#[test]
fn unknown_request_names_are_warnings() {
    check(
        "service-client-api.accepted-web-content-origins=http://a (voice.pauseRecording, agnt.*, voice.dial)\nservice-client-api.rate-limit.voice.dail=3\n",
        expect![[r#"
            origins (line Some(1)):
              #0 `http://a (voice.pauseRecording, agnt.*, voice.dial)` @0..51 -> http://a: voice.pauseRecording@10..30=exact:voice.pauseRecording, agnt.*@32..38=ns:agnt, voice.dial@40..50=exact:voice.dial
            rate limits: global=None quarantine=None voice.dail=3
            warning (line Some(1), position Some(10)) service-client-api.accepted-web-content-origins: `voice.pauseRecording` is not a request of the Service Client API; did you mean `voice.pauseCallRecording`?
            warning (line Some(1), position Some(32)) service-client-api.accepted-web-content-origins: `agnt.*`: `agnt` is not a namespace of the Service Client API; the filter matches no known request
            warning (line Some(2), position None) service-client-api.rate-limit.voice.dail: `voice.dail` is not a request of the Service Client API, so this limit applies only to requests spelled exactly so; did you mean `voice.dial`?
        "#]],
    );
}

#[test]
fn empty_origins_value_is_an_empty_list() {
    check_origins(
        "   ",
        expect![[r#"
            origins (line Some(1)):
        "#]],
    );
}

#[test]
fn origin_errors() {
    check_origins(
        "http://a (agent.*, voice.dial",
        expect![[r#"
            error: in option `service-client-api.accepted-web-content-origins` (line 1) at position 9: expected `)` closing the filter list opened here, found the end of the value
        "#]],
    );
    check_origins(
        "http://a (agent.*, http://b",
        expect![[r#"
            error: in option `service-client-api.accepted-web-content-origins` (line 1) at position 9: expected `)` closing the filter list opened here, found the origin `http://b`
        "#]],
    );
    check_origins(
        "http://a ()",
        expect![[r#"
            error: in option `service-client-api.accepted-web-content-origins` (line 1) at position 10: expected a request filter such as `voice.dial`, `agent.*` or `*`, found `)`: the filter list is empty
        "#]],
    );
    check_origins(
        "http://a (agent.*, )",
        expect![[r#"
            error: in option `service-client-api.accepted-web-content-origins` (line 1) at position 19: expected a request filter such as `voice.dial`, `agent.*` or `*`, found `)` after a comma: an empty filter
        "#]],
    );
    check_origins(
        "http://a (agent.*,, voice.dial)",
        expect![[r#"
            error: in option `service-client-api.accepted-web-content-origins` (line 1) at position 18: expected a request filter such as `voice.dial`, `agent.*` or `*`, found `,`: an empty filter
        "#]],
    );
    check_origins(
        "http://a http://b",
        expect![[r#"
            error: in option `service-client-api.accepted-web-content-origins` (line 1) at position 9: expected `,` between entries, `(` starting a filter list, or the end of the value, found `http://b`
        "#]],
    );
    check_origins(
        "http://a (voice.dial) x",
        expect![[r#"
            error: in option `service-client-api.accepted-web-content-origins` (line 1) at position 22: expected `,` between entries, or the end of the value, found `x`
        "#]],
    );
    check_origins(
        "http://a), http://b",
        expect![[r#"
            error: in option `service-client-api.accepted-web-content-origins` (line 1) at position 8: expected `,` between entries, `(` starting a filter list, or the end of the value, found `)` without a matching `(`
        "#]],
    );
    check_origins(
        "(voice.dial)",
        expect![[r#"
            error: in option `service-client-api.accepted-web-content-origins` (line 1) at position 0: expected an origin or `*` before the filter list, found `(`
        "#]],
    );
    check_origins(
        "http://a/path",
        expect![[r#"
            error: in option `service-client-api.accepted-web-content-origins` (line 1) at position 8: expected `,`, `(` or the end of the entry (an origin has no path, query or fragment), found `/path`
        "#]],
    );
    check_origins(
        "http://a:99999",
        expect![[r#"
            error: in option `service-client-api.accepted-web-content-origins` (line 1) at position 9: expected a port number (0 to 65535), found `99999`
        "#]],
    );
    check_origins(
        "http://a:, https://",
        expect![[r#"
            error: in option `service-client-api.accepted-web-content-origins` (line 1) at position 9: expected a port number (0 to 65535), found nothing after `:`
        "#]],
    );
    check_origins(
        "https://",
        expect![[r#"
            error: in option `service-client-api.accepted-web-content-origins` (line 1) at position 8: expected a host name after `://`, found the end of the entry
        "#]],
    );
    check_origins(
        "1http://a",
        expect![[r#"
            error: in option `service-client-api.accepted-web-content-origins` (line 1) at position 0: expected a scheme such as `http` or `https`, found `1http`
        "#]],
    );
    check_origins(
        "http://a (voice..dial)",
        expect![[r#"
            error: in option `service-client-api.accepted-web-content-origins` (line 1) at position 16: expected a name or `*` between dots, found `.`
        "#]],
    );
    check_origins(
        "http://a (voice.)",
        expect![[r#"
            error: in option `service-client-api.accepted-web-content-origins` (line 1) at position 16: expected a name or `*` between dots, found the end of the filter
        "#]],
    );
    check_origins(
        "http://a (*.dial)",
        expect![[r#"
            error: in option `service-client-api.accepted-web-content-origins` (line 1) at position 10: expected `*` only as the last part of a filter, as in `agent.*`, found `*.dial`
        "#]],
    );
    check_origins(
        "http://a (voice.di#al)",
        expect![[r#"
            error: in option `service-client-api.accepted-web-content-origins` (line 1) at position 18: expected a request name made of letters, digits, `_` or `-`, found `#` in `voice.di#al`
        "#]],
    );
    check_origins(
        "http://a (voice.dial agent.*)",
        expect![[r#"
            error: in option `service-client-api.accepted-web-content-origins` (line 1) at position 21: expected `,` or `)` after a filter, found `agent.*`
        "#]],
    );
    check_origins(
        "http://a ((voice.dial))",
        expect![[r#"
            error: in option `service-client-api.accepted-web-content-origins` (line 1) at position 10: expected a request filter such as `voice.dial`, `agent.*` or `*`, found `(`: filter lists do not nest
        "#]],
    );
}

#[test]
fn number_errors() {
    check(
        "\n\nservice-client-api.rate-limit=abc",
        expect![[r#"
            error: in option `service-client-api.rate-limit` (line 3) at position 0: expected a digit: a number of requests per minute (0 = unlimited), found `a` in `abc`
        "#]],
    );
    check(
        "service-client-api.rate-limit=-1",
        expect![[r#"
            error: in option `service-client-api.rate-limit` (line 1) at position 0: expected a number of requests per minute (0 = unlimited), found the negative number `-1`
        "#]],
    );
    check(
        "service-client-api.rate-limit.voice.dial=",
        expect![[r#"
            error: in option `service-client-api.rate-limit.voice.dial` (line 1) at position 0: expected a number of requests per minute (0 = unlimited), found nothing
        "#]],
    );
    check(
        "service-client-api.rate-limit-quarantine-delay=3 0",
        expect![[r#"
            error: in option `service-client-api.rate-limit-quarantine-delay` (line 1) at position 1: expected a digit: a number of seconds (0 = forever), found a space
        "#]],
    );
    check(
        "service-client-api.rate-limit=99999999999",
        expect![[r#"
            error: in option `service-client-api.rate-limit` (line 1) at position 0: expected a number of requests per minute (0 = unlimited), at most 4294967295, found `99999999999`
        "#]],
    );
}

#[test]
fn error_kind_carries_the_parts() {
    let err = parse_options("x=1\nservice-client-api.accepted-web-content-origins = http://a (agent.*").unwrap_err();
    assert_eq!(
        err.kind(),
        &ErrorKind::Options {
            option: ACCEPTED_ORIGINS.to_string(),
            line: Some(2),
            position: 9,
            expected: "`)` closing the filter list opened here".to_string(),
            found: "the end of the value".to_string(),
        }
    );
}

#[test]
fn user_data_lists() {
    check(
        "service-client-api.user-data.read-allowed= Key1 ,, Key2,\nservice-client-api.user-data.write-allowed=*\nservice-client-api.user-data.read-allowed=\n",
        expect![[r#"
            read-allowed: []
            write-allowed: [*]
            warning (line Some(1), position Some(6)) service-client-api.user-data.read-allowed: empty item in the list (two commas, or a comma at an end); it is ignored
            warning (line Some(1), position Some(13)) service-client-api.user-data.read-allowed: empty item in the list (two commas, or a comma at an end); it is ignored
            warning (line Some(2), position None) service-client-api.user-data.write-allowed: `*` is not documented as a wildcard for user-data keys; it is treated as a key named `*`
            warning (line Some(3), position None) service-client-api.user-data.read-allowed: `service-client-api.user-data.read-allowed` is set more than once; this value replaces the earlier one (line 1)
        "#]],
    );
}

#[test]
fn filter_matching() {
    let o = parse_options(&format!("{ACCEPTED_ORIGINS}=http://a (agent.*, voice.dial, *)")).unwrap();
    let fs = o.accepted_origins.unwrap().entries[0].filters.clone().unwrap();
    assert!(fs[0].matches("agent.get") && fs[0].matches("agent.getStateList"));
    assert!(!fs[0].matches("agent") && !fs[0].matches("agent.") && !fs[0].matches("agentx.get"));
    assert!(fs[1].matches("voice.dial") && !fs[1].matches("voice.dialEx") && !fs[1].matches("Voice.dial"));
    assert!(fs[2].matches("anything.at.all"));
}

proptest! {
    // Failures are not persisted to a proptest-regressions/ folder: each
    // one found becomes a named deterministic test instead.
    #![proptest_config(ProptestConfig { failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn never_panics_and_errors_point_inside_the_value(text in "\\PC{0,200}") {
        fuzzing::check_invariants(&text);
    }

    #[test]
    fn origin_values_never_panic(value in "[ a-z:/*().,0-9\\[\\]-]{0,80}") {
        let text = format!("{ACCEPTED_ORIGINS}={value}");
        fuzzing::check_invariants(&text);
        if let Err(e) = parse_options(&text) {
            if let ErrorKind::Options { position, .. } = e.kind() {
                prop_assert!(*position <= value.trim().len());
            }
        }
    }

    #[test]
    fn counts_round_trip(n in any::<u32>(), pad in "[ \t]{0,3}") {
        let o = parse_options(&format!("{RATE_LIMIT}{pad}={pad}{n}{pad}")).unwrap();
        prop_assert_eq!(o.rate_limits.global, Some(n));
    }
}
