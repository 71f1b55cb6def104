//! `wwe-trace convert` and `wwe-trace redact`: write the trace as HAR or
//! JSON Lines through the core's redaction (the default rules for
//! `convert` unless `--no-redact`; the chosen ones for `redact`), or, with
//! `--preview`, list what would be redacted.

use std::fmt::Write;
use std::fs::File;
use std::io::{BufWriter, Write as _};

use anyhow::Result;
use wwe_core::har::{export_to, Format};
use wwe_core::redact::{preview as preview_hits, summarize, Rules};

use crate::config::Output;
use crate::hinted;
use crate::load::Loaded;
use crate::show::count;
use crate::Outcome;

/// Writes the converted (redacted) trace, or the preview.
pub fn run(t: &Loaded, to: Format, output: &Output, pretty: bool, rules: &Rules, preview: bool, out: &mut String) -> Result<Outcome> {
    if preview {
        let hits = preview_hits(&t.session, rules);
        for h in &hits {
            let at = if h.pointer.is_empty() { "the message".to_owned() } else { h.pointer.clone() };
            let _ = writeln!(out, "message {} {at}: {} would remove {:?}", h.message, h.rule, h.found);
        }
        let _ = writeln!(out, "{} would be redacted{}", count(hits.len(), "value", "values"), by_rule(&hits));
        return Ok(Outcome::Clean);
    }
    // What earlier exports redacted stays on record in the new file.
    // Written as it is made: the file's text is never held whole.
    let big = t.session.messages().len() as u64 * 512;
    let spinner = crate::load::spinner(big, "redacting and writing");
    let written = match output {
        Output::Stdout => {
            let mut w = BufWriter::with_capacity(1 << 20, std::io::stdout().lock());
            match export_to(&t.session, rules, to, pretty, &t.trace.redactions, &mut w).and_then(|r| w.flush().map(|()| r)) {
                Ok(written) => written,
                // The reader stopped reading (`| head`): nothing to say.
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => return Ok(Outcome::Clean),
                Err(e) => return Err(hinted(format!("cannot write standard output: {e}"), "check where the output goes")),
            }
        }
        Output::File(path) => {
            let cannot = |e: std::io::Error| {
                hinted(format!("cannot write {}: {e}", path.display()), "check the folder exists and is writable")
            };
            let mut w = BufWriter::with_capacity(1 << 20, File::create(path).map_err(cannot)?);
            export_to(&t.session, rules, to, pretty, &t.trace.redactions, &mut w)
                .and_then(|r| w.flush().map(|()| r))
                .map_err(cannot)?
        }
    };
    spinner.finish_and_clear();
    for note in &written.notes {
        eprintln!("wwe-trace: note: {note}");
    }
    if !written.hits.is_empty() {
        eprintln!("wwe-trace: redacted {}{}", count(written.hits.len(), "value", "values"), by_rule(&written.hits));
    }
    Ok(Outcome::Clean)
}

/// ` (jwt x1, key:Phone x2)`, or nothing.
fn by_rule(hits: &[wwe_core::redact::Hit]) -> String {
    let summary = summarize(hits);
    if summary.is_empty() {
        return String::new();
    }
    let parts: Vec<String> = summary.iter().map(|s| format!("{} x{}", s.rule, s.count)).collect();
    format!(" ({})", parts.join(", "))
}
