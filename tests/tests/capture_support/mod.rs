//! Helpers shared by the capture tests: launching with the extension,
//! reading the background's records and counters from an extension page,
//! the panel's counters, and stopping Chromium's service worker.

#![allow(dead_code)]

use std::time::Duration;

use serde_json::{json, Value};
use wwe_e2e::{artifacts_dir, extension_dir, fixtures_dir, Browser, Error, LaunchOptions, Result, Session, DEFAULT_TIMEOUT};
use wwe_simulator::{Origins, Port, Server, ServerConfig};

pub fn fixture_server() -> Server {
    Server::start(ServerConfig::ephemeral(fixtures_dir()).with_third(Port::Ephemeral)).expect("starting the fixture server")
}

/// Starts the browser with the extension, runs `body`, then always saves a
/// screenshot, and on failure the driver log, before reporting.
pub fn scenario(name: &str, browser: Browser, server: &Server, body: impl FnOnce(&mut Session, &Origins) -> Result<()>) {
    let dir = extension_dir(browser).unwrap_or_else(|e| panic!("{e}"));
    let mut session =
        Session::launch(browser, &LaunchOptions::with_extension(dir)).unwrap_or_else(|e| panic!("{browser}: {e}"));
    let outcome = body(&mut session, server.origins());
    let artifacts = artifacts_dir();
    let shot = artifacts.join(format!("{name}-{browser}.png"));
    let shot_note = match session.screenshot(&shot) {
        Ok(()) => format!("screenshot: {}", shot.display()),
        Err(e) => format!("no screenshot: {e}"),
    };
    if let Err(error) = outcome {
        let log = artifacts.join(format!("{name}-{browser}.log"));
        let _ = std::fs::write(&log, session.driver_log());
        panic!("{name} in {browser}: {error}\n{shot_note}\ndriver log: {}", log.display());
    }
}

pub fn wait_page_flag(session: &Session, flag: &str, timeout: Duration) -> Result<()> {
    session.wait_for(&format!("the page to set data-{flag}"), timeout, || {
        let value = session
            .execute(&format!("return document.documentElement.dataset.{flag} ?? null;"), &[])
            .map_err(|e| e.to_string())?;
        if value == "1" {
            Ok(())
        } else {
            Err(format!("data-{flag} = {value}"))
        }
    })
}

/// Opens the panel page for `tab` and waits for it to be connected.
pub fn open_panel(session: &mut Session, tab: i64) -> Result<String> {
    let handle = session.open_extension_page(&format!("panel.html?tabId={tab}"))?;
    session.wait_for("the panel's counters", DEFAULT_TIMEOUT, || match panel_counts(session) {
        Ok((Some(_), _)) => Ok(()),
        Ok(other) => Err(format!("{other:?}")),
        Err(e) => Err(e),
    })?;
    Ok(handle)
}

/// `count-total` and `count-dropped` of the panel in the current window.
pub fn panel_counts(session: &Session) -> std::result::Result<(Option<u64>, Option<u64>), String> {
    let read = |id: &str| -> std::result::Result<Option<u64>, String> {
        Ok(session
            .snapshot(&format!("[data-testid={id}]"), &[])
            .map_err(|e| e.to_string())?
            .first()
            .and_then(|c| c.get("text")?.as_str()?.trim().parse::<u64>().ok()))
    };
    Ok((read("count-total")?, read("count-dropped")?))
}

/// Everything the background holds for `tab`, as a panel gets it.
pub fn backlog(session: &mut Session, tab: i64) -> Result<Vec<Value>> {
    let reply = session.extension_script(
        "const api = globalThis.browser ?? globalThis.chrome;\
         const port = api.runtime.connect({ name: 'wwe-panel' });\
         const timer = setTimeout(() => done({ error: 'no backlog' }), 10000);\
         port.onMessage.addListener((m) => {\
           if (m.type === 'backlog') { clearTimeout(timer); port.disconnect(); done(m); }\
         });\
         port.postMessage({ type: 'hello', protocol: arguments[1] });\
         port.postMessage({ type: 'subscribe', tabId: arguments[0] });",
        &[json!(tab), json!(wwe_core::wire::PROTOCOL_VERSION)],
    )?;
    match reply["records"].as_array() {
        Some(records) => Ok(records.clone()),
        None => Err(Error::new(format!("reading the backlog of tab {tab}: {reply}"))),
    }
}

/// Waits until the backlog of `tab` satisfies `ok`.
pub fn wait_records(session: &mut Session, tab: i64, what: &str, ok: impl Fn(&[Value]) -> bool) -> Result<Vec<Value>> {
    let started = std::time::Instant::now();
    loop {
        let records = backlog(session, tab)?;
        if ok(&records) {
            return Ok(records);
        }
        if started.elapsed() > DEFAULT_TIMEOUT {
            let summary: Vec<String> =
                records.iter().take(40).map(|r| format!("{} {:.200}", r["frameId"], r["json"].to_string())).collect();
            let counters = stats(session).map(|s| s.to_string()).unwrap_or_else(|e| e.to_string());
            return Err(Error::new(format!(
                "timed out waiting for {what}; tab {tab} has:\n    {}\nbackground: {counters}",
                summary.join("\n    ")
            )));
        }
        std::thread::sleep(Duration::from_millis(300));
    }
}

/// The record whose data (or a "nested" message's value) is an object
/// with `t` equal to `t`.
pub fn find_t<'a>(records: &'a [Value], t: &str) -> Option<&'a Value> {
    records.iter().find(|r| {
        r["json"]
            .as_str()
            .and_then(|j| serde_json::from_str::<Value>(j).ok())
            .is_some_and(|d| d["t"] == t || (d["$wwe"] == "nested" && d["value"]["t"] == t))
    })
}

/// The background's counters (`stats`).
pub fn stats(session: &mut Session) -> Result<Value> {
    session.extension_script(
        "const api = globalThis.browser ?? globalThis.chrome;\
         api.runtime.sendMessage({ type: 'stats' }).then(done, (e) => done({ error: String(e) }));",
        &[],
    )
}

/// Sets keys in the extension's `storage.local`.
pub fn set_local(session: &mut Session, items: Value) -> Result<()> {
    let stored = session.extension_script(
        "const api = globalThis.browser ?? globalThis.chrome;\
         api.storage.local.set(arguments[0]).then(() => done(true), (e) => done(String(e)));",
        &[items],
    )?;
    if stored != json!(true) {
        return Err(Error::new(format!("storage.local.set failed: {stored}")));
    }
    Ok(())
}

/// Waits until the background has (or has not) registered the send-side
/// hook, which the panel's settings (`sendSide`) switch; it applies to
/// documents loaded afterwards.
pub fn wait_send_side_hook(session: &mut Session, on: bool) -> Result<()> {
    let started = std::time::Instant::now();
    loop {
        let s = stats(session)?;
        if s["sendSideHook"] == on {
            return Ok(());
        }
        // The background keeps trying for about 30 s (`setHook`).
        if started.elapsed() > 2 * DEFAULT_TIMEOUT {
            return Err(Error::new(format!("the send-side hook never became {on}: {s}")));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Turns the send-side hook on, as the panel's setting does, and waits for
/// it to be registered.
pub fn enable_send_side(session: &mut Session, settings: Value) -> Result<()> {
    let mut settings = settings;
    settings["sendSide"] = json!(true);
    set_local(session, json!({ "wwe.settings": settings.to_string() }))?;
    wait_send_side_hook(session, true)
}

/// (URL, frame id) of every frame of `tab`.
pub fn frame_ids(session: &mut Session, tab: i64) -> Result<Vec<(String, i64)>> {
    let frames = session.extension_script(
        "const api = globalThis.browser ?? globalThis.chrome;\
         api.webNavigation.getAllFrames({ tabId: arguments[0] }).then(\
           (fs) => done(fs.map((f) => [f.url, f.frameId])), (e) => done({ error: String(e) }));",
        &[json!(tab)],
    )?;
    Ok(frames
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|f| Some((f[0].as_str()?.to_owned(), f[1].as_i64()?)))
        .collect())
}

/// Chromium: stops the extension's service worker, as DevTools' "Stop"
/// does, through the DevTools protocol.
pub fn stop_service_worker(session: &Session) -> Result<()> {
    session.cdp("ServiceWorker.enable", json!({}))?;
    session.cdp("ServiceWorker.stopAllWorkers", json!({}))?;
    Ok(())
}
