//! A blocking WebDriver session on a real Chromium or Firefox, with the
//! extension loaded, and the browser-specific tricks to reach extension pages.
//!
//! Chromium: chromedriver, `--load-extension`, the extension id fixed by the
//! manifest `key`, extension pages reached by plain navigation.
//! Firefox: geckodriver with `--allow-system-access`, the add-on installed as
//! a temporary add-on, its moz-extension host fixed by the
//! `extensions.webextensions.uuids` pref, and extension pages opened from the
//! privileged `chrome` context because WebDriver refuses to navigate to
//! `moz-extension://` URLs. See `/work/shared/reference/browser-facts.md`.

use std::fmt;
use std::fs;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine as _;
use serde_json::{json, Value};

use crate::error::{Context as _, Error, Result};
use crate::http;
use crate::locate;
use crate::process::{free_port, ProcessGroup, TempDir};
use crate::wait::{wait_for, DEFAULT_TIMEOUT};

/// Chromium's id for our extension, fixed by the manifest `"key"`.
pub const CHROMIUM_EXTENSION_ID: &str = "napapiicndkihcnaaclgdiaikbdapohh";
/// The add-on id from `browser_specific_settings.gecko.id`.
pub const FIREFOX_ADDON_ID: &str = "wwe-devtools@wwe-devtools.dev";
/// The moz-extension host we pin through `extensions.webextensions.uuids`.
pub const FIREFOX_EXTENSION_UUID: &str = "6f1f3c39-3d0e-4c39-9b7a-7e2c0d7e5e01";

const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

/// Which browser to drive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Browser {
    Chromium,
    Firefox,
}

impl Browser {
    /// Lower-case name, as used in `dist/<name>` and artifact file names.
    pub fn name(self) -> &'static str {
        match self {
            Browser::Chromium => "chromium",
            Browser::Firefox => "firefox",
        }
    }

    /// Where the extension's root is served, e.g. `chrome-extension://ID/`.
    pub fn extension_base(self) -> String {
        match self {
            Browser::Chromium => format!("chrome-extension://{CHROMIUM_EXTENSION_ID}/"),
            Browser::Firefox => format!("moz-extension://{FIREFOX_EXTENSION_UUID}/"),
        }
    }
}

impl fmt::Display for Browser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// How to start the browser.
#[derive(Debug, Clone)]
pub struct LaunchOptions {
    /// The unpacked extension (`dist/<browser>`), or `None` for a bare browser.
    pub extension_dir: Option<PathBuf>,
    /// Headless (`true`, the default) or on a display.
    pub headless: bool,
    /// The X display for a headful browser (e.g. `":99"`); `None` keeps the
    /// inherited `DISPLAY`.
    pub display: Option<String>,
    /// Open DevTools for every tab (Chromium `--auto-open-devtools-for-tabs`,
    /// Firefox `-devtools`); only meaningful when headful.
    pub open_devtools: bool,
    /// Initial window size in CSS pixels.
    pub window_size: (u32, u32),
}

impl Default for LaunchOptions {
    fn default() -> LaunchOptions {
        LaunchOptions {
            extension_dir: None,
            headless: true,
            display: None,
            open_devtools: false,
            window_size: (1280, 900),
        }
    }
}

impl LaunchOptions {
    /// Headless with the given extension loaded.
    pub fn with_extension(dir: impl Into<PathBuf>) -> LaunchOptions {
        LaunchOptions { extension_dir: Some(dir.into()), ..LaunchOptions::default() }
    }
}

/// A DOM element found by [`Session::find_all`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Element {
    id: String,
}

impl Element {
    /// The WebDriver reference, to pass the element as a script argument.
    pub fn to_json(&self) -> Value {
        json!({ ELEMENT_KEY: self.id })
    }
}

/// One element of a [`Session::snapshot`]: attribute name (or `"text"`)
/// to value.
pub type Row = serde_json::Map<String, Value>;

/// The string `name` of a snapshot row, `""` when absent or not a string.
pub fn field(row: &Row, name: &str) -> String {
    row.get(name).and_then(Value::as_str).unwrap_or("").to_owned()
}

/// What the browser reported about the extension's manifest at load.
#[derive(Debug, Clone, Default)]
pub struct ManifestReport {
    /// The id the browser gave the extension.
    pub id: String,
    /// Warnings (e.g. unknown keys), verbatim.
    pub warnings: Vec<String>,
    /// Errors, verbatim.
    pub errors: Vec<String>,
}

/// A running browser under WebDriver. Dropping it ends the session, kills
/// the driver and browser processes and removes the profile directory.
pub struct Session {
    browser: Browser,
    driver: SocketAddr,
    id: String,
    /// The unpacked extension, as given (`None`: a bare browser).
    extension: Option<PathBuf>,
    /// A window on an extension page, kept for `tabs.query` lookups.
    helper_window: Option<String>,
    addon_install: Option<Value>,
    driver_log: PathBuf,
    /// Chromium's console messages read so far (chromedriver hands each
    /// out once).
    console_seen: std::cell::RefCell<Vec<String>>,
    started_in: Duration,
    // Held for its Drop. Field order matters: the processes die before
    // their directory goes.
    #[allow(dead_code)]
    processes: ProcessGroup,
    profile: TempDir,
}

impl Session {
    /// Starts the driver and the browser, and loads the extension if asked.
    pub fn launch(browser: Browser, options: &LaunchOptions) -> Result<Session> {
        let started = Instant::now();
        if let Some(dir) = &options.extension_dir {
            if !dir.join("manifest.json").is_file() {
                return Err(Error::new(format!(
                    "no manifest.json in {}: run `cargo xtask build` (or `cargo xtask test`) first",
                    dir.display()
                )));
            }
        }
        let (browser_tool, driver_tool) = match browser {
            Browser::Chromium => (locate::CHROMIUM, locate::CHROMEDRIVER),
            Browser::Firefox => (locate::FIREFOX, locate::GECKODRIVER),
        };
        let browser_bin = browser_tool.locate()?;
        let driver_bin = driver_tool.locate()?;
        let profile = TempDir::new(&format!("wwe-e2e-{}", browser.name()))?;
        let mut processes = ProcessGroup::new()?;
        let driver_log = profile.path().join("driver.log");

        // A free port can be taken between our probe and the driver's bind:
        // try a few.
        let mut last_error = Error::new("driver did not start");
        for _attempt in 0..3 {
            let port = free_port()?;
            let log = fs::File::create(&driver_log)?;
            let mut command = Command::new(&driver_bin);
            match browser {
                Browser::Chromium => {
                    command.arg(format!("--port={port}"));
                }
                Browser::Firefox => {
                    command.args(["--port", &port.to_string(), "--host", "127.0.0.1", "--allow-system-access"]);
                    // geckodriver makes its profile under TMPDIR: keep it
                    // inside ours so it goes away with the session.
                    command.env("TMPDIR", profile.path());
                    // No crash reporter helper: it detaches from our
                    // process group, and there is nobody to report to.
                    command.env("MOZ_CRASHREPORTER_DISABLE", "1");
                }
            }
            if let Some(display) = &options.display {
                command.env("DISPLAY", display);
            }
            command
                .stdin(Stdio::null())
                .stdout(log.try_clone()?)
                .stderr(log);
            let pid = processes
                .spawn(&mut command)
                .context(format!("starting {}", driver_bin.display()))?;
            let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
            match wait_driver_ready(addr, pid, &mut processes, &driver_log) {
                Ok(()) => {
                    let mut session = Session {
                        browser,
                        driver: addr,
                        id: String::new(),
                        extension: options.extension_dir.clone(),
                        helper_window: None,
                        addon_install: None,
                        driver_log,
                        console_seen: Default::default(),
                        started_in: Duration::ZERO,
                        processes,
                        profile,
                    };
                    session.start(&browser_bin, options)?;
                    session.started_in = started.elapsed();
                    return Ok(session);
                }
                Err(e) => last_error = e,
            }
        }
        Err(last_error)
    }

    fn start(&mut self, browser_bin: &Path, options: &LaunchOptions) -> Result<()> {
        let (width, height) = options.window_size;
        let capabilities = match self.browser {
            Browser::Chromium => {
                let mut args = vec![
                    "--no-sandbox".to_owned(),
                    "--disable-gpu".to_owned(),
                    "--disable-quic".to_owned(),
                    "--no-first-run".to_owned(),
                    "--no-default-browser-check".to_owned(),
                    "--disable-background-networking".to_owned(),
                    "--disable-component-update".to_owned(),
                    "--disable-sync".to_owned(),
                    // Chromium's own log goes to the driver's stderr, i.e.
                    // the driver log, where manifest warnings can be read.
                    "--enable-logging=stderr".to_owned(),
                    format!("--user-data-dir={}", self.profile.path().join("chromium").display()),
                    format!("--window-size={width},{height}"),
                ];
                if options.headless {
                    args.push("--headless=new".to_owned());
                }
                if options.open_devtools {
                    args.push("--auto-open-devtools-for-tabs".to_owned());
                }
                if let Some(dir) = &options.extension_dir {
                    let dir = fs::canonicalize(dir)?;
                    args.push(format!("--disable-extensions-except={}", dir.display()));
                    args.push(format!("--load-extension={}", dir.display()));
                }
                json!({
                    "browserName": "chrome",
                    "goog:chromeOptions": {
                        "binary": browser_bin,
                        "args": args,
                        // chromedriver's defaults include switches that
                        // block unpacked extensions.
                        "excludeSwitches": ["disable-extensions", "enable-automation"],
                    },
                    // Console messages of the pages it drives, for
                    // `console_messages`.
                    "goog:loggingPrefs": { "browser": "ALL" },
                })
            }
            Browser::Firefox => {
                let mut args = vec!["-width".to_owned(), width.to_string(), "-height".to_owned(), height.to_string()];
                if options.headless {
                    args.push("-headless".to_owned());
                }
                if options.open_devtools {
                    args.push("-devtools".to_owned());
                }
                let uuids = json!({ FIREFOX_ADDON_ID: FIREFOX_EXTENSION_UUID }).to_string();
                json!({
                    "browserName": "firefox",
                    "moz:firefoxOptions": {
                        "binary": browser_bin,
                        "args": args,
                        "prefs": {
                            "extensions.webextensions.uuids": uuids,
                            "app.update.enabled": false,
                            "app.normandy.enabled": false,
                            "browser.shell.checkDefaultBrowser": false,
                            "datareporting.policy.dataSubmissionEnabled": false,
                            "toolkit.telemetry.reportingpolicy.firstRun": false,
                            "browser.safebrowsing.malware.enabled": false,
                            "browser.safebrowsing.phishing.enabled": false,
                            "network.captive-portal-service.enabled": false,
                            "network.connectivity-service.enabled": false,
                            // Console messages of pages (the panel page
                            // among them) go to stdout, i.e. the driver
                            // log, where `console_messages` reads them, as
                            // Chromium's `--enable-logging=stderr` does.
                            "devtools.console.stdout.content": true,
                        },
                        "log": { "level": "info" },
                    },
                })
            }
        };
        let mut capabilities = capabilities;
        capabilities["timeouts"] = json!({ "script": 60_000, "pageLoad": 60_000, "implicit": 0 });
        let response = self
            .raw("POST", "/session", Some(json!({ "capabilities": { "alwaysMatch": capabilities } })))
            .context(format!("starting {} (driver log: {})", self.browser, self.driver_log_tail()))?;
        self.id = response["sessionId"]
            .as_str()
            .ok_or_else(|| Error::new(format!("no sessionId in {response}")))?
            .to_owned();

        if let (Browser::Firefox, Some(dir)) = (self.browser, &options.extension_dir) {
            let dir = fs::canonicalize(dir)?;
            let installed = self
                .cmd("POST", "/moz/addon/install", json!({ "path": dir, "temporary": true }))
                .context(format!("installing {} as a temporary add-on", dir.display()))?;
            self.addon_install = Some(installed);
        }
        Ok(())
    }

    pub fn browser(&self) -> Browser {
        self.browser
    }

    /// The process group of the driver and of the browser it started
    /// (every browser process inherits it): `cargo xtask bench` reads their
    /// CPU time from /proc.
    pub fn process_group(&self) -> u32 {
        self.processes.id()
    }

    /// Wall time from `launch` to a ready session (extension loaded).
    pub fn startup_time(&self) -> Duration {
        self.started_in
    }

    /// What `moz/addon/install` returned (Firefox with an extension only):
    /// the add-on id.
    pub fn addon_install_result(&self) -> Option<&Value> {
        self.addon_install.as_ref()
    }

    /// The driver's log, which for Chromium includes the browser's stderr.
    pub fn driver_log(&self) -> String {
        fs::read_to_string(&self.driver_log).unwrap_or_default()
    }

    /// The console messages the browser logged for scripts whose URL
    /// starts with `url_prefix` (an extension page: `chrome-extension://<id>/`
    /// or `moz-extension://<uuid>/`), one per line: in Chromium from
    /// chromedriver's log of the pages it drives (`LEVEL: url line:col
    /// text`, every level, and console calls of WebDriver scripts); in
    /// Firefox from its stdout in the driver log (`console.warn: …`, every
    /// content page: its stdout gives no URL for console calls, so the
    /// caller makes sure only the page under test logs; `JavaScript
    /// error: url, …` for the prefix).
    pub fn console_messages(&self, url_prefix: &str) -> Vec<String> {
        if self.browser == Browser::Chromium {
            // chromedriver keeps the console of the pages it drives; each
            // read returns what came since the last one, so keep them all.
            let fresh = self.cmd("POST", "/se/log", json!({ "type": "browser" })).unwrap_or_default();
            let mut seen = self.console_seen.borrow_mut();
            for entry in fresh.as_array().into_iter().flatten() {
                // A message names its script's URL, or `console-api` for a
                // console call of a script without one (a WebDriver script).
                let text = entry["message"].as_str().unwrap_or_default();
                if text.contains(url_prefix) || text.starts_with("console-api") {
                    seen.push(format!("{}: {text}", entry["level"].as_str().unwrap_or("?")));
                }
            }
            return seen.clone();
        }
        self.driver_log()
            .lines()
            .filter(|l| match self.browser {
                Browser::Chromium => false,
                Browser::Firefox => {
                    ["console.log:", "console.info:", "console.warn:", "console.error:", "console.debug:"]
                        .iter()
                        .any(|p| l.trim_start().starts_with(p))
                        || (l.contains("JavaScript error:") || l.contains("JavaScript warning:")) && l.contains(url_prefix)
                }
            })
            .map(str::to_owned)
            .collect()
    }

    fn driver_log_tail(&self) -> String {
        tail(&self.driver_log(), 30)
    }

    // ----- raw protocol -----

    fn raw(&self, method: &str, path: &str, body: Option<Value>) -> Result<Value> {
        let body = match (method, body) {
            ("POST", None) => Some(json!({})),
            (_, b) => b,
        };
        let (status, value) = http::request(self.driver, method, path, body.as_ref(), Duration::from_secs(120))?;
        let value = value.get("value").cloned().unwrap_or(value);
        if status >= 400 || value.get("error").is_some_and(|e| e.is_string()) {
            let error = value["error"].as_str().unwrap_or("error");
            let message = value["message"].as_str().unwrap_or("");
            return Err(Error::new(format!("{method} {path}: {error}: {message}")));
        }
        Ok(value)
    }

    /// A command on this session: `path` is relative to `/session/{id}`.
    fn cmd(&self, method: &str, path: &str, body: Value) -> Result<Value> {
        let full = format!("/session/{}{path}", self.id);
        let body = (method == "POST").then_some(body);
        self.raw(method, &full, body)
    }

    // ----- navigation and windows -----

    /// Navigates the current window and waits for the load.
    pub fn goto(&self, url: &str) -> Result<()> {
        self.cmd("POST", "/url", json!({ "url": url })).context(format!("opening {url}"))?;
        Ok(())
    }

    pub fn current_url(&self) -> Result<String> {
        Ok(self.cmd("GET", "/url", Value::Null)?.as_str().unwrap_or("").to_owned())
    }

    pub fn current_window(&self) -> Result<String> {
        Ok(self.cmd("GET", "/window", Value::Null)?.as_str().unwrap_or("").to_owned())
    }

    pub fn window_handles(&self) -> Result<Vec<String>> {
        let value = self.cmd("GET", "/window/handles", Value::Null)?;
        Ok(value
            .as_array()
            .map(|a| a.iter().filter_map(|h| h.as_str().map(str::to_owned)).collect())
            .unwrap_or_default())
    }

    pub fn switch_to_window(&self, handle: &str) -> Result<()> {
        self.cmd("POST", "/window", json!({ "handle": handle }))
            .context(format!("switching to window {handle}"))?;
        Ok(())
    }

    /// Closes the current window (tab); switch to another one next.
    pub fn close_window(&self) -> Result<()> {
        self.cmd("DELETE", "/window", Value::Null)?;
        Ok(())
    }

    /// Opens a new tab, switches to it and returns its handle.
    pub fn new_tab(&self) -> Result<String> {
        let value = self.cmd("POST", "/window/new", json!({ "type": "tab" }))?;
        let handle = value["handle"].as_str().ok_or_else(|| Error::new("no handle from window/new"))?.to_owned();
        self.switch_to_window(&handle)?;
        Ok(handle)
    }

    /// Opens a new top-level window, switches to it and returns its handle.
    pub fn new_window(&self) -> Result<String> {
        let value = self.cmd("POST", "/window/new", json!({ "type": "window" }))?;
        let handle = value["handle"].as_str().ok_or_else(|| Error::new("no handle from window/new"))?.to_owned();
        self.switch_to_window(&handle)?;
        Ok(handle)
    }

    /// Switches into an `<iframe>` element, or back to the top with `None`.
    pub fn switch_to_frame(&self, frame: Option<&Element>) -> Result<()> {
        let id = frame.map(Element::to_json).unwrap_or(Value::Null);
        self.cmd("POST", "/frame", json!({ "id": id }))?;
        Ok(())
    }

    /// Opens `path_and_query` (e.g. `panel.html?tabId=3`) under the
    /// extension's root in a new tab, switches to it and returns its handle.
    pub fn open_extension_page(&self, path_and_query: &str) -> Result<String> {
        if self.extension.is_none() {
            return Err(Error::new("this session was launched without an extension"));
        }
        let url = format!("{}{}", self.browser.extension_base(), path_and_query.trim_start_matches('/'));
        match self.browser {
            Browser::Chromium => {
                let handle = self.new_tab()?;
                self.goto(&url)?;
                Ok(handle)
            }
            Browser::Firefox => {
                let before = self.window_handles()?;
                self.set_firefox_context("chrome")?;
                let opened = self.execute(
                    "const win = Services.wm.getMostRecentWindow('navigator:browser');\
                     const tab = win.gBrowser.addTab(arguments[0], {\
                       triggeringPrincipal: Services.scriptSecurityManager.getSystemPrincipal() });\
                     win.gBrowser.selectedTab = tab;\
                     return true;",
                    &[json!(url)],
                );
                // Back to content whatever happened: every other command
                // expects it.
                self.set_firefox_context("content")?;
                opened.context(format!("opening {url} from the chrome context"))?;
                let handle = wait_for(&format!("a new window for {url}"), DEFAULT_TIMEOUT, || {
                    let now = self.window_handles().map_err(|e| e.to_string())?;
                    now.into_iter()
                        .find(|h| !before.contains(h))
                        .ok_or_else(|| format!("window handles {before:?}"))
                })?;
                self.switch_to_window(&handle)?;
                wait_for(&format!("{url} to load"), DEFAULT_TIMEOUT, || {
                    let state = self
                        .execute("return location.href + ' ' + document.readyState;", &[])
                        .map_err(|e| e.to_string())?;
                    let state = state.as_str().unwrap_or("").to_owned();
                    if state.starts_with(&url) && state.ends_with("complete") {
                        Ok(())
                    } else {
                        Err(state)
                    }
                })?;
                Ok(handle)
            }
        }
    }

    fn set_firefox_context(&self, context: &str) -> Result<()> {
        self.cmd("POST", "/moz/context", json!({ "context": context }))
            .context(format!("switching to the {context} context (is geckodriver started with --allow-system-access?)"))?;
        Ok(())
    }

    /// The browser's tab id of the first tab whose URL starts with
    /// `url_prefix`, looked up with `tabs.query` from an extension page.
    /// Waits until such a tab exists. The current window is kept.
    pub fn tab_id_of(&mut self, url_prefix: &str) -> Result<i64> {
        let original = self.current_window()?;
        let helper = match &self.helper_window {
            Some(h) => h.clone(),
            None => {
                let h = self.open_extension_page("panel.html")?;
                self.helper_window = Some(h.clone());
                h
            }
        };
        self.switch_to_window(&helper)?;
        let found = wait_for(&format!("a tab whose URL starts with {url_prefix}"), DEFAULT_TIMEOUT, || {
            let tabs = self
                .execute_async(
                    "const api = globalThis.browser ?? globalThis.chrome;\
                     api.tabs.query({}).then(\
                       (tabs) => done(tabs.map((t) => ({ id: t.id, url: t.url ?? null }))),\
                       (e) => done({ error: String(e) }));",
                    &[],
                )
                .map_err(|e| e.to_string())?;
            tabs.as_array()
                .and_then(|tabs| {
                    tabs.iter().find(|t| t["url"].as_str().is_some_and(|u| u.starts_with(url_prefix)))
                })
                .and_then(|t| t["id"].as_i64())
                .ok_or_else(|| tabs.to_string())
        });
        self.switch_to_window(&original)?;
        found
    }

    /// Runs an asynchronous script (`done(value)` when finished) in an
    /// extension page kept open for such look-ups (the same window as
    /// [`Session::tab_id_of`] uses), with the extension APIs at hand. The
    /// current window is kept.
    pub fn extension_script(&mut self, script: &str, args: &[Value]) -> Result<Value> {
        let original = self.current_window()?;
        let helper = match &self.helper_window {
            Some(h) => h.clone(),
            None => {
                let h = self.open_extension_page("panel.html")?;
                self.helper_window = Some(h.clone());
                h
            }
        };
        self.switch_to_window(&helper)?;
        let result = self.execute_async(script, args);
        self.switch_to_window(&original)?;
        result
    }

    /// Chromium only: one DevTools protocol command on the current page's
    /// target, through ChromeDriver's `goog/cdp/execute`.
    pub fn cdp(&self, command: &str, params: Value) -> Result<Value> {
        if self.browser != Browser::Chromium {
            return Err(Error::new("the DevTools protocol is reached through ChromeDriver only"));
        }
        self.cmd("POST", "/goog/cdp/execute", json!({ "cmd": command, "params": params }))
            .context(format!("DevTools protocol {command}"))
    }

    // ----- scripts -----

    /// Runs a script body (use `arguments[i]`, `return`) in the current
    /// frame; a returned promise is awaited by the driver.
    pub fn execute(&self, script: &str, args: &[Value]) -> Result<Value> {
        self.cmd("POST", "/execute/sync", json!({ "script": script, "args": args }))
    }

    /// Runs an asynchronous script body that calls `done(value)` when
    /// finished.
    pub fn execute_async(&self, script: &str, args: &[Value]) -> Result<Value> {
        let script = format!("const done = arguments[arguments.length - 1];\n{script}");
        self.cmd("POST", "/execute/async", json!({ "script": script, "args": args }))
    }

    // ----- elements -----

    /// Every element matching a CSS selector in the current frame.
    pub fn find_all(&self, css: &str) -> Result<Vec<Element>> {
        let value = self.cmd("POST", "/elements", json!({ "using": "css selector", "value": css }))?;
        Ok(value
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|e| e[ELEMENT_KEY].as_str().map(|id| Element { id: id.to_owned() }))
                    .collect()
            })
            .unwrap_or_default())
    }

    /// An attribute's value, `None` when absent.
    pub fn attr(&self, element: &Element, name: &str) -> Result<Option<String>> {
        let value = self.cmd("GET", &format!("/element/{}/attribute/{name}", element.id), Value::Null)?;
        Ok(value.as_str().map(str::to_owned))
    }

    /// The rendered text of an element.
    pub fn text(&self, element: &Element) -> Result<String> {
        let value = self.cmd("GET", &format!("/element/{}/text", element.id), Value::Null)?;
        Ok(value.as_str().unwrap_or("").to_owned())
    }

    /// Clicks an element (scrolled into view first, as WebDriver does).
    pub fn click(&self, element: &Element) -> Result<()> {
        self.cmd("POST", &format!("/element/{}/click", element.id), json!({}))?;
        Ok(())
    }

    /// Types `text` into an element as key presses, so the page sees real
    /// `input` events.
    pub fn send_keys(&self, element: &Element, text: &str) -> Result<()> {
        self.cmd("POST", &format!("/element/{}/value", element.id), json!({ "text": text }))?;
        Ok(())
    }

    /// Empties an editable element (WebDriver's Element Clear; what events
    /// the page sees varies by driver: to retype a filter, prefer keys).
    pub fn clear(&self, element: &Element) -> Result<()> {
        self.cmd("POST", &format!("/element/{}/clear", element.id), json!({}))?;
        Ok(())
    }

    /// Sets the value of the first form control matching `css` as typing
    /// would: assigns `value`, then dispatches bubbling `input` and `change`
    /// events (one script call, unlike [`Session::send_keys`]).
    pub fn set_value(&self, css: &str, value: &str) -> Result<()> {
        self.execute(
            "const el = document.querySelector(arguments[0]); el.value = arguments[1];\
             el.dispatchEvent(new Event('input', {bubbles: true})); el.dispatchEvent(new Event('change', {bubbles: true})); return true;",
            &[json!(css), json!(value)],
        )
        .context(format!("setting the value of {css}"))?;
        Ok(())
    }

    /// A consistent snapshot of every element matching `css`: for each, the
    /// requested attributes (absent ones omitted) plus `"text"`
    /// (`textContent`). One script call, so no element goes stale halfway
    /// through, which matters for lists that update live.
    pub fn snapshot(&self, css: &str, attrs: &[&str]) -> Result<Vec<Row>> {
        let value = self.execute(
            "return Array.from(document.querySelectorAll(arguments[0]), (el) => {\
               const out = { text: el.textContent };\
               for (const name of arguments[1]) {\
                 if (el.hasAttribute(name)) out[name] = el.getAttribute(name);\
               }\
               return out;\
             });",
            &[json!(css), json!(attrs)],
        )?;
        Ok(value
            .as_array()
            .map(|a| a.iter().filter_map(|v| v.as_object().cloned()).collect())
            .unwrap_or_default())
    }

    // ----- waiting and evidence -----

    /// [`wait_for`] as a method, for symmetry in tests.
    pub fn wait_for<T>(
        &self,
        what: &str,
        timeout: Duration,
        probe: impl FnMut() -> std::result::Result<T, String>,
    ) -> Result<T> {
        wait_for(what, timeout, probe)
    }

    /// Saves a PNG of the current window, creating parent directories.
    pub fn screenshot(&self, path: &Path) -> Result<()> {
        let value = self.cmd("GET", "/screenshot", Value::Null)?;
        let data = base64::engine::general_purpose::STANDARD
            .decode(value.as_str().unwrap_or(""))
            .map_err(|e| Error::new(format!("screenshot is not base64: {e}")))?;
        if let Some(dir) = path.parent() {
            fs::create_dir_all(dir)?;
        }
        fs::write(path, data).context(format!("writing {}", path.display()))
    }

    /// What the browser says about the loaded extension's manifest.
    ///
    /// Chromium: `chrome.developerPrivate` on `chrome://extensions`, which
    /// RELOADS the extension (see `chromium_manifest_report`): call this
    /// before producing traffic. Runtime errors are left out; this is about
    /// loading. Firefox: the id returned by the temporary install, plus the
    /// "Reading manifest" messages from the browser console. The current
    /// window is kept.
    pub fn manifest_report(&self) -> Result<ManifestReport> {
        let Some(dir) = &self.extension else {
            return Err(Error::new("this session was launched without an extension"));
        };
        let mut report = self.browser_manifest_report()?;
        // A browser may load an extension whose manifest names a missing
        // file (Firefox does) or refuse it with the reason only in a dialog
        // (Chromium does): check the files ourselves.
        report.errors.extend(missing_files(dir));
        Ok(report)
    }

    fn browser_manifest_report(&self) -> Result<ManifestReport> {
        match self.browser {
            Browser::Chromium => {
                let original = self.current_window()?;
                self.new_tab()?;
                self.goto(&format!("chrome://extensions/?id={CHROMIUM_EXTENSION_ID}"))?;
                let report = self.chromium_manifest_report();
                self.cmd("DELETE", "/window", Value::Null)?;
                self.switch_to_window(&original)?;
                report
            }
            Browser::Firefox => {
                let installed = self.addon_install.clone().unwrap_or(Value::Null);
                self.set_firefox_context("chrome")?;
                let messages = self.execute(
                    "return Services.console.getMessageArray()\
                       .map((m) => m.message ?? m.errorMessage ?? String(m))\
                       .filter((m) => /Reading manifest|manifest\\.json|wwe-devtools/i.test(m));",
                    &[],
                );
                self.set_firefox_context("content")?;
                // Log lines look like "<time>\t<logger>\t<LEVEL>\t<text>" and
                // arrive twice (logger and console); keep level and text once.
                let mut seen = Vec::<String>::new();
                for message in messages?.as_array().into_iter().flatten().filter_map(Value::as_str) {
                    let fields: Vec<&str> = message.split('\t').collect();
                    let line = match fields.as_slice() {
                        [.., level, text] if fields.len() >= 4 => format!("{level}: {text}"),
                        _ => message.to_owned(),
                    };
                    if !seen.contains(&line) {
                        seen.push(line);
                    }
                }
                let (errors, warnings): (Vec<String>, Vec<String>) =
                    seen.into_iter().partition(|m| m.starts_with("ERROR") || m.contains("Error processing"));
                Ok(ManifestReport { id: installed.as_str().unwrap_or("").to_owned(), warnings, errors })
            }
        }
    }
}

impl Session {
    /// On `chrome://extensions`: Chromium keeps no install warnings for an
    /// extension loaded with `--load-extension` (unknown keys, permissions
    /// or MV2-only keys all give `installWarnings: []`). With developer
    /// mode on, a reload from disk records each of them as a `MANIFEST`
    /// entry in `manifestErrors`, which is what the Errors page shows.
    fn chromium_manifest_report(&self) -> Result<ManifestReport> {
        let reloaded = self
            .execute_async(
                "const dev = chrome.developerPrivate;\
                 (async () => {\
                   await dev.updateProfileConfiguration({ inDeveloperMode: true });\
                   const failure = await dev.reload(arguments[0], { failQuietly: true, populateErrorForUnpacked: true });\
                   return { failure: failure ?? null };\
                 })().then(done, (e) => done({ failure: String(e) }));",
                &[json!(CHROMIUM_EXTENSION_ID)],
            )
            .context("reloading the extension from chrome://extensions")?;
        let mut errors = Vec::new();
        if !reloaded["failure"].is_null() {
            errors.push(format!("reload failed: {}", reloaded["failure"]));
            if reloaded["failure"].to_string().contains("No such extension") {
                errors.push(format!(
                    "Chromium did not load the extension {CHROMIUM_EXTENSION_ID} (it reports why only in a \
                     dialog): check manifest.json and the files it names"
                ));
                return Ok(ManifestReport { id: String::new(), warnings: Vec::new(), errors });
            }
        }
        let info = wait_for("the reloaded extension to be enabled", DEFAULT_TIMEOUT, || {
            let info = self
                .execute_async(
                    "chrome.developerPrivate.getExtensionInfo(arguments[0]).then(\
                       (i) => done({ id: i.id, state: i.state,\
                         installWarnings: i.installWarnings ?? [],\
                         manifestErrors: (i.manifestErrors ?? []).map((e) => e.message) }),\
                       (e) => done({ error: String(e) }));",
                    &[json!(CHROMIUM_EXTENSION_ID)],
                )
                .map_err(|e| e.to_string())?;
            if info["state"] == "ENABLED" {
                Ok(info)
            } else {
                Err(info.to_string())
            }
        });
        let info = match info {
            Ok(info) => info,
            Err(e) => {
                errors.push(e.to_string());
                return Ok(ManifestReport { id: String::new(), warnings: Vec::new(), errors });
            }
        };
        let strings = |key: &str| -> Vec<String> {
            info[key]
                .as_array()
                .map(|a| a.iter().map(|v| v.as_str().map(str::to_owned).unwrap_or_else(|| v.to_string())).collect())
                .unwrap_or_default()
        };
        let mut warnings = strings("installWarnings");
        warnings.extend(strings("manifestErrors"));
        Ok(ManifestReport { id: info["id"].as_str().unwrap_or("").to_owned(), warnings, errors })
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        // Politely first, so the browser can flush and geckodriver can
        // remove its profile; the process group is killed right after
        // anyway (ProcessGroup::drop), which covers a hung browser.
        if !self.id.is_empty() {
            let path = format!("/session/{}", self.id);
            let _ = http::request(self.driver, "DELETE", &path, None, Duration::from_secs(10));
        }
    }
}

/// Files that `dir/manifest.json` names but `dir` lacks, as error lines.
fn missing_files(dir: &Path) -> Vec<String> {
    let manifest: Value = match fs::read_to_string(dir.join("manifest.json")).map(|t| serde_json::from_str(&t)) {
        Ok(Ok(m)) => m,
        Ok(Err(e)) => return vec![format!("manifest.json is not JSON: {e}")],
        Err(e) => return vec![format!("manifest.json: {e}")],
    };
    fn strings(v: &Value) -> Vec<&str> {
        match v {
            Value::String(s) => vec![s.as_str()],
            Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
            Value::Object(o) => o.values().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        }
    }
    let mut named: Vec<&str> = Vec::new();
    for key in ["service_worker", "scripts", "page"] {
        named.extend(strings(&manifest["background"][key]));
    }
    for script in manifest["content_scripts"].as_array().into_iter().flatten() {
        named.extend(strings(&script["js"]));
        named.extend(strings(&script["css"]));
    }
    for path in [
        &manifest["devtools_page"],
        &manifest["options_page"],
        &manifest["options_ui"]["page"],
        &manifest["action"]["default_popup"],
        &manifest["action"]["default_icon"],
        &manifest["icons"],
    ] {
        named.extend(strings(path));
    }
    named
        .into_iter()
        .filter(|f| !dir.join(f.trim_start_matches('/')).is_file())
        .map(|f| format!("manifest.json names {f}, which is not in {}", dir.display()))
        .collect()
}

fn wait_driver_ready(addr: SocketAddr, pid: u32, processes: &mut ProcessGroup, log: &Path) -> Result<()> {
    wait_for(&format!("the WebDriver server on {addr}"), DEFAULT_TIMEOUT, || {
        if let Some(status) = processes.exited(pid) {
            // Not worth retrying the wait: report at once through the log.
            return Ok(Err(Error::new(format!(
                "driver exited ({status}) before it was ready; its log:\n{}",
                tail(&fs::read_to_string(log).unwrap_or_default(), 30)
            ))));
        }
        match http::request(addr, "GET", "/status", None, Duration::from_secs(5)) {
            Ok((_, value)) if value["value"]["ready"].as_bool() == Some(true) => Ok(Ok(())),
            Ok((_, value)) => Err(value.to_string()),
            Err(e) => Err(e.to_string()),
        }
    })?
}

fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}
