//! `wwe-trace lint`: every finding, most severe first; exit 1 on findings
//! at the `--deny` level, for CI.

use std::fmt::Write;

use anyhow::Result;
use serde_json::json;
use wwe_core::lint::{Finding, Severity};

use crate::load::Loaded;
use crate::show::count;
use crate::Outcome;

/// At most this many message ids are listed per finding in text output.
const SHOWN_IDS: usize = 8;

/// Writes the findings; `Found` when one is at or above `deny`.
pub fn run(t: &Loaded, deny: Option<Severity>, json: bool, out: &mut String) -> Result<Outcome> {
    // The whole-capture W026 (no app's message reached WWE) is asked for
    // last: it holds only of the trace as a whole.
    let silence = t.session.silence();
    let mut findings: Vec<&Finding> = t.session.findings().iter().chain(silence.iter()).collect();
    // Most severe first; within a severity, in the order first seen.
    findings.sort_by_key(|f| std::cmp::Reverse(f.severity));
    if json {
        let list: Vec<_> = findings
            .iter()
            .map(|f| {
                json!({"code": f.code.as_str(), "name": f.code.name(), "severity": f.severity.as_str(),
                       "message": f.message, "messages": f.messages})
            })
            .collect();
        let _ = writeln!(out, "{}", serde_json::to_string_pretty(&list)?);
    } else {
        for f in &findings {
            let ids: Vec<String> = f.messages.iter().take(SHOWN_IDS).map(u64::to_string).collect();
            let more = if f.messages.len() > SHOWN_IDS { format!(" and {} more", f.messages.len() - SHOWN_IDS) } else { String::new() };
            let which = match f.messages.len() {
                0 => "the whole trace".to_owned(),
                1 => format!("message {}", ids.join(", ")),
                _ => format!("messages {}{more}", ids.join(", ")),
            };
            let _ = writeln!(out, "{}: {} {} {}: {} [{which}]", t.name, f.severity.as_str(), f.code.as_str(), f.code.name(), f.message);
        }
        let by = |sev: Severity| findings.iter().filter(|f| f.severity == sev).count();
        let _ = writeln!(
            out,
            "{}, {}, {}",
            count(by(Severity::Error), "error", "errors"),
            count(by(Severity::Warning), "warning", "warnings"),
            count(by(Severity::Info), "info", "info")
        );
    }
    let denied = deny.is_some_and(|level| findings.iter().any(|f| f.severity >= level));
    Ok(if denied { Outcome::Found } else { Outcome::Clean })
}
