//! The subcommands, one file each; each writes its report into a string
//! and says whether it found something.

mod catalog;
mod convert;
mod diff;
mod lint;
mod ratelimit;
mod summary;

use anyhow::Result;

use crate::config::Config;
use crate::Outcome;

/// Runs the configured command, writing its report to `out`.
pub fn run(config: Config, out: &mut String) -> Result<Outcome> {
    match config {
        Config::Summary { trace, deny } => summary::run(&trace, deny, out),
        Config::Lint { trace, deny, json } => lint::run(&trace, deny, json, out),
        Config::Ratelimit { trace, limits } => ratelimit::run(&trace, &limits, out),
        Config::Convert { trace, to, output, pretty, rules } => convert::run(trace, to, &output, pretty, &rules, false, out),
        Config::Redact { trace, rules, preview, to, output, pretty } => {
            convert::run(trace, to, &output, pretty, &rules, preview, out)
        }
        Config::Diff { a, b, latency_tolerance } => diff::run(&a, &b, latency_tolerance, out),
        Config::Catalog { json } => catalog::run(json, out),
    }
}
