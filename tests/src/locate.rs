//! Finding browser and driver executables, with an error that says what to
//! install when one is missing.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// An executable the harness needs.
#[derive(Debug, Clone, Copy)]
pub struct Tool {
    /// The environment variable that overrides the search.
    pub env: &'static str,
    /// Names tried on `PATH` and in `~/.cargo/bin`, in order.
    pub names: &'static [&'static str],
    /// The command that installs it on this kind of machine.
    pub install: &'static str,
}

pub const CHROMIUM: Tool = Tool {
    env: "CHROMIUM",
    names: &["chromium", "chromium-browser"],
    install: "apt-get install -y chromium chromium-driver",
};
pub const CHROMEDRIVER: Tool = Tool {
    env: "CHROMEDRIVER",
    names: &["chromedriver"],
    install: "apt-get install -y chromium chromium-driver",
};
pub const FIREFOX: Tool = Tool {
    env: "FIREFOX",
    names: &["firefox-esr", "firefox"],
    install: "apt-get install -y firefox-esr",
};
pub const GECKODRIVER: Tool = Tool {
    env: "GECKODRIVER",
    names: &["geckodriver"],
    install: "cargo install geckodriver --locked",
};

impl Tool {
    /// `$ENV`, then `PATH`, then `~/.cargo/bin`.
    pub fn locate(&self) -> Result<PathBuf> {
        if let Some(path) = std::env::var_os(self.env).filter(|v| !v.is_empty()) {
            let path = PathBuf::from(path);
            return if is_executable(&path) {
                Ok(path)
            } else {
                Err(Error::new(format!(
                    "{}={} is not an executable file; fix or unset it",
                    self.env,
                    path.display()
                )))
            };
        }
        let mut dirs: Vec<PathBuf> = std::env::var_os("PATH")
            .map(|p| std::env::split_paths(&p).collect())
            .unwrap_or_default();
        if let Some(home) = std::env::var_os("HOME") {
            dirs.push(Path::new(&home).join(".cargo/bin"));
        }
        for name in self.names {
            for dir in &dirs {
                let candidate = dir.join(name);
                if is_executable(&candidate) {
                    return Ok(candidate);
                }
            }
        }
        Err(Error::new(format!(
            "{} not found (looked at ${}, PATH and ~/.cargo/bin). Install it with `{}` \
             (or `cargo xtask install`), or set {} to its path",
            self.names[0], self.env, self.install, self.env
        )))
    }
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    path.metadata().map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0).unwrap_or(false)
}
