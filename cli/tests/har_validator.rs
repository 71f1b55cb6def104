//! Independent validation: the HARs this project writes are checked by the
//! npm package `har-validator` (the HAR 1.2 JSON schema of `har-schema`,
//! applied by ajv), run with `node`. The test installs it under the target
//! directory on first use; without `node` or `npm` it fails and says what
//! to install — it never skips.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::json;
use wwe_core::har::{to_har, HarOptions};
use wwe_core::record::Record;
use wwe_core::session::Session;

const CHECK_JS: &str = r#"
const validate = require('har-validator');
const fs = require('fs');
let failed = 0;
(async () => {
  for (const file of process.argv.slice(2)) {
    try {
      await validate.har(JSON.parse(fs.readFileSync(file, 'utf8')));
      console.log('valid ' + file);
    } catch (e) {
      failed++;
      console.log('INVALID ' + file + ': ' + JSON.stringify(e.errors || e.message));
    }
  }
  process.exit(failed ? 1 : 0);
})();
"#;

fn have(tool: &str) -> bool {
    Command::new(tool).arg("--version").output().is_ok_and(|o| o.status.success())
}

/// `har-validator` installed under the target directory.
fn validator() -> PathBuf {
    let prefix = Path::new(env!("CARGO_TARGET_TMPDIR")).join("har-validator");
    let install = format!("npm install --prefix {} har-validator@5", prefix.display());
    assert!(have("node"), "node is needed to validate HAR files: install Node.js (apt-get install nodejs npm), then run: {install}");
    if !prefix.join("node_modules/har-validator/package.json").exists() {
        assert!(have("npm"), "npm is needed to install har-validator: install npm, then run: {install}");
        let status = Command::new("npm")
            .args(["install", "--no-audit", "--no-fund", "--prefix"])
            .arg(&prefix)
            .arg("har-validator@5")
            .status()
            .expect("npm runs");
        assert!(status.success(), "`{install}` failed; run it by hand to see why");
    }
    let script = prefix.join("check.js");
    std::fs::write(&script, CHECK_JS).expect("check script written");
    script
}

fn record(id: u64, frame_id: i64, origin: &str, source: &str, time: f64, data: serde_json::Value) -> Record {
    Record {
        id,
        tab_id: 1,
        frame_id,
        frame_url: if origin.is_empty() { String::new() } else { format!("{origin}/index.html") },
        frame_origin: origin.into(),
        source_origin: source.into(),
        source_frame_id: Some(if frame_id == 0 { 4 } else { 0 }),
        time,
        data,
        ..Record::default()
    }
}

/// A live session with the corner cases: a pending request, a reply timed
/// before its request, a request name that needs URL encoding, unknown
/// origins, no referenceId, requests (and a tab's first page) captured
/// after the year 9999 and before the year 0000.
fn corner_cases() -> String {
    let wwe = "http://127.0.0.1:8470";
    let crm = "http://localhost:8471";
    let t = 1_700_000_000_000.0;
    let mut s = Session::new();
    for r in [
        record(1, 0, wwe, crm, t, json!({"request": "agent.get", "referenceId": "0", "userAgent": "WWE Client", "protocolVersion": 2})),
        record(2, 4, crm, wwe, t - 1.5, json!({"referenceId": "0", "data": {"username": "ada"}, "userAgent": "WWE"})),
        record(3, 0, "", "", t + 1.0, json!({"request": "voice dial/é?&", "referenceId": "1 2", "userAgent": "WWE Client"})),
        record(4, 0, wwe, crm, t + 2.0, json!({"request": "agent.getState", "userAgent": "WWE Client", "protocolVersion": 2})),
        record(5, 4, crm, wwe, t + 3.0, json!({"event": "agent", "data": {"eventType": "STATE_CHANGED"}, "userAgent": "WWE"})),
        record(6, 0, wwe, crm, 4.0e14, json!({"request": "agent.get", "referenceId": "6", "userAgent": "WWE Client"})),
        Record { tab_id: 2, ..record(7, 0, wwe, crm, -7.0e13, json!({"request": "agent.get", "referenceId": "7", "userAgent": "WWE Client"})) },
    ] {
        s.push(r);
    }
    to_har(&s, &HarOptions::default())
}

#[test]
fn har_validator_accepts_our_files() {
    let script = validator();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("workspace root").to_path_buf();
    let mut files: Vec<PathBuf> = std::fs::read_dir(root.join("assets/samples"))
        .expect("assets/samples exists")
        .map(|e| e.expect("readable entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "har"))
        .collect();
    files.sort();
    assert!(files.len() >= 4, "expected the sample HARs in assets/samples, found {files:?}");
    let corner = Path::new(env!("CARGO_TARGET_TMPDIR")).join("corner-cases.har");
    std::fs::write(&corner, corner_cases()).expect("corner cases written");
    files.push(corner);
    let out = Command::new("node").arg(&script).args(&files).output().expect("node runs");
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "har-validator rejected files:\n{report}{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(report.lines().filter(|l| l.starts_with("valid ")).count(), files.len(), "{report}");

    // The validator is not a rubber stamp: an entry without its response
    // and a page without its id are refused.
    let mut broken: serde_json::Value = serde_json::from_str(&corner_cases()).expect("our HAR is JSON");
    broken["log"]["entries"][0].as_object_mut().expect("an entry").remove("response");
    broken["log"]["pages"][0].as_object_mut().expect("a page").remove("id");
    let bad = Path::new(env!("CARGO_TARGET_TMPDIR")).join("broken.har");
    std::fs::write(&bad, broken.to_string()).expect("broken HAR written");
    let out = Command::new("node").arg(&script).arg(&bad).output().expect("node runs");
    assert!(!out.status.success(), "har-validator accepted a HAR without a response: {}", String::from_utf8_lossy(&out.stdout));
}
