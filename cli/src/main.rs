//! `wwe-trace`: the wwe-devtools core on trace files — summary, lint, rate
//! limits, conversion, redaction, diff and the API catalog.
//!
//! Flags are parsed by clap into [`flags::Flags`]; [`config`] turns them into
//! real objects (loaded traces, parsed options, redaction rules) so that the
//! commands never see clap, and the core never does either. Errors are
//! printed as `wwe-trace: <what>` with a `hint:` line, usage errors too.
//! The exit codes are one table for every subcommand (`flags::exit_codes!`,
//! also in the README): 0 clean, 1 found something at or above the chosen
//! level, 2 bad input or usage.

mod cmd;
mod config;
mod flags;
mod load;
mod outfile;
mod replay;
mod show;

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;

/// mimalloc: a trace is read as many small allocations (see Cargo.toml).
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// An error with a hint for the user, printed on the line after it.
#[derive(Debug)]
pub struct Hinted {
    /// What went wrong, naming the file and position.
    pub what: String,
    /// How to fix it.
    pub hint: String,
}

impl std::fmt::Display for Hinted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.what)
    }
}

impl std::error::Error for Hinted {}

/// An error with a hint.
pub fn hinted(what: impl Into<String>, hint: impl Into<String>) -> anyhow::Error {
    anyhow::Error::new(Hinted { what: what.into(), hint: hint.into() })
}

/// What a command found: decides the exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Nothing to report: exit 0.
    Clean,
    /// Findings, limited requests or differences: exit 1.
    Found,
}

fn main() -> ExitCode {
    let flags = match flags::Flags::try_parse() {
        Ok(flags) => flags,
        Err(e) => return usage_error(&e),
    };
    let mut out = String::new();
    let result = config::Config::from_flags(flags).and_then(|config| cmd::run(config, &mut out));
    let mut stdout = std::io::stdout().lock();
    if let Err(e) = stdout.write_all(out.as_bytes()).and_then(|()| stdout.flush()) {
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            eprintln!("wwe-trace: cannot write the output: {e}");
            return ExitCode::from(2);
        }
    }
    match result {
        Ok(Outcome::Clean) => ExitCode::SUCCESS,
        Ok(Outcome::Found) => ExitCode::from(1),
        Err(e) => {
            eprintln!("wwe-trace: {e:#}");
            if let Some(h) = e.chain().find_map(|c| c.downcast_ref::<Hinted>()) {
                eprintln!("hint: {}", h.hint);
            }
            ExitCode::from(2)
        }
    }
}

/// `--help` and `--version` as clap prints them (exit 0), the help for a
/// bare `wwe-trace` (exit 2); any other usage error as `wwe-trace: <what>`
/// with a hint, like every other error (exit 2).
fn usage_error(e: &clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    match e.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
            let _ = e.print();
            return ExitCode::SUCCESS;
        }
        ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            let _ = e.print();
            return ExitCode::from(2);
        }
        _ => {}
    }
    // clap renders "error: <what>\n<more of what>\n\n  tip: ...\n\nUsage: ...
    // \n\nFor more information, try '--help'."; keep each part under our
    // own prefix.
    let text = e.render().to_string();
    let text = text.strip_prefix("error: ").unwrap_or(&text);
    let what: Vec<&str> = text.lines().take_while(|l| !l.trim().is_empty()).map(str::trim).collect();
    let tip = text.lines().map(str::trim).find_map(|l| l.strip_prefix("tip: "));
    let usage = text.lines().find_map(|l| l.strip_prefix("Usage: ")).unwrap_or("wwe-trace <COMMAND>");
    eprintln!("wwe-trace: {}", what.join(" "));
    let tip = tip.map(|t| format!("{t}; ")).unwrap_or_default();
    eprintln!("hint: {tip}usage: {usage} (`--help` says more)");
    ExitCode::from(2)
}
