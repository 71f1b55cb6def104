//! `cargo xtask bench`: every benchmark in one run, written to
//! `target/bench/report.md` and `target/bench/report.json` (BENCHMARKS.md
//! explains the method and keeps the latest figures).
//!
//! The figures are ratios and counts measured side by side in this run (with
//! and without the extension, wasm beside native, a keystroke beside an idle
//! frame), never absolute times compared with another run: the machine has
//! two cores shared with builds, so absolute times are shown only as context,
//! with the load average before and after each section.
//!
//! Sections: the panel's wasm size (release build), the core's decode + pair
//! throughput natively (the criterion bench `decode_pair`), HAR export and
//! import of 100,000 messages (criterion bench `har`), capture overhead and
//! burst in both browsers (`bench_capture.rs`), `wwe-trace` on a generated
//! 300 MB JSON Lines trace (time and peak memory, issue 17), and the panel with 100,000
//! messages in each browser (`panel.html?bench=N`, see `panel/src/bench.rs`),
//! which also times the same decode + pair work in wasm. A section that cannot run says so and why; it never shows a number
//! it did not measure.

use std::collections::BTreeMap;
use std::fs;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, SystemTime};

use anyhow::{anyhow, bail, Context, Result};
use serde_json::{json, Value};

use crate::dist;
use crate::flags::{BenchOptions, Browser, BuildOptions};
use crate::setup;
use crate::shell::{cargo, describe, output, project_root, which};

/// Issue 4: decode + pair on one core.
const NATIVE_GOAL_PER_SECOND: f64 = 2_000_000.0;
/// Issue 18 (issue 10 asked 250 KB, now the stretch goal): the panel's wasm, gzip.
const WASM_GZIP_GOAL_BYTES: f64 = 400.0 * 1024.0;
/// Issue 9: HAR export and import of 100,000 messages, natively.
const HAR_GOAL_SECONDS: f64 = 0.3;
const HAR_MESSAGES: f64 = 100_000.0;
/// Issue 17: `wwe-trace` on a generated JSON Lines trace this big, on one
/// core: `summary` within the time and peak memory, `convert` either way
/// within the time; a HAR read in at most its own size in memory.
const TRACE_MB: u64 = 300;
const TRACE_SUMMARY_GOAL_SECONDS: f64 = 3.0;
const TRACE_SUMMARY_GOAL_MIB: f64 = 300.0;
const TRACE_CONVERT_GOAL_SECONDS: f64 = 5.0;
/// Memory that does not grow with the file, allowing for measurement
/// noise: at most 1 MiB more per 100,000 records (10 bytes a record).
const TRACE_GROWTH_GOAL_MIB: f64 = 1.0;
/// Issue 7: the panel with 100,000 messages.
/// The panel at scale (issue 18): the load every full run measures, and
/// the million-message load beside it.
const LARGE_RECORDS: usize = 1_000_000;
/// Issue 18: an empty panel interactive (its backlog in) after its page
/// starts loading.
const INTERACTIVE_GOAL_MS: f64 = 150.0;
/// Issue 15: a filter keystroke in the panel while a burst arrives.
const CAPTURE_KEYSTROKE_GOAL_MS: f64 = 100.0;
/// A tab id no browser hands out: the panel's backlog for it is empty.
const UNUSED_TAB: i64 = 2_000_000_000;
/// Typed one character at a time into the filter: 20 keystrokes of free
/// text, each matched against the JSON of every message.
const TYPED: &str = "interaction.setUserD";
/// Then a field query, typed the same way (issue 18: `name:`/`status:`).
const TYPED_FIELDS: &str = "status:error name:voice.p";

/// The goals of one panel load (issue 18), by its size.
#[derive(Debug, Clone, Copy, PartialEq)]
struct PanelGoals {
    first_paint_ms: f64,
    /// A keystroke's time to paint beyond the idle two-frame floor.
    keystroke_beyond_floor_ms: Option<f64>,
    /// A keystroke's time to paint, absolute.
    keystroke_ms: Option<f64>,
    scroll_fps: Option<f64>,
    /// The panel's memory (wasm linear memory).
    memory_bytes: Option<f64>,
}

impl PanelGoals {
    fn for_records(records: usize) -> PanelGoals {
        if records >= LARGE_RECORDS {
            PanelGoals { first_paint_ms: 5_000.0, keystroke_beyond_floor_ms: None, keystroke_ms: Some(100.0), scroll_fps: None, memory_bytes: Some(1.5 * 1024.0 * 1024.0 * 1024.0) }
        } else {
            PanelGoals { first_paint_ms: 500.0, keystroke_beyond_floor_ms: Some(16.0), keystroke_ms: None, scroll_fps: Some(55.0), memory_bytes: None }
        }
    }
}

pub fn run(options: &BenchOptions) -> Result<()> {
    let out = project_root().join("target/bench");
    fs::create_dir_all(&out)?;
    let mut report = Report { machine: machine(), sections: Vec::new() };

    if options.only.as_deref() == Some("panel") {
        let built = timed_section("size", "Panel wasm size (release build)", || {
            dist::build(&BuildOptions { browsers: options.browsers.clone(), release: true })?;
            size_section(&project_root().join("dist").join(options.browsers[0].name()))
        });
        let dist_ok = built.not_run.is_none();
        report.sections.push(built);
        panel_sections(options, &mut report, dist_ok, None, None);
    } else if let Some(only) = options.only.as_deref() {
        let section = match only {
            "size" => timed_section("size", "Panel wasm size (release build)", || {
                dist::build(&BuildOptions { browsers: options.browsers.clone(), release: true })?;
                size_section(&project_root().join("dist").join(options.browsers[0].name()))
            }),
            "core" => timed_section("core", "Core decode + pair, native", core_section),
            "har" => timed_section("har", "HAR export and import of 100,000 messages, native", har_section),
            "trace" => timed_section("trace", "wwe-trace on a generated 300 MB JSON Lines trace, native", trace_section),
            "capture" => timed_section("capture", "Capture overhead and burst", capture_section),
            other => bail!("no bench section `{other}`"),
        };
        report.sections.push(section);
    } else {
        run_all(options, &mut report);
    }

    let json = report.to_json();
    fs::write(out.join("report.json"), serde_json::to_string_pretty(&json)? + "\n")?;
    fs::write(out.join("report.md"), report.to_markdown())?;
    println!("{}", report.to_markdown());
    eprintln!("xtask: wrote {} and report.json", out.join("report.md").display());
    Ok(())
}

/// Every section, in order.
fn run_all(options: &BenchOptions, report: &mut Report) {
    let built = timed_section("size", "Panel wasm size (release build)", || {
        dist::build(&BuildOptions { browsers: options.browsers.clone(), release: true })?;
        size_section(&project_root().join("dist").join(options.browsers[0].name()))
    });
    let dist_ok = built.not_run.is_none();
    report.sections.push(built);

    let native = timed_section("core", "Core decode + pair, native", core_section);
    let native_per_second = native.figure("decode + pair, median").map(|f| f.value);
    let native_workload = native.extra.get("workload").cloned();
    report.sections.push(native);

    report.sections.push(timed_section("har", "HAR export and import of 100,000 messages, native", har_section));
    report.sections.push(timed_section("trace", "wwe-trace on a generated 300 MB JSON Lines trace, native", trace_section));
    report.sections.push(timed_section("capture", "Capture overhead and burst", capture_section));
    panel_sections(options, report, dist_ok, native_per_second, native_workload.as_ref());
}

/// The panel in each browser, at `--records` and at a million messages.
fn panel_sections(options: &BenchOptions, report: &mut Report, dist_ok: bool, native_per_second: Option<f64>, native_workload: Option<&Value>) {
    for &browser in &options.browsers {
        let title = format!("Panel with {} messages, {}", thousands(options.records as f64), browser.name());
        let id = format!("panel-{}", browser.name());
        report.sections.push(timed_section(&id, &title, || {
            if !dist_ok {
                bail!("not run: The release build failed (see the size section)");
            }
            panel_section(browser, options.records, native_per_second, native_workload)
        }));
    }
    for &browser in &options.browsers {
        let title = format!("Panel with {} messages, {}", thousands(LARGE_RECORDS as f64), browser.name());
        let id = format!("panel-large-{}", browser.name());
        report.sections.push(timed_section(&id, &title, || {
            if !dist_ok {
                bail!("not run: The release build failed (see the size section)");
            }
            if options.records < 100_000 {
                bail!("not run: `--records {}` asked for a quick look; the million-message load runs with the default 100,000", options.records);
            }
            panel_section(browser, LARGE_RECORDS, None, None)
        }));
    }
}

// ----- the report -----

struct Report {
    machine: BTreeMap<&'static str, String>,
    sections: Vec<Section>,
}

/// One benchmark's outcome: figures, or why it did not run.
#[derive(Default)]
struct Section {
    id: String,
    title: String,
    /// `Some(reason)` when the section did not run or failed.
    not_run: Option<String>,
    figures: Vec<Figure>,
    notes: Vec<String>,
    /// 1-minute load average before and after the section.
    load: (Option<f64>, Option<f64>),
    /// Raw data kept in report.json.
    extra: serde_json::Map<String, Value>,
}

impl Section {
    fn figure(&self, label: &str) -> Option<&Figure> {
        self.figures.iter().find(|f| f.label == label)
    }
}

/// One number with its unit, an optional goal, and context (absolute
/// times, sample counts) that is not itself the figure.
struct Figure {
    label: String,
    value: f64,
    unit: &'static str,
    goal: Option<Goal>,
    context: String,
}

#[derive(Clone, Copy)]
enum Goal {
    AtMost(f64),
    AtLeast(f64),
}

impl Goal {
    fn met(self, value: f64) -> bool {
        match self {
            Goal::AtMost(limit) => value <= limit,
            Goal::AtLeast(limit) => value >= limit,
        }
    }

    fn describe(self, unit: &str) -> String {
        match self {
            Goal::AtMost(limit) => format!("≤ {}", format_value(limit, unit)),
            Goal::AtLeast(limit) => format!("≥ {}", format_value(limit, unit)),
        }
    }
}

fn figure(label: impl Into<String>, value: f64, unit: &'static str, goal: Option<Goal>, context: impl Into<String>) -> Figure {
    Figure { label: label.into(), value, unit, goal, context: context.into() }
}

/// Runs one section, noting the load around it; an error becomes the
/// section's "not run" reason.
fn timed_section(id: &str, title: &str, body: impl FnOnce() -> Result<Section>) -> Section {
    eprintln!("xtask: bench: {title}");
    let before = load_average();
    let mut section = body().unwrap_or_else(|error| {
        let text = format!("{error:#}");
        let reason = text.strip_prefix("not run: ").map(str::to_owned).unwrap_or_else(|| format!("Failed: {text}"));
        Section { not_run: Some(reason), ..Section::default() }
    });
    section.id = id.to_owned();
    section.title = title.to_owned();
    section.load = (before, load_average());
    section
}

impl Report {
    fn to_json(&self) -> Value {
        let sections: Vec<Value> = self
            .sections
            .iter()
            .map(|s| {
                let figures: Vec<Value> = s
                    .figures
                    .iter()
                    .map(|f| {
                        json!({
                            "label": f.label,
                            "value": f.value,
                            "unit": f.unit,
                            "goal": f.goal.map(|g| match g {
                                Goal::AtMost(v) => json!({"op": "<=", "value": v}),
                                Goal::AtLeast(v) => json!({"op": ">=", "value": v}),
                            }),
                            "met": f.goal.map(|g| g.met(f.value)),
                            "context": f.context,
                        })
                    })
                    .collect();
                json!({
                    "id": s.id,
                    "title": s.title,
                    "ran": s.not_run.is_none(),
                    "not_run": s.not_run,
                    "figures": figures,
                    "notes": s.notes,
                    "load_average": {"before": s.load.0, "after": s.load.1},
                    "data": s.extra,
                })
            })
            .collect();
        json!({ "machine": self.machine, "sections": sections })
    }

    fn to_markdown(&self) -> String {
        let mut md = String::from("# Benchmark report\n\n");
        md.push_str("Generated by `cargo xtask bench`. Figures are ratios or counts measured side by side in this run; absolute times are context. Method: BENCHMARKS.md.\n\n");
        md.push_str("| machine | |\n|---|---|\n");
        for (key, value) in &self.machine {
            md.push_str(&format!("| {key} | {value} |\n"));
        }
        md.push('\n');
        for s in &self.sections {
            md.push_str(&format!("## {}\n\n", s.title));
            let load = |l: Option<f64>| l.map_or("?".to_owned(), |l| format!("{l:.2}"));
            if let Some(reason) = &s.not_run {
                md.push_str(&format!("**Not run.** {reason}\n\n"));
            } else {
                md.push_str("| figure | value | goal | met | context |\n|---|---|---|---|---|\n");
                for f in &s.figures {
                    let goal = f.goal.map_or(String::new(), |g| g.describe(f.unit));
                    let met = f.goal.map_or("", |g| if g.met(f.value) { "yes" } else { "**no**" });
                    md.push_str(&format!("| {} | {} | {goal} | {met} | {} |\n", f.label, format_value(f.value, f.unit), f.context));
                }
                md.push('\n');
            }
            for note in &s.notes {
                md.push_str(&format!("- {note}\n"));
            }
            md.push_str(&format!("\n_Load average (1 min) before → after: {} → {}._\n\n", load(s.load.0), load(s.load.1)));
        }
        md
    }
}

fn format_value(value: f64, unit: &str) -> String {
    match unit {
        "×" => format!("{value:.2}×"),
        "%" => format!("{value:.1} %"),
        "bytes" => format!("{} B ({:.1} KB)", thousands(value), value / 1024.0),
        "msg/s" => format!("{} msg/s", thousands(value)),
        "ms" => format!("{value:.1} ms"),
        "MiB" => format!("{value:.0} MiB"),
        "s" => format!("{value:.3} s"),
        "fps" => format!("{value:.1} fps"),
        "µs" => format!("{value:.1} µs"),
        "" => thousands(value),
        other => format!("{value} {other}"),
    }
}

/// `1234567.8` → `1,234,568`.
fn thousands(value: f64) -> String {
    let digits = format!("{:.0}", value.abs());
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if value < 0.0 {
        out.insert(0, '-');
    }
    out
}

// ----- the machine -----

fn machine() -> BTreeMap<&'static str, String> {
    let mut m = BTreeMap::new();
    let first_line = |s: Option<String>| s.and_then(|s| s.lines().next().map(|l| l.trim().to_owned()));
    m.insert("date (UTC)", first_line(output(Command::new("date").args(["-u", "+%Y-%m-%d %H:%M"]))).unwrap_or_default());
    m.insert("cores", std::thread::available_parallelism().map_or("?".into(), |n| n.to_string()));
    let cpuinfo = fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    if let Some(model) = cpuinfo.lines().find_map(|l| l.strip_prefix("model name")) {
        m.insert("cpu", model.trim_start_matches([' ', '\t', ':']).to_owned());
    }
    let meminfo = fs::read_to_string("/proc/meminfo").unwrap_or_default();
    if let Some(kb) = meminfo.lines().find_map(|l| l.strip_prefix("MemTotal:")) {
        let kb: f64 = kb.trim().trim_end_matches("kB").trim().parse().unwrap_or(0.0);
        m.insert("memory", format!("{:.1} GB", kb / 1024.0 / 1024.0));
    }
    let os = fs::read_to_string("/etc/os-release").unwrap_or_default();
    if let Some(name) = os.lines().find_map(|l| l.strip_prefix("PRETTY_NAME=")) {
        m.insert("os", name.trim_matches('"').to_owned());
    }
    m.insert("rustc", first_line(output(Command::new("rustc").arg("-V"))).unwrap_or_default());
    for (key, names) in [("chromium", &["chromium", "chromium-browser"][..]), ("firefox", &["firefox-esr", "firefox"][..])] {
        if let Some(path) = names.iter().find_map(|n| which(n)) {
            m.insert(key, first_line(output(Command::new(path).arg("--version"))).unwrap_or_default());
        }
    }
    m.insert("load average at start", load_average().map_or("?".into(), |l| format!("{l:.2}")));
    m
}

fn load_average() -> Option<f64> {
    fs::read_to_string("/proc/loadavg").ok()?.split_whitespace().next()?.parse().ok()
}

// ----- wasm size -----

fn size_section(dist: &Path) -> Result<Section> {
    let wasm = dist.join("wwe_panel_bg.wasm");
    let raw = fs::metadata(&wasm).with_context(|| format!("no {}", wasm.display()))?.len() as f64;
    let glue = fs::metadata(dist.join("wwe_panel.js")).map(|m| m.len() as f64).unwrap_or(0.0);
    let mut section = Section::default();
    section.figures.push(figure("panel wasm, raw", raw, "bytes", None, "wasm-bindgen output, after wasm-opt -Oz"));
    match gzip_size(&wasm) {
        Some(gz) => {
            section.figures.push(figure("panel wasm, gzip -9", gz, "bytes", Some(Goal::AtMost(WASM_GZIP_GOAL_BYTES)), ""));
            section.figures.push(figure("gzip / raw", gz / raw, "×", None, ""));
        }
        None => section.notes.push("gzip is not installed, so no gzip size: `apt-get install -y gzip`".into()),
    }
    if let Some(gz) = gzip_size(&dist.join("wwe_panel.js")) {
        section.figures.push(figure("JS glue (wasm-bindgen), gzip -9", gz, "bytes", None, format!("raw {}", format_value(glue, "bytes"))));
    }
    if setup::wasm_opt().is_none() {
        section.notes.push("wasm-opt was not available, so this build is not optimised and is larger than a shipped one.".into());
    }
    section.notes.push("KB = 1,024 bytes. Profile `wasm-release`: opt-level \"z\", LTO, one codegen unit, panic = abort; Leptos built with `--cfg erase_components` (.cargo/config.toml). Stretch goal 250 KB gzip (issue 18).".into());
    Ok(section)
}

fn gzip_size(path: &Path) -> Option<f64> {
    let out = Command::new("gzip").args(["-9", "-c"]).arg(path).output().ok()?;
    out.status.success().then_some(out.stdout.len() as f64)
}

// ----- core, native (criterion) -----

/// One criterion benchmark's result, read from `target/criterion`.
struct Criterion {
    id: String,
    /// Median and fastest time per iteration, nanoseconds.
    median_ns: f64,
    best_ns: f64,
    samples: usize,
    /// Elements per iteration, when the bench declared a throughput.
    elements: Option<f64>,
}

/// Runs `cargo bench -p wwe-core --bench NAME` and reads what it wrote
/// (only results newer than the run); returns them with the bench's stderr.
fn run_criterion(bench: &str) -> Result<(Vec<Criterion>, String)> {
    let started = SystemTime::now();
    let mut command = cargo();
    command.args(["bench", "--package", "wwe-core", "--bench", bench, "--", "--noplot"]);
    eprintln!("$ {}", describe(&command));
    let mut child = command.stderr(Stdio::piped()).spawn().with_context(|| format!("could not start `{}`", describe(&command)))?;
    let mut stderr = String::new();
    for line in BufReader::new(child.stderr.take().context("no stderr")?).lines() {
        let line = line?;
        eprintln!("{line}");
        stderr.push_str(&line);
        stderr.push('\n');
    }
    let status = child.wait()?;
    if !status.success() {
        bail!("`{}` failed ({status})", describe(&command));
    }
    let mut results = Vec::new();
    collect_criterion(&project_root().join("target/criterion"), started, &mut results)?;
    results.sort_by(|a, b| a.id.cmp(&b.id));
    Ok((results, stderr))
}

fn collect_criterion(dir: &Path, since: SystemTime, results: &mut Vec<Criterion>) -> Result<()> {
    let Ok(entries) = fs::read_dir(dir) else { return Ok(()) };
    for entry in entries {
        let path = entry?.path();
        if !path.is_dir() {
            continue;
        }
        let new = path.join("new");
        let estimates = new.join("estimates.json");
        let fresh = fs::metadata(&estimates).and_then(|m| m.modified()).is_ok_and(|t| t >= since);
        if fresh {
            let read = |name: &str| -> Result<Value> { Ok(serde_json::from_str(&fs::read_to_string(new.join(name))?)?) };
            let (estimates, benchmark, sample) = (read("estimates.json")?, read("benchmark.json")?, read("sample.json")?);
            let iters = sample["iters"].as_array().cloned().unwrap_or_default();
            let times = sample["times"].as_array().cloned().unwrap_or_default();
            let best_ns = iters
                .iter()
                .zip(&times)
                .filter_map(|(i, t)| Some(t.as_f64()? / i.as_f64()?))
                .fold(f64::INFINITY, f64::min);
            results.push(Criterion {
                id: benchmark["full_id"].as_str().unwrap_or_default().to_owned(),
                median_ns: estimates["median"]["point_estimate"].as_f64().context("estimates.json without a median")?,
                best_ns,
                samples: times.len(),
                elements: benchmark["throughput"]["Elements"].as_f64(),
            });
        } else {
            collect_criterion(&path, since, results)?;
        }
    }
    Ok(())
}

fn core_section() -> Result<Section> {
    let (results, stderr) = run_criterion("decode_pair")?;
    let mut section = Section::default();
    for (label, id) in [("decode, median", "decode_pair/decode"), ("decode + pair, median", "decode_pair/decode_and_push")] {
        let r = results.iter().find(|r| r.id == id).with_context(|| format!("criterion wrote no result for {id}"))?;
        let elements = r.elements.with_context(|| format!("{id} declares no throughput"))?;
        let per_second = elements / (r.median_ns / 1e9);
        let goal = id.ends_with("decode_and_push").then_some(Goal::AtLeast(NATIVE_GOAL_PER_SECOND));
        section.figures.push(figure(
            label,
            per_second,
            "msg/s",
            goal,
            format!(
                "{} messages in {:.1} ms (median of {} samples); fastest sample {} msg/s",
                thousands(elements),
                r.median_ns / 1e6,
                r.samples,
                thousands(elements / (r.best_ns / 1e9))
            ),
        ));
    }
    // "30000 messages, 191 bytes of JSON on average"
    if let Some((count, size)) = stderr.lines().find_map(parse_workload_line) {
        section.extra.insert("workload".into(), json!({"records": count, "mean_size": size}));
        section.notes.push(format!("Workload (benches/decode_pair.rs): {} messages of {size} bytes of JSON on average; one process, one thread.", thousands(count as f64)));
    }
    Ok(section)
}

fn parse_workload_line(line: &str) -> Option<(u64, u64)> {
    let (count, rest) = line.split_once(" messages, ")?;
    let size = rest.strip_suffix(" bytes of JSON on average")?;
    Some((count.trim().parse().ok()?, size.trim().parse().ok()?))
}

// ----- HAR -----

fn har_section() -> Result<Section> {
    let root = project_root();
    let declared = fs::read_to_string(root.join("Cargo.toml"))?.contains("name = \"har\"");
    if !root.join("benches/har.rs").is_file() || !declared {
        bail!("not run: The core has no `har` bench yet (benches/har.rs and its [[bench]] entry in Cargo.toml, issue 9), so there is nothing to measure.");
    }
    let (results, _) = run_criterion("har")?;
    if results.is_empty() {
        bail!("the `har` bench ran but wrote no criterion results");
    }
    let mut section = Section::default();
    for r in &results {
        let (value, context) = match r.elements {
            Some(elements) => (
                r.median_ns / 1e9 * HAR_MESSAGES / elements,
                format!("{} messages per iteration, median {:.1} ms of {} samples, scaled to 100,000", thousands(elements), r.median_ns / 1e6, r.samples),
            ),
            None => (r.median_ns / 1e9, format!("median of {} samples; the bench declares no message count, so not scaled", r.samples)),
        };
        // The goal is for export and import; the bench's other functions
        // (redaction, building the session) are context.
        let goal = (r.id.contains("export") || r.id.contains("import")).then_some(Goal::AtMost(HAR_GOAL_SECONDS));
        section.figures.push(figure(format!("{}, per 100,000 messages", r.id), value, "s", goal, context));
    }
    Ok(section)
}

// ----- wwe-trace at support scale -----

/// Builds `wwe-trace` and the trace generator (release), writes a
/// `TRACE_MB` trace, and times `summary` and `convert` both ways under GNU
/// time (wall time and peak resident memory), pinned to one core when
/// `taskset` is there.
fn trace_section() -> Result<Section> {
    let Some(time) = which("time").or_else(|| Some(Path::new("/usr/bin/time").to_path_buf()).filter(|p| crate::shell::is_executable(p)))
    else {
        bail!("not run: GNU time measures peak memory and is not installed: `apt-get install -y time`");
    };
    let build = |args: &[&str]| -> Result<()> {
        let mut command = cargo();
        command.args(args);
        eprintln!("$ {}", describe(&command));
        let status = command.status()?;
        if !status.success() {
            bail!("`{}` failed ({status})", describe(&command));
        }
        Ok(())
    };
    build(&["build", "--release", "--quiet", "--package", "wwe-trace"])?;
    build(&["build", "--release", "--quiet", "--package", "wwe-core", "--example", "synthetic_trace"])?;
    let release = crate::shell::cargo_target_dir().join("release");
    let dir = project_root().join("target/bench");
    fs::create_dir_all(&dir)?;
    let jsonl = dir.join("trace.jsonl");
    let har = dir.join("trace.har");
    let back = dir.join("trace-back.jsonl");
    let file = fs::File::create(&jsonl)?;
    let status = Command::new(release.join("examples/synthetic_trace")).args(["--mb", &TRACE_MB.to_string()]).stdout(file).status()?;
    if !status.success() {
        bail!("the trace generator failed ({status})");
    }
    let jsonl_bytes = fs::metadata(&jsonl)?.len() as f64;
    let one_core = which("taskset");
    let tool = release.join("wwe-trace");
    /// One timed command: what it is, its paths and flags, its goals.
    struct Run<'a> {
        label: &'a str,
        paths: Vec<&'a Path>,
        flags: &'a [&'a str],
        time_goal: Option<Goal>,
        memory_goal: Option<Goal>,
    }
    let runs = [
        Run { label: "summary, JSON Lines", paths: vec![&jsonl], flags: &["--deny", "never"], time_goal: Some(Goal::AtMost(TRACE_SUMMARY_GOAL_SECONDS)), memory_goal: Some(Goal::AtMost(TRACE_SUMMARY_GOAL_MIB)) },
        Run { label: "convert JSON Lines to HAR", paths: vec![&jsonl, Path::new("-o"), &har], flags: &["--to", "har"], time_goal: Some(Goal::AtMost(TRACE_CONVERT_GOAL_SECONDS)), memory_goal: None },
        Run { label: "convert HAR to JSON Lines", paths: vec![&har, Path::new("-o"), &back], flags: &["--to", "jsonl"], time_goal: Some(Goal::AtMost(TRACE_CONVERT_GOAL_SECONDS)), memory_goal: None },
        Run { label: "summary, HAR", paths: vec![&har], flags: &["--deny", "never"], time_goal: None, memory_goal: None },
    ];
    let mut section = Section::default();
    // One timed run of wwe-trace: (seconds, peak KiB).
    let timed = |command_name: &str, paths: &[&Path], flags: &[&str]| -> Result<(f64, f64)> {
        let mut command = match &one_core {
            Some(taskset) => {
                let mut c = Command::new(taskset);
                c.args(["-c", "0"]).arg(&time);
                c
            }
            None => Command::new(&time),
        };
        command.args(["-f", "%e %M"]).arg(&tool).arg(command_name).args(paths).args(flags).stdout(Stdio::null());
        eprintln!("$ {}", describe(&command));
        let out = command.output()?;
        let stderr = String::from_utf8_lossy(&out.stderr);
        if !out.status.success() {
            bail!("`{}` failed ({}): {}", describe(&command), out.status, stderr.trim());
        }
        let last = stderr.lines().last().unwrap_or("");
        let mut it = last.split_whitespace().map(str::parse::<f64>);
        let (Some(Ok(seconds)), Some(Ok(kb))) = (it.next(), it.next()) else {
            bail!("GNU time printed {last:?}, not \"seconds kilobytes\"");
        };
        Ok((seconds, kb))
    };
    let mut peaks = Vec::new();
    for (i, Run { label, paths, flags, time_goal, memory_goal }) in runs.into_iter().enumerate() {
        let command_name = if label.starts_with("summary") { "summary" } else { "convert" };
        let (seconds, kb) = timed(command_name, &paths, flags)?;
        peaks.push(kb / 1024.0);
        let input = fs::metadata(paths[0])?.len() as f64;
        // A HAR is read in at most its size (issue 17).
        let input_mib = input / 1024.0 / 1024.0;
        let memory_goal = memory_goal.or((i == 2 || i == 3).then_some(Goal::AtMost(input_mib)));
        let context = format!("input {}", format_value(input_mib, "MiB"));
        section.figures.push(figure(format!("{label}: time"), seconds, "s", time_goal, context.clone()));
        section.figures.push(figure(format!("{label}: peak memory"), kb / 1024.0, "MiB", memory_goal, context));
    }
    // Memory that does not grow with the file: the same commands on a
    // tenth of the trace, the growth per 100,000 records between the two.
    let small = dir.join("trace-small.jsonl");
    let small_har = dir.join("trace-small.har");
    let status = Command::new(release.join("examples/synthetic_trace"))
        .args(["--mb", &(TRACE_MB / 10).to_string()])
        .stdout(fs::File::create(&small)?)
        .status()?;
    if !status.success() {
        bail!("the trace generator failed ({status})");
    }
    let lines = |path: &Path| -> Result<f64> { Ok(fs::read(path)?.iter().filter(|&&b| b == b'\n').count() as f64) };
    let (big_records, small_records) = (lines(&jsonl)?, lines(&small)?);
    let growth = [
        ("summary, JSON Lines", "summary", vec![small.as_path()], &["--deny", "never"][..], 0),
        ("convert JSON Lines to HAR", "convert", vec![small.as_path(), Path::new("-o"), &small_har], &["--to", "har"][..], 1),
    ];
    for (label, command_name, paths, flags, big) in growth {
        let (_, kb) = timed(command_name, &paths, flags)?;
        let per_100k = (peaks[big] - kb / 1024.0) / ((big_records - small_records) / 100_000.0);
        section.figures.push(figure(
            format!("{label}: memory growth per 100,000 records"),
            per_100k,
            "MiB",
            Some(Goal::AtMost(TRACE_GROWTH_GOAL_MIB)),
            format!(
                "peak {} for {small_records} records, {} for {big_records}: memory that does not grow with the file (issue 17) would be about 0",
                format_value(kb / 1024.0, "MiB"),
                format_value(peaks[big], "MiB")
            ),
        ));
    }
    for f in [&small, &small_har] {
        let _ = fs::remove_file(f);
    }
    section.notes.push(format!(
        "Input: `examples/synthetic_trace --mb {TRACE_MB}` ({}, the agent desktop of `wwe_core::synthetic`, ~190-byte messages). Wall time and peak resident memory from GNU time{}; default redaction on convert.",
        format_value(jsonl_bytes / 1024.0 / 1024.0, "MiB"),
        if one_core.is_some() { ", pinned to one core with taskset" } else { "; taskset is missing, so not pinned to one core" }
    ));
    for f in [&har, &back] {
        let _ = fs::remove_file(f);
    }
    Ok(section)
}

// ----- capture -----

/// Capture overhead and burst, measured by `bench_capture.rs` (issue 6):
/// per browser, `round_trip_us` and `burst_ms` each `{without, with, ratio,
/// goal}`, medians of interleaved runs with and without the extension.
fn capture_section() -> Result<Section> {
    let value = crate::bench_capture::run()?;
    let mut section = capture_figures(&value)?;
    section.extra.insert("capture".into(), value);
    Ok(section)
}

fn capture_figures(value: &Value) -> Result<Section> {
    let mut section = Section::default();
    for browser in ["chromium", "firefox"] {
        let Some(b) = value.get(browser) else { continue };
        let runs = b["runs"].as_u64().unwrap_or(0);
        let rt = &b["round_trip_us"];
        let burst = &b["burst_ms"];
        let num = |v: &Value, key: &str| v[key].as_f64().with_context(|| format!("no `{key}` in {browser}'s capture figures: {v}"));
        for (config, what) in [("armed", "armed, no panel"), ("panel", "the panel open on the tab")] {
            section.figures.push(figure(
                format!("{browser}, {what}: round trip with / without the extension"),
                num(rt, &format!("ratio_{config}"))?,
                "×",
                Some(Goal::AtMost(num(rt, "goal").unwrap_or(1.2))),
                format!(
                    "1 KB message, page ↔ cross-origin iframe, {} round trips per run, median of {runs} interleaved runs: {:.0} µs with, {:.0} µs without",
                    b["round_trips_per_run"],
                    num(rt, config)?,
                    num(rt, "without")?
                ),
            ));
        }
        for (config, what) in [("armed", "armed, no panel"), ("panel", "the panel open on the tab")] {
            section.figures.push(figure(
                format!("{browser}, {what}: burst delivery time with / without the extension"),
                num(burst, &format!("ratio_{config}"))?,
                "×",
                Some(Goal::AtMost(num(burst, "goal").unwrap_or(1.5))),
                format!(
                    "{} messages across 3 frames, median of {runs} interleaved runs: {:.0} ms with, {:.0} ms without",
                    burst["messages"],
                    num(burst, config)?,
                    num(burst, "without")?
                ),
            ));
        }
        if let Some(keys) = b.get("keystroke").filter(|k| k["ms"].is_array()) {
            let ms: Vec<f64> = keys["ms"].as_array().into_iter().flatten().filter_map(Value::as_f64).collect();
            let counts: Vec<f64> = keys["count"].as_array().into_iter().flatten().filter_map(Value::as_f64).collect();
            let last = keys["final"].as_f64().unwrap_or(f64::NAN);
            let arriving = counts.iter().filter(|&&c| c < last).count();
            if !ms.is_empty() {
                // Any keystroke counts: the goal is on the slowest.
                section.figures.push(figure(
                    format!("{browser}: panel filter keystroke → painted while a burst arrives, slowest"),
                    ms.iter().copied().fold(0.0, f64::max),
                    "ms",
                    Some(Goal::AtMost(CAPTURE_KEYSTROKE_GOAL_MS)),
                    format!(
                        "{} keystrokes, median {:.1} ms; {arriving} of them while the panel's count was still growing ({} → {} messages shown; the whole burst shown {:.0} ms after the first records)",
                        ms.len(),
                        median(&ms),
                        keys["start"],
                        keys["final"],
                        keys["caughtUpMs"].as_f64().unwrap_or(f64::NAN)
                    ),
                ));
            }
        } else if let Some(keys) = b.get("keystroke") {
            section.notes.push(format!("{browser}: the keystrokes during a burst were not measured: {keys}"));
        }
        // CPU per message, by kind of process, beyond the same burst without.
        let cpu = &b["cpu_us_per_message"];
        for (config, what) in [("armed", "armed, no panel"), ("panel", "the panel open on the tab")] {
            let Some(kinds) = cpu[config].as_object() else { continue };
            let extra = |kind: &str| kinds.get(kind).and_then(Value::as_f64).unwrap_or(0.0) - cpu["without"][kind].as_f64().unwrap_or(0.0);
            let parts: Vec<String> = ["pages", "extension", "browser", "other"].iter().map(|k| format!("{k} {:+.1}", extra(k))).collect();
            section.figures.push(figure(
                format!("{browser}, {what}: CPU per message beyond without the extension"),
                ["pages", "extension", "browser", "other"].iter().map(|k| extra(k)).sum(),
                "µs",
                None,
                format!("burst, all processes until idle again, median of {runs}, µs per message by process: {}", parts.join(", ")),
            ));
        }
        // Chromium's profiles: µs per message by stage.
        if let Some(stages) = b.get("stages").and_then(Value::as_object) {
            for (config, runs) in stages {
                for (workload, run) in runs.as_object().into_iter().flatten() {
                    let profiled = run["runs"].as_u64().unwrap_or(1);
                    for (target, per) in [("page", &run["page"]), ("panel", &run["panel"])] {
                        for (stage, us) in per.as_object().into_iter().flatten() {
                            let Some(us) = us.as_f64() else { continue };
                            if stage == "idle" {
                                continue;
                            }
                            section.figures.push(figure(
                                format!("{browser} profile, {config}, {workload}, {target}: {stage}"),
                                us,
                                "µs",
                                None,
                                format!(
                                    "{}, median of {profiled} profiled runs",
                                    if target == "page" { "per message the top frame received" } else { "per message of the burst" }
                                ),
                            ));
                        }
                    }
                }
            }
        }
        if let Some(w) = b.get("worker") {
            section.figures.push(figure(
                format!("{browser}: worker cold start, {} records stored", w["records_restored"]),
                num(w, "cold_start_ms")?,
                "ms",
                None,
                format!(
                    "a `stats` question right after the worker was stopped (start, instantiate the engine's wasm, restore every record), median of {runs}; the same question warm: {:.1} ms",
                    num(w, "warm_stats_ms")?
                ),
            ));
            section.figures.push(figure(
                format!("{browser}: burst with the worker stopped twice / without the extension"),
                num(w, "burst_with_stops_ms")? / num(burst, "without")?,
                "×",
                None,
                format!(
                    "{:.0} ms with two stops, median of {runs}; the background held all {} records {:.0} ms after the last delivery (median)",
                    num(w, "burst_with_stops_ms")?,
                    burst["messages"],
                    num(w, "complete_after_ms")?
                ),
            ));
        }
        if let Some(v) = b["visibility"].as_object() {
            if v.values().any(|s| s != "visible") {
                section.notes.push(format!("{browser}: the page was not visible in every configuration during its burst: {}", b["visibility"]));
            }
        }
    }
    if section.figures.is_empty() {
        bail!("the capture benchmark returned no browser's figures: {value}");
    }
    section.notes.push(
        "Three browsers of a kind take turns: without the extension; armed through the \"always record\" list with no panel; and with `panel.html?tabId=N` open on the page's tab in a window of its own. That every burst message reaches the panel's store is asserted by the capture end-to-end test (tests/tests/capture.rs), not timed here. CPU per message: user + system time of the browser's processes from /proc during each burst until idle again, beyond the same burst without the extension. Profile rows: Chromium's sampling profiler (100 µs) on the top frame (and the panel) in extra runs (each stage the median of three), each sample given to the innermost function with a script URL; \"native outside any script\" is V8's `(program)`.".into(),
    );
    Ok(section)
}

// ----- the panel in a browser -----

fn panel_section(browser: Browser, records: usize, native_per_second: Option<f64>, native_workload: Option<&Value>) -> Result<Section> {
    let root = project_root();
    let lib = fs::read_to_string(root.join("panel/src/lib.rs"))?;
    let live = fs::read_to_string(root.join("panel/src/live.rs"))?;
    if !lib.contains("mod bench;") || !live.contains("bench::after_backlog") {
        bail!("not run: The panel has no benchmark entry yet: panel/src/bench.rs exists, but panel/src/lib.rs must declare `mod bench;` and panel/src/live.rs must call `crate::bench::after_backlog(store)` after loading the backlog (BENCHMARKS.md, \"The panel's benchmark entry\").");
    }
    let found = setup::ensure_browsers(&[browser])?;
    for (name, path) in found.env() {
        std::env::set_var(name, path);
    }
    let e2e = |e: wwe_e2e::Error| anyhow!("{}", e.message());
    let which = match browser {
        Browser::Chromium => wwe_e2e::Browser::Chromium,
        Browser::Firefox => wwe_e2e::Browser::Firefox,
    };
    let dir = root.join("dist").join(browser.name());
    let session = wwe_e2e::Session::launch(which, &wwe_e2e::LaunchOptions::with_extension(&dir)).map_err(e2e)?;
    session.open_extension_page(&format!("panel.html?tabId={UNUSED_TAB}&bench={records}")).map_err(e2e)?;
    let ready = session.wait_for("the panel to load and paint the benchmark records", Duration::from_secs(300), || {
        let v = session
            .execute(
                "return [document.documentElement.getAttribute('data-bench'), (document.body?.innerText ?? '').slice(0, 300)];",
                &[],
            )
            .map_err(|e| e.message().to_owned())?;
        v[0].as_str().map(str::to_owned).ok_or_else(|| format!("data-bench is not set; the page shows {:?}", v[1].as_str().unwrap_or("")))
    });
    let ready = match ready {
        Ok(ready) => ready,
        Err(error) => {
            let screenshot = root.join("target/bench").join(format!("panel-{}-failed.png", browser.name()));
            let _ = session.screenshot(&screenshot);
            bail!("{} (screenshot {})", error.message(), screenshot.display());
        }
    };
    let load: Value = serde_json::from_str(&ready).context("data-bench is not JSON")?;
    let shown = session
        .execute("return document.querySelector('[data-testid=count-total]')?.textContent ?? null;", &[])
        .map_err(e2e)?;
    let rows = session.execute("return document.querySelectorAll('[data-testid=message]').length;", &[]).map_err(e2e)?;
    let keys = session.execute_async(KEYSTROKE_SCRIPT, &[json!(TYPED)]).map_err(e2e)?;
    let field_keys = session.execute_async(KEYSTROKE_SCRIPT, &[json!(TYPED_FIELDS)]).map_err(e2e)?;
    let scroll = session.execute_async(SCROLL_SCRIPT, &[]).map_err(e2e)?;
    // Chromium's JS heap (not the wasm memory, which `data-bench` reports).
    let js_heap = session.execute("return performance.memory ? performance.memory.usedJSHeapSize : null;", &[]).map_err(e2e)?;
    let screenshot = root.join("target/bench").join(format!("panel-{}-{}.png", records, browser.name()));
    let _ = session.screenshot(&screenshot);
    drop(session);

    let mut section = Section::default();
    let count_shown = shown.as_str().and_then(|s| s.trim().parse::<usize>().ok());
    if count_shown != Some(records) {
        section.notes.push(format!("The panel shows {shown} messages, not {records}."));
    }
    section.figures.push(figure("messages in the panel", count_shown.unwrap_or(0) as f64, "", None, format!("{} rows in the DOM (virtualised list)", rows)));
    let num = |v: &Value, key: &str| v[key].as_f64().with_context(|| format!("no `{key}` in {v}"));
    let goals = PanelGoals::for_records(records);
    section.figures.push(figure(
        "empty panel interactive",
        num(&load, "interactive_ms")?,
        "ms",
        Some(Goal::AtMost(INTERACTIVE_GOAL_MS)),
        "page starts loading → the panel mounted and its (empty) backlog in, from performance.now() in the page",
    ));
    section.figures.push(figure(
        "first paint",
        num(&load, "paint_ms")?,
        "ms",
        Some(Goal::AtMost(goals.first_paint_ms)),
        format!(
            "records handed to the store → painted (two animation frames); of which decode, pair and cache {:.0} ms. Generating them took {:.0} ms; page open to paint {:.0} ms",
            num(&load, "store_push_ms")?,
            num(&load, "generate_ms")?,
            num(&load, "since_navigation_ms")?
        ),
    ));

    for (what, typed, keys) in [("free text", TYPED, &keys), ("name:/status: query", TYPED_FIELDS, &field_keys)] {
        section.figures.extend(keystroke_figures(what, typed, keys, &goals));
        if let Some(matched) = keys["rows"].as_f64() {
            section.notes.push(format!("After the last keystroke of {typed:?} the filter shows {} of the messages.", thousands(matched)));
        }
    }

    let deltas = numbers(&scroll["scroll"]);
    let idle_deltas = numbers(&scroll["idle"]);
    let frame = median(&deltas);
    let idle_frame = median(&idle_deltas);
    section.figures.push(figure(
        "scroll, frames per second (median frame)",
        1000.0 / frame,
        "fps",
        goals.scroll_fps.map(Goal::AtLeast),
        format!(
            "{} frames scrolling `.grid-body` by 2,000 px per frame for 2 s; median frame {frame:.1} ms, 95th percentile {:.1} ms; idle frames beside it: {:.1} fps",
            deltas.len(),
            percentile(&deltas, 0.95),
            1000.0 / idle_frame
        ),
    ));
    section.figures.push(figure("scroll frame / idle frame", frame / idle_frame, "×", None, format!("idle: {} frames for 1 s before scrolling", idle_deltas.len())));

    match load["wasm_memory_bytes"].as_f64() {
        Some(bytes) => section.figures.push(figure(
            "the panel's memory (wasm linear memory)",
            bytes / (1024.0 * 1024.0),
            "MiB",
            goals.memory_bytes.map(|b| Goal::AtMost(b / (1024.0 * 1024.0))),
            match js_heap.as_f64() {
                Some(heap) => format!("at first paint (wasm memory only grows: its peak so far, the generator's records included); the JS heap after the keystrokes (performance.memory) {:.0} MiB", heap / (1024.0 * 1024.0)),
                None => "at first paint (wasm memory only grows: its peak so far, the generator's records included); no JS heap size in this browser (performance.memory is Chromium's)".to_string(),
            },
        )),
        None => section.notes.push("The panel's memory: not run: the page reported no wasm memory size.".into()),
    }

    let push_ms = numbers(&load["workload"]["push_ms"]);
    let wasm_records = num(&load["workload"], "records")?;
    let wasm_per_second = wasm_records / (median(&push_ms) / 1000.0);
    section.figures.push(figure(
        "decode + pair in wasm, median",
        wasm_per_second,
        "msg/s",
        None,
        format!("the decode_pair workload ({} messages), {} runs in the page, median {:.1} ms", thousands(wasm_records), push_ms.len(), median(&push_ms)),
    ));
    let same_workload = native_workload.is_some_and(|w| {
        w["records"].as_f64() == Some(wasm_records) && w["mean_size"].as_f64() == load["workload"]["mean_size"].as_f64()
    });
    match (native_per_second, same_workload) {
        (Some(native), true) => section.figures.push(figure("decode + pair, wasm / native throughput", wasm_per_second / native, "×", None, "same records, native from the core section of this run")),
        (Some(_), false) => section.notes.push(format!(
            "No wasm/native ratio: the wasm workload ({} records, {} bytes mean) differs from the criterion bench's ({}); both should take wwe_core::synthetic::agent_desktop(DECODE_PAIR_COUNT, Payload::Typical).",
            wasm_records,
            load["workload"]["mean_size"],
            native_workload.map_or("unknown".into(), Value::to_string)
        )),
        (None, _) => section.notes.push("No wasm/native ratio: the native core section did not run.".into()),
    }
    section.notes.push(format!("Headless {}, window 1280×900, release build; screenshot {}.", browser.name(), screenshot.strip_prefix(&root).unwrap_or(&screenshot).display()));
    section.extra.insert("load".into(), load);
    section.extra.insert("keystrokes".into(), keys);
    section.extra.insert("field_keystrokes".into(), field_keys);
    section.extra.insert("scroll".into(), scroll);
    Ok(section)
}

/// Types `arguments[0]` into the filter one character at a time; before
/// each keystroke, waits two idle animation frames (the floor). Each time
/// runs from setting the value to two animation frames later.
const KEYSTROKE_SCRIPT: &str = r#"
const text = arguments[0];
const input = document.querySelector('[data-testid=filter]');
const twoFrames = () => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
(async () => {
  const keystroke = [], idle = [];
  await twoFrames();
  for (let i = 1; i <= text.length; i++) {
    let t = performance.now();
    await twoFrames();
    idle.push(performance.now() - t);
    t = performance.now();
    input.value = text.slice(0, i);
    input.dispatchEvent(new Event('input', { bubbles: true }));
    await twoFrames();
    keystroke.push(performance.now() - t);
  }
  const shown = document.querySelector('.grid-spacer');
  const rows = shown ? parseFloat(shown.style.height) : null;
  const rowHeight = document.querySelector('[data-testid=message]')?.getBoundingClientRect().height || null;
  input.value = '';
  input.dispatchEvent(new Event('input', { bubbles: true }));
  await twoFrames();
  done({ keystroke, idle, rows: rows && rowHeight ? Math.round(rows / rowHeight) : null });
})().catch((e) => done({ error: String(e) }));
"#;

/// Frame times (rAF deltas): 1 s idle, then 2 s scrolling `.grid-body` by
/// 2,000 px per frame (wrapping at the end).
const SCROLL_SCRIPT: &str = r#"
const body = document.querySelector('.grid-body');
const frames = (ms, onFrame) => new Promise((resolve) => {
  const deltas = [];
  let last = null, end = null;
  const step = (t) => {
    if (last !== null) deltas.push(t - last);
    if (end === null) end = t + ms;
    last = t;
    onFrame();
    if (t < end) requestAnimationFrame(step); else resolve(deltas);
  };
  requestAnimationFrame(step);
});
(async () => {
  const idle = await frames(1000, () => {});
  const max = body.scrollHeight - body.clientHeight;
  const scroll = await frames(2000, () => { body.scrollTop = body.scrollTop + 2000 > max ? 0 : body.scrollTop + 2000; });
  done({ idle, scroll, scrollHeight: body.scrollHeight });
})().catch((e) => done({ error: String(e) }));
"#;

/// A keystroke run's figures against its goals: the time to paint, and
/// how far beyond the idle two-frame floor measured beside it.
fn keystroke_figures(what: &str, typed: &str, keys: &Value, goals: &PanelGoals) -> Vec<Figure> {
    let key_times = numbers(&keys["keystroke"]);
    let idle_times = numbers(&keys["idle"]);
    let (key, idle) = (median(&key_times), median(&idle_times));
    vec![
        figure(
            format!("filter keystroke ({what}) → painted, median"),
            key,
            "ms",
            goals.keystroke_ms.map(Goal::AtMost),
            format!("{} keystrokes typing {typed:?}; an idle two-frame wait beside each: median {idle:.1} ms (the floor)", key_times.len()),
        ),
        figure(
            format!("filter keystroke ({what}) beyond the idle floor"),
            key - idle,
            "ms",
            goals.keystroke_beyond_floor_ms.map(Goal::AtMost),
            format!("median keystroke {key:.1} ms − median idle two frames {idle:.1} ms; ratio {:.2}×", key / idle),
        ),
    ]
}

fn numbers(value: &Value) -> Vec<f64> {
    value.as_array().into_iter().flatten().filter_map(Value::as_f64).collect()
}

fn median(values: &[f64]) -> f64 {
    percentile(values, 0.5)
}

fn percentile(values: &[f64], p: f64) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let at = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[at]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workload_line_parses() {
        assert_eq!(parse_workload_line("30000 messages, 191 bytes of JSON on average"), Some((30_000, 191)));
        assert_eq!(parse_workload_line("Benchmarking decode_pair/decode"), None);
    }

    #[test]
    fn numbers_format_for_people() {
        assert_eq!(thousands(1_234_567.8), "1,234,568");
        assert_eq!(thousands(999.0), "999");
        assert_eq!(format_value(0.5, "×"), "0.50×");
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(percentile(&[1.0, 2.0, 3.0, 4.0, 5.0], 0.95), 5.0);
    }

    #[test]
    fn a_section_that_did_not_run_says_why_and_shows_no_figure() {
        let section = timed_section("x", "X", || bail!("not run: nothing to measure"));
        assert_eq!(section.not_run.as_deref(), Some("nothing to measure"));
        let report = Report { machine: BTreeMap::new(), sections: vec![section] };
        let md = report.to_markdown();
        assert!(md.contains("**Not run.** nothing to measure"), "{md}");
        assert!(!md.contains("| figure |"), "{md}");
        assert_eq!(report.to_json()["sections"][0]["ran"], false);
    }

    /// Issue 18's goals by load: a keystroke at 100,000 messages is judged
    /// beyond the idle floor (16 ms), at a million by its time (100 ms);
    /// a figure that misses its goal says so.
    #[test]
    fn panel_goals_follow_the_load() {
        let small = PanelGoals::for_records(100_000);
        let large = PanelGoals::for_records(LARGE_RECORDS);
        assert_eq!((small.first_paint_ms, small.scroll_fps, small.memory_bytes), (500.0, Some(55.0), None));
        assert_eq!((large.first_paint_ms, large.keystroke_ms), (5_000.0, Some(100.0)));
        assert_eq!(large.memory_bytes, Some(1.5 * 1024.0 * 1024.0 * 1024.0));
        let keys = json!({"keystroke": [50.0, 60.0, 55.0], "idle": [33.0, 34.0, 33.5]});
        let small_figures = keystroke_figures("free text", "ab", &keys, &small);
        assert_eq!(small_figures[1].value, 55.0 - 33.5);
        assert!(!small_figures[1].goal.unwrap().met(small_figures[1].value), "21.5 ms beyond the floor is over 16 ms");
        assert!(small_figures[0].goal.is_none());
        let large_figures = keystroke_figures("free text", "ab", &keys, &large);
        assert!(large_figures[0].goal.unwrap().met(55.0));
        assert!(large_figures[1].goal.is_none());
    }

    #[test]
    fn capture_figures_are_the_ratios_with_their_goals() {
        let value = json!({"chromium": {
            "round_trip_us": {"without": 700.0, "armed": 770.0, "panel": 1400.0, "ratio_armed": 1.1, "ratio_panel": 2.0, "goal": 1.2},
            "burst_ms": {"without": 800.0, "armed": 1600.0, "panel": 1000.0, "ratio_armed": 2.0, "ratio_panel": 1.25, "goal": 1.5, "messages": 20004},
            "keystroke": {"ms": [20.0, 150.0, 30.0], "count": [100, 5000, 20004], "start": 50, "final": 20004},
            "cpu_us_per_message": {"without": {"pages": 10.0, "extension": 0.0}, "armed": {"pages": 15.0, "extension": 7.0}},
            "stages": {"armed": {"burst": {"page": {"relay: encoding (JSON.stringify, the plain-JSON check)": 1.5, "idle": 9.0}}}},
            "runs": 5, "round_trips_per_run": 2000,
            "worker": {"cold_start_ms": 250.0, "warm_stats_ms": 3.0, "records_restored": 20004, "burst_with_stops_ms": 1200.0, "complete_after_ms": 900.0}
        }});
        let s = capture_figures(&value).unwrap();
        let labels: Vec<&str> = s.figures.iter().map(|f| f.label.as_str()).collect();
        assert_eq!(s.figures.len(), 9, "{labels:?}");
        assert!(s.figures[0].goal.unwrap().met(s.figures[0].value));
        assert!(!s.figures[1].goal.unwrap().met(s.figures[1].value), "the panel's round trip misses 1.2");
        assert!(!s.figures[2].goal.unwrap().met(s.figures[2].value));
        assert!(s.figures[2].context.contains("20004 messages"), "{}", s.figures[2].context);
        assert_eq!(s.figures[4].value, 150.0, "the slowest keystroke");
        assert!(!s.figures[4].goal.unwrap().met(150.0));
        assert!(s.figures[4].context.contains("2 of them while"), "{}", s.figures[4].context);
        assert_eq!(s.figures[5].value, 12.0, "CPU beyond without: pages +5, extension +7");
        assert!(labels[6].contains("encoding") && s.figures[6].value == 1.5, "{labels:?}");
        assert!(labels[7].contains("cold start, 20004 records"), "{labels:?}");
        assert_eq!(s.figures[8].value, 1.5, "the burst with stops against the burst without the extension");
        assert!(capture_figures(&json!({})).is_err());
    }

}
