//! Consistency checks that keep the repository honest, run by
//! `cargo xtask tidy` and as unit tests of the xtask (so `cargo xtask test`
//! runs them): pinned versions agree, every file says what it is for, and
//! the JavaScript left in `extension/` stays small and says why it is not
//! Rust.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{bail, Result};

use crate::shell::project_root;

pub fn run() -> Result<()> {
    let mut problems = Vec::new();
    problems.extend(wasm_bindgen_versions_agree());
    problems.extend(files_say_what_they_are_for());
    problems.extend(extension_js_stays_small());
    problems.extend(panel_wasm_stays_small());
    if problems.is_empty() {
        eprintln!("xtask: tidy: all checks passed");
        Ok(())
    } else {
        bail!("tidy found {} problem(s):\n  {}", problems.len(), problems.join("\n  "))
    }
}

/// The panel's wasm-bindgen (in Cargo.lock) and the xtask's
/// wasm-bindgen-cli-support must be the very same version, or the glue
/// refuses the module with "a different bindgen format".
fn wasm_bindgen_versions_agree() -> Vec<String> {
    let lock = fs::read_to_string(project_root().join("Cargo.lock")).unwrap_or_default();
    let locked = |name: &str| -> Vec<String> {
        lock.split("[[package]]")
            .filter(|block| block.lines().any(|l| l.trim() == format!("name = \"{name}\"")))
            .filter_map(|block| block.lines().find_map(|l| l.trim().strip_prefix("version = \"")))
            .map(|v| v.trim_end_matches('"').to_string())
            .collect()
    };
    let runtime = locked("wasm-bindgen");
    let cli = locked("wasm-bindgen-cli-support");
    match (runtime.as_slice(), cli.as_slice()) {
        ([r], [c]) if r == c => Vec::new(),
        _ => vec![format!(
            "Cargo.lock has wasm-bindgen {runtime:?} and wasm-bindgen-cli-support {cli:?}; pin both to one version with `=` in the root Cargo.toml"
        )],
    }
}

/// Every Rust file opens with `//!`; every extension script's first line
/// says where it runs.
fn files_say_what_they_are_for() -> Vec<String> {
    let root = project_root();
    let mut problems = Vec::new();
    for file in source_files(&root) {
        let text = fs::read_to_string(&file).unwrap_or_default();
        let first = text.lines().next().unwrap_or("");
        let relative = file.strip_prefix(&root).unwrap_or(&file).display().to_string();
        let ok = match file.extension().and_then(|e| e.to_str()) {
            Some("rs") => first.starts_with("//!"),
            Some("js") => first.starts_with("// Runs in:"),
            _ => true,
        };
        if !ok {
            let wanted = if relative.ends_with(".rs") { "a `//!` comment" } else { "`// Runs in: …`" };
            problems.push(format!("{relative}: the first line should be {wanted} saying what the file is for"));
        }
    }
    problems
}

/// Lines of JavaScript `extension/` may hold in all (issue 16: the rest is
/// Rust, where a compiler and unit tests reach it).
const EXTENSION_JS_LINES: usize = 900;

/// The JS in `extension/` is under [`EXTENSION_JS_LINES`] lines in all, and
/// each file's opening comment says why it is not Rust (or wasm).
fn extension_js_stays_small() -> Vec<String> {
    let root = project_root();
    let mut problems = Vec::new();
    let mut total = 0;
    let js = source_files(&root).into_iter().filter(|p| p.extension().is_some_and(|e| e == "js"));
    for path in js {
        let text = fs::read_to_string(&path).unwrap_or_default();
        total += text.lines().count();
        let header: String = text.lines().take_while(|l| l.starts_with("//")).collect::<Vec<_>>().join(" ");
        if !header.contains("Rust") && !header.contains("wasm") {
            problems.push(format!("{}: the opening comment should say why this is JavaScript, not Rust", path.display()));
        }
    }
    if total == 0 || total >= EXTENSION_JS_LINES {
        problems.push(format!("extension/ holds {total} lines of JavaScript; keep it under {EXTENSION_JS_LINES} (move decisions into Rust)"));
    }
    problems
}

/// The settings that keep the panel's release wasm small (issue 18; the
/// size bench measures their effect): Leptos type-erased on every wasm
/// build, and the `wasm-release` profile optimised for size.
fn panel_wasm_stays_small() -> Vec<String> {
    let root = project_root();
    let config = fs::read_to_string(root.join(".cargo/config.toml")).unwrap_or_default();
    let manifest = fs::read_to_string(root.join("Cargo.toml")).unwrap_or_default();
    let mut problems = Vec::new();
    let erased = config
        .split("[target.wasm32-unknown-unknown]")
        .nth(1)
        .is_some_and(|table| table.split("\n[").next().unwrap_or("").contains(r#"rustflags = ["--cfg", "erase_components"]"#));
    if !erased {
        problems.push(".cargo/config.toml: [target.wasm32-unknown-unknown] should set rustflags = [\"--cfg\", \"erase_components\"] (about 10% of the panel's wasm)".to_string());
    }
    let profile = manifest.split("[profile.wasm-release]").nth(1).and_then(|t| t.split("\n[").next()).unwrap_or("");
    for wanted in [r#"opt-level = "z""#, "lto = true", "codegen-units = 1", r#"panic = "abort""#] {
        if !profile.lines().any(|l| l.trim() == wanted) {
            problems.push(format!("Cargo.toml: [profile.wasm-release] should have `{wanted}` (the panel's wasm size)"));
        }
    }
    problems
}

fn source_files(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = fs::read_dir(&dir) else { continue };
        for entry in entries.flatten() {
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().into_owned();
            if path.is_dir() {
                // Generated, vendored or installed trees are not ours to check.
                if !name.starts_with('.') && !matches!(name.as_str(), "target" | "dist" | "node_modules" | "fuzz") {
                    stack.push(path);
                }
            } else if name.ends_with(".rs") || (name.ends_with(".js") && path.starts_with(root.join("extension"))) {
                out.push(path);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn wasm_bindgen_versions_agree() {
        assert_eq!(super::wasm_bindgen_versions_agree(), Vec::<String>::new());
    }

    #[test]
    fn extension_js_stays_small() {
        assert_eq!(super::extension_js_stays_small(), Vec::<String>::new());
    }

    #[test]
    fn panel_wasm_stays_small() {
        assert_eq!(super::panel_wasm_stays_small(), Vec::<String>::new());
    }

    #[test]
    fn files_say_what_they_are_for() {
        assert_eq!(super::files_say_what_they_are_for(), Vec::<String>::new());
    }
}
