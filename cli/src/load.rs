//! Reading trace files into a session, with a progress bar for large files
//! on a terminal. JSON Lines stream in a line at a time (the core's
//! `JsonlReader`): the file's text is never held, and each record goes
//! straight into the session. A HAR file is read a message at a time from
//! its bytes (the core's `import_har_reader`; only a damaged one is read
//! whole, to say where); a HAR on standard input, or one whose first key is
//! not `log`, is read whole (at most its size), its records going into the
//! session one at a time as they are parsed. Errors name the file, say where in it, and how to fix it.

use std::fs::File;
use std::io::{BufRead, BufReader, IsTerminal, Read};
use std::path::Path;
use std::time::Duration;

use anyhow::Result;
use indicatif::{ProgressBar, ProgressStyle};
use wwe_core::har::{detect, import_har_each, is_har_head, Format, JsonlReader, Trace, DETECT_LINES};
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
    /// The file's path as given.
    pub path: std::path::PathBuf,
    /// What the session keeps of each record.
    pub keep: Keep,
    /// Whether lines that are not records were refused (also when the
    /// file is read again).
    pub strict: bool,
    /// The trace's format and what it says about itself; its records are
    /// in `session` (`trace.records` is empty).
    pub trace: Trace,
    /// Its records in a finished session (requests without reply at the
    /// end count as timed out).
    pub session: Session,
}

/// A progress bar over `len` bytes, for a big file on a terminal.
pub fn progress(len: u64, message: &'static str) -> ProgressBar {
    if len < PROGRESS_BYTES || !std::io::stderr().is_terminal() {
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
    if crate::replay::is_stdin(path) {
        std::io::stdin()
            .read_to_end(&mut bytes)
            .map_err(|e| hinted(format!("cannot read standard input: {e}"), "pipe a trace in, or name a file"))?;
    } else {
        let mut file = File::open(path).map_err(|e| {
            hinted(format!("cannot open {name}: {e}"), "check the path; a trace is a .har or .jsonl file saved from the panel")
        })?;
        let len = file.metadata().map(|m| m.len()).unwrap_or(0);
        let bar = progress(len, "reading");
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

/// What the session keeps of each record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keep {
    /// Every record whole: for writing, redacting and comparing.
    Everything,
    /// What the findings and counts need ([`Session::lean`]): the messages
    /// are dropped once decoded, so memory grows by a few hundred bytes a
    /// record, not by the records.
    Analysis,
}

/// At most this many skipped lines are listed one by one.
const LISTED_LINES: usize = 20;

/// Reads and imports a trace and builds its session, checking requests
/// against `options` when given. JSON Lines lines that are not records are
/// skipped and listed on standard error, or, when `strict`, refused.
///
/// Any size is read: the core's size limit protects the panel, and this
/// tool must read back whatever it writes.
pub fn load(path: &Path, options: Option<Options>, strict: bool, keep: Keep) -> Result<Loaded> {
    let name = path.display().to_string();
    let (mut input, len) = open(path)?;
    let mut session = if keep == Keep::Analysis { Session::lean() } else { Session::new() };
    session.set_options(options);
    // A HAR file (as the panel writes it: `{"log":` first) is read a
    // message at a time, not a line: its one line may be all of it.
    if !crate::replay::is_stdin(path) && is_har_head(input.fill_buf().unwrap_or_default()) {
        drop(input);
        let trace = read_har(path, "reading", &mut |r| session.push(r))?.map_err(|e| import_error(&name, &e, strict))?;
        return Ok(finished(name, path, keep, strict, trace, session));
    }
    let bar = progress(len, "reading");
    let mut lines = Lines::new(&mut input, &name, &bar, len);
    // The first lines say which format it is.
    let mut head: Vec<String> = Vec::new();
    if let Some(first) = lines.first()? {
        head.push(first);
    }
    while head.iter().filter(|l| !l.trim().is_empty()).count() < DETECT_LINES {
        match lines.next()? {
            Some(line) => head.push(line),
            None => break,
        }
    }
    // One line (a HAR without indentation is all of it) is not copied.
    let format = match head.as_slice() {
        [one] => detect(one),
        _ => detect(&head.concat()),
    }
    .map_err(|e| import_error(&name, &e, strict))?;
    let trace = match format {
        Format::JsonLines => {
            let mut reader = JsonlReader::new(strict);
            let bad = |e: &wwe_core::Error| import_error(&name, e, strict);
            jsonl_records(head, &mut lines, &mut reader, &bad, &mut |r| {
                session.push(r);
                Ok(())
            })?;
            let skipped = reader.finish().map_err(|e| bad(&e))?;
            Trace { format, records: Vec::new(), creator: None, redactions: Vec::new(), skipped }
        }
        // Standard input, or a HAR whose first key is not `log`.
        Format::Har => {
            // At most the file's size: a HAR written without indentation is
            // one line, read once into a buffer sized to the file (see
            // `Lines::next`) and moved here, never copied; an indented
            // one's lines are appended to text sized to the file.
            let mut text = if head.len() == 1 { head.pop().unwrap_or_default() } else { head.concat() };
            drop(head);
            text.reserve(usize::try_from(len).unwrap_or(0).saturating_sub(text.len()));
            while let Some(line) = lines.next()? {
                text.push_str(&line);
            }
            bar.finish_and_clear();
            let spinner = spinner(text.len() as u64, "analysing");
            let mut n = 0u64;
            let mut each = |r| {
                n += 1;
                if n.is_multiple_of(4096) {
                    spinner.set_message(format!("analysing: {n} records"));
                }
                r
            };
            let trace = if keep == Keep::Analysis {
                // Each record goes into the lean session as it is parsed:
                // no tree of the file, no list of its records.
                import_har_each(&text, &mut |r| session.push(each(r))).map_err(|e| import_error(&name, &e, strict))?
            } else {
                // A full session holds every record anyway: they are
                // listed and the text dropped before the session is built,
                // so that text and session are never held together.
                let mut records = Vec::new();
                let trace =
                    import_har_each(&text, &mut |r| records.push(each(r))).map_err(|e| import_error(&name, &e, strict))?;
                drop(text);
                for r in records {
                    session.push(r);
                }
                trace
            };
            spinner.finish_and_clear();
            trace
        }
    };
    bar.finish_and_clear();
    Ok(finished(name, path, keep, strict, trace, session))
}

/// The loaded trace: skipped lines listed on standard error, and the
/// session judged 10 s after its last record.
fn finished(name: String, path: &Path, keep: Keep, strict: bool, trace: Trace, mut session: Session) -> Loaded {
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
    if let Some(t) = session.latest_time() {
        session.advance_to(t + REQUEST_TIMEOUT_MS);
    }
    Loaded { name, path: path.to_owned(), keep, strict, trace, session }
}

/// Reads a HAR file a message at a time (the core's `import_har_reader`),
/// with a progress bar called `message`; only a damaged file is read
/// whole, for its error.
pub fn read_har(path: &Path, message: &'static str, each: &mut dyn FnMut(wwe_core::record::Record)) -> Result<Result<Trace, wwe_core::Error>> {
    let name = path.display().to_string();
    let file = File::open(path).map_err(|e| {
        hinted(format!("cannot open {name}: {e}"), "check the path; a trace is a .har or .jsonl file saved from the panel")
    })?;
    let len = file.metadata().map(|m| m.len()).unwrap_or(0);
    let bar = progress(len, message);
    let input = BufReader::with_capacity(1 << 20, bar.wrap_read(file));
    // The text's own error (not UTF-8, ...) is the one to give.
    let mut text_error = None;
    let mut text = || {
        read_text(path).map_err(|e| {
            text_error = Some(e);
            std::io::Error::other("the text could not be read")
        })
    };
    let result = wwe_core::har::import_har_reader(input, &mut text, each);
    bar.finish_and_clear();
    match (result, text_error) {
        (_, Some(e)) => Err(e),
        (Err(e), None) => Err(hinted(format!("cannot read {name}: {e}"), "check the file is readable")),
        (Ok(result), None) => Ok(result),
    }
}

/// Gives `each` the record of every line of a JSON Lines file: first the
/// lines of `head`, already read (see [`Lines::first`]), then the rest of
/// `lines`. A line the reader refuses is an error made by `bad`.
pub fn jsonl_records(
    head: Vec<String>,
    lines: &mut Lines<'_>,
    reader: &mut JsonlReader,
    bad: &dyn Fn(&wwe_core::Error) -> anyhow::Error,
    each: &mut dyn FnMut(wwe_core::record::Record) -> Result<()>,
) -> Result<()> {
    let mut record = |line: &str| match reader.line(line.strip_suffix('\n').unwrap_or(line)) {
        Ok(Some(r)) => each(r),
        Ok(None) => Ok(()),
        Err(e) => Err(bad(&e)),
    };
    for line in head {
        record(&line)?;
    }
    while let Some(line) = lines.next()? {
        record(&line)?;
    }
    Ok(())
}

/// A spinner for a step without a measure of progress, for big inputs on
/// a terminal.
pub fn spinner(size: u64, message: &'static str) -> ProgressBar {
    if size < PROGRESS_BYTES || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let s = ProgressBar::new_spinner();
    s.set_message(message);
    s.enable_steady_tick(Duration::from_millis(120));
    s
}

/// The file (or standard input) and its length when known (0 otherwise).
fn open(path: &Path) -> Result<(Box<dyn BufRead>, u64)> {
    let name = path.display().to_string();
    if crate::replay::is_stdin(path) {
        return Ok((Box::new(BufReader::with_capacity(1 << 20, std::io::stdin())), 0));
    }
    let file = File::open(path).map_err(|e| {
        hinted(format!("cannot open {name}: {e}"), "check the path; a trace is a .har or .jsonl file saved from the panel")
    })?;
    let len = file.metadata().map(|m| m.len()).unwrap_or(0);
    Ok((Box::new(BufReader::with_capacity(1 << 20, file)), len))
}

/// A trace's lines, each with its `\n`, checked to be UTF-8.
pub struct Lines<'a> {
    input: &'a mut Box<dyn BufRead>,
    name: &'a str,
    /// Bytes read so far.
    offset: u64,
    bar: &'a ProgressBar,
    /// The file's length, when known (0 otherwise).
    len: u64,
}

impl<'a> Lines<'a> {
    /// The lines of `input` (`len` bytes long, 0 when unknown), moving `bar`.
    pub fn new(input: &'a mut Box<dyn BufRead>, name: &'a str, bar: &'a ProgressBar, len: u64) -> Lines<'a> {
        Lines { input, name, offset: 0, bar, len }
    }

    /// The first line, with its `\n` and without a byte-order mark (not
    /// part of the first record).
    pub fn first(&mut self) -> Result<Option<String>> {
        Ok(self.next()?.map(|first| first.strip_prefix('\u{feff}').map(str::to_owned).unwrap_or(first)))
    }

    /// The next line, with its `\n`.
    pub fn next(&mut self) -> Result<Option<String>> {
        // The first line may be the whole file (a HAR without
        // indentation): room for all of it at once, so that it is not
        // copied while it grows (the pages a shorter line leaves untouched
        // take no memory).
        let mut bytes = if self.offset == 0 { Vec::with_capacity(usize::try_from(self.len).unwrap_or(0)) } else { Vec::new() };
        let n = self.input.read_until(b'\n', &mut bytes).map_err(|e| {
            let what = if self.name == "-" { "standard input".to_owned() } else { self.name.to_owned() };
            hinted(format!("cannot read {what}: {e}"), "check the file is readable")
        })?;
        if n == 0 {
            return Ok(None);
        }
        let at = self.offset;
        self.offset += n as u64;
        if self.offset >> 22 != at >> 22 {
            self.bar.set_position(self.offset);
        }
        String::from_utf8(bytes).map(Some).map_err(|e| {
            let at = at + e.utf8_error().valid_up_to() as u64;
            hinted(
                format!("{}: not UTF-8 text (bad byte at offset {at})", self.name),
                "a trace is JSON text; was the file compressed or saved in another encoding?",
            )
        })
    }
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
