//! End-to-end test harness: real Chromium and Firefox, driven over
//! WebDriver, with the built extension loaded, against pages served on
//! loopback origins by `wwe-simulator`'s server.
//!
//! Used by this crate's integration tests (`tests/tests/`) and by
//! `cargo xtask run` for the headless demo, hence a library. The pieces:
//! [`Session`] (one browser under WebDriver; dropping it kills everything it
//! started), [`wait_for`] (polling with a timeout that says what it awaited
//! and what it last saw), [`simulator`] (the WWE simulator's site, server,
//! service page and apps), and the paths below.

mod error;
mod http;
mod locate;
mod process;
mod session;
pub mod simulator;
mod wait;

use std::path::PathBuf;

pub use error::{Context, Error, Result};
pub use locate::Tool;
pub use process::TempDir;
pub use session::{
    field, Browser, Element, LaunchOptions, ManifestReport, Row, Session, CHROMIUM_EXTENSION_ID, FIREFOX_ADDON_ID,
    FIREFOX_EXTENSION_UUID,
};
pub use wait::{scaled, wait_for, DEFAULT_TIMEOUT};

/// The repository root (this crate lives in `<repo>/tests`).
pub fn repo_root() -> PathBuf {
    let manifest_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest_dir.parent().map(PathBuf::from).unwrap_or(manifest_dir)
}

/// `$WWE_DIST`, or `<repo>/dist`: where `cargo xtask build` puts the
/// unpacked extensions.
pub fn dist_root() -> PathBuf {
    std::env::var_os("WWE_DIST")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join("dist"))
}

/// The unpacked extension for `browser`, checked to exist.
pub fn extension_dir(browser: Browser) -> Result<PathBuf> {
    let dir = dist_root().join(browser.name());
    if dir.join("manifest.json").is_file() {
        Ok(dir)
    } else {
        Err(Error::new(format!(
            "no extension at {} (no manifest.json): run `cargo xtask build` (or `cargo xtask test`) first",
            dir.display()
        )))
    }
}

/// The fixture pages served by the tests (`<repo>/tests/fixtures`).
pub fn fixtures_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

/// `$WWE_E2E_ARTIFACTS`, or `<repo>/target/e2e-artifacts`: screenshots and
/// logs kept after a run.
pub fn artifacts_dir() -> PathBuf {
    std::env::var_os("WWE_E2E_ARTIFACTS")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join("target").join("e2e-artifacts"))
}
