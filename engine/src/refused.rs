//! Posts the browser refused to deliver, as Chromium's debugger reports
//! them to a panel that attached it (issue 19, the "Show undelivered
//! messages" switch): the panel passes each `Log.entryAdded` on, with the
//! reporting session's resource tree; the core reads it
//! (`wwe_core::refused`); here it becomes a record of the tab, its sender
//! named by frame id where exactly one frame can be it, and it is kept,
//! shown and stored like every other record. The engine also remembers
//! which panel attached the debugger to which tab, to detach it when that
//! panel goes away.

use serde_json::Value;
use wwe_core::refused::{self, Candidate, RefusedPost};
use wwe_core::wire::{Record, Undelivered};

use crate::frames::truncate;
use crate::io::{Effect, PortId, Ticket};
use crate::Engine;

/// A refused post waiting for the tab's frames (to name its sender).
#[derive(Debug)]
pub struct Waiting {
    tab: i64,
    post: RefusedPost,
    candidates: Vec<Candidate>,
}

/// Tickets the engine gives itself start here, far above the JS's own
/// (which count from 1), and stay within what a JS number holds exactly.
pub const ENGINE_TICKETS: Ticket = 1 << 50;

impl Engine {
    /// A panel attached (or detached) the debugger to a tab it watches.
    pub(crate) fn debugger_attached(&mut self, port: PortId, tab: i64, attached: bool) {
        if attached && self.watches(port, tab) {
            self.debuggers.insert(tab, port);
        } else if self.debuggers.get(&tab) == Some(&port) {
            self.debuggers.remove(&tab);
        }
    }

    /// A panel's port closed: the debugger it attached goes with it.
    pub(crate) fn detach_for(&mut self, port: PortId, out: &mut Vec<Effect>) {
        let tabs: Vec<i64> = self.debuggers.iter().filter(|(_, p)| **p == port).map(|(t, _)| *t).collect();
        for tab in tabs {
            self.debuggers.remove(&tab);
            out.push(Effect::Detach { tab });
        }
    }

    /// A log entry from a panel's debugger: recorded when it is a refused
    /// post of a tab the panel watches, once the tab's frames are known.
    pub(crate) fn debugger_log(&mut self, port: PortId, tab: i64, entry: &Value, tree: &Value, out: &mut Vec<Effect>) {
        if !self.watches(port, tab) || !self.is_armed(tab) {
            return;
        }
        let Some(post) = refused::from_log_entry(entry) else { return };
        // `Log.enable` replays what was logged before it: a panel that
        // attaches again (reopened, or a second one) reports those again.
        let same = |u: &Undelivered, time: f64| time == post.time && u.text == post.text && u.stack == post.stack;
        let kept = self.tabs.get(&tab).is_some_and(|t| t.records.iter().any(|k| k.record.undelivered.as_ref().is_some_and(|u| same(u, k.record.time))));
        let waiting = self.refusals.values().any(|w| w.tab == tab && w.post == post);
        if kept || waiting {
            return;
        }
        let candidates = refused::candidates(tree, &post);
        let ticket = self.engine_ticket();
        self.refusals.insert(ticket, Waiting { tab, post, candidates });
        out.push(Effect::Frames { tab, ticket: Some(ticket) });
    }

    /// The tab's frames are known: the refused post becomes a record.
    /// False when the ticket is not a refused post's.
    pub(crate) fn refusal_frames_known(&mut self, ticket: Ticket, out: &mut Vec<Effect>) -> bool {
        let Some(Waiting { tab, post, candidates }) = self.refusals.remove(&ticket) else {
            return false;
        };
        let mut record = self.refused_record(tab, post, &candidates);
        let state = self.tab_mut(tab);
        record.id = state.meta.next_id;
        state.meta.next_id += 1;
        self.commit_own(tab, record, out);
        true
    }

    fn watches(&self, port: PortId, tab: i64) -> bool {
        self.panels.get(&port).is_some_and(|tabs| tabs.contains(&tab))
    }

    pub(crate) fn engine_ticket(&mut self) -> Ticket {
        self.next_engine_ticket += 1;
        ENGINE_TICKETS + self.next_engine_ticket
    }

    /// The record of a refused post: the recipient by its origin (the
    /// report names no frame of it), the sender as far as the frames tell.
    fn refused_record(&self, tab: i64, post: RefusedPost, candidates: &[Candidate]) -> Record {
        let urls = self.frames.tabs.get(&tab).map(|index| &index.urls);
        let frames_at = |url: &str| -> Vec<i64> {
            urls.into_iter().flatten().filter(|(_, u)| refused::without_fragment(u) == url).map(|(id, _)| *id).collect()
        };
        let origins: std::collections::BTreeSet<&str> = candidates.iter().map(|c| c.origin.as_str()).collect();
        let source_origin = if origins.len() == 1 { origins.into_iter().next().unwrap_or_default().to_owned() } else { String::new() };
        let (source_frame_id, source_unknown, sender_url) = match candidates {
            [] => (None, Some(format!(
                "the browser's report names the calling code ({}) but no frame of this tab loaded it as its document or a script",
                post.code_urls.first().map_or("no URL", String::as_str)
            )), None),
            [one] => match frames_at(&one.url).as_slice() {
                [frame] => (Some(*frame), None, Some(one.url.clone())),
                [] => (None, Some(format!("the frame at {} is not among the tab's frames any more", one.url)), Some(one.url.clone())),
                many => (None, Some(format!("{} frames of this tab show {}: the report does not say which one sent it", many.len(), one.url)), Some(one.url.clone())),
            },
            many => (None, Some(format!(
                "{} frames of this tab loaded the calling code ({}): the report does not say which one sent it",
                many.len(),
                post.code_urls.first().map_or("", String::as_str)
            )), None),
        };
        Record {
            tab_id: tab,
            frame_origin: post.recipient_origin.clone(),
            source_origin,
            source_frame_id,
            source_unknown: source_unknown.map(|why| truncate(&why, 2048)),
            time: post.time,
            capture_tab_id: Some(self.frames.capture_tab_of(tab)).filter(|capture| *capture != tab),
            undelivered: Some(Undelivered {
                target_origin: truncate(&post.target_origin, 2048),
                recipient_origin: post.recipient_origin,
                stack: post.stack,
                sender_url,
                text: truncate(&post.text, 4096),
            }),
            ..Record::default()
        }
    }
}
