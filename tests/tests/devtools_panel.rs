//! The real DevTools panel (issue 7), Chromium only: a headful Chromium on
//! its own Xvfb display with `--auto-open-devtools-for-tabs`; the test
//! selects the "WWE API" panel in the DevTools front-end over the DevTools
//! protocol, then loads the panel fixture in the inspected tab and reads the
//! panel's own document (an out-of-process iframe of the DevTools window,
//! its own protocol target) until it shows that live traffic.
//!
//! ChromeDriver starts Chromium with `--remote-debugging-port=0`; Chromium
//! writes the port it chose to `<user-data-dir>/DevToolsActivePort`, and
//! `chrome://version` names the profile directory. The protocol is spoken
//! over a WebSocket with the few lines of client below (std only). A
//! screenshot of the DevTools window goes to
//! `target/e2e-artifacts/panel-devtools-chromium.png`.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine as _;
use serde_json::{json, Value};
use wwe_e2e::{
    artifacts_dir, extension_dir, fixtures_dir, Browser, Error, LaunchOptions, Result, Session,
    CHROMIUM_EXTENSION_ID, DEFAULT_TIMEOUT,
};
use wwe_simulator::{Port, Server, ServerConfig};

/// The panel's title, as `extension/devtools.js` registers it.
const PANEL_TITLE: &str = "WWE API";

/// An Xvfb server on a free display, killed on drop.
struct Xvfb {
    child: Child,
    display: String,
}

impl Xvfb {
    fn start() -> Result<Xvfb> {
        for number in 90..190 {
            let socket = PathBuf::from(format!("/tmp/.X11-unix/X{number}"));
            let lock = PathBuf::from(format!("/tmp/.X{number}-lock"));
            if socket.exists() || lock.exists() {
                continue;
            }
            let display = format!(":{number}");
            let mut child = Command::new("Xvfb")
                .args([
                    display.as_str(),
                    "-screen",
                    "0",
                    "1600x1200x24",
                    "-nolisten",
                    "tcp",
                ])
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .map_err(|e| Error::new(format!("starting Xvfb (apt-get install xvfb): {e}")))?;
            let started = Instant::now();
            while started.elapsed() < Duration::from_secs(10) {
                if socket.exists() {
                    return Ok(Xvfb { child, display });
                }
                if let Ok(Some(_)) = child.try_wait() {
                    break; // lost a race for this display: try the next one
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            let _ = child.kill();
            let _ = child.wait();
        }
        Err(Error::new("no free X display in :90..:189 for Xvfb"))
    }
}

impl Drop for Xvfb {
    fn drop(&mut self) {
        // SIGTERM, so Xvfb removes its lock file and socket; SIGKILL only
        // if it does not go.
        let pid = self.child.id() as libc::pid_t;
        // SAFETY: kill(2) on the pid of a child we spawned and have not reaped.
        unsafe { libc::kill(pid, libc::SIGTERM) };
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One WebSocket connection to a DevTools protocol target.
struct Cdp {
    stream: BufReader<TcpStream>,
    next_id: u64,
}

impl Cdp {
    fn connect(ws_url: &str) -> Result<Cdp> {
        let rest = ws_url
            .strip_prefix("ws://")
            .ok_or_else(|| Error::new(format!("not a ws:// URL: {ws_url}")))?;
        let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
        let stream =
            TcpStream::connect(host).map_err(|e| Error::new(format!("connect {host}: {e}")))?;
        stream.set_read_timeout(Some(Duration::from_secs(30)))?;
        let key = base64::engine::general_purpose::STANDARD.encode(b"wwe-devtools-e2e");
        let request = format!(
            "GET /{path} HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
             Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
        );
        (&stream).write_all(request.as_bytes())?;
        let mut reader = BufReader::new(stream);
        let mut status = String::new();
        reader.read_line(&mut status)?;
        if !status.contains(" 101 ") {
            return Err(Error::new(format!(
                "WebSocket upgrade refused by {host}: {}",
                status.trim()
            )));
        }
        loop {
            let mut line = String::new();
            reader.read_line(&mut line)?;
            if line == "\r\n" || line.is_empty() {
                break;
            }
        }
        Ok(Cdp {
            stream: reader,
            next_id: 1,
        })
    }

    fn send_frame(&mut self, opcode: u8, payload: &[u8]) -> Result<()> {
        let mut frame = vec![0x80 | opcode];
        match payload.len() {
            n if n < 126 => frame.push(0x80 | n as u8),
            n if n <= 0xffff => {
                frame.push(0x80 | 126);
                frame.extend_from_slice(&(n as u16).to_be_bytes());
            }
            n => {
                frame.push(0x80 | 127);
                frame.extend_from_slice(&(n as u64).to_be_bytes());
            }
        }
        let mask = [0x5a, 0x17, 0xc3, 0x2e];
        frame.extend_from_slice(&mask);
        frame.extend(payload.iter().enumerate().map(|(i, b)| b ^ mask[i % 4]));
        self.stream.get_mut().write_all(&frame)?;
        Ok(())
    }

    /// The next whole text message (control frames answered or skipped).
    fn read_message(&mut self) -> Result<String> {
        let mut message = Vec::new();
        loop {
            let mut head = [0u8; 2];
            self.stream.read_exact(&mut head)?;
            let (fin, opcode) = (head[0] & 0x80 != 0, head[0] & 0x0f);
            let len = match head[1] & 0x7f {
                126 => {
                    let mut b = [0u8; 2];
                    self.stream.read_exact(&mut b)?;
                    u64::from(u16::from_be_bytes(b))
                }
                127 => {
                    let mut b = [0u8; 8];
                    self.stream.read_exact(&mut b)?;
                    u64::from_be_bytes(b)
                }
                n => u64::from(n),
            };
            let mut payload = vec![0u8; len as usize];
            self.stream.read_exact(&mut payload)?;
            match opcode {
                0x8 => return Err(Error::new("the DevTools target closed the connection")),
                0x9 => self.send_frame(0xA, &payload)?,
                0xA => {}
                _ => {
                    message.extend_from_slice(&payload);
                    if fin {
                        return String::from_utf8(message).map_err(|e| Error::new(e.to_string()));
                    }
                }
            }
        }
    }

    /// Sends one command and returns its `result` (events are skipped).
    fn call(&mut self, method: &str, params: Value) -> Result<Value> {
        let id = self.next_id;
        self.next_id += 1;
        self.send_frame(
            0x1,
            json!({ "id": id, "method": method, "params": params })
                .to_string()
                .as_bytes(),
        )?;
        loop {
            let reply: Value = serde_json::from_str(&self.read_message()?)?;
            if reply["id"].as_u64() != Some(id) {
                continue;
            }
            if let Some(error) = reply.get("error") {
                return Err(Error::new(format!("{method}: {error}")));
            }
            return Ok(reply["result"].clone());
        }
    }

    /// Evaluates an expression (a promise is awaited) and returns its value.
    fn eval(&mut self, expression: &str) -> Result<Value> {
        let result = self.call(
            "Runtime.evaluate",
            json!({ "expression": expression, "awaitPromise": true, "returnByValue": true }),
        )?;
        if let Some(exception) = result.get("exceptionDetails") {
            return Err(Error::new(format!(
                "exception: {}",
                exception["exception"]["description"]
                    .as_str()
                    .unwrap_or(&exception.to_string())
            )));
        }
        Ok(result["result"]["value"].clone())
    }
}

/// `GET /json/list` on the DevTools HTTP endpoint: every target.
fn list_targets(port: u16) -> Result<Vec<Value>> {
    let mut stream = TcpStream::connect(("127.0.0.1", port))?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    stream.write_all(
        format!("GET /json/list HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n")
            .as_bytes(),
    )?;
    let mut reader = BufReader::new(stream);
    let mut length = None;
    loop {
        let mut line = String::new();
        reader.read_line(&mut line)?;
        if line == "\r\n" || line.is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            if name.eq_ignore_ascii_case("content-length") {
                length = value.trim().parse::<usize>().ok();
            }
        }
    }
    let mut body = Vec::new();
    match length {
        Some(n) => {
            body.resize(n, 0);
            reader.read_exact(&mut body)?;
        }
        None => {
            reader.read_to_end(&mut body)?;
        }
    }
    let targets: Value = serde_json::from_slice(&body)?;
    Ok(targets.as_array().cloned().unwrap_or_default())
}

fn describe_targets(targets: &[Value]) -> String {
    targets
        .iter()
        .map(|t| {
            format!(
                "{} {}",
                t["type"].as_str().unwrap_or("?"),
                t["url"].as_str().unwrap_or("?")
            )
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// The port Chromium chose for `--remote-debugging-port=0`.
fn debugging_port(session: &Session) -> Result<u16> {
    session.goto("chrome://version")?;
    let profile = session.execute(
        "return document.getElementById('profile_path').textContent;",
        &[],
    )?;
    let profile = PathBuf::from(profile.as_str().unwrap_or("").trim());
    let file = profile
        .parent()
        .unwrap_or(Path::new("/"))
        .join("DevToolsActivePort");
    let text = std::fs::read_to_string(&file)
        .map_err(|e| Error::new(format!("reading {}: {e}", file.display())))?;
    text.lines()
        .next()
        .and_then(|l| l.trim().parse().ok())
        .ok_or_else(|| Error::new(format!("no port in {}: {text:?}", file.display())))
}

/// Selects the extension's panel in the DevTools front-end: finds the view
/// titled [`PANEL_TITLE`] among the registered views and shows it.
const SHOW_PANEL: &str = r#"(async () => {
  const UI = await import('./ui/legacy/legacy.js');
  const manager = UI.ViewManager.ViewManager.instance();
  const views = [...(manager.views?.values?.() ?? [])];
  const view = views.find((v) => (v.title?.() ?? '') === TITLE);
  if (!view) return { shown: false, views: views.map((v) => v.title?.() ?? v.viewId?.()) };
  await manager.showView(view.viewId());
  return { shown: true, id: view.viewId() };
})()"#;

const PANEL_STATE: &str = r#"(() => {
  const total = document.querySelector('[data-testid=count-total]');
  const rows = [...document.querySelectorAll('[data-testid=message]')];
  return {
    url: location.href,
    total: total ? Number(total.textContent.trim()) : null,
    requests: rows.filter((r) => r.dataset.kind === 'request').map((r) => r.dataset.name),
    rows: rows.length,
  };
})()"#;

#[test]
fn devtools_panel_shows_live_traffic_chromium() {
    let started = Instant::now();
    let xvfb = Xvfb::start().unwrap_or_else(|e| panic!("{e}"));
    let server = Server::start(ServerConfig::ephemeral(fixtures_dir()).with_third(Port::Ephemeral))
        .expect("starting the fixture server");
    let dir = extension_dir(Browser::Chromium).unwrap_or_else(|e| panic!("{e}"));
    let options = LaunchOptions {
        extension_dir: Some(dir),
        headless: false,
        display: Some(xvfb.display.clone()),
        open_devtools: true,
        window_size: (1500, 1100),
    };
    let session =
        Session::launch(Browser::Chromium, &options).unwrap_or_else(|e| panic!("chromium: {e}"));
    eprintln!(
        "devtools: Xvfb {} and Chromium ready in {:.1} s",
        xvfb.display,
        started.elapsed().as_secs_f64()
    );

    let mut devtools_page: Option<Cdp> = None;
    let outcome = (|| -> Result<()> {
        let port = debugging_port(&session)?;
        // DevTools offers no extension panels on chrome:// pages.
        let service = server.origins().service.clone();
        session.goto(&format!("{service}/panel/blank.html"))?;
        // The DevTools window of the inspected tab, once it has loaded.
        let devtools = session.wait_for("a DevTools front-end target", DEFAULT_TIMEOUT, || {
            let targets = list_targets(port).map_err(|e| e.to_string())?;
            targets
                .iter()
                .find(|t| {
                    t["url"]
                        .as_str()
                        .is_some_and(|u| u.starts_with("devtools://devtools/"))
                })
                .cloned()
                .ok_or_else(|| describe_targets(&targets))
        })?;
        let ws = devtools["webSocketDebuggerUrl"]
            .as_str()
            .unwrap_or("")
            .to_owned();
        let cdp = devtools_page.insert(Cdp::connect(&ws)?);
        let script = SHOW_PANEL.replace("TITLE", &serde_json::to_string(PANEL_TITLE)?);
        let shown = session.wait_for(
            &format!("the {PANEL_TITLE:?} panel to be registered and shown"),
            DEFAULT_TIMEOUT,
            || {
                let result = cdp.eval(&script).map_err(|e| e.to_string())?;
                if result["shown"] == true {
                    Ok(result)
                } else {
                    Err(result.to_string())
                }
            },
        )?;
        eprintln!("devtools: showed view {}", shown["id"]);

        // The panel's document: an iframe target on the extension's origin.
        let panel_prefix = format!("chrome-extension://{CHROMIUM_EXTENSION_ID}/panel.html");
        let panel = session.wait_for("the panel iframe target", DEFAULT_TIMEOUT, || {
            let targets = list_targets(port).map_err(|e| e.to_string())?;
            targets
                .iter()
                .find(|t| {
                    t["url"]
                        .as_str()
                        .is_some_and(|u| u.starts_with(&panel_prefix))
                })
                .cloned()
                .ok_or_else(|| describe_targets(&targets))
        })?;
        let mut panel_cdp = Cdp::connect(panel["webSocketDebuggerUrl"].as_str().unwrap_or(""))?;

        // Live: the traffic starts only now, with the panel open.
        let before = panel_cdp.eval(PANEL_STATE)?;
        session.goto(&format!("{service}/panel/service.html"))?;
        let state = session.wait_for(
            "the DevTools panel to show the fixture's 26 messages, agent.get among the request rows",
            DEFAULT_TIMEOUT,
            || {
                let state = panel_cdp.eval(PANEL_STATE).map_err(|e| e.to_string())?;
                let requests = state["requests"].as_array().cloned().unwrap_or_default();
                if state["total"] == 26 && requests.iter().any(|n| n == "agent.get") {
                    Ok(state)
                } else {
                    Err(state.to_string())
                }
            },
        )?;
        if !state["url"]
            .as_str()
            .is_some_and(|u| u.contains("devtools=1"))
        {
            return Err(Error::new(format!(
                "the panel document is not the DevTools panel: {}",
                state["url"]
            )));
        }
        eprintln!("devtools: before the page loaded {before}; after {state}");
        Ok(())
    })();

    let shot = artifacts_dir().join("panel-devtools-chromium.png");
    let shot_note = match devtools_page
        .as_mut()
        .map(|cdp| cdp.call("Page.captureScreenshot", json!({ "format": "png" })))
    {
        Some(Ok(result)) => {
            let data = base64::engine::general_purpose::STANDARD
                .decode(result["data"].as_str().unwrap_or(""))
                .unwrap_or_default();
            let _ = std::fs::create_dir_all(artifacts_dir());
            match std::fs::write(&shot, data) {
                Ok(()) => format!("screenshot: {}", shot.display()),
                Err(e) => format!("no screenshot: {e}"),
            }
        }
        Some(Err(e)) => format!("no screenshot: {e}"),
        None => "no screenshot: never reached the DevTools window".to_owned(),
    };
    if let Err(error) = outcome {
        let log = artifacts_dir().join("panel-devtools-chromium.log");
        let _ = std::fs::write(&log, session.driver_log());
        panic!(
            "the real DevTools panel: {error}\n{shot_note}\ndriver log: {}",
            log.display()
        );
    }
    eprintln!(
        "devtools: passed in {:.1} s; {shot_note}",
        started.elapsed().as_secs_f64()
    );
}
