//! Self-tests of the harness and the fixtures, in browsers WITHOUT the
//! extension: the fixture pages really talk across two loopback origins, and
//! the harness starts, drives and stops both browsers. These need no `dist/`,
//! so they tell a broken harness apart from a broken extension.

use std::time::Duration;

use serde_json::Value;
use wwe_e2e::{fixtures_dir, Browser, LaunchOptions, Session, TempDir, DEFAULT_TIMEOUT, FIREFOX_ADDON_ID};
use wwe_simulator::{Server, ServerConfig};

fn foundation_round_trip_without_extension(browser: Browser) {
    let server = Server::start(ServerConfig::ephemeral(fixtures_dir())).expect("server");
    let origins = server.origins().clone();
    let session = Session::launch(browser, &LaunchOptions::default()).expect("browser");
    eprintln!("{browser}: session ready in {:.1} s", session.startup_time().as_secs_f64());

    session.goto(&format!("{}/foundation/service.html", origins.service)).unwrap();
    session
        .wait_for("the service page to reply to agent.get", DEFAULT_TIMEOUT, || {
            let replied = session
                .execute("return document.documentElement.dataset.replied ?? null;", &[])
                .map_err(|e| e.to_string())?;
            if replied == "1" {
                Ok(())
            } else {
                Err(format!("data-replied = {replied}"))
            }
        })
        .unwrap();

    // The reply reached the client frame on the other origin.
    let frame = session.find_all("iframe#client").unwrap();
    assert_eq!(frame.len(), 1);
    session.switch_to_frame(Some(&frame[0])).unwrap();
    let reply = session
        .wait_for("the client frame to show the reply", DEFAULT_TIMEOUT, || {
            let text = session.find_all("#reply").and_then(|r| session.text(&r[0])).map_err(|e| e.to_string())?;
            if text.is_empty() {
                Err("empty #reply".into())
            } else {
                Ok(text)
            }
        })
        .unwrap();
    assert_eq!(
        serde_json::from_str::<Value>(&reply).unwrap(),
        serde_json::json!({"referenceId": "0", "data": {"username": "agent1"}, "userAgent": "WWE Service"})
    );
    session.switch_to_frame(None).unwrap();
    let log = session.text(&session.find_all("#log li").unwrap()[0]).unwrap();
    assert!(log.starts_with(&format!("{} ", origins.client)), "service saw {log}");
}

#[test]
fn fixtures_and_harness_work_in_chromium() {
    foundation_round_trip_without_extension(Browser::Chromium);
}

#[test]
fn fixtures_and_harness_work_in_firefox() {
    foundation_round_trip_without_extension(Browser::Firefox);
}

/// A throwaway extension with our ids and one unknown manifest key: the
/// manifest check must see the warning, or it proves nothing.
fn manifest_check_sees_an_unknown_key(browser: Browser) {
    let repo_manifest: Value =
        serde_json::from_str(&std::fs::read_to_string(wwe_e2e::repo_root().join("manifest.json")).unwrap()).unwrap();
    let dir = TempDir::new("wwe-e2e-bad-manifest").unwrap();
    let mut manifest = serde_json::json!({
        "manifest_version": 3,
        "name": "wwe-e2e bad manifest",
        "version": "0.0.1",
        "bogus_key": 1,
    });
    match browser {
        Browser::Chromium => manifest["key"] = repo_manifest["key"].clone(),
        Browser::Firefox => manifest["browser_specific_settings"] = serde_json::json!({"gecko": {"id": FIREFOX_ADDON_ID}}),
    }
    std::fs::write(dir.path().join("manifest.json"), manifest.to_string()).unwrap();

    let session = Session::launch(browser, &LaunchOptions::with_extension(dir.path())).expect("browser");
    let report = session.manifest_report().unwrap();
    assert!(report.warnings.iter().any(|w| w.contains("bogus_key")), "{browser}: {report:#?}");
}

#[test]
fn manifest_check_sees_an_unknown_key_in_chromium() {
    manifest_check_sees_an_unknown_key(Browser::Chromium);
}

#[test]
fn manifest_check_sees_an_unknown_key_in_firefox() {
    manifest_check_sees_an_unknown_key(Browser::Firefox);
}

#[test]
fn wait_for_names_what_it_awaited_and_what_it_saw() {
    let error = wwe_e2e::wait_for("the moon", Duration::from_millis(200), || Err::<(), _>("cheese".to_owned()))
        .unwrap_err();
    let message = error.to_string();
    assert!(message.contains("waiting for the moon"), "{message}");
    assert!(message.contains("last seen: cheese"), "{message}");
}
