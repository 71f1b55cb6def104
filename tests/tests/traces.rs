//! Traces in the panel (issue 9), in both browsers: a live capture exported
//! as HAR from the panel's export dialog (redaction preview included) is a
//! HAR 1.2 file holding every captured record; opening that file in a panel
//! page without a tab shows the same messages read-only; a truncated file
//! and a plain browser HAR are refused with errors that say what and where.
//! A trace holding posts the browser refused (issue 19) shows them as
//! `undelivered` rows, with intended and real origin and the caller's
//! stack, and marks their sender's frame silent.

use serde_json::{json, Value};
use wwe_e2e::{artifacts_dir, extension_dir, fixtures_dir, Browser, LaunchOptions, Result, Session, DEFAULT_TIMEOUT};
use wwe_simulator::{Server, ServerConfig};

fn count_total(session: &Session) -> std::result::Result<u64, String> {
    let value = session
        .execute("const el = document.querySelector('[data-testid=count-total]'); return el ? el.textContent : null;", &[])
        .map_err(|e| e.to_string())?;
    value.as_str().and_then(|t| t.trim().parse().ok()).ok_or_else(|| format!("count-total is {value}"))
}

fn click(session: &Session, testid: &str) -> Result<()> {
    let found = session.find_all(&format!("[data-testid={testid}]"))?;
    let element = found.first().ok_or_else(|| wwe_e2e::Error::new(format!("no [data-testid={testid}] on the page")))?;
    session.click(element)
}

/// Gives `text` to the panel's file input, as a user picking a file would.
fn open_trace(session: &Session, dir: &std::path::Path, name: &str, text: &str) -> Result<()> {
    let path = dir.join(name);
    std::fs::write(&path, text)?;
    let input = session.wait_for("the panel's file input", DEFAULT_TIMEOUT, || {
        let found = session.find_all("[data-testid=import-file]").map_err(|e| e.to_string())?;
        found.into_iter().next().ok_or_else(|| "no file input yet".to_string())
    })?;
    session.send_keys(&input, &path.display().to_string())
}

fn element_text(session: &Session, testid: &str) -> std::result::Result<String, String> {
    let value = session
        .execute(&format!("const el = document.querySelector('[data-testid={testid}]'); return el ? el.textContent : null;"), &[])
        .map_err(|e| e.to_string())?;
    value.as_str().map(str::to_string).ok_or_else(|| format!("no [data-testid={testid}] yet"))
}

fn export_and_reopen(browser: Browser) -> Result<()> {
    let server = Server::start(ServerConfig::ephemeral(fixtures_dir()))?;
    let origins = server.origins().clone();
    let mut session = Session::launch(browser, &LaunchOptions::with_extension(extension_dir(browser)?))?;
    let page = format!("{}/foundation/service.html", origins.service);
    session.goto(&page)?;
    let tab = session.tab_id_of(&page)?;
    session.open_extension_page(&format!("panel.html?tabId={tab}"))?;
    let captured = session.wait_for("the round trip in the panel", DEFAULT_TIMEOUT, || match count_total(&session) {
        Ok(n) if n >= 2 => Ok(n),
        Ok(n) => Err(format!("count-total is {n}")),
        Err(e) => Err(e),
    })?;

    // Export: the dialog previews the default redaction, then saves a HAR.
    click(&session, "export")?;
    let preview = session.wait_for("the redaction preview", DEFAULT_TIMEOUT, || element_text(&session, "redaction-count"))?;
    assert!(preview.contains("0 value(s)"), "nothing in the fixture is a JWT, yet the preview says {preview:?}");
    click(&session, "export-save")?;
    let href = session.wait_for("the saved file's link", DEFAULT_TIMEOUT, || {
        let value = session
            .execute("const a = document.querySelector('[data-testid=export-link]'); return a ? a.href : null;", &[])
            .map_err(|e| e.to_string())?;
        value.as_str().map(str::to_string).ok_or_else(|| "no export link yet".to_string())
    })?;
    let text = session.execute_async("fetch(arguments[0]).then((r) => r.text()).then(done, (e) => done('error: ' + e));", &[json!(href)])?;
    let text = text.as_str().unwrap_or_default().to_string();
    let har: Value = serde_json::from_str(&text).map_err(|e| wwe_e2e::Error::new(format!("the export is not JSON: {e}: {:.200}", text)))?;
    assert_eq!(har["log"]["version"], "1.2");
    assert_eq!(har["log"]["creator"]["name"], "wwe-devtools");
    let messages = har["log"]["_wweMessages"].as_array().map_or(0, Vec::len) as u64;
    assert_eq!(messages, captured, "every captured record is in _wweMessages");
    let entries = har["log"]["entries"].as_array().cloned().unwrap_or_default();
    assert_eq!(entries.len(), 1, "one exchange (agent.get): {entries:?}");
    let url = entries[0]["request"]["url"].as_str().unwrap_or("");
    assert!(url.starts_with(&origins.service) && url.contains("/agent.get"), "the entry names the service and the request: {url}");

    // Open it in a panel page without a tab: the same messages, read-only.
    let dir = tempdir(browser)?;
    session.open_extension_page("panel.html")?;
    open_trace(&session, &dir, "capture.har", &text)?;
    session.wait_for("the trace to open", DEFAULT_TIMEOUT, || {
        let banner = element_text(&session, "trace-banner")?;
        match count_total(&session) {
            Ok(n) if n == captured && banner.contains("capture.har") => Ok(()),
            other => Err(format!("count-total {other:?}, banner {banner:?}")),
        }
    })?;
    let rows = session.snapshot("[data-testid=message]", &["data-name", "data-status", "data-kind"])?;
    assert!(
        rows.iter().any(|r| r.get("data-name") == Some(&json!("agent.get")) && r.get("data-status") == Some(&json!("ok")) && r.get("data-kind") == Some(&json!("request"))),
        "the imported request is paired with its reply: {rows:?}"
    );
    session.screenshot(&artifacts_dir().join(format!("traces-import-{}.png", browser.name())))?;

    // A truncated file: an error naming where, and the open trace stays.
    open_trace(&session, &dir, "truncated.har", &text[..text.len() / 2])?;
    let error = session.wait_for("the truncated-file error", DEFAULT_TIMEOUT, || element_text(&session, "import-error"))?;
    assert!(error.contains("truncated.har") && error.contains("line"), "{error}");
    assert_eq!(count_total(&session).map_err(wwe_e2e::Error::new)?, captured, "a bad file leaves the open trace alone");

    // A browser's own HAR: a clear message, not a crash.
    let plain = json!({"log": {"version": "1.2", "creator": {"name": "WebInspector", "version": "537.36"}, "pages": [], "entries": []}});
    open_trace(&session, &dir, "network.har", &plain.to_string())?;
    session.wait_for("the no-wwe-data message", DEFAULT_TIMEOUT, || {
        let text = element_text(&session, "import-error")?;
        if text.contains("network.har") && text.contains("WebInspector") {
            Ok(())
        } else {
            Err(text)
        }
    })?;
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

fn undelivered_posts(browser: Browser) -> Result<()> {
    let text = std::fs::read_to_string(wwe_e2e::repo_root().join("cli/tests/golden/inputs/wrong-target-origin.jsonl"))?;
    let session = Session::launch(browser, &LaunchOptions::with_extension(extension_dir(browser)?))?;
    let dir = tempdir(browser)?;
    session.open_extension_page("panel.html")?;
    open_trace(&session, &dir, "wrong-target-origin.jsonl", &text)?;
    let rows = session.wait_for("the refused posts in the list", DEFAULT_TIMEOUT, || {
        let rows = session.snapshot("[data-testid=message]", &["data-id", "data-kind", "data-status"]).map_err(|e| e.to_string())?;
        if rows.iter().filter(|r| wwe_e2e::field(r, "data-status") == "undelivered").count() == 2 {
            Ok(rows)
        } else {
            Err(format!("rows {rows:?}"))
        }
    })?;
    let refused: Vec<_> = rows.iter().filter(|r| wwe_e2e::field(r, "data-status") == "undelivered").collect();
    assert!(refused.iter().all(|r| wwe_e2e::field(r, "data-kind") == "undelivered"), "{refused:?}");
    assert!(rows.iter().any(|r| wwe_e2e::field(r, "data-status") == "ok"), "the delivered request stays answered: {rows:?}");

    // The detail pane: intended vs. real origin, the caller's stack.
    let row = session.find_all("[data-testid=message][data-status=undelivered]")?;
    session.click(&row[0])?;
    let target = session.wait_for("the Not delivered section", DEFAULT_TIMEOUT, || element_text(&session, "detail-undelivered-target"))?;
    assert_eq!(target, "https://wrong.example");
    assert_eq!(element_text(&session, "detail-undelivered-recipient").map_err(wwe_e2e::Error::new)?, "http://127.0.0.1:8470");
    let stack = element_text(&session, "detail-undelivered-stack").map_err(wwe_e2e::Error::new)?;
    assert!(stack.contains("wwe-client.js:34:16"), "{stack}");
    let no_data = element_text(&session, "detail-undelivered-no-data").map_err(wwe_e2e::Error::new)?;
    assert!(no_data.contains("not the message"), "no data is said, not shown as null: {no_data}");
    let findings = session.snapshot("[data-testid=detail-finding]", &["data-code"])?;
    assert!(findings.iter().any(|f| wwe_e2e::field(f, "data-code") == "E025"), "{findings:?}");

    // The frames sidebar marks the sender silent, with its refused posts.
    let frames = session.snapshot("[data-testid=frame]", &["data-origin", "data-silent", "data-undelivered"])?;
    let silent: Vec<_> = frames.iter().filter(|f| wwe_e2e::field(f, "data-silent") == "1").collect();
    assert_eq!(silent.len(), 1, "{frames:?}");
    assert_eq!((wwe_e2e::field(silent[0], "data-origin"), wwe_e2e::field(silent[0], "data-undelivered")), ("http://127.0.0.1:8481".to_owned(), "2".to_owned()));
    session.screenshot(&artifacts_dir().join(format!("traces-undelivered-{}.png", browser.name())))?;
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

#[test]
fn undelivered_posts_chromium() {
    undelivered_posts(Browser::Chromium).unwrap_or_else(|e| panic!("{e}"));
}

#[test]
fn undelivered_posts_firefox() {
    undelivered_posts(Browser::Firefox).unwrap_or_else(|e| panic!("{e}"));
}

fn tempdir(browser: Browser) -> Result<std::path::PathBuf> {
    let dir = std::env::temp_dir().join(format!("wwe-traces-{}-{}", browser.name(), std::process::id()));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

#[test]
fn export_and_reopen_chromium() {
    export_and_reopen(Browser::Chromium).unwrap_or_else(|e| panic!("{e}"));
}

#[test]
fn export_and_reopen_firefox() {
    export_and_reopen(Browser::Firefox).unwrap_or_else(|e| panic!("{e}"));
}
