//! In-memory [`Replay`] sources for tests of the streaming export: a list
//! of records, and a spill held as JSON Lines text.

use std::io::{self, Write};

use wwe_core::har::{JsonlReader, Pass, Replay};
use wwe_core::record::Record;

/// Records replayed from a list; counts the passes asked for.
pub struct MemSource {
    pub records: Vec<Record>,
    pub passes: Vec<Pass>,
    /// Fail with this after so many records of every pass.
    pub fail_after: Option<usize>,
}

impl MemSource {
    pub fn new(records: Vec<Record>) -> MemSource {
        MemSource { records, passes: Vec::new(), fail_after: None }
    }
}

impl Replay for MemSource {
    type Error = io::Error;
    fn replay(&mut self, pass: Pass, each: &mut dyn FnMut(Record) -> io::Result<()>) -> io::Result<()> {
        self.passes.push(pass);
        for (i, r) in self.records.iter().enumerate() {
            if self.fail_after == Some(i) {
                return Err(io::Error::other(format!("the source broke at record {i}")));
            }
            each(r.clone())?;
        }
        Ok(())
    }
}

/// A spill kept as text: written once, replayed line by line.
#[derive(Default)]
pub struct MemSpill {
    pub text: Vec<u8>,
    pub passes: Vec<Pass>,
}

impl Write for MemSpill {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.text.write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Replay for MemSpill {
    type Error = io::Error;
    fn replay(&mut self, pass: Pass, each: &mut dyn FnMut(Record) -> io::Result<()>) -> io::Result<()> {
        self.passes.push(pass);
        let text = std::str::from_utf8(&self.text).map_err(io::Error::other)?;
        let mut reader = JsonlReader::new(true);
        for line in text.lines() {
            if let Some(r) = reader.line(line).map_err(|e| io::Error::other(e.to_string()))? {
                each(r)?;
            }
        }
        Ok(())
    }
}
