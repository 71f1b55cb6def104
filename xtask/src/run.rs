//! `cargo xtask run`: the main job. Builds the extension, serves the pages
//! on loopback origins, and opens Chromium with the extension loaded and
//! DevTools open. Without a display it drives the traffic headless, prints
//! what was captured and writes a screenshot of the panel.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use anyhow::{anyhow, Context, Result};
use wwe_e2e::{Browser as E2eBrowser, LaunchOptions, Session};
use wwe_simulator::server::{Port, Server, ServerConfig};

use crate::dist;
use crate::flags::{Browser, BuildOptions, RunOptions};
use crate::setup;
use crate::shell::project_root;

/// Fixed ports keep demo URLs stable; the server moves up when one is taken.
const SERVICE_PORT: u16 = 8470;
const CLIENT_PORT: u16 = 8480;
const THIRD_PORT: u16 = 8490;

pub fn run(options: &RunOptions) -> Result<()> {
    let browsers = setup::ensure_browsers(&[Browser::Chromium])?;
    let (chromium, _driver) = browsers.chromium.clone().context("chromium is required")?;
    let dist = dist::build(&BuildOptions { browsers: vec![Browser::Chromium], release: options.release })?;
    let extension = dist.into_iter().next().context("the build produced no folder")?;

    let server = Server::start(ServerConfig {
        root: project_root().join("tests/fixtures"),
        service: Port::Preferred(SERVICE_PORT),
        client: Port::Preferred(CLIENT_PORT),
        third: Some(Port::Preferred(THIRD_PORT)),
    })
    .context("could not start the loopback server")?;
    let origins = server.origins().clone();
    let start_url = format!("{}/foundation/service.html", origins.service);
    println!("service  {}", origins.service);
    println!("clients  {}", origins.client);
    if let Some(third) = &origins.third {
        println!("third    {third}");
    }

    let headful = std::env::var_os("DISPLAY").is_some_and(|d| !d.is_empty()) && !options.headless;
    if headful {
        open_browser(&chromium, &extension, &start_url)
    } else {
        headless_demo(&extension, &start_url, &project_root().join("target/xtask/panel.png"))
    }
}

/// Chromium on the user's display, with its own profile, until it is closed.
fn open_browser(chromium: &Path, extension: &Path, url: &str) -> Result<()> {
    let profile = project_root().join("target/xtask/chromium-profile");
    std::fs::create_dir_all(&profile)?;
    let mut command = Command::new(chromium);
    command
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("--disable-extensions-except={}", extension.display()))
        .arg(format!("--load-extension={}", extension.display()))
        .arg("--auto-open-devtools-for-tabs")
        .args(["--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-quic"])
        .arg(url);
    if setup::is_root() {
        command.arg("--no-sandbox");
    }
    println!("Opening Chromium with the extension; the \"WWE API\" tab is in DevTools. Close the browser to stop.");
    let status = command.status().with_context(|| format!("could not start {}", chromium.display()))?;
    println!("Chromium exited ({status}).");
    Ok(())
}

/// No display: drive the fixture traffic in headless Chromium, then report
/// what the panel captured and save a screenshot of it.
fn headless_demo(extension: &Path, url: &str, screenshot: &Path) -> Result<()> {
    println!("No display: running headless.");
    let e2e = |e: wwe_e2e::Error| anyhow!("{}", e.message());
    let mut session = Session::launch(E2eBrowser::Chromium, &LaunchOptions::with_extension(extension)).map_err(e2e)?;
    session.goto(url).map_err(e2e)?;
    let tab = session.tab_id_of(url).map_err(e2e)?;
    session.open_extension_page(&format!("panel.html?tabId={tab}")).map_err(e2e)?;
    let count = session
        .wait_for("the panel to show the captured messages", Duration::from_secs(30), || {
            let total = session.find_all("[data-testid=count-total]").map_err(|e| e.message().to_string())?;
            let first = total.first().ok_or("no count-total element yet")?;
            let text = session.text(first).map_err(|e| e.message().to_string())?;
            match text.trim().parse::<u64>() {
                Ok(n) if n >= 2 => Ok(n),
                _ => Err(format!("count-total is {text:?}")),
            }
        })
        .map_err(e2e)?;
    session.screenshot(screenshot).map_err(e2e)?;
    println!("Captured {count} messages. Screenshot of the panel: {}", display_relative(screenshot));
    Ok(())
}

fn display_relative(path: &Path) -> String {
    path.strip_prefix(project_root()).map(PathBuf::from).unwrap_or_else(|_| path.to_path_buf()).display().to_string()
}
