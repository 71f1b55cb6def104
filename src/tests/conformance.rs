//! Conformance to the vendor guide (`shared/reference/
//! service-client-api-guide.txt`): one test per statement of the guide the
//! product models, named by the guide's line (`g70_…` is line 70). Each
//! test quotes the statement and checks what the core (and so the panel,
//! the simulator and the CLI) makes of it.

use serde_json::{json, Value};
use wwe_core::admission::{self, Admission, Gate, TraceRequest};
use wwe_core::catalog;
use wwe_core::decode::decode;
use wwe_core::lint::{check_message, Code};
use wwe_core::options::parse_options;
use wwe_core::policy;
use wwe_core::ratelimit::Verdict;
use wwe_core::record::Record;
use wwe_core::session::{ExchangeState, Session};

const WWE: &str = "https://wwe.example";
const CRM: &str = "https://crm.example";
const T0: f64 = 1_700_000_020_000.0;

/// Options with a tab app, a hidden app and a background app, all on the
/// CRM origin.
const APPS: &str = "service-client-api.accepted-web-content-origins=https://crm.example\n\
service-client-api.rate-limit=0\n\
interaction.web-content=Dialer,Console,PerCall\n\
[Dialer]\nurl=https://crm.example/dialer.html\ntitle=Click to dial\nmode=tab\n\
[Console]\nurl=https://crm.example/console.html\nmode=hidden\n\
[PerCall]\nurl=https://crm.example/console.html?per=call\nmode=background\n";

fn client_request(id: u64, t: f64, data: Value) -> Record {
    Record {
        id,
        tab_id: 1,
        frame_id: 0,
        frame_url: format!("{WWE}/index.html"),
        frame_origin: WWE.into(),
        source_origin: CRM.into(),
        source_frame_id: Some(5),
        time: T0 + t,
        data,
        ..Record::default()
    }
}

fn to_client(id: u64, t: f64, url: &str, data: Value) -> Record {
    Record {
        id,
        tab_id: 1,
        frame_id: 5,
        frame_url: url.into(),
        frame_origin: CRM.into(),
        source_origin: WWE.into(),
        source_frame_id: Some(0),
        time: T0 + t,
        data,
        ..Record::default()
    }
}

fn request(name: &str, rid: &str, params: Value) -> Value {
    json!({"request": name, "parameters": params, "referenceId": rid, "userAgent": "WWE Client", "protocolVersion": 2})
}

fn codes_of(record: &Record) -> Vec<Code> {
    let decoded = decode(&record.data);
    check_message(record, &decoded).into_iter().map(|i| i.code).collect()
}

fn event(name: &str, data: Value) -> Record {
    to_client(1, 0.0, "https://crm.example/app.html", json!({"event": name, "data": data, "userAgent": "WWE"}))
}

/// G49: "you can configure Workspace to include more than one third-party
/// web application, displayed as either a tab, a popup window, in the
/// background at the interaction level, or hidden."
#[test]
fn g49_web_content_sections_decide_the_apps_and_how_each_is_shown() {
    let options = parse_options(APPS).unwrap();
    let apps: Vec<(&str, &str, Option<&str>)> =
        options.web_apps.iter().map(|a| (a.section.as_str(), a.label(), a.mode)).collect();
    assert_eq!(
        apps,
        [("Dialer", "Click to dial", Some("tab")), ("Console", "Console", Some("hidden")), ("PerCall", "PerCall", Some("background"))]
    );
    assert!(options.warnings.is_empty(), "{:?}", options.warnings);
    let background = options.web_apps[2].display().unwrap();
    assert!(background.per_interaction && !background.shown, "a background app lives and ends with its interaction");
    // Every display the guide names is in the catalog, and only those.
    let names: Vec<&str> = catalog::displays().iter().map(|d| d.name).collect();
    assert_eq!(names, ["tab", "popup", "background", "hidden"]);
    // A mode outside the four is an error that names the section.
    let err = parse_options("interaction.web-content=X\n[X]\nurl=https://a.example/\nmode=sidebar\n").unwrap_err();
    assert!(err.to_string().contains("[X] mode") && err.to_string().contains("tab, popup, background, hidden"), "{err}");
    // The same in JSON form.
    let json = parse_options(r#"{"interaction.web-content": "X", "X": {"url": "https://a.example/", "mode": "popup"}}"#).unwrap();
    assert_eq!(json.web_apps[0].mode, Some("popup"));
    // A listed section that is not given is said, not guessed.
    let missing = parse_options("interaction.web-content=Ghost\n").unwrap();
    assert!(missing.warnings.iter().any(|w| w.message.contains("no section `[Ghost]`")), "{:?}", missing.warnings);
    // A frame is matched to its app by URL, the most specific first.
    assert_eq!(policy::app_for_frame(&options, "https://crm.example/console.html?per=call#x").unwrap().section, "PerCall");
    assert_eq!(policy::app_for_frame(&options, "https://crm.example/console.html").unwrap().section, "Console");
    assert!(policy::app_for_frame(&options, "https://elsewhere.example/").is_none());
}

/// G70: "If you configure Workspace Web Edition to display your web
/// application in a new tab in the Workspace user interface ..., then the
/// service API only gives access to the `dial` operation."
#[test]
fn g70_an_app_shown_in_a_tab_may_only_dial() {
    let options = parse_options(APPS).unwrap();
    let dialer = &options.web_apps[0];
    assert!(policy::evaluate_app(&options, CRM, "voice.dial", Some(dialer)).is_allowed());
    let denied = policy::evaluate_app(&options, CRM, "agent.get", Some(dialer));
    assert!(!denied.is_allowed());
    assert!(denied.explanation().contains("shown as a tab") && denied.explanation().contains("voice.dial only"), "{}", denied.explanation());
    // The other displays keep the whole API.
    for app in &options.web_apps[1..] {
        assert!(policy::evaluate_app(&options, CRM, "agent.get", Some(app)).is_allowed(), "{}", app.section);
    }
    // The session reports the refused request once the frame's URL (learned
    // from the first message it receives, after its request) names the app.
    let mut s = Session::new();
    s.set_options(Some(options.clone()));
    s.push(client_request(1, 0.0, request("agent.get", "0", json!([]))));
    s.push(client_request(2, 1.0, request("voice.dial", "1", json!(["5001"]))));
    s.push(to_client(3, 2.0, "https://crm.example/dialer.html", json!({"frameId": 1, "userAgent": "WWE"})));
    let denied: Vec<&[u64]> =
        s.findings().iter().filter(|f| f.code == Code::RequestDeniedByPolicy).map(|f| f.messages.as_slice()).collect();
    assert_eq!(denied, [&[1][..]], "{:#?}", s.findings());
    // The same frame as a hidden app gets no finding.
    let mut s = Session::new();
    s.set_options(Some(options));
    s.push(client_request(1, 0.0, request("agent.get", "0", json!([]))));
    s.push(to_client(2, 2.0, "https://crm.example/console.html", json!({"frameId": 1, "userAgent": "WWE"})));
    assert!(s.findings().iter().all(|f| f.code != Code::RequestDeniedByPolicy), "{:#?}", s.findings());
}

/// G143-173 with G112-141: WWE's options act in one order, the one the
/// simulator enforces and the panel predicts: origin, display, request
/// filter, then the rate limit, which counts only what was let through.
#[test]
fn g143_policy_and_rate_limit_in_one_order() {
    // Before the sections: a key after `[PerCall]` belongs to that section.
    let text = format!("service-client-api.rate-limit.agent.get=1\n{APPS}");
    let options = parse_options(&text).unwrap();
    let dialer = &options.web_apps[0];
    let console = &options.web_apps[1];
    let mut gate = Gate::new(&options);
    // Refused by the tab rule: does not count against agent.get's limit.
    assert!(matches!(gate.admit(&options, CRM, Some(dialer), "agent.get", T0), Admission::Refused(_)));
    assert!(gate.admit(&options, CRM, Some(console), "agent.get", T0 + 1.0).is_served());
    assert!(matches!(
        gate.admit(&options, CRM, Some(console), "agent.get", T0 + 2.0),
        Admission::Limited(Verdict::LimitReached { .. })
    ));
    assert!(matches!(gate.admit(&options, "https://other.example", None, "agent.get", T0), Admission::Ignored { .. }));
    // The prediction over a trace agrees, request for request.
    let trace = [
        TraceRequest { time_ms: T0, origin: CRM, app: Some(dialer), request: "agent.get" },
        TraceRequest { time_ms: T0 + 1.0, origin: CRM, app: Some(console), request: "agent.get" },
        TraceRequest { time_ms: T0 + 2.0, origin: CRM, app: Some(console), request: "agent.get" },
    ];
    let (predictions, stopped) = admission::predict(&options, trace);
    assert_eq!(stopped, 1);
    let verdicts: Vec<(usize, bool)> = predictions.iter().map(|p| (p.index, p.verdict == Verdict::Allowed)).collect();
    assert_eq!(verdicts, [(1, true), (2, false)]);
}

/// G366-371: the system eventType table: CUSTOM_TOAST_BUTTON_CLICK "uses
/// the following parameters: customToastId ... buttonIndex".
#[test]
fn g371_a_toast_click_carries_its_toast_id_and_button_index() {
    let ok = event("system", json!({"eventType": "CUSTOM_TOAST_BUTTON_CLICK", "customToastId": "wweCustomToast0", "buttonIndex": 0}));
    assert_eq!(codes_of(&ok), []);
    let missing = event("system", json!({"eventType": "CUSTOM_TOAST_BUTTON_CLICK", "buttonIndex": 0}));
    assert_eq!(codes_of(&missing), [Code::EventFieldMissing]);
}

/// G366-417: each eventType belongs to one event (agent, system,
/// interaction): one under another event is a finding.
#[test]
fn g368_an_event_type_arrives_under_its_own_event() {
    assert_eq!(codes_of(&event("agent", json!({"eventType": "STATE_CHANGED", "mediaState": "READY"}))), []);
    assert_eq!(codes_of(&event("interaction", json!({"eventType": "STATE_CHANGED"}))), [Code::EventTypeMisplaced]);
    assert_eq!(codes_of(&event("agent", json!({"eventType": "ADDED"}))), [Code::EventTypeMisplaced]);
    // Events whose eventTypes the guide does not document are not judged.
    for name in ["media", "outbound", "markdone", "messenger:x"] {
        assert!(!catalog::event(name).unwrap().typed, "{name}");
        assert_eq!(codes_of(&event(name, json!({"eventType": "STATE_CHANGED"}))), [], "{name}");
    }
}

/// G384-417: voice events, OpenMedia events, chat events and outbound
/// email events: an eventType on a media its table does not cover is a
/// finding; common events fit every media.
#[test]
fn g384_interaction_event_types_fit_their_media() {
    let on = |ty: &str, media: &str| codes_of(&event("interaction", json!({"eventType": ty, "media": media, "interaction": {"interactionId": "1"}})));
    assert_eq!(on("ESTABLISHED", "voice"), []);
    assert_eq!(on("ESTABLISHED", "chat"), [Code::EventTypeMisplaced]);
    assert_eq!(on("INVITED", "chat"), []);
    assert_eq!(on("INVITED", "voice"), [Code::EventTypeMisplaced]);
    assert_eq!(on("JOIN_PENDING", "chat"), []);
    assert_eq!(on("JOIN_PENDING", "email"), [Code::EventTypeMisplaced]);
    assert_eq!(on("SENT", "email"), []);
    assert_eq!(on("SENT", "chat"), [Code::EventTypeMisplaced]);
    assert_eq!(on("ATTACHED_DATA_CHANGED", "workitem"), []);
    // Without a media nothing is judged.
    assert_eq!(codes_of(&event("interaction", json!({"eventType": "ESTABLISHED"}))), []);
}

fn dial(id: u64, t: f64, rid: &str) -> Record {
    client_request(id, t, request("voice.dial", rid, json!(["5001"])))
}

fn states(s: &Session) -> Vec<ExchangeState> {
    s.exchanges().iter().map(|e| e.state).collect()
}

fn codes(s: &Session) -> Vec<Code> {
    s.findings().iter().map(|f| f.code).collect()
}

/// G173: "A value of 0 means that Workspace Web Edition ignores further
/// requests forever". Requests long after such an error are swallowed by
/// the quarantine, never timed out (which would blame the origin option).
#[test]
fn g173_quarantine_delay_of_zero_swallows_forever() {
    let rate_limit = json!({
        "referenceId": "1",
        "errorMessage": "The rate limit for the request 'voice.dial' has been reached.\nFurther requests of the same type will be ignored for 0 seconds.",
        "userAgent": "WWE"
    });
    let mut s = Session::new();
    s.push(dial(1, 0.0, "1"));
    s.push(to_client(2, 4.0, "https://crm.example/app.html", rate_limit));
    s.push(dial(3, 5_000.0, "2"));
    s.push(dial(4, 600_000.0, "3"));
    s.advance_to(T0 + 700_000.0);
    assert_eq!(states(&s), [ExchangeState::RateLimited, ExchangeState::Swallowed, ExchangeState::Swallowed]);
    assert_eq!(codes(&s), [Code::RateLimited, Code::RequestSwallowed]);
    assert!(s.findings()[0].message.contains("forever"), "{}", s.findings()[0].message);
}

/// G161-170: the guide's own rate-limit error has no referenceId (and names
/// another request in its `request` field). The quarantine is recognised
/// from the error itself: the pending request it answers is rate-limited,
/// not timed out, and the next ones are swallowed.
#[test]
fn g165_rate_limit_error_without_reference_id_starts_the_quarantine() {
    let guide_example = json!({
        "errorMessage": "The rate limit for the request 'voice.dial' has been reached.\nFurther requests of the same type will be ignored for 30 seconds.",
        "request": "agent.getState",
        "userAgent": "WWE"
    });
    let mut s = Session::new();
    s.push(dial(1, 0.0, "1"));
    s.push(to_client(2, 4.0, "https://crm.example/app.html", guide_example));
    s.push(dial(3, 1_000.0, "2"));
    s.advance_to(T0 + 20_000.0);
    assert_eq!(states(&s), [ExchangeState::RateLimited, ExchangeState::Swallowed]);
    assert_eq!(codes(&s), [Code::RateLimitNameMismatch, Code::RateLimited, Code::RequestSwallowed]);
    assert_eq!(s.rate_observations()[0].quarantines.len(), 1);
}
