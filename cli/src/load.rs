//! Reading trace files: the text (with a progress bar for large files on a
//! terminal), the core's import, and the session built from the records.
//! Errors name the file, say where in it, and how to fix it.

use std::fs::File;
use std::io::{IsTerminal, Read};
use std::path::Path;
use std::time::Duration;

use anyhow::Result;
use indicatif::{ProgressBar, ProgressStyle};
use wwe_core::har::{import_with, ImportOptions, Trace};
use wwe_core::options::Options;
use wwe_core::session::{Session, REQUEST_TIMEOUT_MS};
use wwe_core::ErrorKind;

use crate::hinted;

/// Files at least this big get a progress bar (on a terminal).
const PROGRESS_BYTES: u64 = 8 << 20;

/// A trace file, read and decoded.
pub struct Loaded {
    /// The file's name as given (`-` = standard input).
    pub name: String,
    /// The trace.
    pub trace: Trace,
    /// Its records in a finished session (requests without reply at the
    /// end count as timed out).
    pub session: Session,
}

/// Records at least this many get a progress bar while analysed.
const PROGRESS_RECORDS: usize = 50_000;

fn progress(len: u64, show: bool, message: &'static str) -> ProgressBar {
    if !show || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(len);
    let style = ProgressStyle::with_template("{msg:>10} [{bar:40}] {percent:>3}% {elapsed}")
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ");
    bar.set_style(style);
    bar.set_message(message);
    bar
}

/// Reads a text file (or standard input for `-`).
pub fn read_text(path: &Path) -> Result<String> {
    let name = path.display().to_string();
    let mut bytes = Vec::new();
    if name == "-" {
        std::io::stdin()
            .read_to_end(&mut bytes)
            .map_err(|e| hinted(format!("cannot read standard input: {e}"), "pipe a trace in, or name a file"))?;
    } else {
        let mut file = File::open(path).map_err(|e| {
            hinted(format!("cannot open {name}: {e}"), "check the path; a trace is a .har or .jsonl file saved from the panel")
        })?;
        let len = file.metadata().map(|m| m.len()).unwrap_or(0);
        let bar = progress(len, len >= PROGRESS_BYTES, "reading");
        bytes.reserve(len as usize);
        let mut chunk = vec![0u8; 1 << 20];
        loop {
            let n = file.read(&mut chunk).map_err(|e| hinted(format!("cannot read {name}: {e}"), "check the file is readable"))?;
            if n == 0 {
                break;
            }
            bytes.extend_from_slice(&chunk[..n]);
            bar.inc(n as u64);
        }
        bar.finish_and_clear();
    }
    String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        hinted(
            format!("{name}: not UTF-8 text (bad byte at offset {at})"),
            "a trace is JSON text; was the file compressed or saved in another encoding?",
        )
    })
}

/// At most this many skipped lines are listed one by one.
const LISTED_LINES: usize = 20;

/// Reads and imports a trace and builds its session, checking requests
/// against `options` when given. JSON Lines lines that are not records are
/// skipped and listed on standard error, or, when `strict`, refused.
///
/// Any size is read: the core's size limit protects the panel, and this
/// tool must read back whatever it writes.
pub fn load(path: &Path, options: Option<Options>, strict: bool) -> Result<Loaded> {
    let name = path.display().to_string();
    let text = read_text(path)?;
    let spinner = if text.len() as u64 >= PROGRESS_BYTES && std::io::stderr().is_terminal() {
        let s = ProgressBar::new_spinner();
        s.set_message("parsing");
        s.enable_steady_tick(Duration::from_millis(120));
        s
    } else {
        ProgressBar::hidden()
    };
    let trace = import_with(&text, &ImportOptions { strict, max_bytes: None }).map_err(|e| import_error(&name, &e, strict))?;
    spinner.finish_and_clear();
    if !trace.skipped.is_empty() {
        let lines = if trace.skipped.len() == 1 { "line that is not a record" } else { "lines that are not records" };
        eprintln!(
            "wwe-trace: warning: {name}: skipped {} {lines} (--strict refuses the file instead):",
            trace.skipped.len()
        );
        for e in trace.skipped.iter().take(LISTED_LINES) {
            eprintln!("  {e}");
        }
        if trace.skipped.len() > LISTED_LINES {
            eprintln!("  and {} more", trace.skipped.len() - LISTED_LINES);
        }
    }
    drop(text);
    let bar = progress(trace.records.len() as u64, trace.records.len() >= PROGRESS_RECORDS, "analysing");
    let mut session = Session::new();
    session.set_options(options);
    for (i, r) in trace.records.iter().enumerate() {
        session.push(r.clone());
        if i % 4096 == 0 {
            bar.set_position(i as u64);
        }
    }
    bar.finish_and_clear();
    if let Some(t) = session.latest_time() {
        session.advance_to(t + REQUEST_TIMEOUT_MS);
    }
    Ok(Loaded { name, trace, session })
}

fn import_error(name: &str, e: &wwe_core::Error, strict: bool) -> anyhow::Error {
    let hint = match e.kind() {
        ErrorKind::EmptyTrace => "the file is empty: was the capture saved before any message arrived?".to_owned(),
        ErrorKind::TraceTooLarge { .. } => "capture a shorter period, or convert to JSON Lines and split it".to_owned(),
        ErrorKind::NoWweData { .. } => {
            "open DevTools on the agent desktop, go to the WWE API panel and use its export (HAR)".to_owned()
        }
        ErrorKind::NotATrace { .. } => "give a HAR exported by the WWE API panel or JSON Lines of records".to_owned(),
        ErrorKind::UnsupportedTraceFormat { .. } => "install the wwe-trace that matches the panel that wrote it".to_owned(),
        ErrorKind::BadRecordLine { line, .. } if strict => format!(
            "each line must be one record's JSON, as `wwe-trace convert --to jsonl` writes; fix or delete line {line}, or leave out --strict to skip bad lines"
        ),
        ErrorKind::BadRecordLine { .. } => {
            "no line of the file is a capture record (each line must be one record's JSON, as `wwe-trace convert --to jsonl` writes): is it a trace?".to_owned()
        }
        ErrorKind::BadTraceData { .. } => {
            "the file is JSON but not as the panel writes it; export it again from the panel, or check it at that place"
                .to_owned()
        }
        ErrorKind::TooDeep { .. } => {
            "the capture splits messages deeper than about 100 levels; this one was written by another tool".to_owned()
        }
        ErrorKind::Json { .. } => {
            "the file was cut short or edited by hand; export it again from the panel, or check the JSON at that place"
                .to_owned()
        }
        _ => "check the file".to_owned(),
    };
    hinted(format!("{name}: {e}"), hint)
}
