//! End-to-end tests of sending from the panel (issue 8), against the WWE
//! simulator in Chromium and Firefox: replay of a captured request from its
//! own frame (fresh referenceId, paired reply, "replay of #N"), edit and send
//! with a validation error shown, an event forged from the service frame and
//! handled by the sample console, the origin-check audit with both verdicts
//! (the console does not check `event.origin`; `tests/fixtures/forge/strict.html`
//! does), a bulk send that hits the configured rate limit, and page scripts
//! that try to command a send and cannot.
//!
//! The simulator site is copied with the strict client beside it, so both
//! apps are served on the client origin.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::{json, Value};
use wwe_e2e::simulator::{enter_app, fill_origins, launch_on, serve, service_url, site_dir, App, Opened};
use wwe_e2e::{artifacts_dir, extension_dir, field, repo_root, scaled, Browser, LaunchOptions, Row, Session, DEFAULT_TIMEOUT};
use wwe_simulator::Server;

/// The simulator site plus the strict client, in a fresh directory.
fn served_dir(browser: Browser) -> PathBuf {
    let dir = artifacts_dir().join(format!("send-site-{browser}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    copy_dir(&site_dir(), &dir);
    std::fs::copy(repo_root().join("tests/fixtures/forge/strict.html"), dir.join("strict.html")).unwrap();
    dir
}

fn copy_dir(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

struct Sim {
    session: Session,
    service_window: String,
    panel_window: Option<String>,
    tab: i64,
    _server: Server,
}

impl Sim {
    fn open(browser: Browser, options: &str) -> Sim {
        let server = serve(served_dir(browser), false).expect("server");
        let origins = server.origins().clone();
        let apps = [
            App::hidden("Console", format!("{}/console.html?name=Console&subscribe=agent", origins.client)),
            App::hidden("Strict", format!("{}/strict.html", origins.client)),
        ];
        let url = service_url(&origins, &fill_origins(options, &origins), &apps);
        let options = LaunchOptions { window_size: (1400, 1100), ..LaunchOptions::with_extension(extension_dir(browser).expect("extension")) };
        let Opened { session, window, tab } = launch_on(browser, &options, &url, &origins.service).expect("browser");
        Sim { session, service_window: window, panel_window: None, tab, _server: server }
    }

    /// Switches into the app iframe `label` once it is ready.
    fn enter(&self, label: &str) {
        enter_app(&self.session, &self.service_window, label).unwrap();
    }

    /// Async JS in the current frame.
    fn js(&self, body: &str) -> Value {
        self.session
            .execute(&format!("return (async () => {{ {body} }})();"), &[])
            .unwrap_or_else(|e| panic!("script failed: {e}\n{body}"))
    }

    /// Event types the current app frame shows.
    fn event_types(&self) -> Vec<String> {
        let rows = self.session.snapshot("#events li[data-testid=event]", &["data-event-type"]).unwrap();
        rows.iter().map(|r| field(r, "data-event-type")).collect()
    }

    fn panel(&mut self) {
        let s = &self.session;
        match &self.panel_window {
            Some(handle) => s.switch_to_window(handle).unwrap(),
            None => {
                s.switch_to_frame(None).unwrap();
                let handle = s.open_extension_page(&format!("panel.html?tabId={}", self.tab)).unwrap();
                self.panel_window = Some(handle);
            }
        }
    }

    fn rows(&self) -> Vec<Row> {
        self.session
            .snapshot("[data-testid=message]", &["data-id", "data-kind", "data-name", "data-status", "data-exchange"])
            .unwrap()
    }

    /// Waits until `pick` finds something in the panel's rows.
    fn wait_rows<T>(&self, what: &str, timeout: Duration, pick: impl Fn(&[Row]) -> Option<T>) -> T {
        self.session
            .wait_for(what, scaled(timeout), || {
                let rows = self.rows();
                pick(&rows).ok_or_else(|| {
                    let list: Vec<String> = rows.iter().map(|r| format!("#{} {} {} [{}]", field(r, "data-id"), field(r, "data-kind"), field(r, "data-name"), field(r, "data-status"))).collect();
                    format!("{} rows: {list:?}", rows.len())
                })
            })
            .unwrap_or_else(|e| self.fail(&e.to_string()))
    }

    fn click(&self, css: &str) {
        let found = self
            .session
            .wait_for(&format!("{css} to show"), scaled(DEFAULT_TIMEOUT), || {
                self.session.find_all(css).map_err(|e| e.to_string())?.into_iter().next().ok_or_else(|| "absent".to_owned())
            })
            .unwrap_or_else(|e| self.fail(&e.to_string()));
        self.session.click(&found).unwrap();
    }

    fn click_row(&self, id: &str) {
        self.click(&format!("[data-testid=message][data-id=\"{id}\"]"));
        self.session
            .wait_for("the detail pane", scaled(DEFAULT_TIMEOUT), || {
                let d = self.session.snapshot("[data-testid=detail]", &["data-id"]).map_err(|e| e.to_string())?;
                if d.first().map(|d| field(d, "data-id")) == Some(id.to_owned()) { Ok(()) } else { Err(format!("{d:?}")) }
            })
            .unwrap_or_else(|e| self.fail(&e.to_string()));
    }

    /// Text and attributes of the first element matching `css`, once present.
    fn wait_element(&self, css: &str, attrs: &[&str], ok: impl Fn(&Row) -> bool) -> Row {
        self.session
            .wait_for(&format!("{css}"), scaled(DEFAULT_TIMEOUT), || {
                let found = self.session.snapshot(css, attrs).map_err(|e| e.to_string())?;
                match found.into_iter().next() {
                    Some(r) if ok(&r) => Ok(r),
                    other => Err(format!("{other:?}; send-status {:?}", self.session.snapshot("[data-testid=send-status],[data-testid=forge-status]", &[]).ok())),
                }
            })
            .unwrap_or_else(|e| self.fail(&e.to_string()))
    }

    /// Sets a form control's value as typing would (input and change events).
    fn set_value(&self, css: &str, value: &str) {
        self.session.set_value(css, value).unwrap();
    }

    fn fail(&self, message: &str) -> ! {
        let shot = artifacts_dir().join(format!("send-{}.png", self.session.browser()));
        let _ = self.session.screenshot(&shot);
        panic!("{message}\nscreenshot: {}", shot.display());
    }
}

fn requests_named<'a>(rows: &'a [Row], name: &str) -> Vec<&'a Row> {
    rows.iter().filter(|r| field(r, "data-kind") == "request" && field(r, "data-name") == name).collect()
}

fn id_num(r: &Row) -> u64 {
    field(r, "data-id").parse().unwrap_or(0)
}

// ------------------------------------------------------------ scenarios

/// Replay, edit and send, forge, audit and the hostile page, on one
/// simulator session.
fn replay_edit_forge(browser: Browser) {
    let mut sim = Sim::open(browser, "service-client-api.accepted-web-content-origins={{CLIENT}}\n");
    sim.enter("Strict");
    sim.enter("Console");
    assert_eq!(sim.js("const c = window.wweConsole; await c.ready; return (await c.call('agent.get', [])).outcome;"), json!("ok"));

    // ---- replay with a fresh referenceId, paired, linked
    sim.panel();
    let original = sim.wait_rows("the console's agent.get", DEFAULT_TIMEOUT, |rows| {
        requests_named(rows, "agent.get").first().filter(|r| field(r, "data-status") == "ok").map(|r| field(r, "data-id"))
    });
    sim.click_row(&original);
    sim.click("[data-testid=replay]");
    let replayed = sim.wait_rows("the replayed agent.get and its reply", DEFAULT_TIMEOUT, |rows| {
        let list = requests_named(rows, "agent.get");
        let copy = list.iter().find(|r| field(r, "data-id") != original)?;
        (field(copy, "data-status") == "ok").then(|| field(copy, "data-id"))
    });
    sim.click_row(&replayed);
    let link = sim.wait_element("[data-testid=replay-of]", &["data-original"], |_| true);
    assert_eq!(field(&link, "data-original"), original);
    assert_eq!(field(&link, "text"), format!("replay of #{original}"));
    let raw = sim.js("return document.querySelector('[data-testid=detail]').innerText;");
    assert!(raw.as_str().unwrap().contains("replay-"), "the copy carries a fresh replay- referenceId: {raw}");
    // The console's own counter never saw the copy: its results list one call.
    sim.enter("Console");
    assert_eq!(sim.js("return window.wweConsole.results.length;"), json!(1));

    // ---- copy as: the call, and a postMessage snippet that works when
    // pasted into the frame that sent the original
    sim.panel();
    sim.click_row(&original);
    sim.click("[data-testid=copy-call]");
    let call = sim.wait_element("[data-testid=copy-preview]", &[], |r| field(r, "text").starts_with("genesys."));
    assert_eq!(field(&call, "text").trim(), "genesys.wwe.service.agent.get();");
    sim.click("[data-testid=copy-post]");
    let post = field(&sim.wait_element("[data-testid=copy-preview]", &[], |r| field(r, "text").contains("postMessage(")), "text");
    assert!(post.contains(r#""request": "agent.get""#) && post.trim_end().ends_with(");"), "{post}");
    // A fresh referenceId, so the console's library does not take the reply
    // for its own first call's.
    let key = r#""referenceId": ""#;
    let start = post.find(key).unwrap_or_else(|| panic!("the snippet names no referenceId: {post}")) + key.len();
    let end = start + post[start..].find('"').expect("a closing quote");
    let pasted = format!("{}copied-1{}", &post[..start], &post[end..]);
    sim.enter("Console");
    sim.session.execute(&pasted, &[]).unwrap_or_else(|e| panic!("the copied snippet does not run in the console frame: {e}\n{pasted}"));
    sim.panel();
    sim.wait_rows("the pasted snippet's agent.get, answered", DEFAULT_TIMEOUT, |rows| {
        requests_named(rows, "agent.get").into_iter().find(|r| field(r, "data-status") == "ok" && ![&original, &replayed].contains(&&field(r, "data-id"))).map(|_| ())
    });

    // ---- edit and send: a misspelt name is flagged as typed, then fixed
    sim.panel();
    sim.click_row(&original);
    sim.click("[data-testid=edit]");
    sim.set_value(
        "[data-testid=editor]",
        r#"{"request": "agent.getStat", "parameters": [], "referenceId": "edit-1", "userAgent": "WWE Client", "protocolVersion": 2}"#,
    );
    let problem = sim.wait_element("[data-testid=editor-problem]", &["data-code"], |r| field(r, "data-code") == "W001");
    assert!(field(&problem, "text").contains("did you mean 'agent.getState'"), "{problem:?}");
    let hint = sim.wait_element("[data-testid=editor-hint]", &[], |_| true);
    assert!(field(&hint, "text").contains("not in the catalog"), "{hint:?}");
    sim.set_value(
        "[data-testid=editor]",
        r#"{"request": "agent.getState", "parameters": [], "referenceId": "edit-1", "userAgent": "WWE Client", "protocolVersion": 2}"#,
    );
    sim.session
        .wait_for("the problem to go", scaled(DEFAULT_TIMEOUT), || {
            let n = sim.session.find_all("[data-testid=editor-problem]").map_err(|e| e.to_string())?.len();
            if n == 0 { Ok(()) } else { Err(format!("{n} problems")) }
        })
        .unwrap();
    assert!(field(&sim.wait_element("[data-testid=editor-hint]", &[], |_| true), "text").starts_with("agent.getState()"));
    sim.click("[data-testid=editor-send]");
    sim.wait_rows("the edited agent.getState answered", DEFAULT_TIMEOUT, |rows| {
        requests_named(rows, "agent.getState").first().filter(|r| field(r, "data-status") == "ok").map(|_| ())
    });

    // ---- forge an event from the service frame into the console
    sim.click("[data-testid=view-send]");
    let pick = |sim: &Sim, page: &str| {
        let key = sim.js(&format!(
            "const o = [...document.querySelectorAll('[data-testid=forge-client] option')].find((o) => o.textContent.includes('{page}'));\
             return o ? o.value : null;"
        ));
        let key = key.as_str().unwrap_or_else(|| sim.fail(&format!("no client frame for {page} in the Send view"))).to_owned();
        sim.set_value("[data-testid=forge-client]", &key);
    };
    pick(&sim, "console.html");
    sim.click("[data-testid=forge-send]");
    sim.wait_element("[data-testid=forge-status]", &["data-ok"], |r| field(r, "data-ok") == "true" && field(r, "text").contains("posted 1"));
    sim.enter("Console");
    sim.session
        .wait_for("the console to show the forged STATE_CHANGED", scaled(DEFAULT_TIMEOUT), || {
            let types = sim.event_types();
            if types.iter().any(|t| t == "STATE_CHANGED") { Ok(()) } else { Err(format!("{types:?}")) }
        })
        .unwrap();
    let shown = sim.js("return [...document.querySelectorAll('#events li')].map((li) => li.textContent).join('\\n');");
    assert!(shown.as_str().unwrap().contains("forged by wwe-devtools"), "{shown}");

    // ---- audit: the console takes a spoofed origin, the strict client does not
    sim.panel();
    pick(&sim, "console.html");
    sim.click("[data-testid=audit]");
    let verdict = sim.wait_element("[data-testid=audit-verdict]", &["data-checks-origin"], |_| true);
    assert_eq!(field(&verdict, "data-checks-origin"), "false", "{verdict:?}");
    pick(&sim, "strict.html");
    sim.click("[data-testid=audit]");
    let verdict = sim.wait_element("[data-testid=audit-verdict]", &["data-checks-origin"], |_| true);
    assert_eq!(field(&verdict, "data-checks-origin"), "true", "{verdict:?}");
    // The strict client does take the same event from the real service frame.
    sim.click("[data-testid=forge-send]");
    sim.wait_element("[data-testid=forge-status]", &["data-ok"], |r| field(r, "text").contains("service frame: posted 1"));
    sim.enter("Strict");
    sim.session
        .wait_for("the strict client to show the genuine STATE_CHANGED", scaled(DEFAULT_TIMEOUT), || {
            let types = sim.event_types();
            if types.iter().filter(|t| *t == "STATE_CHANGED").count() == 1 { Ok(()) } else { Err(format!("{types:?}")) }
        })
        .unwrap();

    // ---- safety: page scripts cannot command a send
    sim.enter("Console");
    let reach = sim.js(&format!(
        "const cmd = {{type: 'send', id: 99, tabId: {tab}, frameId: 0, mode: 'post', base: 'top', path: [], targetOrigin: '*', spoofOrigin: '',\
           messages: [JSON.stringify({{request: 'agent.getStateList', parameters: [], referenceId: 'hostile', userAgent: 'WWE Client', protocolVersion: 2}})]}};\
         window.postMessage(cmd, '*'); parent.postMessage(cmd, '*'); top.postMessage({{type: 'replay', ...cmd}}, '*');\
         for (const name of ['wwe-devtools:send', 'wwe-devtools:replay', 'send', 'replay']) {{\
           document.dispatchEvent(new CustomEvent(name, {{detail: JSON.stringify(cmd)}}));\
           window.dispatchEvent(new CustomEvent(name, {{detail: cmd}})); }}\
         const rt = (globalThis.chrome && chrome.runtime) || (globalThis.browser && browser.runtime);\
         let runtime = 'absent';\
         if (rt && rt.sendMessage) {{ try {{ await rt.sendMessage(cmd); runtime = 'sent'; }} catch (e) {{ runtime = 'refused'; }} }}\
         return runtime;",
        tab = sim.tab
    ));
    assert_ne!(reach, json!("sent"), "a page reached the extension's runtime");
    std::thread::sleep(Duration::from_secs(3));
    sim.panel();
    let rows = sim.rows();
    assert!(requests_named(&rows, "agent.getStateList").is_empty(), "a page script commanded a send");
    let _ = sim.session.screenshot(&artifacts_dir().join(format!("send-replay-{browser}.png")));
}

/// Bulk send of a captured voice.dial over a limit of 3 per minute.
fn bulk_rate_limit(browser: Browser) {
    let mut sim = Sim::open(
        browser,
        "service-client-api.accepted-web-content-origins={{CLIENT}}\n\
         service-client-api.rate-limit.voice.dial=3\n\
         service-client-api.rate-limit-quarantine-delay=5\n",
    );
    sim.enter("Console");
    // Windows are wall-clock minutes: start early enough in one.
    sim.session
        .wait_for("a minute with room for the probe", Duration::from_secs(70), || {
            let s = sim.session.execute("return new Date().getUTCSeconds();", &[]).map_err(|e| e.to_string())?;
            match s.as_u64() {
                Some(s) if (1..=35).contains(&s) => Ok(()),
                _ => Err(format!("second {s}")),
            }
        })
        .unwrap();
    assert_eq!(sim.js("const c = window.wweConsole; await c.ready; return (await c.call('voice.dial', ['5001'])).outcome;"), json!("ok"));
    sim.panel();
    let original = sim.wait_rows("the console's voice.dial", DEFAULT_TIMEOUT, |rows| {
        requests_named(rows, "voice.dial").first().filter(|r| field(r, "data-status") == "ok").map(|r| field(r, "data-id"))
    });
    sim.click_row(&original);
    sim.set_value("[data-testid=bulk-count]", "500");
    assert_eq!(sim.js("return document.querySelector('[data-testid=bulk-count]').value;"), json!("200"), "the hard cap");
    sim.set_value("[data-testid=bulk-count]", "5");
    sim.set_value("[data-testid=bulk-interval]", "50");
    sim.click("[data-testid=bulk-send]");
    let ask = sim.wait_element("[data-testid=bulk-confirm-box]", &[], |_| true);
    assert!(field(&ask, "text").contains("Send 5 copies"), "{ask:?}");
    sim.click("[data-testid=bulk-confirm]");
    sim.wait_element("[data-testid=send-status]", &["data-ok"], |r| field(r, "text").contains("bulk: posted 5"));
    let limited = sim.wait_rows("the rate-limit hit", DEFAULT_TIMEOUT, |rows| {
        let hits: Vec<&Row> = rows.iter().filter(|r| field(r, "data-kind") == "rate-limit").collect();
        (hits.len() == 1 && requests_named(rows, "voice.dial").len() == 6).then(|| field(hits[0], "data-exchange"))
    });
    // The hit answers the fourth dial: the first three of the window were served.
    let rows = sim.rows();
    let mut dials: Vec<&Row> = requests_named(&rows, "voice.dial");
    dials.sort_by_key(|r| id_num(r));
    assert_eq!(field(dials[3], "data-id"), limited, "the fourth dial is the one limited");
    let _ = sim.session.screenshot(&artifacts_dir().join(format!("send-bulk-{browser}.png")));
}

#[test]
fn replay_edit_forge_chromium() {
    replay_edit_forge(Browser::Chromium);
}

#[test]
fn replay_edit_forge_firefox() {
    replay_edit_forge(Browser::Firefox);
}

#[test]
fn bulk_rate_limit_chromium() {
    bulk_rate_limit(Browser::Chromium);
}

#[test]
fn bulk_rate_limit_firefox() {
    bulk_rate_limit(Browser::Firefox);
}
