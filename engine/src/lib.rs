//! The capture engine: every decision of the extension's background, with
//! no I/O. The background's JavaScript (`extension/background.js`) only
//! registers the browser's listeners, turns each event into an [`Input`],
//! and carries out the [`Effect`]s the engine returns (storage, ports,
//! `tabs.sendMessage`, timers, `scripting.executeScript`). Compiled to wasm
//! for the background (a service worker in Chromium, an event page in
//! Firefox) and tested natively, including a property test that restarts
//! the engine at every step (`tests/properties.rs`).
//!
//! The engine keeps, per capture tab, the records relays sent while the tab
//! was armed, counts every record it did not keep (sequence gaps, capacity,
//! the storage budget, writes refused before a restart), persists them so a
//! worker restart loses nothing, resolves each message's sender to a frame
//! id, and streams backlog and live records to the panels watching the tab.
//! It knows nothing of the WWE protocol: decoding is the core's job, in the
//! panel.

mod batch;
pub mod frames;
pub mod io;
mod panels;
mod refused;
mod reports;
pub mod send;
pub mod store;
#[cfg(target_arch = "wasm32")]
mod wasm;

use std::collections::{BTreeMap, BTreeSet};

use serde::Deserialize;
use serde_json::{json, Value};
use wwe_core::wire::{self, BackgroundToPanel, BackgroundToRelay, Stats, TabStats};

pub use frames::{Frames, Opener};
pub use io::{Effect, Input, PortId, Sender, Ticket};
pub use store::{Kept, Tab, TabMeta};

/// Per-tab capacity in memory; older records are dropped first and counted.
pub const TAB_CAPACITY: usize = 200_000;
/// Relay ids remembered per tab for duplicate and gap detection.
pub const RELAYS_PER_TAB: usize = 2000;
/// How long a batch waits for its senders' relays to report their index
/// paths, and the step of that wait.
pub const LATE_PATH_WAIT_MS: u32 = 500;
pub const LATE_PATH_STEP_MS: u32 = 50;
/// Internal errors kept for `stats`.
const ERRORS_KEPT: usize = 10;

/// The part of the panel's settings (`storage.local` [`wire::SETTINGS_KEY`])
/// the engine reads.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct EngineSettings {
    record_budget_mb: Option<f64>,
    size_cap: Option<f64>,
    send_side: bool,
}

/// The background's state.
#[derive(Debug, Default)]
pub struct Engine {
    boot: String,
    /// The extension's own base URL: only its pages may watch tabs or ask
    /// for stats.
    extension_url: String,
    /// The extension's version, for the panels' hello.
    build: Option<String>,
    tabs: BTreeMap<i64, Tab>,
    frames: Frames,
    top_urls: BTreeMap<i64, String>,
    always_record: Vec<String>,
    /// Bytes of records the store may hold over all tabs.
    budget: u64,
    /// What relays apply; `None` until the settings were read.
    relay_settings: Option<wire::RelaySettings>,
    /// Bytes of chunks stored or being written.
    persisted: u64,
    next_chunk: u64,
    /// Connected panels (from the extension's pages) and the tabs each
    /// watches.
    panels: BTreeMap<PortId, BTreeSet<i64>>,
    /// The send-side hook's reports not linked yet, per relay (page
    /// claims: kept in memory only, a restart forgets them).
    reports: BTreeMap<String, std::collections::VecDeque<wire::HookReport>>,
    /// Relay batches waiting for frames, a late sender path or their write.
    pending: BTreeMap<Ticket, batch::Pending>,
    /// Refused posts the debugger reported, waiting for their tab's frames.
    refusals: BTreeMap<Ticket, refused::Waiting>,
    /// The last ticket the engine gave itself ([`refused::ENGINE_TICKETS`]).
    next_engine_ticket: Ticket,
    /// Tab -> the panel that attached the browser's debugger to it.
    debuggers: BTreeMap<i64, PortId>,
    errors: Vec<String>,
}

impl Engine {
    pub fn new() -> Engine {
        Engine {
            budget: wire::DEFAULT_RECORD_BUDGET_MB * 1024 * 1024,
            ..Engine::default()
        }
    }

    /// Handles one input; returns what the JS must do, in order. Never
    /// panics on any input; what it cannot read is answered or noted.
    pub fn handle(&mut self, input: Input) -> Vec<Effect> {
        let mut out = Vec::new();
        match input {
            Input::Boot {
                boot,
                extension_url,
                build,
                fresh,
                stored,
            } => {
                self.boot = boot;
                self.build = build;
                self.extension_url = extension_url;
                self.always_record =
                    always_record_list(stored.get(wire::ALWAYS_RECORD_KEY).unwrap_or(&Value::Null));
                self.restore(fresh, &stored, &mut out);
                self.read_settings(
                    stored.get(wire::SETTINGS_KEY).and_then(Value::as_str),
                    &mut out,
                );
            }
            Input::Message {
                ticket,
                sender,
                message,
                hook_registered,
            } => self.on_message(ticket, sender, message, hook_registered, &mut out),
            Input::Frames {
                tab,
                ticket,
                frames,
            } => {
                let index = self.frames.index(tab);
                for (frame, parent, url) in frames {
                    index.parents.insert(frame, parent);
                    index.urls.insert(frame, url);
                }
                if let Some(ticket) = ticket {
                    if !self.refusal_frames_known(ticket, &mut out) {
                        self.batch_frames_known(ticket, &mut out);
                    }
                }
            }
            Input::Timer { ticket } => self.batch_waited(ticket, &mut out),
            Input::Stored { ticket } => self.batch_stored(ticket, true, &mut out),
            Input::Refused { ticket } => self.batch_stored(ticket, false, &mut out),
            Input::Connect { port, url } => self.connect(port, &url, &mut out),
            Input::PortMessage { port, message } => self.port_message(port, &message, &mut out),
            Input::Disconnect { port } => {
                self.detach_for(port, &mut out);
                for tab in self.panels.remove(&port).unwrap_or_default() {
                    self.announce(tab, &mut out);
                }
            }
            Input::Executed {
                port,
                id,
                result,
                error,
            } => {
                let answer = send::answer(id, &result, error.as_deref());
                self.post(port, BackgroundToPanel::Sent(answer), &mut out);
            }
            Input::Committed {
                tab,
                frame,
                parent,
                url,
            } => self.committed(tab, frame, parent, url, &mut out),
            Input::Opened {
                tab,
                opener_tab,
                opener_frame,
            } => {
                self.frames.popups.insert(
                    tab,
                    Opener {
                        opener_tab_id: opener_tab,
                        opener_frame_id: opener_frame,
                    },
                );
                out.push(self.popups_write());
                let capture = self.frames.capture_tab_of(tab);
                self.announce(capture, &mut out);
            }
            Input::TabRemoved { tab } => self.tab_removed(tab, &mut out),
            Input::Error { message } => self.note_error(message),
            Input::Settings { settings } => self.read_settings(settings.as_deref(), &mut out),
            Input::AlwaysRecord {
                always_record,
                tabs,
            } => {
                self.always_record = always_record_list(&always_record);
                for (tab, url) in tabs {
                    if !url.is_empty() {
                        self.top_urls.insert(tab, url);
                    }
                    self.announce(tab, &mut out);
                }
            }
        }
        out
    }

    /// [`Engine::handle`] for JSON text, as the wasm binding and the JS use
    /// it: input that does not parse is noted as an error.
    pub fn handle_json(&mut self, input: &str) -> Vec<Effect> {
        match serde_json::from_str::<Input>(input) {
            Ok(input) => self.handle(input),
            Err(error) => {
                self.note_error(format!(
                    "the background passed an input the engine cannot read: {error}"
                ));
                Vec::new()
            }
        }
    }

    fn note_error(&mut self, error: String) {
        self.errors.push(frames::truncate(&error, 500));
        if self.errors.len() > ERRORS_KEPT {
            self.errors.remove(0);
        }
    }

    // ---- settings ----

    /// Reads the panel's settings: the store's budget, what relays apply
    /// and whether the send-side hook is registered.
    fn read_settings(&mut self, text: Option<&str>, out: &mut Vec<Effect>) {
        let settings: EngineSettings = text
            .and_then(|t| serde_json::from_str(t).ok())
            .unwrap_or_default();
        let mb = settings
            .record_budget_mb
            .filter(|mb| mb.is_finite() && *mb >= 0.0)
            .unwrap_or(wire::DEFAULT_RECORD_BUDGET_MB as f64);
        self.budget = (mb * 1024.0 * 1024.0) as u64;
        let size_cap = settings
            .size_cap
            .filter(|c| c.is_finite() && *c >= wire::MIN_SIZE_CAP as f64)
            .map_or(wire::DEFAULT_SIZE_CAP, |c| c as u64);
        let relay = wire::RelaySettings { size_cap, send_side: settings.send_side };
        let changed = self.relay_settings.is_some_and(|before| before != relay);
        // The hook's registration follows the first reading (a restarted
        // worker does not know what the browser has) and each change;
        // `setHook` in the JS checks and retries by itself.
        if self.relay_settings.is_none_or(|before| before.send_side != relay.send_side) {
            out.push(Effect::Hook { on: relay.send_side });
        }
        self.relay_settings = Some(relay);
        if changed {
            // Relays of armed tabs hear of it at once.
            let mut tabs: BTreeSet<i64> = self.tabs.keys().copied().collect();
            tabs.extend(self.top_urls.keys().copied());
            tabs.extend(self.panels.values().flatten().copied());
            for tab in tabs.into_iter().filter(|t| self.is_armed(*t)) {
                let message = BackgroundToRelay::Armed { on: true, settings: relay };
                out.push(Effect::Tell { tab, message });
            }
        }
        if self.persisted > self.budget {
            let mut write = Write::default();
            self.evict_until(0, &mut write, out);
            out.push(write.into_effect(None));
        }
    }

    // ---- arming ----

    fn is_armed(&self, tab: i64) -> bool {
        let capture = self.frames.capture_tab_of(tab);
        if self
            .panels
            .values()
            .any(|watched| watched.contains(&capture))
        {
            return true;
        }
        if self.tabs.get(&capture).is_some_and(|t| t.meta.preserve) {
            return true;
        }
        let origin = self
            .top_urls
            .get(&capture)
            .map(|u| origin_of(u))
            .unwrap_or_default();
        !origin.is_empty() && self.always_record.contains(&origin)
    }

    /// Tells every frame of the capture tab and of its popups whether to
    /// send.
    fn announce(&mut self, capture: i64, out: &mut Vec<Effect>) {
        let mut targets = vec![capture];
        targets.extend(
            self.frames
                .popups
                .keys()
                .copied()
                .filter(|&p| p != capture && self.frames.capture_tab_of(p) == capture),
        );
        for tab in targets {
            let on = self.is_armed(tab);
            if on {
                out.push(Effect::Frames { tab, ticket: None });
            }
            out.push(Effect::Tell {
                tab,
                message: BackgroundToRelay::Armed { on, settings: self.relay_settings.unwrap_or_default() },
            });
        }
    }

    // ---- runtime messages (relays and extension pages) ----

    fn is_extension_page(&self, sender: &Sender) -> bool {
        !self.extension_url.is_empty() && sender.url.starts_with(&self.extension_url)
    }

    fn on_message(
        &mut self,
        ticket: Ticket,
        sender: Sender,
        message: Value,
        hook_registered: bool,
        out: &mut Vec<Effect>,
    ) {
        let kind = message.get("type").and_then(Value::as_str).unwrap_or("");
        let from_page = self.is_extension_page(&sender);
        let answer = |value: Value| Effect::Answer { ticket, value };
        match kind {
            "relay-batch" if sender.tab.is_some() && !from_page => {
                self.relay_batch(ticket, &sender, message, out)
            }
            "relay-hello" if sender.tab.is_some() && !from_page => {
                let tab = sender.tab.unwrap_or_default();
                self.note_top_url(&sender);
                let armed = self.is_armed(tab);
                // Paths are noted only for armed tabs: an unarmed tab leaves
                // nothing in the extension.
                if let (true, Some(frame), Some(path)) = (
                    armed,
                    sender.frame,
                    message.get("framePath").and_then(path_of),
                ) {
                    self.frames.note_path(tab, frame, &path);
                }
                let answer_value = wire::RelayHelloAnswer { armed, settings: self.relay_settings.unwrap_or_default() };
                out.push(answer(serde_json::to_value(answer_value).unwrap_or(Value::Null)));
            }
            "stats" if from_page => {
                let stats = self.stats(hook_registered);
                out.push(answer(serde_json::to_value(stats).unwrap_or(Value::Null)));
            }
            // Not for the background, or not from who may send it: the
            // browser's `sendResponse` is released with nothing.
            _ => out.push(answer(Value::Null)),
        }
    }

    /// The tab's URL, as the browser gives it with a message from any of
    /// its frames. After a worker restart the engine knows no tab's URL
    /// until a message comes: an always-recorded tab whose first message
    /// after the restart comes from a child frame must still be armed (it
    /// once was not, and its relays stopped sending).
    fn note_top_url(&mut self, sender: &Sender) {
        if let (Some(tab), Some(url)) = (sender.tab, sender.tab_url.as_ref().filter(|u| !u.is_empty())) {
            self.top_urls.insert(tab, url.clone());
        }
    }

    fn stats(&self, hook_registered: bool) -> Stats {
        let tabs = self
            .tabs
            .iter()
            .map(|(id, t)| {
                let stats = TabStats {
                    records: t.records.len() as u64,
                    dropped: t.meta.dropped,
                    preserve: t.meta.preserve,
                    armed: self.is_armed(*id),
                    page_reports_dropped: t.meta.page_reports_dropped,
                    page_reports_rejected: t.meta.page_reports_rejected,
                    volatile: t.meta.volatile,
                };
                (id.to_string(), stats)
            })
            .collect();
        Stats {
            boot: self.boot.clone(),
            tabs,
            persisted_bytes: self.persisted,
            popups: self
                .frames
                .popups
                .iter()
                .map(|(p, o)| json!([p, o]))
                .collect(),
            frame_index: self.frames.tabs.keys().copied().collect(),
            errors: self.errors.clone(),
            send_side_hook: hook_registered,
        }
    }

    // ---- navigation and tabs ----

    fn committed(
        &mut self,
        tab: i64,
        frame: i64,
        parent: Option<i64>,
        url: String,
        out: &mut Vec<Effect>,
    ) {
        if let Some(index) = self.frames.tabs.get_mut(&tab) {
            if let Some(parent) = parent {
                index.parents.insert(frame, parent);
            }
            index.urls.insert(frame, url.clone());
        }
        if frame == 0 {
            self.top_urls.insert(tab, url);
        }
        if frame != 0 {
            return;
        }
        // A new top document: frame paths start over.
        if let Some(index) = self.frames.tabs.get_mut(&tab) {
            index.paths.clear();
        }
        if self.tabs.get(&tab).is_some_and(|t| !t.meta.preserve) {
            self.clear(tab, out);
            self.broadcast(tab, BackgroundToPanel::Navigated, out);
        }
        // The always-record list may arm (or disarm) the new site.
        if !self.frames.popups.contains_key(&tab) {
            self.announce(tab, out);
        }
    }

    fn tab_removed(&mut self, tab: i64, out: &mut Vec<Effect>) {
        let mut write = Write::default();
        if let Some(state) = self.tabs.remove(&tab) {
            for chunk in &state.meta.chunks {
                self.persisted = self.persisted.saturating_sub(chunk.bytes);
                write.remove.push(store::chunk_key(tab, chunk.n));
            }
            write.remove.push(store::meta_key(tab));
            write.remove.push(store::paths_key(tab));
        }
        self.frames.tabs.remove(&tab);
        self.top_urls.remove(&tab);
        // The browser detached its debugger with the tab.
        self.debuggers.remove(&tab);
        if !write.remove.is_empty() {
            out.push(write.into_effect(None));
        }
        if self.frames.popups.remove(&tab).is_some() {
            out.push(self.popups_write());
        }
    }

    // ---- records ----

    fn tab_mut(&mut self, tab: i64) -> &mut Tab {
        self.tabs.entry(tab).or_default()
    }

    /// Forgets a tab's records (the panel's Clear, or a navigation).
    fn clear(&mut self, tab: i64, out: &mut Vec<Effect>) {
        let mut write = Write::default();
        let state = self.tab_mut(tab);
        state.records.clear();
        state.meta.volatile = 0;
        let chunks = std::mem::take(&mut state.meta.chunks);
        for chunk in chunks {
            self.persisted = self.persisted.saturating_sub(chunk.bytes);
            write.remove.push(store::chunk_key(tab, chunk.n));
        }
        self.meta_into(tab, &mut write);
        out.push(write.into_effect(None));
    }

    fn add_dropped(&mut self, tab: i64, count: u64, out: &mut Vec<Effect>) {
        if count == 0 {
            return;
        }
        let state = self.tab_mut(tab);
        state.meta.dropped += count;
        let total = state.meta.dropped;
        self.broadcast(tab, BackgroundToPanel::Dropped { total }, out);
    }

    fn broadcast(&self, tab: i64, message: BackgroundToPanel, out: &mut Vec<Effect>) {
        for (port, watched) in &self.panels {
            if watched.contains(&tab) {
                out.push(Effect::Post {
                    port: *port,
                    message: message.clone(),
                });
            }
        }
    }

    fn post(&self, port: PortId, message: BackgroundToPanel, out: &mut Vec<Effect>) {
        if self.panels.contains_key(&port) {
            out.push(Effect::Post { port, message });
        }
    }

    // ---- persistence ----

    /// Adds the tab's counters and frame paths to a write.
    fn meta_into(&self, tab: i64, write: &mut Write) {
        if let Some(state) = self.tabs.get(&tab) {
            write.set.insert(
                store::meta_key(tab),
                serde_json::to_value(&state.meta).unwrap_or(Value::Null),
            );
        }
        if let Some(index) = self.frames.tabs.get(&tab) {
            let paths: Vec<(&String, &i64)> = index.paths.iter().collect();
            write.set.insert(store::paths_key(tab), json!(paths));
        }
    }

    fn popups_write(&self) -> Effect {
        let popups: Vec<Value> = self
            .frames
            .popups
            .iter()
            .map(|(p, o)| json!([p, o]))
            .collect();
        let mut write = Write::default();
        write
            .set
            .insert(store::POPUPS_KEY.to_string(), json!(popups));
        write.into_effect(None)
    }

    /// Drops the oldest stored chunks (over all tabs) until `incoming` more
    /// bytes fit the budget; their records are dropped and counted.
    fn evict_until(&mut self, incoming: u64, write: &mut Write, out: &mut Vec<Effect>) {
        while self.persisted + incoming > self.budget {
            let oldest = self
                .tabs
                .iter()
                .flat_map(|(tab, t)| t.meta.chunks.first().map(|c| (c.n, *tab)))
                .min();
            let Some((n, tab)) = oldest else { break };
            let state = self.tab_mut(tab);
            let position = state.meta.chunks.iter().position(|c| c.n == n).unwrap_or(0);
            let chunk = state.meta.chunks.remove(position);
            let gone = state.remove_chunk_records(n);
            self.persisted = self.persisted.saturating_sub(chunk.bytes);
            write.remove.push(store::chunk_key(tab, n));
            self.add_dropped(tab, gone, out);
            self.meta_into(tab, write);
        }
    }

    fn restore(&mut self, fresh: bool, stored: &BTreeMap<String, Value>, out: &mut Vec<Effect>) {
        if fresh {
            // A new browser session: tab ids start over, so what the store
            // holds belongs to tabs that no longer exist.
            let keys: Vec<String> = stored
                .keys()
                .filter(|k| k.starts_with(store::PREFIX))
                .cloned()
                .collect();
            if !keys.is_empty() {
                out.push(
                    Write {
                        remove: keys,
                        ..Write::default()
                    }
                    .into_effect(None),
                );
            }
            return;
        }
        let restored = store::restore(stored);
        for key in &restored.unreadable {
            self.note_error(format!(
                "the store held {key}, which no tab lists or the engine cannot read; removed"
            ));
        }
        if !restored.unreadable.is_empty() {
            out.push(
                Write {
                    remove: restored.unreadable.clone(),
                    ..Write::default()
                }
                .into_effect(None),
            );
        }
        self.persisted = restored.bytes;
        self.next_chunk = restored.next_chunk;
        self.frames.popups = restored.popups;
        for (tab, paths) in restored.paths {
            self.frames.index(tab).paths = paths;
        }
        self.tabs = restored.tabs;
        // The counters changed (volatile records and missing chunks are now
        // dropped): store them, so the next restart does not count again.
        let mut write = Write::default();
        let tabs: Vec<i64> = self.tabs.keys().copied().collect();
        for tab in tabs {
            self.meta_into(tab, &mut write);
        }
        if self.persisted > self.budget {
            self.evict_until(0, &mut write, out);
        }
        if !write.set.is_empty() || !write.remove.is_empty() {
            out.push(write.into_effect(None));
        }
    }
}

/// One write being built: keys to set, then keys to remove.
#[derive(Debug, Default)]
struct Write {
    set: BTreeMap<String, Value>,
    remove: Vec<String>,
}

impl Write {
    fn into_effect(self, ticket: Option<Ticket>) -> Effect {
        Effect::Write {
            set: self.set,
            remove: self.remove,
            ticket,
        }
    }
}

/// The always-record list: an array of origins, or JSON text of one.
fn always_record_list(value: &Value) -> Vec<String> {
    let parsed;
    let list = match value {
        Value::String(text) => {
            parsed = serde_json::from_str::<Value>(text).unwrap_or(Value::Null);
            &parsed
        }
        other => other,
    };
    list.as_array()
        .map(|items| {
            items
                .iter()
                .map(|o| match o {
                    Value::String(s) => s.trim_end_matches('/').to_string(),
                    other => other.to_string().trim_end_matches('/').to_string(),
                })
                .collect()
        })
        .unwrap_or_default()
}

pub(crate) use wwe_core::wire::origin_of;

/// An index path from JSON: non-negative integers, at most 64.
fn path_of(value: &Value) -> Option<Vec<u32>> {
    value
        .as_array()
        .filter(|a| a.len() <= 64)?
        .iter()
        .map(|i| i.as_u64().and_then(|i| u32::try_from(i).ok()))
        .collect()
}
