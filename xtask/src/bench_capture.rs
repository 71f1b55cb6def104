//! The capture benchmark (issue 6), for `cargo xtask bench`: what capture
//! costs the page, measured in real Chromium and Firefox with and without
//! the built extension (`dist/<browser>`, or `$WWE_DIST`).
//!
//! - round trip: a page on one origin and a child on another ping-pong a
//!   1 KB JSON message; the mean per round trip of each run, medians over
//!   interleaved runs (goal: at most 1.2x without the extension);
//! - burst: 20,000 messages in one second across three frames
//!   (`burst.html`), time until the last one is delivered (goal: 1.5x);
//! - the worker (Chromium, whose service worker the DevTools protocol can
//!   stop): its cold start with a burst stored (a `stats` question from an
//!   extension page right after a stop: the worker starts, instantiates
//!   the engine's wasm and restores every stored record) beside the same
//!   question warm, and the burst with the worker stopped twice in the
//!   middle, with the time until the background holds all of it.
//!
//! With the extension the service origin is on the "always record" list,
//! so capture does all its work (relay, background, storage.session); no
//! panel is open, whose rendering would compete for the same cores. Both browsers of a kind run side by side and take
//! turns, so machine load affects both alike.

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

fn bench_browser(browser: Browser, server: &Server) -> Result<Value> {
    let origins = server.origins();
    let bare = Session::launch(browser, &LaunchOptions { extension_dir: None, ..LaunchOptions::default() })
        .map_err(|e| anyhow!("{e}"))?;
    let mut captured = Session::launch(browser, &LaunchOptions::with_extension(extension_dir(browser).map_err(|e| anyhow!("{e}"))?))
        .map_err(|e| anyhow!("{e}"))?;

    // Arm the extension for the service origin through the "always record"
    // list: capture does all its work (records reach the background and
    // storage.session) without a panel rendering them on the same cores.
    let bench_url = format!("{}/capture/bench.html", origins.service);
    captured.goto(&bench_url).map_err(|e| anyhow!("{e}"))?;
    let page = captured.current_window().map_err(|e| anyhow!("{e}"))?;
    captured
        .extension_script(
            "const api = globalThis.browser ?? globalThis.chrome;\
             api.storage.local.set({ 'wwe.alwaysRecord': [arguments[0]] }).then(() => done(true), (e) => done(String(e)));",
            &[json!(origins.service)],
        )
        .map_err(|e| anyhow!("{e}"))?;
    captured.switch_to_window(&page).map_err(|e| anyhow!("{e}"))?;

    let (mut rt_bare, mut rt_captured) = (Vec::new(), Vec::new());
    let (mut burst_bare, mut burst_captured) = (Vec::new(), Vec::new());
    for _ in 0..RUNS {
        rt_bare.push(round_trip(&bare, &bench_url)?);
        rt_captured.push(round_trip(&captured, &bench_url)?);
    }
    let burst_url = format!("{}/capture/burst.html", origins.service);
    for _ in 0..RUNS {
        burst_bare.push(burst(&bare, &burst_url)?);
        burst_captured.push(burst(&captured, &burst_url)?);
    }
    let (rb, rc) = (median(rt_bare), median(rt_captured));
    let (bb, bc) = (median(burst_bare), median(burst_captured));
    let mut figures = json!({
        "round_trip_us": { "without": rb, "with": rc, "ratio": rc / rb, "goal": 1.2 },
        "burst_ms": { "without": bb, "with": bc, "ratio": bc / bb, "goal": 1.5, "messages": BURST + 4 },
        "runs": RUNS,
        "round_trips_per_run": ROUND_TRIPS,
    });
    if browser == Browser::Chromium {
        figures["worker"] = worker(&mut captured, &burst_url)?;
    }
    Ok(figures)
}

/// Milliseconds an extension page waits for `stats`, and the records the
/// background holds then.
fn stats_round_trip(session: &mut Session) -> Result<(f64, u64)> {
    let page = session.current_window().map_err(|e| anyhow!("{e}"))?;
    let reply = session
        .extension_script(
            "const api = globalThis.browser ?? globalThis.chrome;\
             const t0 = performance.now();\
             api.runtime.sendMessage({ type: 'stats' }).then((s) => done({ ms: performance.now() - t0, stats: s }), (e) => done({ error: String(e) }));",
            &[],
        )
        .map_err(|e| anyhow!("{e}"))?;
    session.switch_to_window(&page).map_err(|e| anyhow!("{e}"))?;
    let ms = reply["ms"].as_f64().ok_or_else(|| anyhow!("stats failed: {reply}"))?;
    let records = reply["stats"]["tabs"].as_object().map(|tabs| tabs.values().filter_map(|t| t["records"].as_u64()).sum()).unwrap_or(0);
    Ok((ms, records))
}

fn stop_worker(session: &Session) -> Result<()> {
    session.cdp("ServiceWorker.enable", json!({})).map_err(|e| anyhow!("{e}"))?;
    session.cdp("ServiceWorker.stopAllWorkers", json!({})).map_err(|e| anyhow!("{e}"))?;
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
        std::thread::sleep(std::time::Duration::from_millis(200));
        let (ms, records) = stats_round_trip(session)?;
        cold.push(ms);
        restored = records;
        warm.push(stats_round_trip(session)?.0);
    }
    for _ in 0..RUNS {
        session.goto(burst_url).map_err(|e| anyhow!("{e}"))?;
        wait_flag(session, "ready")?;
        session.execute("window.burst(arguments[0]);", &[json!(BURST)]).map_err(|e| anyhow!("{e}"))?;
        for _ in 0..2 {
            std::thread::sleep(std::time::Duration::from_millis(300));
            stop_worker(session)?;
        }
        wait_flag(session, "done")?;
        let ms = session.execute("return window.burstMs;", &[]).map_err(|e| anyhow!("{e}"))?;
        with_stops.push(ms.as_f64().ok_or_else(|| anyhow!("burstMs is {ms}"))?);
        let done = std::time::Instant::now();
        wait_for("the background holding the whole burst", std::time::Duration::from_secs(60), || match stats_round_trip(session) {
            Ok((_, records)) if records >= u64::from(BURST + 4) => Ok(()),
            Ok((_, records)) => Err(format!("{records} records")),
            Err(e) => Err(e.to_string()),
        })
        .map_err(|e| anyhow!("{e}"))?;
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

fn wait_flag(session: &Session, flag: &str) -> Result<()> {
    wait_for(&format!("data-{flag}"), DEFAULT_TIMEOUT, || {
        let v = session
            .execute(&format!("return document.documentElement.dataset.{flag} ?? null;"), &[])
            .map_err(|e| e.to_string())?;
        if v == "1" { Ok(()) } else { Err(v.to_string()) }
    })
    .map_err(|e| anyhow!("{e}"))
}

/// Mean microseconds per round trip of one run (a fresh page each run).
fn round_trip(session: &Session, url: &str) -> Result<f64> {
    session.goto(url).map_err(|e| anyhow!("{e}"))?;
    wait_flag(session, "ready")?;
    let us = session
        .execute("return window.pingpong(arguments[0]);", &[json!(ROUND_TRIPS)])
        .map_err(|e| anyhow!("{e}"))?;
    us.as_f64().ok_or_else(|| anyhow!("pingpong returned {us}"))
}

/// Milliseconds from the burst's start to its last delivery.
fn burst(session: &Session, url: &str) -> Result<f64> {
    session.goto(url).map_err(|e| anyhow!("{e}"))?;
    wait_flag(session, "ready")?;
    session.execute("window.burst(arguments[0]);", &[json!(BURST)]).map_err(|e| anyhow!("{e}"))?;
    wait_flag(session, "done")?;
    let ms = session.execute("return window.burstMs;", &[]).map_err(|e| anyhow!("{e}"))?;
    ms.as_f64().ok_or_else(|| anyhow!("burstMs is {ms}"))
}
