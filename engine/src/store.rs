//! What the engine keeps of a tab and how it lies in the store
//! (`storage.local`, which has no quota with `unlimitedStorage`): the
//! records in chunks (one per accepted batch), the tab's counters beside
//! them, the frame paths and the popups. Keys start with [`PREFIX`].
//!
//! Every record in memory is in a stored chunk, or in a chunk whose write
//! is still pending, or *volatile* (its write was refused): a restart
//! restores exactly the stored chunks and counts the volatile records as
//! dropped, so nothing is lost without being counted.

use std::collections::{BTreeMap, VecDeque};

use serde::{Deserialize, Serialize};
use serde_json::Value;
use wwe_core::wire::Record;

use crate::frames::Opener;

/// Every key the engine writes starts with this.
pub const PREFIX: &str = "wwe.s.";
/// The key of the popups list.
pub const POPUPS_KEY: &str = "wwe.s.popups";

pub fn meta_key(tab: i64) -> String {
    format!("{PREFIX}meta.{tab}")
}
pub fn paths_key(tab: i64) -> String {
    format!("{PREFIX}paths.{tab}")
}
pub fn chunk_key(tab: i64, n: u64) -> String {
    format!("{PREFIX}chunk.{tab}.{n}")
}

/// One stored chunk: the records of one accepted batch.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct Chunk {
    /// Numbered over all tabs, in the order written: the lowest is the
    /// oldest, dropped first when the budget is reached.
    pub n: u64,
    pub last_id: u64,
    /// Length of the chunk's JSON text.
    pub bytes: u64,
    pub count: u64,
    /// Leading records of the chunk dropped since (the tab's capacity):
    /// a restart skips them.
    pub trimmed: u64,
}

/// The last sequence number seen from one relay (frame document).
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct RelaySeen {
    pub id: String,
    pub last: i64,
}

/// A tab's counters, stored beside its chunks in one write.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct TabMeta {
    pub next_id: u64,
    pub dropped: u64,
    pub preserve: bool,
    /// Oldest first; at most `RELAYS_PER_TAB`.
    pub relays: Vec<RelaySeen>,
    pub chunks: Vec<Chunk>,
    /// Records in memory only (their write was refused).
    pub volatile: u64,
    pub page_reports_dropped: u64,
    pub page_reports_rejected: u64,
}

/// A record in memory and the chunk that stores it (`None`: volatile).
#[derive(Clone, Debug, PartialEq)]
pub struct Kept {
    pub chunk: Option<u64>,
    pub record: Record,
}

/// One capture tab: its records (oldest first) and counters.
#[derive(Clone, Debug, Default)]
pub struct Tab {
    pub records: VecDeque<Kept>,
    pub meta: TabMeta,
}

impl Tab {
    /// Removes the records of chunk `n`; returns how many.
    pub fn remove_chunk_records(&mut self, n: u64) -> u64 {
        let before = self.records.len();
        self.records.retain(|k| k.chunk != Some(n));
        (before - self.records.len()) as u64
    }

    /// Drops the oldest records beyond `capacity`; returns how many. A
    /// batch's records are contiguous, so what goes of a chunk is always
    /// its first records: the chunk notes how many.
    pub fn trim_to(&mut self, capacity: usize) -> u64 {
        let excess = self.records.len().saturating_sub(capacity);
        for kept in self.records.drain(..excess) {
            match kept.chunk {
                None => self.meta.volatile = self.meta.volatile.saturating_sub(1),
                Some(n) => {
                    if let Some(chunk) = self.meta.chunks.iter_mut().find(|c| c.n == n) {
                        chunk.trimmed += 1;
                    }
                }
            }
        }
        excess as u64
    }

    /// Chunks none of whose records are in memory any more.
    pub fn unused_chunks(&self) -> Vec<u64> {
        let used: std::collections::BTreeSet<u64> =
            self.records.iter().filter_map(|k| k.chunk).collect();
        self.meta
            .chunks
            .iter()
            .map(|c| c.n)
            .filter(|n| !used.contains(n))
            .collect()
    }
}

/// What a restart finds in the store.
#[derive(Debug, Default)]
pub struct Restored {
    pub tabs: BTreeMap<i64, Tab>,
    pub paths: BTreeMap<i64, BTreeMap<String, i64>>,
    pub popups: BTreeMap<i64, Opener>,
    /// Bytes of the chunks found.
    pub bytes: u64,
    pub next_chunk: u64,
    /// Keys that could not be read (removed, and reported as errors).
    pub unreadable: Vec<String>,
}

/// Rebuilds the engine's tabs from the store's contents.
pub fn restore(stored: &BTreeMap<String, Value>) -> Restored {
    let mut out = Restored::default();
    let mut chunks: BTreeMap<(i64, u64), &Value> = BTreeMap::new();
    for (key, value) in stored {
        let Some(rest) = key.strip_prefix(PREFIX) else {
            continue;
        };
        let parts: Vec<&str> = rest.split('.').collect();
        let tab = parts.get(1).and_then(|t| t.parse::<i64>().ok());
        match (
            parts[0],
            tab,
            parts.get(2).and_then(|n| n.parse::<u64>().ok()),
        ) {
            ("meta", Some(tab), None) => match serde_json::from_value::<TabMeta>(value.clone()) {
                Ok(meta) => {
                    out.tabs.insert(
                        tab,
                        Tab {
                            records: VecDeque::new(),
                            meta,
                        },
                    );
                }
                Err(_) => out.unreadable.push(key.clone()),
            },
            ("chunk", Some(tab), Some(n)) => {
                chunks.insert((tab, n), value);
            }
            ("paths", Some(tab), None) => {
                match serde_json::from_value::<Vec<(String, i64)>>(value.clone()) {
                    Ok(paths) => {
                        out.paths.insert(tab, paths.into_iter().collect());
                    }
                    Err(_) => out.unreadable.push(key.clone()),
                }
            }
            ("popups", None, None) => {
                match serde_json::from_value::<Vec<(i64, Opener)>>(value.clone()) {
                    Ok(popups) => out.popups = popups.into_iter().collect(),
                    Err(_) => out.unreadable.push(key.clone()),
                }
            }
            _ => out.unreadable.push(key.clone()),
        }
    }
    for (&tab_id, tab) in out.tabs.iter_mut() {
        // Records that were only in memory died with the old worker.
        tab.meta.dropped += tab.meta.volatile;
        tab.meta.volatile = 0;
        tab.meta.chunks.sort_by_key(|c| c.n);
        let listed = std::mem::take(&mut tab.meta.chunks);
        for chunk in listed {
            out.next_chunk = out.next_chunk.max(chunk.n + 1);
            match chunks.remove(&(tab_id, chunk.n)).and_then(read_chunk) {
                Some(records) => {
                    for record in records.into_iter().skip(chunk.trimmed as usize) {
                        tab.records.push_back(Kept {
                            chunk: Some(chunk.n),
                            record,
                        });
                    }
                    out.bytes += chunk.bytes;
                    tab.meta.chunks.push(chunk);
                }
                // Listed but not stored (its write was refused after a
                // later write had listed it): gone, and counted.
                None => tab.meta.dropped += chunk.count,
            }
        }
    }
    // Chunks no tab lists: written after their tab was cleared or removed.
    out.unreadable
        .extend(chunks.keys().map(|(tab, n)| chunk_key(*tab, *n)));
    out
}

/// A chunk's records from its stored JSON text.
fn read_chunk(value: &Value) -> Option<Vec<Record>> {
    match value {
        Value::String(text) => serde_json::from_str(text).ok(),
        other => serde_json::from_value(other.clone()).ok(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_listed_chunk_that_is_missing_counts_as_dropped_and_volatile_records_too() {
        let meta = TabMeta {
            next_id: 5,
            volatile: 2,
            chunks: vec![
                Chunk {
                    n: 0,
                    last_id: 1,
                    bytes: 10,
                    count: 2,
                    trimmed: 0,
                },
                Chunk {
                    n: 3,
                    last_id: 2,
                    bytes: 10,
                    count: 1,
                    trimmed: 0,
                },
            ],
            ..TabMeta::default()
        };
        let records = serde_json::to_string(&vec![
            Record {
                id: 0,
                ..Record::default()
            },
            Record {
                id: 1,
                ..Record::default()
            },
        ])
        .unwrap();
        let stored: BTreeMap<String, Value> = [
            (meta_key(4), serde_json::to_value(&meta).unwrap()),
            (chunk_key(4, 0), json!(records)),
            (chunk_key(9, 1), json!("[]")),
        ]
        .into_iter()
        .collect();
        let restored = restore(&stored);
        let tab = &restored.tabs[&4];
        assert_eq!(tab.records.len(), 2);
        assert_eq!(tab.meta.dropped, 3, "2 volatile + 1 in the missing chunk");
        assert_eq!(tab.meta.volatile, 0);
        assert_eq!(restored.next_chunk, 4);
        assert_eq!(restored.bytes, 10);
        assert_eq!(
            restored.unreadable,
            vec![chunk_key(9, 1)],
            "a chunk no tab lists is reported"
        );
    }

    #[test]
    fn records_trimmed_from_a_chunk_stay_dropped_after_a_restore() {
        let meta = TabMeta {
            next_id: 3,
            chunks: vec![Chunk {
                n: 0,
                last_id: 2,
                bytes: 1,
                count: 3,
                trimmed: 2,
            }],
            ..TabMeta::default()
        };
        let records: Vec<Record> = (0..3)
            .map(|id| Record {
                id,
                ..Record::default()
            })
            .collect();
        let stored: BTreeMap<String, Value> = [
            (meta_key(1), serde_json::to_value(&meta).unwrap()),
            (
                chunk_key(1, 0),
                json!(serde_json::to_string(&records).unwrap()),
            ),
        ]
        .into_iter()
        .collect();
        let ids: Vec<u64> = restore(&stored).tabs[&1]
            .records
            .iter()
            .map(|k| k.record.id)
            .collect();
        assert_eq!(ids, vec![2]);
    }
}
