//! `cargo xtask test`: every test. Unit and property tests of every native
//! crate, then a release build of the extension and the end-to-end tests in
//! real Chromium and Firefox (with the WWE simulator site built for them),
//! and `web-ext lint` on the Firefox store package. Installs what is missing
//! first.

use anyhow::Result;

use crate::dist;
use crate::flags::{Browser, BuildOptions, TestOptions};
use crate::package;
use crate::setup;
use crate::shell::{self, cargo, project_root};
use crate::simulator::{self, SiteConfig};

pub fn run(options: &TestOptions) -> Result<()> {
    // The panel's unit tests run natively too; only the end-to-end crate
    // waits for the browsers and the build below.
    shell::run(cargo().args(["test", "--workspace", "--exclude", "wwe-e2e"]))?;
    if !options.e2e {
        return Ok(());
    }
    let browsers = setup::ensure_browsers(&options.browsers)?;
    dist::build(&BuildOptions { browsers: options.browsers.clone(), release: true })?;
    // The simulator scenarios' pages; a dev build of the service page is
    // enough for them and skips the slow optimised wasm build.
    let site = simulator::build_site(false, &SiteConfig::default())?;
    let mut e2e = cargo();
    // Every e2e file runs even when one fails, so a CI log shows all
    // failures at once.
    e2e.args(["test", "--package", "wwe-e2e", "--no-fail-fast"]);
    e2e.env("WWE_DIST", project_root().join("dist"));
    e2e.env("WWE_SIMULATOR_SITE", site);
    for (name, path) in browsers.env() {
        e2e.env(name, path);
    }
    // One browser at a time: two cores cannot run several browsers and the
    // builds beside them without starving the tests' own timeouts.
    e2e.args(["--", "--test-threads=1"]);
    // Every end-to-end test names its browser (`…_chromium`, `…_in_firefox`):
    // `--browser` skips the other one's.
    for skipped in skipped_browsers(&options.browsers) {
        e2e.args(["--skip", skipped.name()]);
    }
    shell::run(&mut e2e)?;
    // The addons.mozilla.org package from the release build above must pass
    // Mozilla's linter with no error.
    if options.browsers.contains(&Browser::Firefox) {
        package::lint_firefox(&package::package(Browser::Firefox)?)?;
    }
    Ok(())
}

/// The browsers whose end-to-end tests `--browser` leaves out.
fn skipped_browsers(chosen: &[Browser]) -> Vec<Browser> {
    Browser::ALL.into_iter().filter(|b| !chosen.contains(b)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_browser_skips_the_other_ones_tests() {
        assert_eq!(skipped_browsers(&[Browser::Chromium]), [Browser::Firefox]);
        assert_eq!(skipped_browsers(&[Browser::Firefox]), [Browser::Chromium]);
        assert!(skipped_browsers(&[Browser::Chromium, Browser::Firefox]).is_empty());
    }
}
