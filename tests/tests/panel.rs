//! The panel's end-to-end tests (issue 7), one `#[test]` per browser per
//! scenario, against `panel.html?tabId=N` for a tab showing
//! `tests/fixtures/panel/service.html`: a scripted WWE service on
//! `http://127.0.0.1:P1` with clients A and B from `http://localhost:P2` and
//! one from `http://[::1]:P3`. The fixture's 26 messages, by client:
//!
//! ```text
//! A  agent.get ok · interaction.getInteractions ok (700 ms) · subscribe agent,interaction ok
//!    · event agent/STATE_CHANGED · event interaction/RINGING
//!    · interaction.getByInteractionId error · voice.dial ok ×3 · voice.dial rate-limited
//!    · voice.dial swallowed (no reply) · voice.pauseRecording error (misspelt) · {hello: "world"}
//! B  agent.get ok
//! 3rd agent.getState ok
//! ```
//!
//! Scenarios: filtering (every query form, negation, problems, chips, the
//! foreign toggle), pairing (exchanges, statuses, grouped view, detail pane
//! jumps), a rate-limit hit (row, findings, rate-limit view), the
//! did-you-mean finding (and no false findings), the policy view, the frames
//! sidebar. They read the panel
//! only through its stable `data-testid` hooks, and compare exact counts, so
//! a regression changes a number and fails. A screenshot of the panel goes
//! to `target/e2e-artifacts/panel-<scenario>-<browser>.png`; on failure the
//! driver log is saved beside it.

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::Value;
use wwe_e2e::{
    artifacts_dir, extension_dir, fixtures_dir, Browser, Element, Error, LaunchOptions, Result,
    Session, DEFAULT_TIMEOUT,
};
use wwe_simulator::{Origins, Port, Server, ServerConfig};

/// Every message the fixture exchanges.
const TOTAL: u64 = 26;
/// The foreign `{hello: "world"}` is hidden by default.
const SHOWN_BY_DEFAULT: u64 = TOTAL - 1;
/// How long a filter change may take to show; a wrong count waits this
/// long and then fails with what it saw.
const FILTER_TIMEOUT: Duration = Duration::from_secs(8);
/// The swallowed `voice.dial` is judged 10 s after it was sent (the client
/// library's timeout), plus slack for a slow machine.
const SWALLOW_TIMEOUT: Duration = Duration::from_secs(30);

/// One message row, as the panel's `data-*` contract describes it.
#[derive(Debug, Clone, Default, PartialEq)]
struct Row {
    id: u64,
    direction: String,
    kind: String,
    name: String,
    status: String,
    origin: String,
    receiver: String,
    exchange: Option<u64>,
}

impl std::fmt::Display for Row {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "#{} {} {} {:?} [{}] {} -> {} exchange={:?}",
            self.id,
            self.direction,
            self.kind,
            self.name,
            self.status,
            self.origin,
            self.receiver,
            self.exchange
        )
    }
}

const ROW_ATTRS: &[&str] = &[
    "data-id",
    "data-direction",
    "data-kind",
    "data-name",
    "data-status",
    "data-origin",
    "data-receiver-origin",
    "data-exchange",
];

fn rows(session: &Session) -> std::result::Result<Vec<Row>, String> {
    let snapshot = session
        .snapshot("[data-testid=message]", ROW_ATTRS)
        .map_err(|e| e.to_string())?;
    let text = |r: &serde_json::Map<String, Value>, k: &str| {
        r.get(k).and_then(Value::as_str).unwrap_or("").to_owned()
    };
    snapshot
        .iter()
        .map(|r| {
            Ok(Row {
                id: text(r, "data-id")
                    .parse()
                    .map_err(|_| format!("a row without a numeric data-id: {r:?}"))?,
                direction: text(r, "data-direction"),
                kind: text(r, "data-kind"),
                name: text(r, "data-name"),
                status: text(r, "data-status"),
                origin: text(r, "data-origin"),
                receiver: text(r, "data-receiver-origin"),
                exchange: r
                    .get("data-exchange")
                    .and_then(Value::as_str)
                    .and_then(|s| s.parse().ok()),
            })
        })
        .collect()
}

fn describe(rows: &[Row]) -> String {
    let mut out = format!("{} rows", rows.len());
    for row in rows {
        out.push_str("\n    ");
        out.push_str(&row.to_string());
    }
    out
}

/// The number in a `data-testid` counter, `None` when absent or not a number.
fn count(session: &Session, testid: &str) -> std::result::Result<Option<u64>, String> {
    let found = session
        .snapshot(&format!("[data-testid={testid}]"), &[])
        .map_err(|e| e.to_string())?;
    Ok(found
        .first()
        .and_then(|c| c.get("text")?.as_str()?.trim().parse().ok()))
}

fn one(session: &Session, css: &str) -> Result<Element> {
    session
        .find_all(css)?
        .into_iter()
        .next()
        .ok_or_else(|| Error::new(format!("no element matches {css}")))
}

fn click(session: &Session, css: &str) -> Result<()> {
    let element = one(session, css)?;
    session.click(&element)
}

fn click_row(session: &Session, id: u64) -> Result<()> {
    click(session, &format!("[data-testid=message][data-id=\"{id}\"]"))
}

/// Waits until count-shown is `expected` and the DOM holds that many rows,
/// then returns the rows.
fn expect_shown(session: &Session, what: &str, expected: u64) -> Result<Vec<Row>> {
    session.wait_for(
        &format!("{what}: count-shown {expected} and as many rows"),
        FILTER_TIMEOUT,
        || {
            let shown = count(session, "count-shown")?;
            let list = rows(session)?;
            if shown == Some(expected) && list.len() as u64 == expected {
                Ok(list)
            } else {
                Err(format!("count-shown {shown:?}, {}", describe(&list)))
            }
        },
    )
}

/// Replaces the filter text by typing, as a user would.
fn set_filter(session: &Session, text: &str) -> Result<()> {
    let input = one(session, "[data-testid=filter]")?;
    session.click(&input)?;
    // Ctrl+A, release, Backspace: empties the box with real input events.
    session.send_keys(&input, "\u{E009}a\u{E000}\u{E003}")?;
    if !text.is_empty() {
        session.send_keys(&input, text)?;
    }
    session.wait_for(
        &format!("the filter box to hold {text:?}"),
        FILTER_TIMEOUT,
        || {
            let value = session
                .execute(
                    "return document.querySelector('[data-testid=filter]').value;",
                    &[],
                )
                .map_err(|e| e.to_string())?;
            if value == text {
                Ok(())
            } else {
                Err(value.to_string())
            }
        },
    )
}

/// Checks a filter: the box holds `query`, exactly `expected` rows show, and
/// each passes `check`.
fn expect_filter(
    session: &Session,
    query: &str,
    expected: u64,
    check: impl Fn(&Row) -> bool,
) -> Result<Vec<Row>> {
    set_filter(session, query)?;
    let list = expect_shown(session, &format!("filter {query:?}"), expected)?;
    if let Some(bad) = list.iter().find(|r| !check(r)) {
        return Err(Error::new(format!(
            "filter {query:?} shows a row it should not: {bad}\n{}",
            describe(&list)
        )));
    }
    let problem = session.find_all("[data-testid=filter-problem]")?;
    if !problem.is_empty() {
        return Err(Error::new(format!(
            "filter {query:?} is valid, yet the panel reports a problem: {}",
            session.text(&problem[0])?
        )));
    }
    Ok(list)
}

fn fail(message: String) -> Result<()> {
    Err(Error::new(message))
}

/// The server with the third origin, the browser, the fixture played out
/// and the panel open for its tab with all 26 messages in; then `body`.
/// Always saves a screenshot; on failure also the driver log.
fn scenario(name: &str, browser: Browser, body: impl FnOnce(&mut Session, &Origins) -> Result<()>) {
    let server = Server::start(ServerConfig::ephemeral(fixtures_dir()).with_third(Port::Ephemeral))
        .expect("starting the fixture server");
    let dir = extension_dir(browser).unwrap_or_else(|e| panic!("{e}"));
    let options = LaunchOptions {
        window_size: (1400, 1100),
        ..LaunchOptions::with_extension(dir)
    };
    let mut session =
        Session::launch(browser, &options).unwrap_or_else(|e| panic!("{browser}: {e}"));
    let started = std::time::Instant::now();
    let origins = server.origins().clone();
    let outcome = open_panel(&mut session, &origins).and_then(|()| body(&mut session, &origins));

    let artifacts = artifacts_dir();
    let shot = artifacts.join(format!("panel-{name}-{browser}.png"));
    let shot_note = match session.screenshot(&shot) {
        Ok(()) => format!("screenshot: {}", shot.display()),
        Err(e) => format!("no screenshot: {e}"),
    };
    if let Err(error) = outcome {
        let log = artifacts.join(format!("panel-{name}-{browser}.log"));
        let _ = std::fs::write(&log, session.driver_log());
        let served: Vec<String> = server.requests().iter().map(|r| r.to_string()).collect();
        panic!(
            "panel {name} in {browser}: {error}\n{shot_note}\ndriver log: {}\nserver saw:\n    {}",
            log.display(),
            served.join("\n    ")
        );
    }
    eprintln!(
        "panel {name}/{browser}: browser {:.1} s, scenario {:.1} s; {shot_note}",
        session.startup_time().as_secs_f64(),
        started.elapsed().as_secs_f64()
    );
}

fn open_panel(session: &mut Session, origins: &Origins) -> Result<()> {
    session.goto(&format!("{}/panel/service.html", origins.service))?;
    session.wait_for(
        "the fixture's service page to set data-done",
        DEFAULT_TIMEOUT,
        || {
            let value = session
                .execute("return document.documentElement.dataset.done ?? null;", &[])
                .map_err(|e| e.to_string())?;
            if value == "1" {
                Ok(())
            } else {
                Err(format!("data-done = {value}"))
            }
        },
    )?;
    let tab = session.tab_id_of(&format!("{}/", origins.service))?;
    session.open_extension_page(&format!("panel.html?tabId={tab}"))?;
    session.wait_for(
        &format!("count-total {TOTAL}, count-shown {SHOWN_BY_DEFAULT}, count-foreign-hidden 1, as many rows"),
        DEFAULT_TIMEOUT,
        || {
            let total = count(session, "count-total")?;
            let shown = count(session, "count-shown")?;
            let hidden = count(session, "count-foreign-hidden")?;
            let list = rows(session)?;
            if total == Some(TOTAL)
                && shown == Some(SHOWN_BY_DEFAULT)
                && hidden == Some(1)
                && list.len() as u64 == SHOWN_BY_DEFAULT
            {
                Ok(())
            } else {
                Err(format!("total {total:?}, shown {shown:?}, foreign hidden {hidden:?}, {}", describe(&list)))
            }
        },
    )?;
    Ok(())
}

/// Rows by what they are, for the fixture's known messages.
struct Known<'a> {
    rows: &'a [Row],
}

impl Known<'_> {
    fn all(&self, kind: &str, name: &str) -> Vec<&Row> {
        self.rows
            .iter()
            .filter(|r| r.kind == kind && r.name == name)
            .collect()
    }

    fn only(&self, kind: &str, name: &str) -> Result<&Row> {
        match self.all(kind, name).as_slice() {
            [row] => Ok(row),
            found => Err(Error::new(format!(
                "expected exactly one {kind} row named {name:?}, found {}:\n{}",
                found.len(),
                describe(self.rows)
            ))),
        }
    }

    /// The rows of the exchange whose request is `request`, request first.
    fn exchange(&self, request: u64) -> Vec<&Row> {
        self.rows
            .iter()
            .filter(|r| r.exchange == Some(request))
            .collect()
    }
}

// ----- filtering -----

fn filtering(browser: Browser) {
    scenario("filtering", browser, |session, origins| {
        let third = origins.third.clone().unwrap_or_default();
        // Each query form on its own; every failing one is reported.
        let session = &*session;
        let mut failures = Vec::new();
        let mut check = |query: &str, expected: u64, ok: &dyn Fn(&Row) -> bool| {
            if let Err(e) = expect_filter(session, query, expected, ok) {
                failures.push(e.to_string());
            }
        };
        // Rows that are requests; the subscribe has its own kind.
        check("kind:request", 11, &|r| r.kind == "request");
        // Five dials, four replies to them, the misspelt request and its
        // error; replies carry their request's name.
        check("name:voice.*", 11, &|r| r.name.starts_with("voice."));
        // Two exchanges (getInteractions, getByInteractionId) and the RINGING event.
        check("ns:interaction", 5, &|r| r.name.starts_with("interaction"));
        // The failed getByInteractionId and the misspelt request, each with its reply.
        check("status:error", 4, &|r| r.status == "error");
        // The third-origin client's request and its reply, and nothing else.
        check(&format!("origin:{third}"), 2, &|r| {
            r.origin == third || r.receiver == third
        });
        // Sender or receiver, as the query language says: client B's
        // request (sent by B) and its reply (received by B).
        check("frame:client-b", 2, &|r| r.name == "agent.get");
        // Only getInteractions is answered after 700 ms: its request and reply.
        check("latency>500", 2, &|r| {
            r.name == "interaction.getInteractions"
        });
        // Negation, combined: replies to voice.* requests (4 dials + the misspelt one).
        check("name:voice.* -kind:request", 5, &|r| {
            r.name.starts_with("voice.") && r.kind != "request"
        });
        // Negated free text: all but the 5 dial requests and the rate-limit
        // error whose text names voice.dial.
        check("-dial", SHOWN_BY_DEFAULT - 6, &|r| {
            r.name != "voice.dial" || r.kind == "reply"
        });
        let mut section = |result: Result<()>| {
            if let Err(e) = result {
                failures.push(e.to_string());
            }
        };
        section(filter_problem(session));
        section(chips(session));
        section(foreign_toggle(session, origins));
        if failures.is_empty() {
            Ok(())
        } else {
            fail(failures.join("\n"))
        }
    });
}

/// A faulty term is reported and left out.
fn filter_problem(session: &Session) -> Result<()> {
    // A faulty term is reported and left out: everything still shows.
    set_filter(session, "latency>soon")?;
    expect_shown(
        session,
        "filter \"latency>soon\" (a problem, no filtering)",
        SHOWN_BY_DEFAULT,
    )?;
    let problem = session.wait_for("a filter problem", FILTER_TIMEOUT, || {
        let found = session
            .snapshot("[data-testid=filter-problem]", &[])
            .map_err(|e| e.to_string())?;
        found
            .first()
            .and_then(|p| p.get("text")?.as_str().map(str::to_owned))
            .ok_or_else(|| "no [data-testid=filter-problem]".to_owned())
    })?;
    if !problem.contains("latency") {
        return fail(format!(
            "the filter problem does not say what is wrong with `latency`: {problem:?}"
        ));
    }
    set_filter(session, "")?;
    expect_shown(session, "an empty filter", SHOWN_BY_DEFAULT)?;
    if !session.find_all("[data-testid=filter-problem]")?.is_empty() {
        return fail("the filter problem stays after the filter was emptied".into());
    }

    Ok(())
}

/// The type chips: Requests, Events, All.
fn chips(session: &Session) -> Result<()> {
    set_filter(session, "")?;
    // Chips: Requests admits requests and the subscribe.
    click(session, "[data-testid=toggle-requests]")?;
    let list = expect_shown(session, "the Requests chip", 12)?;
    if let Some(bad) = list
        .iter()
        .find(|r| r.kind != "request" && r.kind != "subscribe")
    {
        return fail(format!("the Requests chip shows {bad}"));
    }
    click(session, "[data-testid=toggle-events]")?;
    expect_shown(session, "the Requests and Events chips", 14)?;
    click(session, "[data-testid=toggle-requests]")?;
    let list = expect_shown(session, "the Events chip alone", 2)?;
    let mut names: Vec<&str> = list.iter().map(|r| r.name.as_str()).collect();
    names.sort_unstable();
    if names != ["agent/STATE_CHANGED", "interaction/RINGING"]
        || list.iter().any(|r| r.kind != "event")
    {
        return fail(format!("the Events chip shows {}", describe(&list)));
    }
    click(session, "[data-testid=toggle-all]")?;
    expect_shown(session, "the All chip", SHOWN_BY_DEFAULT)?;
    Ok(())
}

/// Foreign traffic: kept, counted, hidden until asked for.
fn foreign_toggle(session: &Session, origins: &Origins) -> Result<()> {
    // Foreign traffic: kept, counted, hidden until asked for.
    click(session, "[data-testid=toggle-foreign]")?;
    let list = expect_shown(session, "foreign traffic shown", TOTAL)?;
    let foreign: Vec<&Row> = list.iter().filter(|r| r.kind == "foreign").collect();
    match foreign.as_slice() {
        [row]
            if row.direction == "unknown"
                && row.origin == origins.client
                && row.receiver == origins.service => {}
        _ => {
            return fail(format!(
                "expected one foreign row from {} to {}:\n{}",
                origins.client,
                origins.service,
                describe(&list)
            ))
        }
    }
    if count(session, "count-foreign-hidden").map_err(Error::new)? != Some(0) {
        return fail("count-foreign-hidden should be 0 while foreign traffic shows".into());
    }
    click(session, "[data-testid=toggle-foreign]")?;
    expect_shown(session, "foreign traffic hidden again", SHOWN_BY_DEFAULT)?;
    if count(session, "count-foreign-hidden").map_err(Error::new)? != Some(1) {
        return fail("count-foreign-hidden should be back at 1".into());
    }
    if count(session, "count-total").map_err(Error::new)? != Some(TOTAL) {
        return fail("filters changed count-total: view filters must never drop data".into());
    }
    Ok(())
}

#[test]
fn filtering_chromium() {
    filtering(Browser::Chromium);
}

#[test]
fn filtering_firefox() {
    filtering(Browser::Firefox);
}

// ----- pairing -----

/// Waits for the fifth `voice.dial` to be judged swallowed and returns the
/// rows then.
fn wait_swallowed(session: &Session) -> Result<Vec<Row>> {
    session.wait_for(
        "the unanswered 5th voice.dial to turn \"swallowed\" (10 s after it was sent, with no later traffic)",
        SWALLOW_TIMEOUT,
        || {
            let list = rows(session)?;
            let dials: Vec<&Row> = list.iter().filter(|r| r.kind == "request" && r.name == "voice.dial").collect();
            if dials.len() == 5 && dials.iter().filter(|r| r.status == "swallowed").count() == 1 {
                Ok(list)
            } else {
                Err(describe(&list))
            }
        },
    )
}

fn pairing(browser: Browser) {
    scenario("pairing", browser, |session, origins| {
        let list = rows(session).map_err(Error::new)?;
        let known = Known { rows: &list };

        // Every reply shares its request's exchange and name; the request
        // carries the exchange too (its own id).
        let mut by_exchange: BTreeMap<u64, Vec<&Row>> = BTreeMap::new();
        for row in &list {
            if let Some(exchange) = row.exchange {
                by_exchange.entry(exchange).or_default().push(row);
            }
        }
        // agent.get ×2, getInteractions, subscribe, getByInteractionId,
        // dial ×5, pauseRecording, agent.getState.
        if by_exchange.len() != 12 {
            return fail(format!(
                "expected 12 exchanges, found {}:\n{}",
                by_exchange.len(),
                describe(&list)
            ));
        }
        for (request, members) in &by_exchange {
            let head = members.iter().find(|r| r.id == *request);
            let Some(head) = head else {
                return fail(format!(
                    "exchange {request} has no row for its request:\n{}",
                    describe(&list)
                ));
            };
            if head.direction != "to-service"
                || !matches!(head.kind.as_str(), "request" | "subscribe")
            {
                return fail(format!("exchange {request} is headed by {head}"));
            }
            for member in members.iter().filter(|r| r.id != *request) {
                if member.direction != "to-client"
                    || member.receiver != head.origin
                    || member.origin != head.receiver
                {
                    return fail(format!("reply {member} does not answer request {head}"));
                }
                if member.status != head.status {
                    return fail(format!(
                        "request {head} and reply {member} disagree on the status"
                    ));
                }
                if head.kind == "request" && member.name != head.name {
                    return fail(format!(
                        "reply {member} should carry its request's name {:?}",
                        head.name
                    ));
                }
            }
        }

        // The statuses, by exchange.
        let expect_exchange = |request: &Row, reply_kind: &str, status: &str| -> Result<()> {
            let members = known.exchange(request.id);
            let replies: Vec<&&Row> = members.iter().filter(|r| r.id != request.id).collect();
            match replies.as_slice() {
                [reply] if reply.kind == reply_kind && reply.status == status && request.status == status => Ok(()),
                _ => fail(format!(
                    "{request}: expected one {reply_kind} reply, status {status}; the exchange is:\n{}",
                    describe(&members.into_iter().cloned().collect::<Vec<_>>())
                )),
            }
        };
        for request in known.all("request", "agent.get") {
            expect_exchange(request, "reply", "ok")?;
        }
        expect_exchange(
            known.only("request", "interaction.getInteractions")?,
            "reply",
            "ok",
        )?;
        expect_exchange(known.only("request", "agent.getState")?, "reply", "ok")?;
        expect_exchange(
            known.only("subscribe", "subscribe agent, interaction")?,
            "reply",
            "ok",
        )?;
        expect_exchange(
            known.only("request", "interaction.getByInteractionId")?,
            "error",
            "error",
        )?;
        expect_exchange(
            known.only("request", "voice.pauseRecording")?,
            "error",
            "error",
        )?;
        let dials = known.all("request", "voice.dial");
        if dials.len() != 5 {
            return fail(format!(
                "expected 5 voice.dial requests:\n{}",
                describe(&list)
            ));
        }
        for dial in &dials[..3] {
            expect_exchange(dial, "reply", "ok")?;
        }
        expect_exchange(dials[3], "rate-limit", "rate-limited")?;
        // Events are no exchange.
        for event in list.iter().filter(|r| r.kind == "event") {
            if event.exchange.is_some() || !event.status.is_empty() {
                return fail(format!(
                    "an event belongs to no exchange and has no status: {event}"
                ));
            }
        }

        // Detail pane: select agent.getState's request, jump to its reply and back.
        let get_state = known.only("request", "agent.getState")?.clone();
        let reply = known
            .exchange(get_state.id)
            .into_iter()
            .find(|r| r.id != get_state.id)
            .cloned()
            .unwrap_or_default();
        click_row(session, get_state.id)?;
        expect_detail(session, get_state.id, "ok")?;
        click(session, "[data-testid=jump-reply]")?;
        expect_detail(session, reply.id, "ok")?;
        click(session, "[data-testid=jump-request]")?;
        expect_detail(session, get_state.id, "ok")?;
        // A dial shows the catalog's parameter names and description.
        click_row(session, dials[0].id)?;
        expect_detail(session, dials[0].id, "ok")?;
        let params = session.snapshot("[data-testid=param]", &["data-name"])?;
        let names: Vec<&str> = params
            .iter()
            .filter_map(|p| p.get("data-name")?.as_str())
            .collect();
        if names != ["destination", "userData"] {
            return fail(format!(
                "voice.dial's parameters are named {names:?}, expected destination, userData"
            ));
        }
        if !params[0]
            .get("text")
            .and_then(Value::as_str)
            .is_some_and(|t| t.contains("5001"))
        {
            return fail(format!(
                "the destination parameter does not show its value 5001: {:?}",
                params[0]
            ));
        }
        let doc = session.snapshot("[data-testid=detail-doc]", &[])?;
        if !doc
            .first()
            .and_then(|d| d.get("text")?.as_str())
            .is_some_and(|t| t.contains("Dials"))
        {
            return fail(format!(
                "voice.dial's detail-doc should show the catalog's description: {doc:?}"
            ));
        }
        if session.find_all("[data-testid=json-tree]")?.len() != 1 {
            return fail("the detail pane shows no json-tree".into());
        }
        click(session, "[data-testid=show-raw]")?;
        session.wait_for("the raw view of the dial", FILTER_TIMEOUT, || {
            let raw = session
                .snapshot("[data-testid=raw]", &[])
                .map_err(|e| e.to_string())?;
            match raw.first().and_then(|r| r.get("text")?.as_str()) {
                Some(text)
                    if text.contains("\"request\"")
                        && text.contains("voice.dial")
                        && text.contains("\"attempt\"") =>
                {
                    Ok(())
                }
                other => Err(format!("{other:?}")),
            }
        })?;
        let _ = origins;

        // The fifth dial got no reply inside the quarantine: swallowed.
        let list = wait_swallowed(session)?;
        let known = Known { rows: &list };
        let dials = known.all("request", "voice.dial");
        let swallowed = dials[4];
        if swallowed.status != "swallowed" || known.exchange(swallowed.id).len() != 1 {
            return fail(format!(
                "the last dial should be swallowed, alone in its exchange: {swallowed}"
            ));
        }
        // Errors chip: both error exchanges and the swallowed dial; Rate
        // limited chip: the rate-limited exchange and the swallowed dial.
        click(session, "[data-testid=toggle-errors]")?;
        expect_shown(session, "the Errors chip", 5)?;
        click(session, "[data-testid=toggle-errors]")?;
        click(session, "[data-testid=toggle-rate-limited]")?;
        let limited = expect_shown(session, "the Rate limited chip", 3)?;
        if limited.iter().any(|r| r.name != "voice.dial") {
            return fail(format!(
                "the Rate limited chip shows {}",
                describe(&limited)
            ));
        }
        click(session, "[data-testid=toggle-all]")?;

        // Grouped: one row per exchange, plus the two events.
        click(session, "[data-testid=toggle-grouped]")?;
        let grouped = expect_shown(session, "the grouped view", 14)?;
        let mut heads: Vec<u64> = grouped.iter().filter_map(|r| r.exchange).collect();
        heads.dedup();
        let replies = grouped
            .iter()
            .filter(|r| r.direction == "to-client" && r.kind != "event")
            .count();
        if replies != 0
            || heads.len() != 12
            || grouped.iter().filter(|r| r.kind == "event").count() != 2
        {
            return fail(format!(
                "the grouped view should show 12 requests and 2 events:\n{}",
                describe(&grouped)
            ));
        }
        click(session, "[data-testid=toggle-grouped]")?;
        expect_shown(session, "the ungrouped view again", SHOWN_BY_DEFAULT)?;
        Ok(())
    });
}

fn expect_detail(session: &Session, id: u64, status: &str) -> Result<()> {
    session.wait_for(
        &format!("the detail pane for #{id}, status {status}"),
        FILTER_TIMEOUT,
        || {
            let detail = session
                .snapshot("[data-testid=detail]", &["data-id"])
                .map_err(|e| e.to_string())?;
            let shown = detail
                .first()
                .and_then(|d| d.get("data-id")?.as_str().map(str::to_owned));
            let status_text = session
                .snapshot("[data-testid=detail-status]", &[])
                .map_err(|e| e.to_string())?
                .first()
                .and_then(|s| s.get("text")?.as_str().map(|t| t.trim().to_owned()));
            if shown.as_deref() == Some(id.to_string().as_str())
                && status_text.as_deref() == Some(status)
            {
                Ok(())
            } else {
                Err(format!(
                    "detail data-id {shown:?}, detail-status {status_text:?}"
                ))
            }
        },
    )
}

#[test]
fn pairing_chromium() {
    pairing(Browser::Chromium);
}

#[test]
fn pairing_firefox() {
    pairing(Browser::Firefox);
}

// ----- a rate-limit hit -----

fn rate_limit(browser: Browser) {
    scenario("rate-limit", browser, |session, origins| {
        let list = rows(session).map_err(Error::new)?;
        let known = Known { rows: &list };
        let hit = known.only("rate-limit", "voice.dial")?.clone();
        let dials = known.all("request", "voice.dial");
        let fourth = dials.get(3).map(|r| r.id);
        if hit.direction != "to-client"
            || hit.status != "rate-limited"
            || hit.origin != origins.service
            || hit.receiver != origins.client
            || hit.exchange != fourth
        {
            return fail(format!("the rate-limit error should answer the 4th voice.dial ({fourth:?}) from the service: {hit}"));
        }
        click_row(session, hit.id)?;
        expect_detail(session, hit.id, "rate-limited")?;
        expect_detail_finding(session, "E017", "voice.dial")?;

        let list = wait_swallowed(session)?;
        let swallowed = Known { rows: &list }.all("request", "voice.dial")[4].id;

        // Findings: the hit and the swallowed request, each linked to its message.
        click(session, "[data-testid=view-findings]")?;
        expect_finding(session, "E017", hit.id, "voice.dial")?;
        expect_finding(session, "E018", swallowed, "voice.dial")?;

        // The rate-limit view: one row per request type seen; only voice.dial
        // was limited, once, with one request swallowed. No options: no limit.
        click(session, "[data-testid=view-ratelimits]")?;
        let expected_types = [
            "agent.get",
            "agent.getState",
            "interaction.getByInteractionId",
            "interaction.getInteractions",
            "voice.dial",
            "voice.pauseRecording",
        ];
        let check_rates = |limit: &str| -> std::result::Result<(), String> {
            let found = session
                .snapshot(
                    "[data-testid=rate-row]",
                    &["data-request", "data-hits", "data-swallowed", "data-limit"],
                )
                .map_err(|e| e.to_string())?;
            let field = |r: &serde_json::Map<String, Value>, k: &str| {
                r.get(k).and_then(Value::as_str).unwrap_or("").to_owned()
            };
            let mut seen: Vec<(String, String, String, String)> = found
                .iter()
                .map(|r| {
                    (
                        field(r, "data-request"),
                        field(r, "data-hits"),
                        field(r, "data-swallowed"),
                        field(r, "data-limit"),
                    )
                })
                .collect();
            seen.sort();
            let expected: Vec<(String, String, String, String)> = expected_types
                .iter()
                .map(|&t| {
                    let dial = t == "voice.dial";
                    let n = if dial { "1" } else { "0" };
                    let l = if dial { limit } else { "none" };
                    (t.to_owned(), n.to_owned(), n.to_owned(), l.to_owned())
                })
                .collect();
            if seen == expected {
                Ok(())
            } else {
                Err(format!(
                    "rate rows (request, hits, swallowed, limit): {seen:?}; expected {expected:?}"
                ))
            }
        };
        session.wait_for(
            "the rate-limit view without options",
            FILTER_TIMEOUT,
            || check_rates("none"),
        )?;
        // With the limit set in the options, the row shows it.
        set_options(session, "service-client-api.rate-limit.voice.dial=3")?;
        click(session, "[data-testid=view-ratelimits]")?;
        session.wait_for(
            "the rate-limit view with voice.dial limited to 3",
            FILTER_TIMEOUT,
            || check_rates("3"),
        )?;
        Ok(())
    });
}

#[test]
fn rate_limit_chromium() {
    rate_limit(Browser::Chromium);
}

#[test]
fn rate_limit_firefox() {
    rate_limit(Browser::Firefox);
}

/// Types WWE options into the settings drawer and leaves the box, which
/// applies them; checks no options error shows.
fn set_options(session: &Session, text: &str) -> Result<()> {
    if session.find_all("[data-testid=options-input]")?.is_empty() {
        click(session, "[data-testid=settings]")?;
    }
    let input = session.wait_for("the settings drawer's options box", FILTER_TIMEOUT, || {
        session
            .find_all("[data-testid=settings-drawer] [data-testid=options-input]")
            .map_err(|e| e.to_string())?
            .into_iter()
            .next()
            .ok_or_else(|| {
                "no [data-testid=options-input] in [data-testid=settings-drawer]".to_owned()
            })
    })?;
    session.click(&input)?;
    session.send_keys(&input, "\u{E009}a\u{E000}\u{E003}")?;
    session.send_keys(&input, text)?;
    // Leaving the box fires `change`; closing the drawer leaves it.
    click(session, "[data-testid=settings]")?;
    session.wait_for("the drawer to close", FILTER_TIMEOUT, || {
        match session
            .find_all("[data-testid=settings-drawer]")
            .map_err(|e| e.to_string())?
            .len()
        {
            0 => Ok(()),
            n => Err(format!("{n} drawers")),
        }
    })?;
    if let Some(problem) = session.find_all("[data-testid=options-error]")?.first() {
        return fail(format!(
            "the options {text:?} are valid, yet the panel says: {}",
            session.text(problem)?
        ));
    }
    Ok(())
}

/// Waits for the detail pane to list a finding with `code` whose text
/// mentions `mention`.
fn expect_detail_finding(session: &Session, code: &str, mention: &str) -> Result<()> {
    session.wait_for(
        &format!("a {code} finding mentioning {mention} in the detail pane"),
        FILTER_TIMEOUT,
        || {
            let found = session
                .snapshot("[data-testid=detail-finding]", &["data-code"])
                .map_err(|e| e.to_string())?;
            let ok = found.iter().any(|f| {
                f.get("data-code").and_then(Value::as_str) == Some(code)
                    && f.get("text")
                        .and_then(Value::as_str)
                        .is_some_and(|t| t.contains(mention))
            });
            if ok {
                Ok(())
            } else {
                Err(format!("{found:?}"))
            }
        },
    )
}

/// In the findings view: exactly one group `code` holding exactly one
/// finding, about message `message`, whose text mentions `mention`.
fn expect_finding(session: &Session, code: &str, message: u64, mention: &str) -> Result<()> {
    session.wait_for(
        &format!("one {code} finding about #{message} mentioning {mention}"),
        FILTER_TIMEOUT,
        || {
            let groups = session
                .snapshot(
                    &format!("[data-testid=finding-group][data-code={code}]"),
                    &[],
                )
                .map_err(|e| e.to_string())?;
            let findings = session
                .snapshot(
                    &format!("[data-testid=finding][data-code={code}]"),
                    &["data-message"],
                )
                .map_err(|e| e.to_string())?;
            match findings.as_slice() {
                [f] if groups.len() == 1
                    && f.get("data-message").and_then(Value::as_str)
                        == Some(message.to_string().as_str())
                    && f.get("text")
                        .and_then(Value::as_str)
                        .is_some_and(|t| t.contains(mention)) =>
                {
                    Ok(())
                }
                _ => Err(format!("{} groups, findings {findings:?}", groups.len())),
            }
        },
    )
}

// ----- did you mean -----

fn did_you_mean(browser: Browser) {
    scenario("did-you-mean", browser, |session, _| {
        let list = rows(session).map_err(Error::new)?;
        let misspelt = Known { rows: &list }
            .only("request", "voice.pauseRecording")?
            .id;
        click(session, "[data-testid=view-findings]")?;
        expect_finding(session, "W001", misspelt, "voice.pauseCallRecording")?;
        // The finding links to its message: the list, with it selected.
        click(session, "[data-testid=finding][data-code=W001] button")?;
        session.wait_for(
            &format!("the detail pane for #{misspelt}"),
            FILTER_TIMEOUT,
            || {
                let detail = session
                    .snapshot("[data-testid=detail]", &["data-id"])
                    .map_err(|e| e.to_string())?;
                match detail.first().and_then(|d| d.get("data-id")?.as_str()) {
                    Some(id) if id == misspelt.to_string() => Ok(()),
                    other => Err(format!("detail data-id {other:?}")),
                }
            },
        )?;
        expect_detail_finding(session, "W001", "voice.pauseCallRecording")?;
        let title = session.snapshot("[data-testid=detail-title]", &[])?;
        if !title
            .first()
            .and_then(|t| t.get("text")?.as_str())
            .is_some_and(|t| t.contains("voice.pauseRecording"))
        {
            return fail(format!(
                "the detail title should name voice.pauseRecording: {title:?}"
            ));
        }
        // Once the swallowed dial is judged every finding is in, and the
        // fixture is otherwise clean: the rate-limit hit and the swallowed
        // dial are the only other findings (no false positives).
        wait_swallowed(session)?;
        click(session, "[data-testid=view-findings]")?;
        let codes: Vec<String> = session
            .snapshot("[data-testid=finding-group]", &["data-code"])?
            .iter()
            .filter_map(|g| g.get("data-code")?.as_str().map(str::to_owned))
            .collect();
        let mut sorted = codes.clone();
        sorted.sort();
        if sorted != ["E017", "E018", "W001"] {
            return fail(format!(
                "finding groups {codes:?}; expected E017, E018 and W001 only"
            ));
        }
        Ok(())
    });
}

#[test]
fn did_you_mean_chromium() {
    did_you_mean(Browser::Chromium);
}

#[test]
fn did_you_mean_firefox() {
    did_you_mean(Browser::Firefox);
}

// ----- policy -----

fn policy(browser: Browser) {
    scenario("policy", browser, |session, origins| {
        let client = origins.client.clone();
        let third = origins.third.clone().unwrap_or_default();
        let entry = format!("{client} (agent.*)");
        set_options(
            session,
            &format!("service-client-api.accepted-web-content-origins={entry}"),
        )?;
        click(session, "[data-testid=view-policy]")?;
        // Every (client origin, request type) seen: five from the client
        // origin, one from the third.
        let expected: Vec<(String, &str, bool)> = vec![
            (client.clone(), "agent.get", true),
            (client.clone(), "interaction.getByInteractionId", false),
            (client.clone(), "interaction.getInteractions", false),
            (client.clone(), "voice.dial", false),
            (client.clone(), "voice.pauseRecording", false),
            (third.clone(), "agent.getState", false),
        ];
        let policy_rows = session.wait_for("the policy view's rows", FILTER_TIMEOUT, || {
            let found = session
                .snapshot(
                    "[data-testid=policy-row]",
                    &["data-origin", "data-request", "data-allowed"],
                )
                .map_err(|e| e.to_string())?;
            let field = |r: &serde_json::Map<String, Value>, k: &str| {
                r.get(k).and_then(Value::as_str).unwrap_or("").to_owned()
            };
            let mut seen: Vec<(String, String, bool)> = found
                .iter()
                .map(|r| {
                    (
                        field(r, "data-origin"),
                        field(r, "data-request"),
                        field(r, "data-allowed") == "true",
                    )
                })
                .collect();
            seen.sort();
            let mut want: Vec<(String, String, bool)> = expected
                .iter()
                .map(|(o, r, a)| (o.clone(), (*r).to_owned(), *a))
                .collect();
            want.sort();
            if seen == want {
                Ok(found)
            } else {
                Err(format!(
                    "(origin, request, allowed): {seen:?}; expected {want:?}"
                ))
            }
        })?;
        let reason_of = |origin: &str, request: &str| -> Result<String> {
            let css = format!("[data-testid=policy-row][data-origin=\"{origin}\"][data-request=\"{request}\"] [data-testid=policy-reason]");
            let found = session.snapshot(&css, &[])?;
            found
                .first()
                .and_then(|r| r.get("text")?.as_str().map(str::to_owned))
                .ok_or_else(|| {
                    Error::new(format!(
                        "no policy-reason for {origin} {request} in {policy_rows:?}"
                    ))
                })
        };
        // Denied, naming the entry that decided and the request.
        let dial = reason_of(&client, "voice.dial")?;
        if !dial.contains(&entry) || !dial.contains("voice.dial") {
            return fail(format!("the denial of voice.dial should name the entry `{entry}` and the request: {dial:?}"));
        }
        let get = reason_of(&client, "agent.get")?;
        if !get.contains(&entry) {
            return fail(format!(
                "agent.get's permission should name the entry `{entry}`: {get:?}"
            ));
        }
        let unlisted = reason_of(&third, "agent.getState")?;
        if !unlisted.contains(&third) || unlisted.contains(&entry) {
            return fail(format!(
                "the third origin is in no entry; its reason should say so: {unlisted:?}"
            ));
        }
        Ok(())
    });
}

#[test]
fn policy_chromium() {
    policy(Browser::Chromium);
}

#[test]
fn policy_firefox() {
    policy(Browser::Firefox);
}

// ----- frames -----

fn frames(browser: Browser) {
    scenario("frames", browser, |session, origins| {
        let third = origins.third.clone().unwrap_or_default();
        // (origin, role, messages sent + received), top frame first.
        let expected = [
            (origins.service.clone(), "service", 26),
            (origins.client.clone(), "client", 22),
            (origins.client.clone(), "client", 2),
            (third.clone(), "client", 2),
        ];
        let found = session.wait_for("the frames sidebar", FILTER_TIMEOUT, || {
            let found = session
                .snapshot("[data-testid=frame]", &["data-frame-id", "data-role", "data-origin", "data-count"])
                .map_err(|e| e.to_string())?;
            let field = |r: &serde_json::Map<String, Value>, k: &str| r.get(k).and_then(Value::as_str).unwrap_or("").to_owned();
            let mut seen: Vec<(String, String, u64)> = found
                .iter()
                .map(|r| (field(r, "data-origin"), field(r, "data-role"), field(r, "data-count").parse().unwrap_or(0)))
                .collect();
            let mut want: Vec<(String, String, u64)> =
                expected.iter().map(|(o, r, c)| (o.clone(), (*r).to_owned(), *c)).collect();
            seen.sort();
            want.sort();
            if seen == want && found.first().and_then(|f| f.get("data-frame-id")?.as_str()) == Some("0") {
                Ok(found)
            } else {
                Err(format!("(origin, role, count), top first: {seen:?}; expected {want:?}; frames {found:?}"))
            }
        })?;
        // Selecting a frame filters the list to what it sent and received.
        let id_of = |origin: &str, count: &str| {
            found
                .iter()
                .find(|f| {
                    f.get("data-origin").and_then(Value::as_str) == Some(origin)
                        && f.get("data-count").and_then(Value::as_str) == Some(count)
                })
                .and_then(|f| f.get("data-frame-id")?.as_str().map(str::to_owned))
                .unwrap_or_default()
        };
        let client_b = id_of(&origins.client, "2");
        click(
            session,
            &format!("[data-testid=frame][data-frame-id=\"{client_b}\"]"),
        )?;
        let list = expect_shown(session, "client B's frame selected", 2)?;
        if list.iter().any(|r| r.name != "agent.get") {
            return fail(format!(
                "client B's frame should show its agent.get exchange:\n{}",
                describe(&list)
            ));
        }
        let third_frame = id_of(&third, "2");
        click(
            session,
            &format!("[data-testid=frame][data-frame-id=\"{third_frame}\"]"),
        )?;
        let list = expect_shown(session, "the third-origin frame selected", 2)?;
        if list.iter().any(|r| r.name != "agent.getState") {
            return fail(format!(
                "the third-origin frame should show its agent.getState exchange:\n{}",
                describe(&list)
            ));
        }
        // Clicking the selected frame again shows everything.
        click(
            session,
            &format!("[data-testid=frame][data-frame-id=\"{third_frame}\"]"),
        )?;
        expect_shown(session, "no frame selected", SHOWN_BY_DEFAULT)?;
        Ok(())
    });
}

#[test]
fn frames_chromium() {
    frames(Browser::Chromium);
}

#[test]
fn frames_firefox() {
    frames(Browser::Firefox);
}
