//! `cargo xtask build`: the extension for each browser in `dist/<browser>/`:
//! the manifest filled for that browser, the JS glue, the icons, and the
//! panel compiled to wasm and wrapped as an ES module by wasm-bindgen.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use serde_json::{json, Value};

use crate::flags::{Browser, BuildOptions};
use crate::setup;
use crate::shell::{cargo, project_root, run};

/// Files copied as they are from `extension/` into every `dist/<browser>/`.
const EXTENSION_FILES: &[&str] = &[
    "relay.js",
    "hook.js",
    "background.js",
    "devtools.html",
    "devtools.js",
    "panel.html",
    "panel.css",
    "panel-loader.js",
];
const ICON_SIZES: &[u32] = &[16, 32, 48, 128];
/// The name wasm-bindgen gives the glue; `panel-loader.js` imports it.
const PANEL_MODULE: &str = "wwe_panel";
/// The capture engine's glue; `background.js` imports it.
const ENGINE_MODULE: &str = "wwe_engine";

/// Builds the extension for `options.browsers`; returns the dist folders.
pub fn build(options: &BuildOptions) -> Result<Vec<PathBuf>> {
    let panel = build_panel(options.release)?;
    let engine = build_wasm("wwe-engine", ENGINE_MODULE, options.release)?;
    let mut folders = Vec::new();
    for &browser in &options.browsers {
        let out = project_root().join("dist").join(browser.name());
        assemble(browser, &[(&panel, PANEL_MODULE), (&engine, ENGINE_MODULE)], &out)?;
        eprintln!("xtask: built {}", out.display());
        folders.push(out);
    }
    Ok(folders)
}

/// Compiles the panel crate to wasm and runs wasm-bindgen (and wasm-opt on
/// release builds); returns the folder holding the JS module and the wasm.
fn build_panel(release: bool) -> Result<PathBuf> {
    build_wasm("wwe-panel", PANEL_MODULE, release)
}

/// Compiles a `cdylib` package to wasm, wraps it as an ES module with
/// wasm-bindgen (web target) and, on release builds, shrinks it with
/// wasm-opt. Returns the folder holding `<module>.js` and `<module>_bg.wasm`.
/// Shared by every wasm page the project ships (panel, simulator).
pub fn build_wasm(package: &str, module: &str, release: bool) -> Result<PathBuf> {
    setup::ensure_wasm_target()?;
    let profile = if release { "wasm-release" } else { "dev" };
    run(cargo().args(["build", "--package", package, "--target", "wasm32-unknown-unknown", "--profile", profile]))?;
    let profile_dir = if release { "wasm-release" } else { "debug" };
    let wasm = crate::shell::cargo_target_dir()
        .join("wasm32-unknown-unknown")
        .join(profile_dir)
        .join(format!("{module}.wasm"));
    let out = project_root().join("target/xtask/wasm").join(module).join(profile_dir);
    // wasm-bindgen and wasm-opt take tens of seconds on a release build:
    // skip them when cargo left the module as it was.
    let stamp = out.join("built-from");
    let input = input_stamp(&wasm, release && setup::wasm_opt().is_some())?;
    let outputs = [format!("{module}.js"), format!("{module}_bg.wasm")];
    if fs::read_to_string(&stamp).is_ok_and(|s| s == input) && outputs.iter().all(|f| out.join(f).is_file()) {
        eprintln!("xtask: {module}: unchanged, wasm-bindgen and wasm-opt skipped");
        return Ok(out);
    }
    if out.exists() {
        fs::remove_dir_all(&out).with_context(|| format!("could not clear {}", out.display()))?;
    }
    fs::create_dir_all(&out)?;
    let mut bindgen = wasm_bindgen_cli_support::Bindgen::new();
    bindgen
        .input_path(&wasm)
        .web(true)
        .context("wasm-bindgen refused the web target")?
        // The library leaves out the default `.wasm` URL that the CLI puts
        // in; without it `init()` fails (browser-facts.md).
        .omit_default_module_path(false)
        .debug(!release)
        .keep_debug(false)
        .typescript(false);
    bindgen
        .generate(&out)
        .with_context(|| format!("wasm-bindgen failed on {}", wasm.display()))?;
    if release {
        optimize(&out.join(format!("{module}_bg.wasm")))?;
    }
    fs::write(&stamp, input)?;
    Ok(out)
}

/// What identifies a build of a module: its size and modification time,
/// and whether wasm-opt was there to shrink it.
fn input_stamp(wasm: &Path, optimised: bool) -> Result<String> {
    let meta = fs::metadata(wasm).with_context(|| format!("cargo built no {}", wasm.display()))?;
    let modified = meta.modified()?.duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    Ok(format!("{} {} {optimised}", meta.len(), modified.as_nanos()))
}

fn optimize(wasm: &Path) -> Result<()> {
    let Some(wasm_opt) = setup::wasm_opt() else { return Ok(()) };
    let before = fs::metadata(wasm)?.len();
    run(std::process::Command::new(wasm_opt)
        .arg("-Oz")
        .arg("--enable-reference-types")
        .arg("--enable-bulk-memory")
        .arg("--enable-nontrapping-float-to-int")
        .arg("--enable-sign-ext")
        .arg("--enable-mutable-globals")
        .arg(wasm)
        .arg("-o")
        .arg(wasm))?;
    let after = fs::metadata(wasm)?.len();
    eprintln!("xtask: wasm-opt: {before} -> {after} bytes");
    Ok(())
}

/// Writes `dist/<browser>/`: manifest, glue, icons, and the wasm modules
/// (each a folder from [`build_wasm`] and its module name).
fn assemble(browser: Browser, modules: &[(&Path, &str)], out: &Path) -> Result<()> {
    if out.exists() {
        fs::remove_dir_all(out).with_context(|| format!("could not clear {}", out.display()))?;
    }
    fs::create_dir_all(out.join("icons"))?;
    let root = project_root();
    for file in EXTENSION_FILES {
        copy(&root.join("extension").join(file), &out.join(file))?;
    }
    for size in ICON_SIZES {
        let name = format!("icon-{size}.png");
        copy(&root.join("assets/icons").join(&name), &out.join("icons").join(&name))?;
    }
    for (folder, module) in modules {
        for file in [format!("{module}.js"), format!("{module}_bg.wasm")] {
            copy(&folder.join(&file), &out.join(&file))?;
        }
    }
    let manifest = manifest_for(browser, &read_manifest()?)?;
    fs::write(out.join("manifest.json"), serde_json::to_string_pretty(&manifest)? + "\n")?;
    Ok(())
}

fn read_manifest() -> Result<Value> {
    let path = project_root().join("manifest.json");
    let text = fs::read_to_string(&path).with_context(|| format!("could not read {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| format!("{} is not valid JSON", path.display()))
}

/// The root manifest filled for one browser: the version from Cargo.toml,
/// and only the keys that browser understands.
pub fn manifest_for(browser: Browser, manifest: &Value) -> Result<Value> {
    let mut manifest = manifest.clone();
    let Some(object) = manifest.as_object_mut() else { bail!("manifest.json is not a JSON object") };
    object.insert("version".into(), json!(env!("CARGO_PKG_VERSION")));
    let background = object
        .get_mut("background")
        .and_then(Value::as_object_mut)
        .context("manifest.json has no `background` object")?;
    match browser {
        Browser::Chromium => {
            // A module service worker; `scripts` is Firefox's.
            background.remove("scripts");
            object.remove("browser_specific_settings");
        }
        Browser::Firefox => {
            // Firefox runs `scripts` as an event page; `key` is Chromium's id.
            background.remove("service_worker");
            object.remove("key");
            // Firefox has no `debugger` API (the panel's "Show undelivered
            // messages" switch is Chromium's): asking for it only warns.
            if let Some(permissions) = object.get_mut("permissions").and_then(Value::as_array_mut) {
                permissions.retain(|p| p != "debugger");
            }
        }
    }
    Ok(manifest)
}

fn copy(from: &Path, to: &Path) -> Result<()> {
    fs::copy(from, to).with_context(|| format!("could not copy {} to {}", from.display(), to.display()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn root_manifest() -> Value {
        read_manifest().unwrap()
    }

    #[test]
    fn chromium_manifest_keeps_key_and_service_worker_only() {
        let m = manifest_for(Browser::Chromium, &root_manifest()).unwrap();
        assert_eq!(m["version"], env!("CARGO_PKG_VERSION"));
        assert!(m["key"].is_string());
        assert!(m.get("browser_specific_settings").is_none());
        assert_eq!(m["background"]["service_worker"], "background.js");
        assert!(m["background"].get("scripts").is_none());
        assert!(m["permissions"].as_array().unwrap().contains(&json!("debugger")), "the undelivered-posts switch needs it");
    }

    #[test]
    fn firefox_manifest_has_gecko_id_and_scripts_only() {
        let m = manifest_for(Browser::Firefox, &root_manifest()).unwrap();
        assert!(m.get("key").is_none());
        assert_eq!(m["browser_specific_settings"]["gecko"]["id"], "wwe-devtools@wwe-devtools.dev");
        // addons.mozilla.org requires the declaration from new add-ons:
        // this extension transmits nothing anywhere.
        assert_eq!(m["browser_specific_settings"]["gecko"]["data_collection_permissions"]["required"], json!(["none"]));
        assert_eq!(m["background"]["scripts"], json!(["background.js"]));
        assert_eq!(m["background"]["type"], "module", "background.js imports the engine's glue");
        assert!(m["background"].get("service_worker").is_none());
        assert!(!m["permissions"].as_array().unwrap().contains(&json!("debugger")), "Firefox has no debugger API");
    }

    /// Every file the manifest names must be copied into dist, or the
    /// browser refuses the whole extension.
    #[test]
    fn every_file_the_manifest_names_is_shipped() {
        let m = root_manifest();
        let mut named: Vec<String> = Vec::new();
        for script in m["content_scripts"].as_array().into_iter().flatten() {
            named.extend(script["js"].as_array().into_iter().flatten().filter_map(|f| f.as_str().map(String::from)));
        }
        named.extend(m["background"]["scripts"].as_array().into_iter().flatten().filter_map(|f| f.as_str().map(String::from)));
        named.extend(m["background"]["service_worker"].as_str().map(String::from));
        named.extend(m["devtools_page"].as_str().map(String::from));
        assert!(!named.is_empty());
        for file in named {
            assert!(EXTENSION_FILES.contains(&file.as_str()), "{file} is named by manifest.json but not in EXTENSION_FILES");
            assert!(project_root().join("extension").join(&file).is_file(), "extension/{file} does not exist");
        }
    }

    /// A module cargo rebuilt (new size or time) or one wasm-opt has not
    /// shrunk yet is never taken for the one already processed.
    #[test]
    fn a_rebuilt_module_has_another_stamp() {
        let dir = std::env::temp_dir().join(format!("wwe-stamp-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let wasm = dir.join("m.wasm");
        fs::write(&wasm, b"\0asm one").unwrap();
        let first = input_stamp(&wasm, true).unwrap();
        assert_eq!(input_stamp(&wasm, true).unwrap(), first);
        assert_ne!(input_stamp(&wasm, false).unwrap(), first);
        std::thread::sleep(std::time::Duration::from_millis(20));
        fs::write(&wasm, b"\0asm two").unwrap();
        assert_ne!(input_stamp(&wasm, true).unwrap(), first, "same size, later time");
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn manifest_csp_allows_wasm_only_from_self() {
        let m = root_manifest();
        assert_eq!(
            m["content_security_policy"]["extension_pages"],
            "script-src 'self' 'wasm-unsafe-eval'; object-src 'self'"
        );
    }
}
