//! `cargo xtask run`: the main job. Builds the extension and the WWE
//! simulator, serves the simulator on loopback origins (service, clients,
//! and a third origin the default options do not accept), and opens
//! Chromium on the simulator with the extension loaded and DevTools open.
//! Without a display it drives a call through the sample console headless,
//! prints what the panel captured and writes a screenshot of the panel.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use anyhow::{anyhow, bail, Context, Result};
use wwe_e2e::{Browser as E2eBrowser, LaunchOptions, Session};
use wwe_simulator::server::{Port, Server, ServerConfig};

use crate::dist;
use crate::flags::{Browser, BuildOptions, RunOptions};
use crate::setup;
use crate::shell::project_root;
use crate::simulator::{self, SiteConfig};

/// Fixed ports keep demo URLs stable; the server moves up when one is taken.
const SERVICE_PORT: u16 = 8470;
const CLIENT_PORT: u16 = 8480;
const THIRD_PORT: u16 = 8490;
/// The same-site client origin: the service's host on another port.
const SAME_SITE_PORT: u16 = 8475;

pub fn run(options: &RunOptions) -> Result<()> {
    let browsers = setup::ensure_browsers(&[Browser::Chromium])?;
    let (chromium, _driver) = browsers.chromium.clone().context("chromium is required")?;
    let dist = dist::build(&BuildOptions { browsers: vec![Browser::Chromium], release: options.release })?;
    let extension = dist.into_iter().next().context("the build produced no folder")?;
    println!("extension {}   ({})", extension.display(), if options.release { "the release build, as users get it" } else { "a debug build (--dev)" });

    let options_text = match &options.options {
        Some(path) => Some(
            std::fs::read_to_string(path).with_context(|| format!("could not read the options file {}", path.display()))?,
        ),
        None => None,
    };
    if let Some(text) = &options_text {
        // Say now, not in the browser, when the file does not parse.
        if let Err(e) = wwe_simulator_service::model::Service::new(text) {
            bail!("{}: {e}", options.options.as_deref().unwrap_or(Path::new("")).display());
        }
    }
    // The simulator is not what users get: its debug build is enough and
    // skips a slow optimised wasm build.
    let site = simulator::build_site(
        false,
        &SiteConfig { options: options_text, web_content: options.web_content.clone() },
    )?;

    let server = Server::start(ServerConfig {
        root: site,
        service: Port::Preferred(SERVICE_PORT),
        client: Port::Preferred(CLIENT_PORT),
        third: Some(Port::Preferred(THIRD_PORT)),
        same_site: Some(Port::Preferred(SAME_SITE_PORT)),
    })
    .context("could not start the loopback server")?;
    let origins = server.origins().clone();
    let start_url = format!("{}/service.html", origins.service);
    println!("service  {}   (WWE simulator: {start_url})", origins.service);
    println!("clients  {}   (console: {}/console.html, CRM embedding WWE: {}/crm.html)", origins.client, origins.client, origins.client);
    if let Some(third) = &origins.third {
        println!("third    {third}   (not accepted by the default options)");
    }
    if let Some(same_site) = &origins.same_site {
        println!("same-site {same_site}  (the service's site, another port; not accepted by the default options)");
    }
    println!(
        "wrong targetOrigin: the hidden apps \"Wrong targetOrigin\" (cross-site) and \"Same site\" post to https://wrong.example; \
         any console does with ?targetOrigin=https://wrong.example"
    );

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

/// No display: in headless Chromium, drive a call from the simulator's
/// Console app (subscribe, dial, wait for ESTABLISHED, set user data, hang
/// up), then report what the panel captured and save a screenshot of it.
fn headless_demo(extension: &Path, url: &str, screenshot: &Path) -> Result<()> {
    println!("No display: running headless.");
    let e2e = |e: wwe_e2e::Error| anyhow!("{}", e.message());
    let mut session = Session::launch(E2eBrowser::Chromium, &LaunchOptions::with_extension(extension)).map_err(e2e)?;
    session.goto(url).map_err(e2e)?;
    let tab = session.tab_id_of(url).map_err(e2e)?;
    drive_call(&session).map_err(e2e)?;
    session.switch_to_frame(None).map_err(e2e)?;
    session.open_extension_page(&format!("panel.html?tabId={tab}")).map_err(e2e)?;
    let count = session
        .wait_for("the panel to show the captured messages", Duration::from_secs(30), || {
            let total = session.find_all("[data-testid=count-total]").map_err(|e| e.message().to_string())?;
            let first = total.first().ok_or("no count-total element yet")?;
            let text = session.text(first).map_err(|e| e.message().to_string())?;
            match text.trim().parse::<u64>() {
                Ok(n) if n >= 10 => Ok(n),
                _ => Err(format!("count-total is {text:?}")),
            }
        })
        .map_err(e2e)?;
    session.screenshot(screenshot).map_err(e2e)?;
    println!("Captured {count} messages. Screenshot of the panel: {}", screenshot.display());
    Ok(())
}

/// The call flow, run inside the Console frame with the sample client.
fn drive_call(session: &Session) -> wwe_e2e::Result<()> {
    let frame = session.wait_for("the Console app frame", Duration::from_secs(30), || {
        let frames = session.find_all("iframe[data-label=Console]").map_err(|e| e.to_string())?;
        frames.into_iter().next().ok_or_else(|| "no Console iframe yet".to_owned())
    })?;
    session.switch_to_frame(Some(&frame))?;
    let steps = session.execute(
        "return (async () => { await window.wweConsole.ready;\
         const c = window.wweConsole;\
         await c.subscribe(['agent', 'interaction']);\
         const dial = await c.call('voice.dial', ['5001', {Key1: 'demo'}]);\
         const id = dial.reply.data.interactionId;\
         await new Promise((r) => setTimeout(r, 1500));\
         const set = await c.call('interaction.setUserData', [id, {Key2: 'from the demo'}]);\
         const hang = await c.call('voice.hangUp', [id]);\
         return [dial.outcome, set.outcome, hang.outcome]; })();",
        &[],
    )?;
    println!("Drove a call from the Console app: dial, setUserData, hangUp -> {steps}");
    Ok(())
}
