//! Installs what a fresh machine lacks, or says exactly what to run:
//! the wasm target, the browsers and their drivers, and `wasm-opt`.
//!
//! Each `ensure_*` is cheap when the thing is already there, so every
//! command that needs something simply asks for it.

use std::path::PathBuf;
use std::process::Command;

use anyhow::{bail, Context, Result};

use crate::flags::Browser;
use crate::shell::{self, output, project_root, run, which};

const WASM_TARGET: &str = "wasm32-unknown-unknown";
/// npm's binaryen gives a working `wasm-opt`; Debian's (108) builds a module
/// that fails at run time (browser-facts.md), so it is never used.
const BINARYEN_NPM: &str = "binaryen@132.0.0";
const GECKODRIVER_CRATE: &str = "geckodriver";

/// Paths of the browsers and drivers the end-to-end tests use.
#[derive(Debug, Clone)]
pub struct Browsers {
    pub chromium: Option<(PathBuf, PathBuf)>,
    pub firefox: Option<(PathBuf, PathBuf)>,
}

impl Browsers {
    /// Environment variables the test harness reads to find them.
    pub fn env(&self) -> Vec<(&'static str, PathBuf)> {
        let mut vars = Vec::new();
        if let Some((browser, driver)) = &self.chromium {
            vars.push(("CHROMIUM", browser.clone()));
            vars.push(("CHROMEDRIVER", driver.clone()));
        }
        if let Some((browser, driver)) = &self.firefox {
            vars.push(("FIREFOX", browser.clone()));
            vars.push(("GECKODRIVER", driver.clone()));
        }
        vars
    }
}

/// Adds the wasm target with rustup when it is missing.
pub fn ensure_wasm_target() -> Result<()> {
    let installed = output(Command::new("rustup").args(["target", "list", "--installed"]));
    match installed {
        Some(list) if list.lines().any(|line| line.trim() == WASM_TARGET) => Ok(()),
        Some(_) => run(Command::new("rustup").args(["target", "add", WASM_TARGET]))
            .context("could not add the wasm target; run `rustup target add wasm32-unknown-unknown`"),
        None => {
            // No rustup: the sysroot may still have the target (a distro toolchain).
            let sysroot = output(Command::new("rustc").args(["--print", "sysroot"])).unwrap_or_default();
            let lib = PathBuf::from(sysroot.trim()).join("lib/rustlib").join(WASM_TARGET);
            if lib.is_dir() {
                Ok(())
            } else {
                bail!("the Rust target {WASM_TARGET} is missing and rustup is not installed; install rustup and run `rustup target add {WASM_TARGET}`")
            }
        }
    }
}

/// Finds (or installs) the browsers and drivers for `wanted`.
pub fn ensure_browsers(wanted: &[Browser]) -> Result<Browsers> {
    let mut packages = Vec::new();
    for browser in wanted {
        match browser {
            Browser::Chromium => {
                if find("CHROMIUM", &["chromium", "chromium-browser"]).is_none() {
                    packages.push("chromium");
                }
                if find("CHROMEDRIVER", &["chromedriver"]).is_none() {
                    packages.push("chromium-driver");
                }
            }
            Browser::Firefox => {
                if find("FIREFOX", &["firefox-esr", "firefox"]).is_none() {
                    packages.push("firefox-esr");
                }
            }
        }
    }
    if !packages.is_empty() {
        // Xvfb lets `cargo xtask run` and the DevTools test run headful.
        packages.push("xvfb");
        apt_install(&packages)?;
    }
    let chromium = if wanted.contains(&Browser::Chromium) {
        let browser = find("CHROMIUM", &["chromium", "chromium-browser"]).context("chromium is still missing after installing it")?;
        let driver = find("CHROMEDRIVER", &["chromedriver"]).context("chromedriver is still missing after installing it")?;
        Some((browser, driver))
    } else {
        None
    };
    let firefox = if wanted.contains(&Browser::Firefox) {
        let browser = find("FIREFOX", &["firefox-esr", "firefox"]).context("firefox-esr is still missing after installing it")?;
        Some((browser, ensure_geckodriver()?))
    } else {
        None
    };
    Ok(Browsers { chromium, firefox })
}

/// geckodriver is not a Debian package here; cargo builds it (~2.5 min).
fn ensure_geckodriver() -> Result<PathBuf> {
    if let Some(found) = find("GECKODRIVER", &["geckodriver"]).or_else(cargo_bin_geckodriver) {
        return Ok(found);
    }
    eprintln!("xtask: geckodriver is missing; building it from crates.io (takes a few minutes)");
    run(Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
        .args(["install", GECKODRIVER_CRATE, "--locked"]))
    .context("could not install geckodriver; run `cargo install geckodriver --locked`")?;
    cargo_bin_geckodriver().context("geckodriver was installed but is not in ~/.cargo/bin")
}

fn cargo_bin_geckodriver() -> Option<PathBuf> {
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cargo")))?;
    let path = home.join("bin/geckodriver");
    shell::is_executable(&path).then_some(path)
}

/// An explicit path in `$var`, else the first of `names` on PATH.
fn find(var: &str, names: &[&str]) -> Option<PathBuf> {
    if let Some(path) = std::env::var_os(var).map(PathBuf::from) {
        return shell::is_executable(&path).then_some(path);
    }
    names.iter().find_map(|name| which(name))
}

pub fn is_root() -> bool {
    output(Command::new("id").arg("-u")).is_some_and(|uid| uid.trim() == "0")
}

fn apt_install(packages: &[&str]) -> Result<()> {
    let list = packages.join(" ");
    if !is_root() {
        bail!("missing: {list}. Install them with:\n    sudo apt-get update && sudo apt-get install -y {list}");
    }
    eprintln!("xtask: installing {list} with apt-get");
    run(Command::new("apt-get").arg("update").arg("-q"))?;
    run(Command::new("apt-get")
        .env("DEBIAN_FRONTEND", "noninteractive")
        .args(["install", "-y", "-q"])
        .args(packages))
    .with_context(|| format!("could not install {list}; run `apt-get install -y {list}`"))
}

/// A working `wasm-opt` (npm's binaryen), installed under `target/xtask/npm`
/// when npm is available. `None` means release builds skip the optimisation,
/// with a warning.
pub fn wasm_opt() -> Option<PathBuf> {
    let prefix = project_root().join("target/xtask/npm");
    let bin = prefix.join("node_modules/.bin/wasm-opt");
    if shell::is_executable(&bin) {
        return Some(bin);
    }
    if which("npm").is_none() {
        eprintln!("xtask: warning: npm not found, so no wasm-opt; install Node.js and npm for smaller release builds");
        return None;
    }
    let installed = run(Command::new("npm")
        .args(["install", "--no-audit", "--no-fund", "--silent", "--prefix"])
        .arg(&prefix)
        .arg(BINARYEN_NPM));
    match installed {
        Ok(()) if shell::is_executable(&bin) => Some(bin),
        _ => {
            eprintln!("xtask: warning: could not install {BINARYEN_NPM} with npm; the release build skips wasm-opt");
            None
        }
    }
}
