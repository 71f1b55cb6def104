//! `wwe-trace convert` and `wwe-trace redact`: write the trace as HAR or
//! JSON Lines through the core's redaction (the default rules for
//! `convert` unless `--no-redact`; the chosen ones for `redact`), or, with
//! `--preview`, list what would be redacted.
//!
//! A trace file is read again for each pass of the core's streaming export
//! (`har::export_replayed`), so no record is held; standard input, which
//! cannot be read twice, was loaded whole and is written from its session.

use std::cell::RefCell;
use std::fmt::Write;
use std::io::BufWriter;

use anyhow::Result;
use wwe_core::har::{export_replayed, export_to, preview_replayed, Format, Pass, StreamOptions};
use wwe_core::redact::{preview as preview_hits, Hit, Rules, Summarizer, Summary, TokenReplies};

use crate::config::Output;
use crate::hinted;
use crate::load::{Keep, Loaded};
use crate::outfile::OutputFile;
use crate::replay::{TempFile, TraceFile};
use crate::show::count;
use crate::Outcome;

/// Writes the converted (redacted) trace, or the preview.
pub fn run(t: Loaded, to: Format, output: &Output, pretty: bool, rules: &Rules, preview: bool, out: &mut String) -> Result<Outcome> {
    // The loading session paired the trace: no pass to learn it again.
    let token_replies = TokenReplies::of(&t.session, rules);
    // A lean one is needed no more: its memory goes before the passes.
    let held = (t.keep == Keep::Everything).then_some(t.session);
    let mut file = TraceFile { path: t.path.clone(), format: t.trace.format, strict: t.strict };
    if preview {
        let mut summary = Summarizer::default();
        let mut line = |h: &Hit| {
            let at = if h.pointer.is_empty() { "the message".to_owned() } else { h.pointer.clone() };
            let _ = writeln!(out, "message {} {at}: {} would remove {:?}", h.message, h.rule, h.found);
            summary.add(h);
        };
        match &held {
            Some(session) => preview_hits(session, rules).iter().for_each(&mut line),
            None => preview_replayed(&mut file, rules, Some(token_replies), &mut |h| {
                line(h);
                Ok(())
            })?,
        }
        let summary = summary.finish();
        let values: u64 = summary.iter().map(|s| s.count).sum();
        let _ = writeln!(out, "{} would be redacted{}", count(values as usize, "value", "values"), by_rule(&summary));
        return Ok(Outcome::Clean);
    }
    // A HAR's records pass through a temporary file: made before the
    // output is, so that a temporary folder without room or rights is said
    // as such and leaves no empty output behind.
    let mut temp = match to {
        Format::Har if held.is_none() => Some(TempFile::create().map_err(|e| {
            hinted(e.to_string(), "set TMPDIR to a folder with room for the trace's records (about the size of the trace)")
        })?),
        _ => None,
    };
    // Written as it is made: the file's text is never held whole. What
    // earlier exports redacted stays on record in the new file.
    let mut write = |w: &mut dyn std::io::Write| -> Result<(Vec<Summary>, Vec<String>)> {
        if let Some(session) = &held {
            let written = export_to(session, rules, to, pretty, &t.trace.redactions, &mut *w)?;
            w.flush()?;
            return Ok((wwe_core::redact::summarize(&written.hits), written.notes));
        }
        // The passes over the spill show as the source's passes do.
        let bar = RefCell::new(None::<(Pass, indicatif::ProgressBar)>);
        let progress = |pass: Pass, done: u64, all: u64| {
            let mut bar = bar.borrow_mut();
            if bar.as_ref().is_none_or(|(p, _)| *p != pass) {
                *bar = Some((pass, crate::load::progress(all, pass.as_str())));
            }
            let (_, b) = bar.as_ref().expect("just made");
            b.set_position(done);
            if done == all {
                b.finish_and_clear();
            }
        };
        let how = StreamOptions {
            rules,
            format: to,
            pretty,
            history: &t.trace.redactions,
            options: None,
            token_replies: Some(token_replies.clone()),
            progress: Some(&progress),
        };
        let mut spill = || temp.take().ok_or_else(|| std::io::Error::other("the spill file is made once"));
        let streamed = export_replayed(&mut file, &mut spill, &how, &mut *w)?;
        w.flush()?;
        Ok((streamed.redactions, streamed.notes))
    };
    let (redactions, notes) = match output {
        Output::Stdout => {
            let mut w = BufWriter::with_capacity(1 << 20, std::io::stdout().lock());
            match write(&mut w) {
                Ok(done) => done,
                // The reader stopped reading (`| head`): nothing to say.
                Err(e) if broken_pipe(&e) => return Ok(Outcome::Clean),
                Err(e) if e.is::<std::io::Error>() => {
                    return Err(hinted(format!("cannot write standard output: {e}"), "check where the output goes"))
                }
                Err(e) => return Err(e),
            }
        }
        Output::File(path) => {
            let cannot = |e: std::io::Error| {
                hinted(format!("cannot write {}: {e}", path.display()), "check the folder exists and is writable")
            };
            // In place only once complete: a failure leaves no partial
            // trace and does not replace an earlier file of that name.
            let mut w = BufWriter::with_capacity(1 << 20, OutputFile::create(path).map_err(cannot)?);
            let done = match write(&mut w) {
                Ok(done) => done,
                Err(e) => match e.downcast::<std::io::Error>() {
                    Ok(e) => return Err(cannot(e)),
                    Err(e) => return Err(e),
                },
            };
            w.into_inner().map_err(|e| cannot(e.into_error()))?.finish().map_err(cannot)?;
            done
        }
    };
    for note in &notes {
        eprintln!("wwe-trace: note: {note}");
    }
    let values: u64 = redactions.iter().map(|s| s.count).sum();
    if values > 0 {
        eprintln!("wwe-trace: redacted {}{}", count(values as usize, "value", "values"), by_rule(&redactions));
    }
    Ok(Outcome::Clean)
}

/// Whether writing failed because the reader went away.
fn broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| c.downcast_ref::<std::io::Error>().is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe))
}

/// ` (jwt x1, key:Phone x2)`, or nothing.
fn by_rule(summary: &[Summary]) -> String {
    if summary.is_empty() {
        return String::new();
    }
    let parts: Vec<String> = summary.iter().map(|s| format!("{} x{}", s.rule, s.count)).collect();
    format!(" ({})", parts.join(", "))
}
