//! Reading a trace file again, pass after pass, for the core's streaming
//! export (`har::export_replayed`): `convert` and `redact` never hold a
//! file's records. JSON Lines are read a line at a time, a HAR a message
//! at a time (`har::import_har_reader`). A HAR written from the trace spills its redacted records to a
//! temporary file ([`TempFile`]), which has no name once open (Unix), so
//! that not even an interrupted command leaves it behind.

use std::fs::File;
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use anyhow::Result;
use wwe_core::har::{Format, JsonlReader, Pass, Replay};
use wwe_core::record::Record;

use crate::hinted;
use crate::load::{jsonl_records, progress, read_har, Lines};

/// A trace file, read again from the start for every pass.
pub struct TraceFile {
    pub path: PathBuf,
    pub format: Format,
    /// Refuse lines that are not records (they were reported when the file
    /// was first read; the lenient reader skips them again).
    pub strict: bool,
}

impl Replay for TraceFile {
    type Error = anyhow::Error;

    fn replay(&mut self, pass: Pass, each: &mut dyn FnMut(Record) -> std::io::Result<()>) -> Result<()> {
        let name = self.path.display().to_string();
        match self.format {
            Format::JsonLines => {
                let file = File::open(&self.path).map_err(|e| {
                    hinted(format!("cannot open {name} again: {e}"), "keep the file in place until the command ends")
                })?;
                let len = file.metadata().map(|m| m.len()).unwrap_or(0);
                let bar = progress(len, pass.as_str());
                let mut input: Box<dyn BufRead> = Box::new(BufReader::with_capacity(1 << 20, file));
                let mut lines = Lines::new(&mut input, &name, &bar, len);
                let head = lines.first()?.into_iter().collect();
                let bad = |e: &wwe_core::Error| hinted(format!("{name}: {e}"), "the file changed since it was read");
                jsonl_records(head, &mut lines, &mut JsonlReader::new(self.strict), &bad, &mut |r| each(r).map_err(|e| written(&e)))?;
                bar.finish_and_clear();
                Ok(())
            }
            Format::Har => {
                // The core reads the HAR a record at a time and cannot be
                // stopped: after a failure the rest is skipped.
                let mut failed = None;
                read_har(&self.path, pass.as_str(), &mut |r| {
                    if failed.is_none() {
                        failed = each(r).err();
                    }
                })?
                .map_err(|e| hinted(format!("{name}: {e}"), "the file changed since it was read"))?;
                failed.map_or(Ok(()), |e| Err(written(&e)))
            }
        }
    }
}

/// What failed while a record was being written.
fn written(e: &std::io::Error) -> anyhow::Error {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        return anyhow::Error::new(std::io::Error::from(std::io::ErrorKind::BrokenPipe));
    }
    hinted(format!("cannot write the output: {e}"), "check where the output goes and that the disk has room")
}

/// A temporary file (a HAR's spill of redacted records). On Unix its name
/// is removed as soon as it is open: the open file lives on, and the
/// system frees it when the process ends, even on Ctrl-C or a kill, where
/// no `Drop` runs. Elsewhere, or if that removal failed, it is removed
/// when dropped.
pub struct TempFile {
    file: File,
    /// The name still to remove when dropped.
    path: Option<PathBuf>,
}

impl TempFile {
    /// A new empty file in the temporary folder (`TMPDIR`).
    pub fn create() -> std::io::Result<TempFile> {
        let dir = std::env::temp_dir();
        let stamp = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
        let path = dir.join(format!("wwe-trace-{}-{stamp}.jsonl", std::process::id()));
        let file = std::fs::OpenOptions::new().read(true).write(true).create_new(true).open(&path).map_err(|e| {
            std::io::Error::new(e.kind(), format!("cannot create a temporary file in {}: {e}", dir.display()))
        })?;
        let named = !cfg!(unix) || std::fs::remove_file(&path).is_err();
        Ok(TempFile { file, path: named.then_some(path) })
    }
}

impl Read for TempFile {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.file.read(buf)
    }
}

impl Write for TempFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.file.write(buf)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.file.flush()
    }
}

impl Seek for TempFile {
    fn seek(&mut self, to: SeekFrom) -> std::io::Result<u64> {
        self.file.seek(to)
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if let Some(path) = &self.path {
            let _ = std::fs::remove_file(path);
        }
    }
}

/// Whether a path names standard input, which cannot be read twice.
pub fn is_stdin(path: &Path) -> bool {
    path.as_os_str() == "-"
}

#[cfg(test)]
mod tests {
    use super::*;

    /// While the spill is open and in use, the temporary folder holds no
    /// file of it: an interrupted command cannot leave one behind.
    #[cfg(unix)]
    #[test]
    fn the_spill_has_no_name_while_open() {
        let ours = || -> Vec<String> {
            let prefix = format!("wwe-trace-{}-", std::process::id());
            std::fs::read_dir(std::env::temp_dir())
                .unwrap()
                .filter_map(|e| e.ok()?.file_name().into_string().ok())
                .filter(|n| n.starts_with(&prefix))
                .collect()
        };
        let mut spill = TempFile::create().unwrap();
        spill.write_all(b"{\"a\":1}\n").unwrap();
        spill.seek(SeekFrom::Start(0)).unwrap();
        let mut back = String::new();
        spill.read_to_string(&mut back).unwrap();
        assert_eq!(back, "{\"a\":1}\n");
        assert_eq!(ours(), Vec::<String>::new(), "the spill's name is still in the temporary folder");
        drop(spill);
        assert_eq!(ours(), Vec::<String>::new());
    }
}
