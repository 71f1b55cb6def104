//! The capture benchmark (issues 6 and 15), for `cargo xtask bench`: what
//! capture costs the page, measured in real Chromium and Firefox with and
//! without the built extension (`dist/<browser>`, or `$WWE_DIST`).
//!
//! Three browsers of a kind run side by side and take turns, so machine
//! load affects all alike:
//!
//! - `without`: no extension;
//! - `armed`: the extension, the service origin on the "always record"
//!   list, no panel (capture does all its work: relay, background,
//!   storage);
//! - `panel`: the extension with `panel.html?tabId=N` open in a window of
//!   its own beside the page's, watching the page's tab (as a user has it).
//!
//! Measured in each:
//!
//! - round trip: a page on one origin and a child on another ping-pong a
//!   1 KB JSON message; the mean per round trip of each run, medians over
//!   interleaved runs (goal: at most 1.2x without the extension);
//! - burst: 20,000 messages in one second across three frames
//!   (`burst.html`), time until the last one is delivered (goal: 1.5x);
//! - where the time goes: the CPU time of each kind of browser process
//!   (pages, the extension's process, the browser's) from /proc during each
//!   burst, until they are idle again, per message; in Chromium also a
//!   sampling profile (the DevTools protocol's `Profiler`) of the top
//!   frame and of the panel, in extra runs, split into the relay's stages
//!   by function;
//! - the panel's responsiveness: filter keystrokes typed into the panel
//!   while a burst arrives, each timed until painted (goal: 100 ms);
//! - the worker (Chromium, whose service worker the DevTools protocol can
//!   stop): its cold start with a burst stored beside the same question
//!   warm, and the burst with the worker stopped twice in the middle.

use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};

use anyhow::{anyhow, Context, Result};
use serde_json::{json, Value};
use wwe_e2e::{extension_dir, fixtures_dir, wait_for, Browser, LaunchOptions, Session, DEFAULT_TIMEOUT};
use wwe_simulator::{Port, Server, ServerConfig};

/// Interleaved runs per measurement.
const RUNS: usize = 5;
/// Round trips per run.
const ROUND_TRIPS: u32 = 2000;
/// Messages per burst.
const BURST: u32 = 20_000;
/// Typed into the panel's filter during a burst, one character at a time
/// (free text that every burst message's JSON contains).
const TYPED: &str = "pppppppppp";
/// The profiler's sampling interval, µs.
const SAMPLING_US: u64 = 100;
/// Profiled runs of each workload per configuration (stage by stage, the
/// median is kept: the profiler samples wall time, so a run in which the
/// page was descheduled by load from elsewhere inflates what ran then).
const PROFILE_RUNS: usize = 3;
/// The configurations, in the order they take turns.
const CONFIGS: [&str; 3] = ["without", "armed", "panel"];

/// Runs the benchmark in both browsers; returns the figures as JSON.
pub fn run() -> Result<Value> {
    let server = Server::start(ServerConfig::ephemeral(fixtures_dir()).with_third(Port::Ephemeral))
        .context("starting the fixture server")?;
    let mut out = serde_json::Map::new();
    for browser in [Browser::Chromium, Browser::Firefox] {
        let figures = bench_browser(browser, &server).with_context(|| format!("benchmarking capture in {browser}"))?;
        eprintln!("xtask bench capture {browser}: {figures}");
        out.insert(browser.name().to_owned(), figures);
    }
    Ok(Value::Object(out))
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(|a, b| a.total_cmp(b));
    values[values.len() / 2]
}

fn e(error: wwe_e2e::Error) -> anyhow::Error {
    anyhow!("{error}")
}

fn launch(browser: Browser, extension: bool) -> Result<Session> {
    let options = if extension {
        LaunchOptions::with_extension(extension_dir(browser).map_err(e)?)
    } else {
        LaunchOptions { extension_dir: None, ..LaunchOptions::default() }
    };
    Session::launch(browser, &options).map_err(e)
}

/// One configuration's browser: the page's window, and the panel's.
struct Config {
    session: Session,
    page: String,
    panel: Option<String>,
}

fn bench_browser(browser: Browser, server: &Server) -> Result<Value> {
    let origins = server.origins();
    let bench_url = format!("{}/capture/bench.html", origins.service);
    let burst_url = format!("{}/capture/burst.html", origins.service);

    let without = launch(browser, false)?;
    let page = without.current_window().map_err(e)?;
    let without = Config { session: without, page, panel: None };

    // Armed through the "always record" list: capture does all its work
    // (records reach the background and storage) without a panel.
    let mut armed = launch(browser, true)?;
    armed.goto(&bench_url).map_err(e)?;
    let page = armed.current_window().map_err(e)?;
    let stored = armed
        .extension_script(
            "const api = globalThis.browser ?? globalThis.chrome;\
             api.storage.local.set({ 'wwe.alwaysRecord': [arguments[0]] }).then(() => done(true), (e) => done(String(e)));",
            &[json!(origins.service)],
        )
        .map_err(e)?;
    anyhow::ensure!(stored == json!(true), "setting the always-record list: {stored}");
    armed.switch_to_window(&page).map_err(e)?;
    let armed = Config { session: armed, page, panel: None };

    // The panel open on the page's tab, in a window of its own.
    let mut paneled = launch(browser, true)?;
    paneled.goto(&bench_url).map_err(e)?;
    let page = paneled.current_window().map_err(e)?;
    let tab = paneled.tab_id_of(&bench_url).map_err(e)?;
    let panel = open_panel_window(&mut paneled, tab)?;
    paneled.switch_to_window(&page).map_err(e)?;
    let paneled = Config { session: paneled, page, panel: Some(panel) };

    let configs = [&without, &armed, &paneled];
    let mut rt: Vec<Vec<f64>> = vec![Vec::new(); 3];
    let mut bursts: Vec<Vec<f64>> = vec![Vec::new(); 3];
    let mut cpu: Vec<Vec<BTreeMap<String, f64>>> = vec![Vec::new(); 3];
    let mut visibility = BTreeMap::new();
    for _ in 0..RUNS {
        for (i, c) in configs.iter().enumerate() {
            rt[i].push(round_trip(&c.session, &bench_url)?);
        }
    }
    for _ in 0..RUNS {
        for (i, c) in configs.iter().enumerate() {
            let run = burst(c, &burst_url, &Probe::Cpu)?;
            bursts[i].push(run.ms);
            cpu[i].push(run.cpu);
            visibility.insert(CONFIGS[i], run.visibility);
        }
    }
    let messages = f64::from(BURST + 4);
    let mut cpu_per_message = serde_json::Map::new();
    for (i, runs) in cpu.iter().enumerate() {
        let mut classes = serde_json::Map::new();
        let names: std::collections::BTreeSet<&String> = runs.iter().flat_map(|r| r.keys()).collect();
        for name in names {
            let per = median(runs.iter().map(|r| r.get(name).copied().unwrap_or(0.0)).collect()) * 1000.0 / messages;
            classes.insert(name.clone(), json!(per));
        }
        cpu_per_message.insert(CONFIGS[i].to_owned(), Value::Object(classes));
    }

    let (rb, ra, rp) = (median(rt[0].clone()), median(rt[1].clone()), median(rt[2].clone()));
    let (bb, ba, bp) = (median(bursts[0].clone()), median(bursts[1].clone()), median(bursts[2].clone()));
    let mut figures = json!({
        "round_trip_us": { "without": rb, "armed": ra, "panel": rp, "ratio_armed": ra / rb, "ratio_panel": rp / rb, "goal": 1.2 },
        "burst_ms": { "without": bb, "armed": ba, "panel": bp, "ratio_armed": ba / bb, "ratio_panel": bp / bb, "goal": 1.5, "messages": BURST + 4 },
        "cpu_us_per_message": cpu_per_message,
        "visibility": visibility,
        "runs": RUNS,
        "round_trips_per_run": ROUND_TRIPS,
    });

    // The panel typed into while a burst arrives (one extra burst).
    figures["keystroke"] = burst(&paneled, &burst_url, &Probe::Keys)?.keys.unwrap_or(Value::Null);

    if browser == Browser::Chromium {
        // Extra runs under the sampling profiler (not in the medians above).
        let mut runs: Vec<[Vec<Value>; 2]> = vec![[Vec::new(), Vec::new()]; 3];
        for _ in 0..PROFILE_RUNS {
            for (i, c) in configs.iter().enumerate() {
                if i < 2 {
                    runs[i][0].push(profiled_round_trip(c, &bench_url)?);
                }
                runs[i][1].push(burst(c, &burst_url, &Probe::Profile)?.profile.unwrap_or(Value::Null));
            }
        }
        let mut stages = serde_json::Map::new();
        for (i, [round_trips, bursts]) in runs.iter().enumerate() {
            let mut per = serde_json::Map::new();
            if !round_trips.is_empty() {
                per.insert("round_trip".into(), median_stages(round_trips));
            }
            per.insert("burst".into(), median_stages(bursts));
            stages.insert(CONFIGS[i].to_owned(), Value::Object(per));
        }
        figures["stages"] = Value::Object(stages);
        let mut armed = armed;
        figures["worker"] = worker(&mut armed.session, &burst_url)?;
    }
    Ok(figures)
}

/// Opens `panel.html?tabId=<tab>` in a window of its own (so that the
/// page's stays visible) and waits for its counters;
/// returns its window handle.
fn open_panel_window(session: &mut Session, tab: i64) -> Result<String> {
    let handle = if session.browser() == Browser::Chromium {
        // ChromeDriver does not list a window an extension creates.
        let handle = session.new_window().map_err(e)?;
        session.goto(&format!("{}panel.html?tabId={tab}", session.browser().extension_base())).map_err(e)?;
        handle
    } else {
        let before = session.window_handles().map_err(e)?;
        let opened = session
            .extension_script(
                "const api = globalThis.browser ?? globalThis.chrome;\
                 api.windows.create({ url: api.runtime.getURL('panel.html?tabId=' + arguments[0]), width: 1000, height: 800 })\
                   .then(() => done(true), (e) => done(String(e)));",
                &[json!(tab)],
            )
            .map_err(e)?;
        anyhow::ensure!(opened == json!(true), "opening the panel's window: {opened}");
        wait_for("the panel's window", DEFAULT_TIMEOUT, || {
            let now = session.window_handles().map_err(|x| x.to_string())?;
            now.into_iter().find(|h| !before.contains(h)).ok_or_else(|| format!("window handles {before:?}"))
        })
        .map_err(e)?
    };
    session.switch_to_window(&handle).map_err(e)?;
    wait_for("the panel's counters", DEFAULT_TIMEOUT, || {
        let v = session
            .execute("return document.querySelector('[data-testid=count-total]')?.textContent ?? null;", &[])
            .map_err(|x| x.to_string())?;
        if v.is_string() { Ok(()) } else { Err(v.to_string()) }
    })
    .map_err(e)?;
    Ok(handle)
}

fn wait_flag(session: &Session, flag: &str) -> Result<()> {
    wait_for(&format!("data-{flag}"), DEFAULT_TIMEOUT, || {
        let v = session
            .execute(&format!("return document.documentElement.dataset.{flag} ?? null;"), &[])
            .map_err(|e| e.to_string())?;
        if v == "1" { Ok(()) } else { Err(v.to_string()) }
    })
    .map_err(e)
}

/// Mean microseconds per round trip of one run (a fresh page each run).
fn round_trip(session: &Session, url: &str) -> Result<f64> {
    session.goto(url).map_err(e)?;
    wait_flag(session, "ready")?;
    let us = session.execute("return window.pingpong(arguments[0]);", &[json!(ROUND_TRIPS)]).map_err(e)?;
    us.as_f64().ok_or_else(|| anyhow!("pingpong returned {us}"))
}

/// A round trip run with the top frame under the profiler: its stages per
/// message the top frame received.
fn profiled_round_trip(c: &Config, url: &str) -> Result<Value> {
    let s = &c.session;
    s.goto(url).map_err(e)?;
    wait_flag(s, "ready")?;
    start_profiler(s)?;
    let us = s.execute("return window.pingpong(arguments[0]);", &[json!(ROUND_TRIPS)]).map_err(e)?;
    let profile = stop_profiler(s)?;
    Ok(json!({ "us_per_round_trip": us, "page": stages_per_message(&profile, f64::from(ROUND_TRIPS)) }))
}

enum Probe {
    /// CPU time per process kind.
    Cpu,
    /// The top frame (and the panel, if open) under the profiler.
    Profile,
    /// Filter keystrokes typed into the panel while the burst arrives.
    Keys,
}

struct BurstRun {
    ms: f64,
    cpu: BTreeMap<String, f64>,
    visibility: String,
    profile: Option<Value>,
    keys: Option<Value>,
}

/// One burst in a fresh page: milliseconds from its start to its last
/// delivery, and what the probe saw.
fn burst(c: &Config, url: &str, probe: &Probe) -> Result<BurstRun> {
    let s = &c.session;
    s.switch_to_window(&c.page).map_err(e)?;
    s.goto(url).map_err(e)?;
    wait_flag(s, "ready")?;
    let group = s.process_group();
    let browser = s.browser();
    let before = settled_cpu(group, browser)?;
    match (probe, &c.panel) {
        (Probe::Profile, panel) => {
            if let Some(panel) = panel {
                s.switch_to_window(panel).map_err(e)?;
                start_profiler(s)?;
                s.switch_to_window(&c.page).map_err(e)?;
            }
            start_profiler(s)?;
        }
        (Probe::Keys, Some(panel)) => {
            s.switch_to_window(panel).map_err(e)?;
            s.execute(KEYS_SCRIPT, &[json!(TYPED), json!(BURST + 4)]).map_err(e)?;
            s.switch_to_window(&c.page).map_err(e)?;
        }
        _ => {}
    }
    let visibility = s.execute("window.burst(arguments[0]); return document.visibilityState;", &[json!(BURST)]).map_err(e)?;
    wait_flag(s, "done")?;
    let ms = s.execute("return window.burstMs;", &[]).map_err(e)?;
    let ms = ms.as_f64().ok_or_else(|| anyhow!("burstMs is {ms}"))?;
    let mut run = BurstRun { ms, cpu: BTreeMap::new(), visibility: visibility.as_str().unwrap_or("?").to_owned(), profile: None, keys: None };
    match (probe, &c.panel) {
        (Probe::Cpu, _) => {
            let after = settled_cpu(group, browser)?;
            for (k, v) in &after {
                run.cpu.insert(k.clone(), v - before.get(k).copied().unwrap_or(0.0));
            }
        }
        (Probe::Profile, panel) => {
            // The top frame receives half the burst and the children's
            // two "done" messages.
            let top_messages = f64::from(BURST / 2 + 2);
            let page = stop_profiler(s)?;
            let mut out = json!({ "page": stages_per_message(&page, top_messages), "top_frame_messages": top_messages });
            if let Some(panel) = panel {
                settled_cpu(group, browser)?;
                s.switch_to_window(panel).map_err(e)?;
                let profile = stop_profiler(s)?;
                out["panel"] = stages_per_message(&profile, f64::from(BURST + 4));
                s.switch_to_window(&c.page).map_err(e)?;
            }
            run.profile = Some(out);
        }
        (Probe::Keys, Some(panel)) => {
            s.switch_to_window(panel).map_err(e)?;
            let keys = wait_for("the keystrokes typed during the burst", DEFAULT_TIMEOUT, || {
                let v = s.execute("return window.wweKeys && window.wweKeys.done ? window.wweKeys : null;", &[]).map_err(|x| x.to_string())?;
                if v.is_null() { Err("not done".into()) } else { Ok(v) }
            })
            .map_err(e)?;
            s.switch_to_window(&c.page).map_err(e)?;
            run.keys = Some(keys);
        }
        _ => {}
    }
    Ok(run)
}

/// In the panel: waits for the burst's first records, then types `TYPED`
/// into the filter one character at a time, 30 ms apart, each keystroke
/// timed from setting the value to two animation frames later (painted);
/// the panel's count of messages is noted at each, and once it shows the
/// whole burst. Results in `window.wweKeys`.
const KEYS_SCRIPT: &str = r#"
const text = arguments[0];
const input = document.querySelector('[data-testid=filter]');
const count = () => Number(document.querySelector('[data-testid=count-total]')?.textContent.trim() || 0);
const twoFrames = () => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const keys = { ms: [], count: [], done: false };
window.wweKeys = keys;
(async () => {
  const start = count();
  const t0 = performance.now();
  while (count() === start && performance.now() - t0 < 20000) await sleep(5);
  keys.start = count();
  for (let i = 1; i <= text.length; i++) {
    const t = performance.now();
    input.value = text.slice(0, i);
    input.dispatchEvent(new Event('input', { bubbles: true }));
    await twoFrames();
    keys.ms.push(performance.now() - t);
    keys.count.push(count());
    await sleep(30);
  }
  // Until the panel shows the whole burst (or 60 s).
  while (count() < arguments[1] && performance.now() - t0 < 60000) await sleep(50);
  keys.final = count();
  keys.caughtUpMs = performance.now() - t0;
  input.value = '';
  input.dispatchEvent(new Event('input', { bubbles: true }));
  await twoFrames();
  keys.done = true;
})().catch((e) => { keys.error = String(e); keys.done = true; });
"#;

/// Profiled runs' figures with each number the median over the runs (a
/// stage missing from a run counts as 0 there).
fn median_stages(runs: &[Value]) -> Value {
    fn merge(values: &[&Value]) -> Value {
        if values.iter().any(|v| v.is_object()) {
            let keys: std::collections::BTreeSet<&String> = values.iter().filter_map(|v| v.as_object()).flat_map(|o| o.keys()).collect();
            let mut out = serde_json::Map::new();
            for key in keys {
                let inner: Vec<&Value> = values.iter().map(|v| v.get(key.as_str()).unwrap_or(&Value::Null)).collect();
                out.insert(key.clone(), merge(&inner));
            }
            Value::Object(out)
        } else {
            json!(median(values.iter().map(|v| v.as_f64().unwrap_or(0.0)).collect()))
        }
    }
    let mut merged = merge(&runs.iter().collect::<Vec<_>>());
    merged["runs"] = json!(runs.len());
    merged
}

fn start_profiler(s: &Session) -> Result<()> {
    s.cdp("Profiler.enable", json!({})).map_err(e)?;
    s.cdp("Profiler.setSamplingInterval", json!({ "interval": SAMPLING_US })).map_err(e)?;
    s.cdp("Profiler.start", json!({})).map_err(e)?;
    Ok(())
}

fn stop_profiler(s: &Session) -> Result<Value> {
    let stopped = s.cdp("Profiler.stop", json!({})).map_err(e)?;
    s.cdp("Profiler.disable", json!({})).map_err(e)?;
    Ok(stopped["profile"].clone())
}

/// The stage of the relay a function of relay.js belongs to.
fn relay_stage(function: &str) -> &'static str {
    match function {
        "onMessage" | "onPageEvent" => "relay: delivery (the listener; reading event.data, origin, source; the record)",
        "encode" | "isPlainJson" | "plainLeaf" | "encodeTagged" | "walk" | "walkObject" | "truncated" | "previewOf" | "tagOf" | "mark"
        | "pathString" => "relay: encoding (JSON.stringify, the plain-JSON check)",
        "classify" | "pathOf" => "relay: sender classification",
        "fingerprint" => "relay: send-side fingerprint",
        "enqueue" | "schedule" => "relay: batching (queue, timer)",
        "flush" | "failed" | "trim" => "relay: sending (flush, runtime.sendMessage)",
        _ => "relay: other",
    }
}

/// Splits a `Profiler` profile into stages: each sample goes to the
/// innermost function that has a script URL (natives such as
/// `JSON.stringify` count for their caller); relay.js by function, the
/// panel's wasm and JS, the page's own script, and what V8 reports outside
/// any script (`(program)`: native work such as delivering events, IPC,
/// style and layout; `(garbage collector)`). Microseconds per message.
fn stages_per_message(profile: &Value, messages: f64) -> Value {
    let mut parent: HashMap<i64, i64> = HashMap::new();
    let mut frames: HashMap<i64, (String, String)> = HashMap::new();
    for node in profile["nodes"].as_array().into_iter().flatten() {
        let Some(id) = node["id"].as_i64() else { continue };
        let f = &node["callFrame"];
        frames.insert(id, (f["functionName"].as_str().unwrap_or("").to_owned(), f["url"].as_str().unwrap_or("").to_owned()));
        for child in node["children"].as_array().into_iter().flatten().filter_map(Value::as_i64) {
            parent.insert(child, id);
        }
    }
    let samples: Vec<i64> = profile["samples"].as_array().into_iter().flatten().filter_map(Value::as_i64).collect();
    let deltas: Vec<f64> = profile["timeDeltas"].as_array().into_iter().flatten().filter_map(Value::as_f64).collect();
    let mut stages: BTreeMap<&'static str, f64> = BTreeMap::new();
    for (i, &node) in samples.iter().enumerate() {
        let dt = deltas.get(i + 1).or(deltas.get(i)).copied().unwrap_or(0.0);
        let stage = stage_of(node, &parent, &frames);
        *stages.entry(stage).or_default() += dt;
    }
    let mut out = serde_json::Map::new();
    let mut busy = 0.0;
    for (stage, us) in stages {
        if stage != "idle" {
            busy += us;
        }
        out.insert(stage.to_owned(), json!(us / messages));
    }
    out.insert("busy (all but idle)".into(), json!(busy / messages));
    Value::Object(out)
}

fn stage_of(node: i64, parent: &HashMap<i64, i64>, frames: &HashMap<i64, (String, String)>) -> &'static str {
    match frames.get(&node).map(|f| f.0.as_str()) {
        Some("(idle)") | Some("(root)") => return "idle",
        Some("(program)") => return "native outside any script (event delivery, IPC, style, layout)",
        Some("(garbage collector)") => return "garbage collector",
        _ => {}
    }
    let mut cur = Some(node);
    while let Some(id) = cur {
        if let Some((function, url)) = frames.get(&id) {
            if url.ends_with("/relay.js") {
                return relay_stage(function);
            }
            if url.starts_with("extensions::") {
                return "Chromium's extension bindings (internal JS of runtime.*)";
            }
            if url.starts_with("wasm://") || url.ends_with(".wasm") {
                return "panel: wasm (store, decode, pairing, view)";
            }
            if url.contains("-extension://") {
                return "extension page JS (wasm-bindgen glue, DOM calls)";
            }
            if !url.is_empty() {
                return "the page's own script (incl. its postMessage calls)";
            }
        }
        cur = parent.get(&id).copied();
    }
    "natives outside any script"
}

// ----- CPU time per process kind, from /proc -----

/// Milliseconds of CPU (user + system) used so far by each kind of process
/// in the process group: "pages" (renderers of web pages), "extension"
/// (the extension's process: background and panel), "browser" (the main
/// process), "other" (GPU, utility, network, the driver).
fn cpu_by_kind(group: u32, browser: Browser) -> Result<BTreeMap<String, f64>> {
    // (pid, ppid, process group, ticks, comm) of every process; ours are
    // the group's and their descendants (a driver may start the browser in
    // a group of its own).
    let mut all = Vec::new();
    for entry in std::fs::read_dir("/proc")? {
        let entry = entry?;
        let Some(pid) = entry.file_name().to_str().and_then(|n| n.parse::<u32>().ok()) else { continue };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else { continue };
        let (Some(open), Some(close)) = (stat.find('('), stat.rfind(')')) else { continue };
        let fields: Vec<&str> = stat[close + 1..].split_whitespace().collect();
        if fields.len() < 13 {
            continue;
        }
        let num = |i: usize| fields[i].parse::<f64>().unwrap_or(0.0);
        all.push((pid, num(1) as u32, num(2) as u32, num(11) + num(12), stat[open + 1..close].to_owned()));
    }
    let mut ours: std::collections::HashSet<u32> = all.iter().filter(|p| p.2 == group).map(|p| p.0).collect();
    loop {
        let before = ours.len();
        for p in &all {
            if ours.contains(&p.1) {
                ours.insert(p.0);
            }
        }
        if ours.len() == before {
            break;
        }
    }
    let mut out: BTreeMap<String, f64> = ["pages", "extension", "browser", "other"].iter().map(|k| ((*k).to_owned(), 0.0)).collect();
    for (pid, _, _, ticks, comm) in all.into_iter().filter(|p| ours.contains(&p.0)) {
        let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
        let cmdline = String::from_utf8_lossy(&cmdline).replace('\0', " ");
        let kind = match browser {
            Browser::Chromium if cmdline.contains("--type=renderer") && cmdline.contains("--extension-process") => "extension",
            Browser::Chromium if cmdline.contains("--type=renderer") => "pages",
            Browser::Chromium if !cmdline.contains("--type=") && !cmdline.contains("chromedriver") && !comm.contains("crashpad") && comm.contains("chrom") => "browser",
            Browser::Firefox if comm == "WebExtensions" => "extension",
            Browser::Firefox if comm.starts_with("Isolated Web") || comm == "Web Content" => "pages",
            Browser::Firefox if !cmdline.contains("-contentproc") && !cmdline.contains("geckodriver") && !comm.contains("driver") && !comm.starts_with("sh") => "browser",
            _ => "other",
        };
        // Clock ticks of 10 ms (USER_HZ is 100 on Linux).
        *out.entry(kind.to_owned()).or_default() += ticks * 10.0;
    }
    Ok(out)
}

/// The CPU counters once the processes are idle again (less than 10% of
/// a core over 300 ms, or after 20 s): what a burst costs includes the
/// work the background and the panel do after its last delivery.
fn settled_cpu(group: u32, browser: Browser) -> Result<BTreeMap<String, f64>> {
    let started = Instant::now();
    let mut last = cpu_by_kind(group, browser)?;
    loop {
        std::thread::sleep(Duration::from_millis(300));
        let now = cpu_by_kind(group, browser)?;
        let busy: f64 = now.values().sum::<f64>() - last.values().sum::<f64>();
        last = now;
        if busy < 30.0 || started.elapsed() > Duration::from_secs(20) {
            return Ok(last);
        }
    }
}

// ----- Chromium's worker -----

/// Milliseconds an extension page waits for `stats`, and the records the
/// background holds then.
fn stats_round_trip(session: &mut Session) -> Result<(f64, u64)> {
    let page = session.current_window().map_err(e)?;
    let reply = session
        .extension_script(
            "const api = globalThis.browser ?? globalThis.chrome;\
             const t0 = performance.now();\
             api.runtime.sendMessage({ type: 'stats' }).then((s) => done({ ms: performance.now() - t0, stats: s }), (e) => done({ error: String(e) }));",
            &[],
        )
        .map_err(e)?;
    session.switch_to_window(&page).map_err(e)?;
    let ms = reply["ms"].as_f64().ok_or_else(|| anyhow!("stats failed: {reply}"))?;
    let records = reply["stats"]["tabs"].as_object().map(|tabs| tabs.values().filter_map(|t| t["records"].as_u64()).sum()).unwrap_or(0);
    Ok((ms, records))
}

fn stop_worker(session: &Session) -> Result<()> {
    session.cdp("ServiceWorker.enable", json!({})).map_err(e)?;
    session.cdp("ServiceWorker.stopAllWorkers", json!({})).map_err(e)?;
    Ok(())
}

/// Chromium's worker: cold start with a burst stored, and bursts with the
/// worker stopped twice in the middle.
fn worker(session: &mut Session, burst_url: &str) -> Result<Value> {
    let (mut cold, mut warm, mut with_stops, mut complete_after) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut restored = 0;
    for _ in 0..RUNS {
        // The tab holds the last burst (20,004 records) here.
        stop_worker(session)?;
        std::thread::sleep(Duration::from_millis(200));
        let (ms, records) = stats_round_trip(session)?;
        cold.push(ms);
        restored = records;
        warm.push(stats_round_trip(session)?.0);
    }
    for _ in 0..RUNS {
        session.goto(burst_url).map_err(e)?;
        wait_flag(session, "ready")?;
        session.execute("window.burst(arguments[0]);", &[json!(BURST)]).map_err(e)?;
        for _ in 0..2 {
            std::thread::sleep(Duration::from_millis(300));
            stop_worker(session)?;
        }
        wait_flag(session, "done")?;
        let ms = session.execute("return window.burstMs;", &[]).map_err(e)?;
        with_stops.push(ms.as_f64().ok_or_else(|| anyhow!("burstMs is {ms}"))?);
        let done = Instant::now();
        wait_for("the background holding the whole burst", Duration::from_secs(60), || match stats_round_trip(session) {
            Ok((_, records)) if records >= u64::from(BURST + 4) => Ok(()),
            Ok((_, records)) => Err(format!("{records} records")),
            Err(e) => Err(e.to_string()),
        })
        .map_err(e)?;
        complete_after.push(done.elapsed().as_secs_f64() * 1000.0);
    }
    Ok(json!({
        "cold_start_ms": median(cold),
        "warm_stats_ms": median(warm),
        "records_restored": restored,
        "burst_with_stops_ms": median(with_stops),
        "complete_after_ms": median(complete_after),
    }))
}
