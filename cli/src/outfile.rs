//! The output file of `convert` and `redact`, written under a temporary
//! name beside it and renamed into place only once complete: a command
//! that fails half-way (the input changed, the disk filled) leaves no
//! partial trace, and a file the output would replace stays as it was.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

pub struct OutputFile {
    file: File,
    path: PathBuf,
    /// The temporary name, while the file is not in place; `None` when it
    /// is written in place (see [`OutputFile::create`]).
    partial: Option<PathBuf>,
}

impl OutputFile {
    /// Starts writing `path`. A path that is not a regular file (a device
    /// such as `/dev/null`, a pipe, a symbolic link) is written in place:
    /// renaming over it would replace it. So is a file whose folder takes
    /// no new file.
    pub fn create(path: &Path) -> io::Result<OutputFile> {
        let existing = std::fs::symlink_metadata(path);
        let replaceable = match &existing {
            Ok(m) => m.is_file(),
            Err(e) => e.kind() == io::ErrorKind::NotFound,
        };
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
        let (Some(name), true) = (name, replaceable) else {
            return OutputFile::in_place(path);
        };
        let partial = path.with_file_name(format!(".{name}.{}.partial", std::process::id()));
        let Ok(file) = OpenOptions::new().write(true).create_new(true).open(&partial) else {
            // A folder that takes no new file may still let this one be
            // rewritten: in place then, as before.
            return OutputFile::in_place(path);
        };
        let out = OutputFile { file, path: path.to_owned(), partial: Some(partial) };
        // The file it replaces keeps its permissions: a trace someone made
        // private stays private.
        if let Ok(m) = existing {
            out.file.set_permissions(m.permissions())?;
        }
        Ok(out)
    }

    /// Writes `path` itself, truncating it.
    fn in_place(path: &Path) -> io::Result<OutputFile> {
        Ok(OutputFile { file: File::create(path)?, path: path.to_owned(), partial: None })
    }

    /// Puts the complete file in place.
    pub fn finish(mut self) -> io::Result<()> {
        self.file.flush()?;
        match self.partial.take() {
            Some(partial) => std::fs::rename(&partial, &self.path).inspect_err(|_| {
                let _ = std::fs::remove_file(&partial);
            }),
            None => Ok(()),
        }
    }
}

impl Write for OutputFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.file.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

impl Drop for OutputFile {
    /// Not finished: the partial file goes.
    fn drop(&mut self) {
        if let Some(partial) = &self.partial {
            let _ = std::fs::remove_file(partial);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn folder(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("wwe-trace-outfile-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn names(dir: &Path) -> Vec<String> {
        let mut all: Vec<String> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
        all.sort();
        all
    }

    #[test]
    fn a_file_not_finished_leaves_the_earlier_one_untouched_and_nothing_else() {
        let dir = folder("unfinished");
        let path = dir.join("out.har");
        std::fs::write(&path, "yesterday's trace").unwrap();
        let mut out = OutputFile::create(&path).unwrap();
        out.write_all(b"half a tr").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "yesterday's trace", "replaced before it was complete");
        drop(out);
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "yesterday's trace");
        assert_eq!(names(&dir), ["out.har"]);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_finished_file_is_in_place() {
        let dir = folder("finished");
        let path = dir.join("out.har");
        std::fs::write(&path, "yesterday's trace").unwrap();
        let mut out = OutputFile::create(&path).unwrap();
        out.write_all(b"today's").unwrap();
        out.finish().unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "today's");
        assert_eq!(names(&dir), ["out.har"]);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn a_replaced_file_keeps_its_permissions() {
        use std::os::unix::fs::PermissionsExt;
        let dir = folder("permissions");
        let path = dir.join("private.har");
        std::fs::write(&path, "old").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        let mut out = OutputFile::create(&path).unwrap();
        out.write_all(b"new").unwrap();
        out.finish().unwrap();
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn a_device_is_written_in_place_not_replaced() {
        let mut out = OutputFile::create(Path::new("/dev/null")).unwrap();
        out.write_all(b"anything").unwrap();
        out.finish().unwrap();
        let kind = std::fs::metadata("/dev/null").unwrap().file_type();
        use std::os::unix::fs::FileTypeExt;
        assert!(kind.is_char_device(), "/dev/null was replaced");
    }
}
