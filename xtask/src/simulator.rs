//! The WWE simulator site: the service page compiled to wasm
//! (`simulator/service`), the static pages of `simulator/site/`, the core
//! catalog as `catalog.json`, and `site-config.js` carrying the options and
//! web-content apps given to `cargo xtask run`. Written to
//! `target/xtask/simulator-site/`, which the loopback server serves on every
//! origin.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde_json::json;

use crate::dist;
use crate::shell::project_root;

/// The name wasm-bindgen gives the service page's glue; `service.html` imports it.
const SERVICE_MODULE: &str = "wwe_simulator_service";

/// What `cargo xtask run` passes on to the service page.
#[derive(Debug, Default)]
pub struct SiteConfig {
    /// Service Client API options (properties or JSON); `None`: the page's defaults.
    pub options: Option<String>,
    /// URLs of the integrator's own apps, each shown as a tab.
    pub web_content: Vec<String>,
}

/// Where the site is written.
pub fn site_dir() -> PathBuf {
    project_root().join("target/xtask/simulator-site")
}

/// Builds the service page and writes the whole site; returns its folder.
pub fn build_site(release: bool, config: &SiteConfig) -> Result<PathBuf> {
    let wasm = dist::build_wasm("wwe-simulator-service", SERVICE_MODULE, release)?;
    let out = site_dir();
    if out.exists() {
        fs::remove_dir_all(&out).with_context(|| format!("could not clear {}", out.display()))?;
    }
    fs::create_dir_all(&out)?;
    let site = project_root().join("simulator/site");
    for entry in fs::read_dir(&site).with_context(|| format!("could not read {}", site.display()))? {
        let path = entry?.path();
        if path.is_file() {
            copy(&path, &out.join(path.file_name().context("a file without a name")?))?;
        }
    }
    for file in [format!("{SERVICE_MODULE}.js"), format!("{SERVICE_MODULE}_bg.wasm")] {
        copy(&wasm.join(&file), &out.join(&file))?;
    }
    let catalog = wwe_simulator_service::catalog_json::catalog_json();
    fs::write(out.join("catalog.json"), serde_json::to_string_pretty(&catalog)? + "\n")?;
    fs::write(out.join("site-config.js"), site_config_js(config))?;
    Ok(out)
}

/// `site-config.js`: a classic script setting `WWE_SIM_CONFIG`.
fn site_config_js(config: &SiteConfig) -> String {
    let mut value = json!({});
    if let Some(options) = &config.options {
        value["options"] = json!(options);
    }
    if !config.web_content.is_empty() {
        let apps: Vec<_> = config
            .web_content
            .iter()
            .enumerate()
            .map(|(i, arg)| {
                // `MODE|URL` chooses how WWE shows it; a URL alone is a hidden
                // app (the simulator still opens it), which keeps the whole
                // API: a tab may only dial, as in WWE (G70).
                let (mode, url) = match arg.split_once('|') {
                    Some((mode, url)) if !mode.contains(':') => (mode, url),
                    _ => ("hidden", arg.as_str()),
                };
                json!({"title": format!("Your app {}", i + 1), "url": url, "mode": mode})
            })
            .collect();
        value["webContent"] = json!(apps);
    }
    format!(
        "// Runs in: the simulator's service page (classic script); written by `cargo xtask run`.\nglobalThis.WWE_SIM_CONFIG = {value};\n"
    )
}

fn copy(from: &Path, to: &Path) -> Result<()> {
    fs::copy(from, to).with_context(|| format!("could not copy {} to {}", from.display(), to.display()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn site_config_carries_options_and_apps() {
        let js = site_config_js(&SiteConfig {
            options: Some("service-client-api.rate-limit=3\n".into()),
            web_content: vec!["http://localhost:3000/".into()],
        });
        assert!(js.starts_with("// Runs in:"));
        assert!(js.contains(r#""options":"service-client-api.rate-limit=3\n""#), "{js}");
        assert!(js.contains(r#""url":"http://localhost:3000/""#), "{js}");
        assert!(js.contains(r#""mode":"hidden""#), "{js}");
        let tab = site_config_js(&SiteConfig { options: None, web_content: vec!["tab|http://localhost:3000/".into()] });
        assert!(tab.contains(r#""mode":"tab""#) && tab.contains(r#""url":"http://localhost:3000/""#), "{tab}");
        assert_eq!(site_config_js(&SiteConfig::default()).lines().nth(1), Some("globalThis.WWE_SIM_CONFIG = {};"));
    }
}
