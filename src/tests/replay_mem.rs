//! An in-memory [`Replay`] source for tests of the streaming export, and
//! a spill file in memory.

use std::io;

use wwe_core::har::{Pass, Replay};
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

/// A spill file in memory, for `export_replayed`.
pub fn mem_spill() -> io::Result<io::Cursor<Vec<u8>>> {
    Ok(io::Cursor::new(Vec::new()))
}
