//! A relay's batch, from its arrival to its answer: the sender's frame
//! tree is fetched if unknown, sequence numbers drop duplicates and count
//! gaps, each record gets its id and its sender, senders whose relay has
//! not reported its path yet are given a moment, then the records are
//! kept, shown to watching panels and stored; the relay is answered once
//! they are stored, so that it resends what a restart would lose.

use serde_json::{json, Value};
use wwe_core::wire::{BackgroundToPanel, Record, RelayBatch, Source};

use crate::frames::{truncate, Resolved};
use crate::reports;
use crate::io::{Effect, Sender, Ticket};
use crate::store::{self, Chunk, Kept, RelaySeen};
use crate::{Engine, Write, LATE_PATH_STEP_MS, LATE_PATH_WAIT_MS, RELAYS_PER_TAB, TAB_CAPACITY};

/// A batch between its arrival and its answer.
#[derive(Debug)]
pub struct Pending {
    /// The tab of the sending frame, and the capture it joins.
    tab: i64,
    capture: i64,
    frame: i64,
    frame_url: String,
    batch: RelayBatch,
    stage: Stage,
}

#[derive(Debug)]
enum Stage {
    /// Waiting for the tab's frame tree.
    Frames,
    /// Waiting for senders' paths: the records, the sender each names,
    /// the relay's last sequence number and the gaps, and the time waited.
    Late {
        records: Vec<(Record, Option<Source>)>,
        last: i64,
        gaps: u64,
        waited: u32,
    },
    /// Waiting for the write that records the batch: its chunk and the
    /// tab's counters, or the counters alone (`None`). The relay is
    /// answered only after it, so that what a restart would lose is sent
    /// again rather than lost uncounted.
    Store { chunk: Option<u64> },
}

fn answer(ticket: Ticket, armed: bool) -> Effect {
    Effect::Answer {
        ticket,
        value: json!({ "ok": true, "armed": armed }),
    }
}

impl Engine {
    pub(crate) fn relay_batch(
        &mut self,
        ticket: Ticket,
        sender: &Sender,
        message: Value,
        out: &mut Vec<Effect>,
    ) {
        let Some(tab) = sender.tab else {
            return out.push(answer(ticket, false));
        };
        self.note_top_url(sender);
        let batch: RelayBatch = match serde_json::from_value(message) {
            Ok(batch) => batch,
            Err(error) => {
                // Only the extension's relay sends these: this is our bug.
                // The relay keeps the records and tries again.
                let why = format!("a relay-batch the engine cannot read: {error}");
                self.note_error(why.clone());
                return out.push(Effect::Answer {
                    ticket,
                    value: json!({ "ok": false, "error": why }),
                });
            }
        };
        if !self.is_armed(tab) {
            return out.push(answer(ticket, false));
        }
        let capture = self.frames.capture_tab_of(tab);
        self.tab_mut(capture);
        let frame = sender.frame.unwrap_or(-1);
        self.frames.note_path(tab, frame, &batch.frame_path);
        let frame_url = if sender.url.is_empty() {
            batch.frame_url.clone()
        } else {
            sender.url.clone()
        };
        let pending = Pending {
            tab,
            capture,
            frame,
            frame_url,
            batch,
            stage: Stage::Frames,
        };
        if self.frames.knows_frame(tab, frame) {
            self.accept(ticket, pending, out);
        } else {
            out.push(Effect::Frames {
                tab,
                ticket: Some(ticket),
            });
            self.pending.insert(ticket, pending);
        }
    }

    pub(crate) fn batch_frames_known(&mut self, ticket: Ticket, out: &mut Vec<Effect>) {
        if let Some(pending) = self.pending.remove(&ticket) {
            match pending.stage {
                Stage::Frames => self.accept(ticket, pending, out),
                _ => {
                    self.pending.insert(ticket, pending);
                }
            }
        }
    }

    /// Gives each new record its id and sender; waits for late paths.
    fn accept(&mut self, ticket: Ticket, mut p: Pending, out: &mut Vec<Effect>) {
        let state = self.tabs.entry(p.capture).or_default();
        let mut last = state
            .meta
            .relays
            .iter()
            .find(|r| r.id == p.batch.relay_id)
            .map_or(-1, |r| r.last);
        let mut gaps = 0;
        let mut records = Vec::new();
        // Reports are linked only while the send-side setting is on.
        let link = self.relay_settings.is_some_and(|s| s.send_side);
        let waiting = self.reports.entry(p.batch.relay_id.clone()).or_default();
        let overflow = reports::add(waiting, std::mem::take(&mut p.batch.reports));
        state.meta.page_reports_dropped += overflow;
        if !link {
            waiting.clear();
        }
        // Same-origin posts this frame will never receive: recorded as
        // undelivered, as the page reported them (a claim, marked so).
        for report in reports::take_refused(waiting, &p.batch.frame_origin) {
            let id = state.meta.next_id;
            state.meta.next_id += 1;
            records.push((refused_post(id, &p, report), None));
        }
        for r in std::mem::take(&mut p.batch.records) {
            let seq = i64::try_from(r.seq).unwrap_or(i64::MAX);
            if seq <= last {
                continue; // a resent duplicate
            }
            gaps += (seq - last - 1) as u64;
            last = seq;
            let id = state.meta.next_id;
            state.meta.next_id += 1;
            let resolved =
                self.frames
                    .resolve(p.tab, p.frame, r.src.as_ref(), r.src_unknown.as_deref());
            let page_made = r.dispatched_by_page == Some(true);
            let report = match (&r.fp, link) {
                (Some(fp), true) => reports::take(waiting, fp, r.time),
                _ => None,
            };
            let mut record = Record {
                id,
                seq: r.seq,
                tab_id: p.tab,
                frame_id: p.frame,
                frame_url: p.frame_url.clone(),
                frame_origin: p.batch.frame_origin.clone(),
                frame_path: p.batch.frame_path.clone(),
                source_origin: r.source_origin,
                time: if r.time.is_finite() { r.time } else { 0.0 },
                json: r.json,
                marker: r.marker,
                size: r.size,
                ports: r.ports.unwrap_or(0),
                capture_tab_id: (p.capture != p.tab).then_some(p.capture),
                dispatched_by_page: page_made,
                event_class: r
                    .event_class
                    .filter(|_| page_made)
                    .map(|c| truncate(&c, 64)),
                claimed_origin: r
                    .claimed_origin
                    .filter(|_| page_made)
                    .map(|c| truncate(&c, 2048)),
                page_reported: report.is_some(),
                target_origin: report.as_ref().and_then(|r| r.target_origin.clone()),
                stack: report.and_then(|r| r.stack),
                ..Record::default()
            };
            apply(&mut record, resolved);
            records.push((record, r.src));
        }
        p.stage = Stage::Late {
            records,
            last,
            gaps,
            waited: 0,
        };
        self.wait_or_commit(ticket, p, out);
    }

    pub(crate) fn batch_waited(&mut self, ticket: Ticket, out: &mut Vec<Effect>) {
        let Some(mut p) = self.pending.remove(&ticket) else {
            return;
        };
        if let Stage::Late { waited, .. } = &mut p.stage {
            *waited += LATE_PATH_STEP_MS;
            self.wait_or_commit(ticket, p, out);
        } else {
            self.pending.insert(ticket, p);
        }
    }

    /// Right after a tab is armed, a sender's relay may report its path a
    /// moment after this frame's first batch: wait for it, a little.
    fn wait_or_commit(&mut self, ticket: Ticket, p: Pending, out: &mut Vec<Effect>) {
        let Stage::Late {
            records, waited, ..
        } = &p.stage
        else {
            return;
        };
        let missing = records.iter().any(|(record, src)| {
            record.source_frame_id.is_none()
                && src
                    .as_ref()
                    .is_some_and(|s| !self.frames.knows_path(p.tab, &s.path))
        });
        if missing && *waited < LATE_PATH_WAIT_MS {
            out.push(Effect::Wait {
                ms: LATE_PATH_STEP_MS,
                ticket,
            });
            self.pending.insert(ticket, p);
        } else {
            self.commit(ticket, p, out);
        }
    }

    /// Keeps, shows and stores a record the engine made itself (a refused
    /// post the debugger reported), the way a relay's are.
    pub(crate) fn commit_own(&mut self, tab: i64, record: Record, out: &mut Vec<Effect>) {
        let ticket = self.engine_ticket();
        let p = Pending {
            tab,
            capture: self.frames.capture_tab_of(tab),
            frame: record.frame_id,
            frame_url: record.frame_url.clone(),
            batch: RelayBatch::default(),
            stage: Stage::Late { records: vec![(record, None)], last: -1, gaps: 0, waited: 0 },
        };
        self.commit(ticket, p, out);
    }

    /// Keeps the records, shows them, counts gaps, and stores them.
    fn commit(&mut self, ticket: Ticket, mut p: Pending, out: &mut Vec<Effect>) {
        let Stage::Late {
            records,
            last,
            gaps,
            ..
        } = std::mem::replace(&mut p.stage, Stage::Frames)
        else {
            return;
        };
        if !self.tabs.contains_key(&p.capture) {
            // The tab closed meanwhile: nothing is kept for it.
            return out.push(answer(ticket, false));
        }
        let records: Vec<Record> = records
            .into_iter()
            .map(|(mut record, src)| {
                if record.source_frame_id.is_none() && src.is_some() {
                    apply(
                        &mut record,
                        self.frames.resolve(p.tab, p.frame, src.as_ref(), None),
                    );
                }
                record
            })
            .collect();
        let capture = p.capture;
        let state = self.tab_mut(capture);
        match state
            .meta
            .relays
            .iter_mut()
            .find(|r| r.id == p.batch.relay_id)
        {
            // The engine's own records (`commit_own`) come from no relay.
            _ if p.batch.relay_id.is_empty() => {}
            Some(seen) => seen.last = last,
            None => {
                if state.meta.relays.len() >= RELAYS_PER_TAB {
                    state.meta.relays.remove(0);
                }
                state.meta.relays.push(RelaySeen {
                    id: p.batch.relay_id.clone(),
                    last,
                });
            }
        }
        state.meta.page_reports_dropped += p.batch.hook_overflow;
        state.meta.page_reports_rejected += p.batch.hook_rejected;
        state.records.extend(records.iter().map(|record| Kept {
            chunk: None,
            record: record.clone(),
        }));
        let excess = state.trim_to(TAB_CAPACITY);
        if !records.is_empty() {
            self.broadcast(
                capture,
                BackgroundToPanel::Records {
                    records: records.clone(),
                },
                out,
            );
        }
        let mut write = Write::default();
        self.forget_unused_chunks(capture, &mut write);
        self.add_dropped(capture, gaps + excess, out);
        // The batch's records are the newest: those the capacity left are
        // the last ones.
        let kept_count = records.len().min(self.tabs[&capture].records.len());
        let kept = &records[records.len() - kept_count..];
        if kept.is_empty() {
            return self.store_counters(ticket, &p, write, out);
        }
        let text = serde_json::to_string(kept).unwrap_or_else(|_| "[]".into());
        let bytes = text.len() as u64;
        if bytes > self.budget {
            // More than the whole budget: kept in memory only, and counted
            // as dropped if the worker restarts.
            self.tab_mut(capture).meta.volatile += kept_count as u64;
            return self.store_counters(ticket, &p, write, out);
        }
        self.evict_until(bytes, &mut write, out);
        let n = self.next_chunk;
        self.next_chunk += 1;
        self.persisted += bytes;
        let last_id = kept.iter().map(|r| r.id).max().unwrap_or(0);
        let state = self.tab_mut(capture);
        // Eviction takes only stored chunks' records, so the batch's are
        // still the newest `kept_count`: they go into chunk `n`.
        let batch_ids: std::collections::BTreeSet<u64> = kept.iter().map(|r| r.id).collect();
        let mut count = 0;
        for k in state.records.iter_mut().rev().take(kept_count) {
            if batch_ids.contains(&k.record.id) {
                k.chunk = Some(n);
                count += 1;
            }
        }
        state.meta.chunks.push(Chunk {
            n,
            last_id,
            bytes,
            count,
            trimmed: 0,
        });
        write
            .set
            .insert(store::chunk_key(capture, n), Value::String(text));
        self.meta_into(capture, &mut write);
        out.push(write.into_effect(Some(ticket)));
        self.pending.insert(ticket, Pending::storing(&p, Some(n)));
    }

    /// Writes the tab's counters, and answers the relay once they landed.
    fn store_counters(
        &mut self,
        ticket: Ticket,
        p: &Pending,
        mut write: Write,
        out: &mut Vec<Effect>,
    ) {
        self.meta_into(p.capture, &mut write);
        out.push(write.into_effect(Some(ticket)));
        self.pending.insert(ticket, Pending::storing(p, None));
    }

    /// The answer once the chunk's write is done. A refused write leaves
    /// the records in memory only: volatile, counted as dropped by a
    /// restart.
    pub(crate) fn batch_stored(&mut self, ticket: Ticket, stored: bool, out: &mut Vec<Effect>) {
        let Some(p) = self.pending.remove(&ticket) else {
            return;
        };
        let Stage::Store { chunk } = &p.stage else {
            self.pending.insert(ticket, p);
            return;
        };
        match (*chunk, stored) {
            (Some(chunk), false) => {
                if let Some(state) = self.tabs.get_mut(&p.capture) {
                    let mut volatile = 0;
                    for k in state.records.iter_mut().filter(|k| k.chunk == Some(chunk)) {
                        k.chunk = None;
                        volatile += 1;
                    }
                    state.meta.volatile += volatile;
                    if let Some(position) = state.meta.chunks.iter().position(|c| c.n == chunk) {
                        let gone = state.meta.chunks.remove(position);
                        self.persisted = self.persisted.saturating_sub(gone.bytes);
                    }
                }
                self.store_counters(ticket, &p, Write::default(), out);
            }
            // The engine's own records have no relay to answer (nor to
            // send them again: a refused counters write leaves them in
            // memory only).
            (_, _) if ticket >= crate::refused::ENGINE_TICKETS => {}
            (_, true) => out.push(answer(ticket, true)),
            // The counters could not be written either: a restart would
            // not know of these records at all. The relay keeps them and
            // sends them again (this engine drops them as duplicates, a
            // restarted one takes them anew).
            (None, false) => out.push(Effect::Answer {
                ticket,
                value: json!({ "ok": false, "error": "the store refused the write" }),
            }),
        }
    }

    /// Removes the chunks of a tab none of whose records are kept.
    fn forget_unused_chunks(&mut self, tab: i64, write: &mut Write) {
        let Some(state) = self.tabs.get_mut(&tab) else {
            return;
        };
        let unused = state.unused_chunks();
        if unused.is_empty() {
            return;
        }
        state.meta.chunks.retain(|c| {
            if unused.contains(&c.n) {
                self.persisted = self.persisted.saturating_sub(c.bytes);
                write.remove.push(store::chunk_key(tab, c.n));
                false
            } else {
                true
            }
        });
    }
}

/// A same-origin post the browser refuses, from the hook's report: the
/// sender had this frame's origin (the hook sees no other calls) and is
/// not named; everything comes from the page, so it stays a claim.
fn refused_post(id: u64, p: &Pending, report: wwe_core::wire::HookReport) -> Record {
    let target = report.target_origin.clone().unwrap_or_default();
    let recipient = p.batch.frame_origin.clone();
    let text = format!(
        "Reported by the page's send-side hook: postMessage with targetOrigin '{target}' to a window whose origin is '{recipient}'; \
         the browser delivers nothing when they differ."
    );
    Record {
        id,
        tab_id: p.tab,
        frame_id: p.frame,
        frame_url: p.frame_url.clone(),
        frame_origin: recipient.clone(),
        frame_path: p.batch.frame_path.clone(),
        source_origin: recipient.clone(),
        source_unknown: Some("reported by the page's send-side hook, which does not name the sending window".into()),
        time: if report.t.is_finite() { report.t } else { 0.0 },
        page_reported: true,
        target_origin: report.target_origin,
        stack: report.stack.clone(),
        undelivered: Some(wwe_core::wire::Undelivered { target_origin: target, recipient_origin: recipient, stack: report.stack, sender_url: None, text }),
        ..Record::default()
    }
}

impl Pending {
    fn storing(p: &Pending, chunk: Option<u64>) -> Pending {
        Pending {
            tab: p.tab,
            capture: p.capture,
            frame: p.frame,
            frame_url: String::new(),
            batch: RelayBatch::default(),
            stage: Stage::Store { chunk },
        }
    }
}

fn apply(record: &mut Record, resolved: Resolved) {
    record.source_frame_id = resolved.source_frame_id;
    record.source_path = resolved.source_path;
    record.source_relation = resolved.source_relation;
    record.source_tab_id = resolved.source_tab_id;
    record.source_unknown = resolved.source_unknown;
}
