//! The command line as clap sees it: raw flags only. [`crate::config`]
//! turns them into real objects.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// The exit codes, one table for every subcommand; appended to every
/// `--help` (a macro because clap's `after_help` wants one literal) and
/// copied in the README (the golden tests check both agree).
macro_rules! exit_codes {
    () => {
        "Exit codes (every subcommand):
  0  clean: nothing found at or above the level
  1  found: findings at or above --deny (errors by default) for summary and
     lint, a request WWE would limit for ratelimit, a difference for diff
  2  bad input or usage: a file that cannot be read or is not a trace, bad
     options or rules, an unknown flag; no output file is written"
    };
}

const EXAMPLES: &str = concat!(
    "\
Examples:
  wwe-trace summary capture.har
  wwe-trace lint capture.har --options wwe-options.properties --deny warnings
  wwe-trace ratelimit capture.jsonl --options wwe-options.properties
  wwe-trace convert capture.jsonl --to har -o capture.har
  wwe-trace redact capture.har --rule key:CustomerPhone --rule pattern:email -o clean.har
  wwe-trace redact capture.har --rule pattern:phone --preview
  wwe-trace diff before.har after.har
  wwe-trace catalog --json

A trace is a HAR exported by the wwe-devtools panel, or JSON Lines of
capture records; `-` reads standard input.

",
    exit_codes!()
);

/// Check, summarise and convert wwe-devtools traces of Genesys WWE Service
/// Client API traffic.
#[derive(Debug, Parser)]
#[command(name = "wwe-trace", version, after_help = EXAMPLES)]
pub struct Flags {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
    /// Refuse a JSON Lines trace with any line that is not a record
    /// (by default such lines are skipped and listed).
    #[arg(long, global = true)]
    pub strict: bool,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Frames, message and exchange counts, requests with their outcomes and
    /// latencies, findings; exits 1 on findings at the --deny level.
    #[command(after_help = concat!("Example:\n  wwe-trace summary capture.har\n\n", exit_codes!()))]
    Summary(SummaryFlags),
    /// Every finding of the lints; exits 1 on findings at the --deny level
    /// (errors by default).
    #[command(after_help = concat!("Examples:\n  wwe-trace lint capture.har\n  wwe-trace lint capture.har --options wwe.properties --deny warnings\n\n", exit_codes!()))]
    Lint(LintFlags),
    /// Which requests WWE would rate-limit with these options (exits 1 if
    /// any).
    #[command(after_help = concat!("Example:\n  wwe-trace ratelimit capture.har --options wwe.properties\n\nThe options file holds WWE options as `key=value` lines or a JSON object,\ne.g. service-client-api.rate-limit=3\n\n", exit_codes!()))]
    Ratelimit(RatelimitFlags),
    /// Writes the trace as HAR or JSON Lines (redacted by the default rules).
    #[command(after_help = concat!("Examples:\n  wwe-trace convert capture.jsonl --to har -o capture.har\n  wwe-trace convert capture.har --to jsonl > records.jsonl\n\n", exit_codes!()))]
    Convert(ConvertFlags),
    /// Removes tokens and customer data; --preview shows what would go.
    #[command(after_help = concat!("Rules: jwt, jwt-reply, credentials (the default three), key:<userData key>,\npattern:phone, pattern:email, regex:<expression>. Every field of a record is\nredacted: the message (values, numbers and keys), frame URL, origins, stack.\n\nExamples:\n  wwe-trace redact capture.har --rule key:CustomerPhone -o clean.har\n  wwe-trace redact capture.har --rule pattern:phone --rule pattern:email --preview\n\n", exit_codes!()))]
    Redact(RedactFlags),
    /// Exchanges that differ between two traces (exits 1 if any).
    #[command(after_help = concat!("Example:\n  wwe-trace diff before.har after.har\n\nExchanges are matched by request name and referenceId, then by order.\n\n", exit_codes!()))]
    Diff(DiffFlags),
    /// The Service Client API as this tool knows it.
    #[command(after_help = concat!("Examples:\n  wwe-trace catalog\n  wwe-trace catalog --json\n\n", exit_codes!()))]
    Catalog(CatalogFlags),
}

/// `summary`.
#[derive(Debug, Args)]
pub struct SummaryFlags {
    /// The trace: a HAR from the panel or JSON Lines of records (`-` for
    /// standard input).
    pub trace: PathBuf,
    /// Exit 1 when there are findings at this level or above.
    #[arg(long, value_enum, value_name = "LEVEL", default_value = "errors")]
    pub deny: DenyLevel,
}

/// `lint`.
#[derive(Debug, Args)]
pub struct LintFlags {
    /// The trace.
    pub trace: PathBuf,
    /// WWE options (properties or JSON) to check requests against.
    #[arg(long, value_name = "FILE")]
    pub options: Option<PathBuf>,
    /// Exit 1 when there are findings at this level or above.
    #[arg(long, value_enum, value_name = "LEVEL", default_value = "errors")]
    pub deny: DenyLevel,
    /// Print the findings as JSON.
    #[arg(long)]
    pub json: bool,
}

/// `--deny` levels.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum DenyLevel {
    /// Warnings and errors.
    Warnings,
    /// Errors only.
    Errors,
    /// Exit 0 whatever is found.
    Never,
}

/// `ratelimit`.
#[derive(Debug, Args)]
pub struct RatelimitFlags {
    /// The trace.
    pub trace: PathBuf,
    /// WWE options (properties or JSON) with the rate limits.
    #[arg(long, value_name = "FILE")]
    pub options: PathBuf,
}

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum To {
    /// HAR 1.2 with wwe-devtools data.
    Har,
    /// JSON Lines of records.
    Jsonl,
}

/// `convert`.
#[derive(Debug, Args)]
pub struct ConvertFlags {
    /// The trace.
    pub trace: PathBuf,
    /// The format to write.
    #[arg(long, value_enum)]
    pub to: To,
    /// Write here instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Indent the HAR.
    #[arg(long)]
    pub pretty: bool,
    /// Do not apply the default redaction (JWTs, token replies, credentials
    /// in URLs and authorizations).
    #[arg(long)]
    pub no_redact: bool,
}

/// `redact`.
#[derive(Debug, Args)]
pub struct RedactFlags {
    /// The trace.
    pub trace: PathBuf,
    /// A rule to apply besides the default ones (repeatable).
    #[arg(long = "rule", value_name = "RULE")]
    pub rules: Vec<String>,
    /// A file of rules, one per line (`#` comments).
    #[arg(long, value_name = "FILE")]
    pub rules_file: Option<PathBuf>,
    /// Leave out the default rules (jwt, jwt-reply, credentials).
    #[arg(long)]
    pub no_default_rules: bool,
    /// Show what would be redacted, and write nothing.
    #[arg(long)]
    pub preview: bool,
    /// The format to write; the input's by default.
    #[arg(long, value_enum)]
    pub to: Option<To>,
    /// Write here instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Indent the HAR.
    #[arg(long)]
    pub pretty: bool,
}

/// `diff`.
#[derive(Debug, Args)]
pub struct DiffFlags {
    /// The first trace.
    pub a: PathBuf,
    /// The second trace.
    pub b: PathBuf,
    /// Latencies closer than this many milliseconds are the same.
    #[arg(long, value_name = "MS", default_value_t = 50.0)]
    pub latency_tolerance: f64,
}

/// `catalog`.
#[derive(Debug, Args)]
pub struct CatalogFlags {
    /// Print the catalog as JSON.
    #[arg(long)]
    pub json: bool,
}
