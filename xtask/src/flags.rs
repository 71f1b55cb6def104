//! Every `cargo xtask` subcommand and flag, declared in one place.

use anyhow::{bail, Context, Result};

pub const HELP: &str = "\
cargo xtask <command> [flags]

Commands:
  build [--browser chromium|firefox|all] [--release]
        Build the extension into dist/chromium/ and dist/firefox/.
  test  [--browser chromium|firefox|all] [--no-e2e]
        Unit tests, then a release build and the end-to-end tests in real browsers.
        Installs what is missing (wasm target, browsers, drivers).
  run   [--release] [--headless] [--options FILE] [--web-content URL]...
        Build, serve the WWE simulator on loopback origins and open Chromium with
        the extension and DevTools. --options: Service Client API options
        (properties or JSON) for the simulator; --web-content: your own app
        (repeatable), a hidden app the simulator lets you open, or MODE|URL
        with MODE tab, popup, background or hidden (a tab may only dial, as
        in WWE). Without a display (or with --headless):
        drive a call, print what was captured, screenshot target/xtask/panel.png.
  fuzz  [--seconds N] [--seed N]
        Time-bounded fuzzing (stable Rust) of the decoder, the session, the
        options parser and trace export, import and redaction; a failure prints
        the input and the seed to replay.
  bench [--browser chromium|firefox|all] [--records N] [--only SECTION]
        Every benchmark side by side (wasm size, core throughput native and wasm,
        HAR, wwe-trace on a 300 MB trace, capture, the panel with N = 100000
        messages) into target/bench/report.md and report.json; --only runs one
        section (size, core, har, trace, capture). Method and latest figures:
        BENCHMARKS.md.
  package
        Release zips for the Chrome Web Store and addons.mozilla.org in
        target/package/, then Mozilla's `web-ext lint` on the Firefox one.
  tidy  Consistency checks (pinned versions agree, every file says what it is for).
  help  This text.
";

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
    pub options: Option<std::path::PathBuf>,
    pub web_content: Vec<String>,
}

#[derive(Debug)]
pub enum Command {
    Help,
    Run(RunOptions),
    Build(BuildOptions),
    Test(TestOptions),
    Tidy,
    Fuzz(Vec<String>),
    Bench(BenchOptions),
    Package,
}

pub fn parse(args: &[String]) -> Result<Command> {
    let Some((command, rest)) = args.split_first() else {
        return Ok(Command::Help);
    };
    let mut flags = Flags { rest: rest.iter() };
    let command = match command.as_str() {
        "help" | "--help" | "-h" => Command::Help,
        "build" => {
            let mut options = BuildOptions { browsers: Browser::ALL.to_vec(), release: false };
            while let Some(flag) = flags.next() {
                match flag {
                    "--browser" => options.browsers = parse_browsers(flags.value("--browser")?)?,
                    "--release" => options.release = true,
                    other => bail!("unknown flag `{other}` for `build`; see `cargo xtask help`"),
                }
            }
            Command::Build(options)
        }
        "test" => {
            let mut options = TestOptions { browsers: Browser::ALL.to_vec(), e2e: true };
            while let Some(flag) = flags.next() {
                match flag {
                    "--browser" => options.browsers = parse_browsers(flags.value("--browser")?)?,
                    "--no-e2e" => options.e2e = false,
                    other => bail!("unknown flag `{other}` for `test`; see `cargo xtask help`"),
                }
            }
            Command::Test(options)
        }
        "run" => {
            let mut options = RunOptions { release: false, headless: false, options: None, web_content: Vec::new() };
            while let Some(flag) = flags.next() {
                match flag {
                    "--release" => options.release = true,
                    "--headless" => options.headless = true,
                    "--options" => options.options = Some(flags.value("--options")?.into()),
                    "--web-content" => options.web_content.push(flags.value("--web-content")?.to_owned()),
                    other => bail!("unknown flag `{other}` for `run`; see `cargo xtask help`"),
                }
            }
            Command::Run(options)
        }
        "bench" => {
            let mut options = BenchOptions { browsers: Browser::ALL.to_vec(), records: 100_000, only: None };
            while let Some(flag) = flags.next() {
                match flag {
                    "--browser" => options.browsers = parse_browsers(flags.value("--browser")?)?,
                    "--records" => {
                        let value = flags.value("--records")?;
                        options.records = value.parse().ok().filter(|n| *n > 0).with_context(|| format!("`--records` needs a positive count, got `{value}`"))?;
                    }
                    "--only" => {
                        let value = flags.value("--only")?;
                        if !["size", "core", "har", "trace", "capture"].contains(&value) {
                            bail!("`--only` takes size, core, har, trace or capture, got `{value}`");
                        }
                        options.only = Some(value.to_owned());
                    }
                    other => bail!("unknown flag `{other}` for `bench`; see `cargo xtask help`"),
                }
            }
            Command::Bench(options)
        }
        "package" => match flags.next() {
            None => Command::Package,
            Some(other) => bail!("unknown flag `{other}` for `package`; see `cargo xtask help`"),
        },
        "tidy" => Command::Tidy,
        "fuzz" => Command::Fuzz(rest.to_vec()),
        other => bail!("unknown command `{other}`; see `cargo xtask help`"),
    };
    Ok(command)
}

struct Flags<'a> {
    rest: std::slice::Iter<'a, String>,
}

impl<'a> Flags<'a> {
    fn next(&mut self) -> Option<&'a str> {
        self.rest.next().map(String::as_str)
    }

    fn value(&mut self, flag: &str) -> Result<&'a str> {
        self.next().with_context(|| format!("`{flag}` needs a value"))
    }
}

fn parse_browsers(value: &str) -> Result<Vec<Browser>> {
    match value {
        "chromium" => Ok(vec![Browser::Chromium]),
        "firefox" => Ok(vec![Browser::Firefox]),
        "all" => Ok(Browser::ALL.to_vec()),
        other => bail!("unknown browser `{other}`: expected chromium, firefox or all"),
    }
}
