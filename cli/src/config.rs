//! The real objects a command works on, built from the raw flags: traces
//! loaded and checked, options parsed, redaction rules compiled, output
//! destinations chosen. Every problem with the user's input is found here
//! and reported with the file it is in.

use std::path::{Path, PathBuf};

use anyhow::Result;
use wwe_core::har::Format;
use wwe_core::lint::Severity;
use wwe_core::options::{parse_options, Options, RateLimits};
use wwe_core::redact::{Rule, Rules};

use crate::flags::{Command, DenyLevel, Flags, To};
use crate::hinted;
use crate::load::{load, read_text, Keep, Loaded};

/// Where a command writes its file.
#[derive(Debug)]
pub enum Output {
    /// Standard output.
    Stdout,
    /// This file.
    File(PathBuf),
}

/// What to do, with everything it needs.
// Built once per run; boxing the traces would buy nothing.
#[allow(clippy::large_enum_variant)]
pub enum Config {
    /// `summary`.
    Summary { trace: Loaded, deny: Option<Severity> },
    /// `lint`.
    Lint { trace: Loaded, deny: Option<Severity>, json: bool },
    /// `ratelimit`.
    Ratelimit { trace: Loaded, limits: RateLimits },
    /// `convert`.
    Convert { trace: Loaded, to: Format, output: Output, pretty: bool, rules: Rules },
    /// `redact`.
    Redact { trace: Loaded, rules: Rules, preview: bool, to: Format, output: Output, pretty: bool },
    /// `diff`.
    Diff { a: Loaded, b: Loaded, latency_tolerance: f64 },
    /// `catalog`.
    Catalog { json: bool },
}

fn format(to: To) -> Format {
    match to {
        To::Har => Format::Har,
        To::Jsonl => Format::JsonLines,
    }
}

/// The least severe finding that makes the exit code 1; `None` for never.
fn deny(level: DenyLevel) -> Option<Severity> {
    match level {
        DenyLevel::Warnings => Some(Severity::Warning),
        DenyLevel::Errors => Some(Severity::Error),
        DenyLevel::Never => None,
    }
}

fn output(path: Option<PathBuf>) -> Output {
    match path {
        Some(p) if p.as_os_str() != "-" => Output::File(p),
        _ => Output::Stdout,
    }
}

impl Config {
    /// Loads and checks everything the flags name.
    pub fn from_flags(flags: Flags) -> Result<Config> {
        let strict = flags.strict;
        let load = |path: &Path, options: Option<Options>| load(path, options, strict, Keep::Everything);
        // Summary, lint and ratelimit read the decoding, never a message:
        // their sessions keep a few hundred bytes a record.
        let analyse = |path: &Path, options: Option<Options>| crate::load::load(path, options, strict, Keep::Analysis);
        // Convert and redact read a file again rather than hold its
        // records; standard input, which cannot be read twice, is held.
        let to_write = |path: &Path| {
            let keep = if crate::replay::is_stdin(path) { Keep::Everything } else { Keep::Analysis };
            crate::load::load(path, None, strict, keep)
        };
        Ok(match flags.command {
            Command::Summary(f) => Config::Summary { trace: analyse(&f.trace, None)?, deny: deny(f.deny) },
            Command::Lint(f) => {
                let options = f.options.as_deref().map(options_file).transpose()?;
                Config::Lint { trace: analyse(&f.trace, options)?, deny: deny(f.deny), json: f.json }
            }
            Command::Ratelimit(f) => {
                let options = options_file(&f.options)?;
                Config::Ratelimit { limits: options.rate_limits.clone(), trace: analyse(&f.trace, None)? }
            }
            Command::Convert(f) => Config::Convert {
                trace: to_write(&f.trace)?,
                to: format(f.to),
                output: output(f.output),
                pretty: f.pretty,
                rules: if f.no_redact { Rules::none() } else { Rules::default() },
            },
            Command::Redact(f) => {
                let mut rules = if f.no_default_rules { Rules::none() } else { Rules::default() };
                if let Some(path) = &f.rules_file {
                    let text = read_text(path)?;
                    let parsed = Rules::parse(&text).map_err(|e| rule_error(&e, Some(path)))?;
                    for r in parsed.rules() {
                        rules.push(r.clone());
                    }
                }
                for text in &f.rules {
                    rules.push(Rule::parse(text).map_err(|e| rule_error(&e, None))?);
                }
                let trace = to_write(&f.trace)?;
                let to = f.to.map_or(trace.trace.format, format);
                Config::Redact { trace, rules, preview: f.preview, to, output: output(f.output), pretty: f.pretty }
            }
            Command::Diff(f) => {
                Config::Diff { a: load(&f.a, None)?, b: load(&f.b, None)?, latency_tolerance: f.latency_tolerance }
            }
            Command::Catalog(f) => Config::Catalog { json: f.json },
        })
    }
}

fn rule_error(e: &wwe_core::Error, file: Option<&Path>) -> anyhow::Error {
    let what = match file {
        Some(p) => format!("{}: {e}", p.display()),
        None => e.to_string(),
    };
    hinted(what, "rules are jwt, jwt-reply, credentials, key:<name>, pattern:phone, pattern:email, regex:<expression>")
}

/// Reads and parses a WWE options file; its warnings go to standard error.
fn options_file(path: &Path) -> Result<Options> {
    let text = read_text(path)?;
    let options = parse_options(&text).map_err(|e| {
        hinted(
            format!("{}: {e}", path.display()),
            "options are `key=value` lines (as in the WWE configuration) or one JSON object of them",
        )
    })?;
    for w in &options.warnings {
        let line = w.line.map(|l| format!(" (line {l})")).unwrap_or_default();
        eprintln!("wwe-trace: warning: {}{line}: {}", path.display(), w.message);
    }
    Ok(options)
}
