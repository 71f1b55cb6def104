//! Every `cargo xtask` subcommand and flag, declared once with clap's
//! derive: `cargo xtask help` and `cargo xtask <command> --help` are made
//! from these declarations and their doc comments, so the help text cannot
//! drift from what is parsed. The raw flags are turned into the options the
//! subcommands take (`BuildOptions`, …), as `cli/src/flags.rs` does for
//! `wwe-trace`.

use std::path::PathBuf;

use anyhow::Result;
use clap::{Args, Parser, Subcommand, ValueEnum};

/// A browser the extension is built for and tested in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Browser {
    Chromium,
    Firefox,
}

impl Browser {
    pub const ALL: [Browser; 2] = [Browser::Chromium, Browser::Firefox];

    pub fn name(self) -> &'static str {
        match self {
            Browser::Chromium => "chromium",
            Browser::Firefox => "firefox",
        }
    }
}

#[derive(Debug)]
pub struct BuildOptions {
    pub browsers: Vec<Browser>,
    pub release: bool,
}

#[derive(Debug)]
pub struct TestOptions {
    pub browsers: Vec<Browser>,
    pub e2e: bool,
}

#[derive(Debug)]
pub struct BenchOptions {
    pub browsers: Vec<Browser>,
    /// Messages loaded into the panel.
    pub records: usize,
    /// Run only this section (`--only`), without the browsers.
    pub only: Option<String>,
}

#[derive(Debug)]
pub struct RunOptions {
    pub release: bool,
    pub headless: bool,
    pub options: Option<PathBuf>,
    pub web_content: Vec<String>,
}

#[derive(Debug)]
pub struct FuzzOptions {
    /// How long to fuzz, as given (the fuzz example reads it).
    pub seconds: String,
    /// The seed to replay; a new one per run when absent.
    pub seed: Option<String>,
    /// Trace files only, until this many runs.
    pub trace_runs: Option<String>,
}

#[derive(Debug)]
pub enum Command {
    Help,
    Run(RunOptions),
    Build(BuildOptions),
    Test(TestOptions),
    Tidy,
    Fuzz(FuzzOptions),
    Bench(BenchOptions),
    Package,
}

/// The project's automation.
#[derive(Parser, Debug)]
#[command(name = "cargo xtask", bin_name = "cargo xtask", disable_version_flag = true)]
struct Flags {
    #[command(subcommand)]
    command: Option<CommandFlags>,
}

#[derive(Subcommand, Debug)]
enum CommandFlags {
    /// Build the extension into dist/chromium/ and dist/firefox/.
    #[command(args_override_self = true)]
    Build {
        #[command(flatten)]
        browser: BrowserFlag,
        /// An optimised build.
        #[arg(long)]
        release: bool,
    },
    /// Unit tests, then a release build and the end-to-end tests in real
    /// browsers. Installs what is missing (wasm target, browsers, drivers).
    #[command(args_override_self = true)]
    Test {
        #[command(flatten)]
        browser: BrowserFlag,
        /// Only the unit tests.
        #[arg(long)]
        no_e2e: bool,
    },
    /// Build, serve the WWE simulator on loopback origins and open Chromium
    /// with the extension and DevTools. Without a display (or with
    /// --headless): drive a call, print what was captured, screenshot
    /// target/xtask/panel.png. The extension is the optimised release build
    /// users get; `--dev` for a debug build.
    #[command(args_override_self = true)]
    Run {
        /// A debug build of the extension (larger and slower than what
        /// users get) and of the simulator.
        #[arg(long)]
        dev: bool,
        /// Drive a call headless even with a display.
        #[arg(long)]
        headless: bool,
        /// Service Client API options (properties or JSON) for the simulator.
        #[arg(long, value_name = "FILE")]
        options: Option<PathBuf>,
        /// Your own app (repeatable): a hidden app the simulator lets you
        /// open, or MODE|URL with MODE tab, popup, background or hidden (a
        /// tab may only dial, as in WWE).
        #[arg(long, value_name = "URL", action = clap::ArgAction::Append)]
        web_content: Vec<String>,
    },
    /// Time-bounded fuzzing (stable Rust) of the decoder, the session, the
    /// options parser and trace export, import and redaction; a failure
    /// prints the input and the seed to replay.
    #[command(args_override_self = true)]
    Fuzz {
        /// How long to fuzz.
        #[arg(long, value_name = "N", default_value = "30", value_parser = non_negative_seconds)]
        seconds: String,
        /// Replay this seed (default: a new one per run, printed).
        #[arg(long, value_name = "N", value_parser = seed)]
        seed: Option<String>,
        /// Fuzz trace files only, until their targets (export, streamed
        /// export, import, redaction) ran N times in all or the time is up.
        #[arg(long, value_name = "N", value_parser = seed)]
        trace_runs: Option<String>,
    },
    /// Every benchmark side by side (wasm size, core throughput native and
    /// wasm, HAR, wwe-trace on a 300 MB trace, capture, the panel with N
    /// messages) into target/bench/report.md and report.json. Method and
    /// latest figures: BENCHMARKS.md.
    #[command(args_override_self = true)]
    Bench {
        #[command(flatten)]
        browser: BrowserFlag,
        /// Messages loaded into the panel.
        #[arg(long, value_name = "N", default_value_t = 100_000, value_parser = positive_count)]
        records: usize,
        /// Run one section only, without the browsers (`panel`: the
        /// release build and the panel in the browsers).
        #[arg(long, value_name = "SECTION", value_parser = ["size", "core", "har", "trace", "capture", "panel"])]
        only: Option<String>,
    },
    /// Release zips for the Chrome Web Store and addons.mozilla.org in
    /// target/package/, then Mozilla's `web-ext lint` on the Firefox one.
    Package,
    /// Consistency checks (pinned versions agree, every file says what it
    /// is for).
    Tidy,
}

/// `--browser`, shared by the subcommands that run browsers.
#[derive(Args, Debug)]
struct BrowserFlag {
    /// Which browser.
    #[arg(long, value_enum, default_value_t = BrowserChoice::All)]
    browser: BrowserChoice,
}

#[derive(ValueEnum, Clone, Copy, Debug)]
enum BrowserChoice {
    Chromium,
    Firefox,
    All,
}

impl BrowserFlag {
    fn browsers(&self) -> Vec<Browser> {
        match self.browser {
            BrowserChoice::Chromium => vec![Browser::Chromium],
            BrowserChoice::Firefox => vec![Browser::Firefox],
            BrowserChoice::All => Browser::ALL.to_vec(),
        }
    }
}

fn positive_count(value: &str) -> Result<usize, String> {
    value.parse().ok().filter(|n| *n > 0).ok_or_else(|| format!("needs a positive count, got `{value}`"))
}

fn non_negative_seconds(value: &str) -> Result<String, String> {
    match value.parse::<f64>() {
        Ok(s) if s >= 0.0 => Ok(value.to_owned()),
        _ => Err(format!("needs a number of seconds, got `{value}`")),
    }
}

fn seed(value: &str) -> Result<String, String> {
    value.parse::<u64>().map(|_| value.to_owned()).map_err(|_| format!("needs a whole number, got `{value}`"))
}

/// What the command line asks for. `Err` is clap's answer, to be printed:
/// the help (`help`, `--help`, `-h`) or a usage error.
pub fn parse(args: &[String]) -> Result<Command, clap::Error> {
    let flags = Flags::try_parse_from(std::iter::once("cargo xtask".to_owned()).chain(args.iter().cloned()))?;
    Ok(match flags.command {
        None => Command::Help,
        Some(CommandFlags::Build { browser, release }) => Command::Build(BuildOptions { browsers: browser.browsers(), release }),
        Some(CommandFlags::Test { browser, no_e2e }) => Command::Test(TestOptions { browsers: browser.browsers(), e2e: !no_e2e }),
        Some(CommandFlags::Run { dev, headless, options, web_content }) => {
            Command::Run(RunOptions { release: !dev, headless, options, web_content })
        }
        Some(CommandFlags::Fuzz { seconds, seed, trace_runs }) => Command::Fuzz(FuzzOptions { seconds, seed, trace_runs }),
        Some(CommandFlags::Bench { browser, records, only }) => {
            Command::Bench(BenchOptions { browsers: browser.browsers(), records, only })
        }
        Some(CommandFlags::Package) => Command::Package,
        Some(CommandFlags::Tidy) => Command::Tidy,
    })
}

/// The help, as `cargo xtask help` prints it.
pub fn help() -> String {
    use clap::CommandFactory;
    Flags::command().render_help().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_line(line: &str) -> Result<Command, clap::Error> {
        parse(&line.split_whitespace().map(str::to_owned).collect::<Vec<_>>())
    }

    #[test]
    fn the_declarations_are_consistent() {
        use clap::CommandFactory;
        Flags::command().debug_assert();
    }

    #[test]
    fn flags_parse_into_options() {
        assert!(matches!(parse_line(""), Ok(Command::Help)));
        match parse_line("build --browser firefox --release") {
            Ok(Command::Build(o)) => assert_eq!((o.browsers, o.release), (vec![Browser::Firefox], true)),
            other => panic!("{other:?}"),
        }
        match parse_line("run --dev") {
            Ok(Command::Run(o)) => assert!(!o.release),
            other => panic!("{other:?}"),
        }
        match parse_line("test --no-e2e") {
            Ok(Command::Test(o)) => assert_eq!((o.browsers, o.e2e), (Browser::ALL.to_vec(), false)),
            other => panic!("{other:?}"),
        }
        match parse_line("run --web-content a --web-content tab|b --options o.txt") {
            Ok(Command::Run(o)) => {
                assert_eq!(o.web_content, ["a", "tab|b"]);
                assert_eq!(o.options, Some(PathBuf::from("o.txt")));
                assert!(o.release, "`run` shows the optimised panel users get (issue 18)");
            }
            other => panic!("{other:?}"),
        }
        match parse_line("bench --records 5 --only core --browser chromium --browser all") {
            Ok(Command::Bench(o)) => assert_eq!((o.records, o.only.as_deref(), o.browsers), (5, Some("core"), Browser::ALL.to_vec())),
            other => panic!("{other:?}"),
        }
        assert!(matches!(parse_line("fuzz --trace-runs 10000000"), Ok(Command::Fuzz(FuzzOptions { trace_runs: Some(ref n), .. })) if n == "10000000"));
        match parse_line("fuzz --seconds 1.5 --seed 7") {
            Ok(Command::Fuzz(o)) => assert_eq!((o.seconds.as_str(), o.seed.as_deref()), ("1.5", Some("7"))),
            other => panic!("{other:?}"),
        }
        assert!(matches!(parse_line("fuzz"), Ok(Command::Fuzz(FuzzOptions { ref seconds, seed: None, trace_runs: None })) if seconds == "30"));
        for bad in ["bench --records 0", "bench --only nope", "build --browser edge", "build --nope", "fuzz --seconds -1", "fuzz --seed x", "fuzz --trace-runs many", "nope"] {
            assert!(parse_line(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_help_names_every_command() {
        let help = help();
        for command in ["build", "test", "run", "fuzz", "bench", "package", "tidy", "help"] {
            assert!(help.contains(command), "{command} missing from:\n{help}");
        }
    }
}
