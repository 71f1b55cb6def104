//! `cargo xtask package`: the store packages, from a release build of
//! `dist/`:
//!
//! - `target/package/wwe-devtools-<version>-chromium.zip` for the Chrome Web
//!   Store. The manifest's `key` (which pins the extension id for unpacked
//!   loads and the tests) is removed: the Web Store refuses uploads that
//!   carry one and assigns the id itself.
//! - `target/package/wwe-devtools-<version>-firefox.zip` for
//!   addons.mozilla.org, checked with Mozilla's `web-ext lint` (npm
//!   `web-ext`, installed under `target/xtask/npm`); an error fails the
//!   command, warnings are printed.
//!
//! The zips are written here, without a zip library or CLI: entries are
//! stored uncompressed, sorted, with a fixed timestamp, so the same `dist/`
//! gives byte-identical packages (the stores compress what they serve).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context, Result};
use serde_json::Value;

use crate::dist;
use crate::flags::{Browser, BuildOptions};
use crate::shell::{self, describe, project_root, which};

/// Pinned like binaryen in `setup.rs`; needs Node.js 20 or newer.
const WEB_EXT_NPM: &str = "web-ext@10.7.0";

/// Builds the release extension, writes both packages and lints the
/// Firefox one; returns the package paths.
pub fn run() -> Result<Vec<PathBuf>> {
    dist::build(&BuildOptions { browsers: Browser::ALL.to_vec(), release: true })?;
    let packages = from_dist()?;
    lint_firefox(&packages[1])?;
    Ok(packages)
}

/// Writes both packages from what `dist/` holds now (a release build is the
/// caller's business); returns `[chromium, firefox]`.
pub fn from_dist() -> Result<Vec<PathBuf>> {
    Browser::ALL.into_iter().map(package).collect()
}

/// Writes `browser`'s package from `dist/<browser>/` as it is now.
pub fn package(browser: Browser) -> Result<PathBuf> {
    let out = project_root().join("target/package");
    fs::create_dir_all(&out)?;
    let dir = project_root().join("dist").join(browser.name());
    let mut files = Vec::new();
    collect(&dir, &dir, &mut files)?;
    let mut entries = Vec::new();
    for (name, path) in files {
        let mut bytes = fs::read(&path).with_context(|| format!("could not read {}", path.display()))?;
        if name == "manifest.json" {
            bytes = store_manifest(browser, &bytes)?;
        }
        entries.push((name, bytes));
    }
    let zip = out.join(format!("wwe-devtools-{}-{}.zip", env!("CARGO_PKG_VERSION"), browser.name()));
    fs::write(&zip, write_zip(&entries)?).with_context(|| format!("could not write {}", zip.display()))?;
    eprintln!("xtask: packaged {} ({} files, {} bytes)", zip.display(), entries.len(), fs::metadata(&zip)?.len());
    Ok(zip)
}

/// The manifest as the store receives it: Chromium's loses `key`.
fn store_manifest(browser: Browser, bytes: &[u8]) -> Result<Vec<u8>> {
    let mut manifest: Value = serde_json::from_slice(bytes).context("dist manifest.json is not JSON")?;
    if browser == Browser::Chromium {
        if let Some(object) = manifest.as_object_mut() {
            object.remove("key");
        }
    }
    Ok((serde_json::to_string_pretty(&manifest)? + "\n").into_bytes())
}

/// Every file under `dir`, as (path with `/` relative to `root`, path), sorted.
fn collect(root: &Path, dir: &Path, files: &mut Vec<(String, PathBuf)>) -> Result<()> {
    let mut entries: Vec<_> = fs::read_dir(dir)
        .with_context(|| format!("no {}: run `cargo xtask build --release`", dir.display()))?
        .collect::<std::io::Result<_>>()?;
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let path = entry.path();
        if path.is_dir() {
            collect(root, &path, files)?;
        } else {
            let name = path.strip_prefix(root)?.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/");
            files.push((name, path));
        }
    }
    Ok(())
}

/// Runs `web-ext lint` on the Firefox package (unpacked into a temporary
/// folder: `web-ext` lints a source folder); fails on any error.
pub fn lint_firefox(zip: &Path) -> Result<()> {
    let web_ext = web_ext()?;
    let unpacked = project_root().join("target/package/firefox-lint");
    if unpacked.exists() {
        fs::remove_dir_all(&unpacked)?;
    }
    for (name, bytes) in read_zip(&fs::read(zip)?)? {
        let path = unpacked.join(&name);
        fs::create_dir_all(path.parent().context("entry without a folder")?)?;
        fs::write(&path, bytes)?;
    }
    let mut command = Command::new(&web_ext);
    command.args(["lint", "--no-input", "--output", "json", "--source-dir"]).arg(&unpacked);
    eprintln!("$ {}", describe(&command));
    let out = command.output().with_context(|| format!("could not start `{}`", describe(&command)))?;
    let report: Value = serde_json::from_slice(&out.stdout).with_context(|| {
        format!("`web-ext lint` printed no JSON report ({}): {}", out.status, String::from_utf8_lossy(&out.stderr))
    })?;
    let summary = &report["summary"];
    for kind in ["errors", "warnings", "notices"] {
        for message in report[kind].as_array().into_iter().flatten() {
            eprintln!(
                "web-ext lint: {}: {} {}: {}",
                kind.trim_end_matches('s'),
                message["code"].as_str().unwrap_or("?"),
                message["file"].as_str().unwrap_or(""),
                message["message"].as_str().unwrap_or("")
            );
        }
    }
    eprintln!("xtask: web-ext lint on {}: {summary}", zip.display());
    let errors = summary["errors"].as_u64().context("web-ext lint's report has no error count")?;
    if errors > 0 {
        bail!("web-ext lint found {errors} error(s) in {}", zip.display());
    }
    fs::remove_dir_all(&unpacked)?;
    Ok(())
}

/// `web-ext` from npm under `target/xtask/npm`, installed when missing.
fn web_ext() -> Result<PathBuf> {
    let prefix = project_root().join("target/xtask/npm");
    let bin = prefix.join("node_modules/.bin/web-ext");
    if shell::is_executable(&bin) {
        return Ok(bin);
    }
    if which("npm").is_none() {
        bail!("web-ext needs Node.js 20+ and npm: `apt-get install -y nodejs npm`, then run this again");
    }
    shell::run(Command::new("npm").args(["install", "--no-audit", "--no-fund", "--silent", "--prefix"]).arg(&prefix).arg(WEB_EXT_NPM))
        .with_context(|| format!("could not install {WEB_EXT_NPM} with npm"))?;
    if !shell::is_executable(&bin) {
        bail!("npm installed {WEB_EXT_NPM} but {} is missing", bin.display());
    }
    Ok(bin)
}

// ----- zip (stored entries) -----

/// 1980-01-01 00:00, the earliest DOS date: a fixed time for every entry.
const DOS_TIME: u16 = 0;
const DOS_DATE: u16 = (1 << 5) | 1;

/// A zip archive of `entries` (name, bytes), stored without compression.
fn write_zip(entries: &[(String, Vec<u8>)]) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    let mut central = Vec::new();
    for (name, bytes) in entries {
        let offset = u32::try_from(out.len()).context("package over 4 GB")?;
        let size = u32::try_from(bytes.len()).context("file over 4 GB")?;
        let crc = crc32(bytes);
        let name_len = u16::try_from(name.len()).context("file name too long")?;
        // Local file header.
        out.extend_from_slice(&0x0403_4b50u32.to_le_bytes());
        for field in [20u16, 0, 0, DOS_TIME, DOS_DATE] {
            out.extend_from_slice(&field.to_le_bytes());
        }
        for field in [crc, size, size] {
            out.extend_from_slice(&field.to_le_bytes());
        }
        out.extend_from_slice(&name_len.to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes());
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(bytes);
        // Central directory entry.
        central.extend_from_slice(&0x0201_4b50u32.to_le_bytes());
        // Made by: Unix (3), spec 2.0; needed 2.0; flags; stored; time; date.
        for field in [0x0314u16, 20, 0, 0, DOS_TIME, DOS_DATE] {
            central.extend_from_slice(&field.to_le_bytes());
        }
        for field in [crc, size, size] {
            central.extend_from_slice(&field.to_le_bytes());
        }
        // Name length, extra, comment, disk, internal attributes.
        for field in [name_len, 0, 0, 0, 0] {
            central.extend_from_slice(&field.to_le_bytes());
        }
        // External attributes: a regular file, rw-r--r--.
        central.extend_from_slice(&(0o100644u32 << 16).to_le_bytes());
        central.extend_from_slice(&offset.to_le_bytes());
        central.extend_from_slice(name.as_bytes());
    }
    let count = u16::try_from(entries.len()).context("too many files")?;
    let central_offset = u32::try_from(out.len()).context("package over 4 GB")?;
    let central_size = u32::try_from(central.len()).context("package over 4 GB")?;
    out.extend_from_slice(&central);
    out.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
    for field in [0u16, 0, count, count] {
        out.extend_from_slice(&field.to_le_bytes());
    }
    out.extend_from_slice(&central_size.to_le_bytes());
    out.extend_from_slice(&central_offset.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    Ok(out)
}

/// The entries of a zip written by [`write_zip`] (stored entries only),
/// read through its central directory, each checked against its CRC.
fn read_zip(zip: &[u8]) -> Result<Vec<(String, Vec<u8>)>> {
    let u16_at = |at: usize| -> Result<usize> {
        Ok(u16::from_le_bytes(zip.get(at..at + 2).context("truncated zip")?.try_into()?) as usize)
    };
    let u32_at = |at: usize| -> Result<usize> {
        Ok(u32::from_le_bytes(zip.get(at..at + 4).context("truncated zip")?.try_into()?) as usize)
    };
    let end = zip.len().checked_sub(22).context("not a zip")?;
    if u32_at(end)? != 0x0605_4b50 {
        bail!("not a zip written by this tool (no end record where expected)");
    }
    let (count, mut at) = (u16_at(end + 10)?, u32_at(end + 16)?);
    let mut entries = Vec::with_capacity(count);
    for _ in 0..count {
        if u32_at(at)? != 0x0201_4b50 || u16_at(at + 10)? != 0 {
            bail!("unexpected central directory entry (only stored entries are read)");
        }
        let (crc, size, name_len) = (u32_at(at + 16)?, u32_at(at + 20)?, u16_at(at + 28)?);
        let skip = name_len + u16_at(at + 30)? + u16_at(at + 32)?;
        let name = String::from_utf8(zip.get(at + 46..at + 46 + name_len).context("truncated zip")?.to_vec())?;
        let local = u32_at(at + 42)?;
        let data = local + 30 + u16_at(local + 26)? + u16_at(local + 28)?;
        let bytes = zip.get(data..data + size).context("truncated zip")?.to_vec();
        if crc32(&bytes) as usize != crc {
            bail!("CRC mismatch for {name}");
        }
        if name.split('/').any(|part| part == ".." || part.is_empty()) {
            bail!("unsafe entry name {name:?}");
        }
        entries.push((name, bytes));
        at += 46 + skip;
    }
    Ok(entries)
}

/// CRC-32 (IEEE), as zip uses it.
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &byte in bytes {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc32_matches_the_standard_check_value() {
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
        assert_eq!(crc32(b""), 0);
    }

    #[test]
    fn zip_round_trips_and_is_deterministic() {
        let entries = vec![
            ("manifest.json".to_owned(), b"{}\n".to_vec()),
            ("icons/icon-16.png".to_owned(), vec![0, 1, 2, 255]),
            ("empty.txt".to_owned(), Vec::new()),
        ];
        let zip = write_zip(&entries).unwrap();
        assert_eq!(read_zip(&zip).unwrap(), entries);
        assert_eq!(write_zip(&entries).unwrap(), zip);
    }

    #[test]
    fn zip_with_a_bad_crc_is_refused() {
        let mut zip = write_zip(&[("a.txt".to_owned(), b"hello".to_vec())]).unwrap();
        zip[30 + 5] = b'j';
        assert!(read_zip(&zip).unwrap_err().to_string().contains("CRC"));
    }

    #[test]
    fn store_manifests_drop_the_key_for_chromium_only() {
        let manifest = br#"{"name": "x", "key": "MIIB"}"#;
        let chromium: Value = serde_json::from_slice(&store_manifest(Browser::Chromium, manifest).unwrap()).unwrap();
        assert!(chromium.get("key").is_none());
        let firefox: Value = serde_json::from_slice(&store_manifest(Browser::Firefox, manifest).unwrap()).unwrap();
        assert_eq!(firefox["key"], "MIIB");
    }
}
