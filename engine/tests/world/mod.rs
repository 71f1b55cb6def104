//! A browser for the engine, in memory: a store whose writes land one at a
//! time (and can be refused), relays that batch, resend and keep a ring
//! while unarmed as `extension/relay.js` does, panels that keep what the
//! background sends them, timers, frame trees, and worker restarts that
//! lose everything not yet stored. The engine's tests drive it step by
//! step.

#![allow(dead_code)]

use std::collections::{BTreeMap, VecDeque};

use serde_json::{json, Value};
use wwe_core::wire::{BackgroundToPanel, BackgroundToRelay, Record};
use wwe_engine::{Effect, Engine, Input, Sender, Ticket};

pub const EXTENSION: &str = "chrome-extension://wwe/";
/// Records a relay keeps while its tab is not armed (relay.js: RING_CAP).
pub const RING_CAP: usize = 5;
/// Records per relay batch (relay.js: MAX_BATCH, smaller here).
pub const MAX_BATCH: usize = 7;

/// One frame document's relay.
#[derive(Debug, Clone)]
pub struct Relay {
    pub id: String,
    pub tab: i64,
    pub frame: i64,
    pub path: Vec<u32>,
    pub next_seq: u64,
    /// Not yet acknowledged: (seq, JSON text).
    pub queue: VecDeque<(u64, String)>,
    /// The ticket of the batch in flight and its records, out of the
    /// queue until answered.
    pub inflight: Option<(Ticket, Vec<(u64, String)>)>,
    pub armed: bool,
    /// Messages delivered to the frame.
    pub delivered: u64,
    /// The settings of the last `armed` message or hello answer.
    pub settings: Option<Value>,
}

/// What a panel holds.
#[derive(Debug, Clone, Default)]
pub struct Panel {
    pub tab: i64,
    pub records: Vec<Record>,
    pub dropped: u64,
    pub errors: Vec<String>,
    pub sent: Vec<Value>,
}

/// A write issued and not landed yet: keys to set, keys to remove, and
/// the ticket to report on.
pub type PendingWrite = (BTreeMap<String, Value>, Vec<String>, Option<Ticket>);

#[derive(Default)]
pub struct World {
    pub engine: Engine,
    pub boots: u32,
    /// What the store holds (writes that landed).
    pub store: BTreeMap<String, Value>,
    /// Writes issued and not landed yet, in order: (set, remove, ticket).
    pub writes: VecDeque<PendingWrite>,
    /// Refuse the next writes.
    pub refusing: bool,
    pub timers: VecDeque<Ticket>,
    pub frame_asks: VecDeque<(i64, Option<Ticket>)>,
    pub executes: VecDeque<(u32, u32, i64, i64, Value)>,
    /// Answers to runtime messages, by ticket.
    pub answers: BTreeMap<Ticket, Value>,
    pub next_ticket: Ticket,
    pub relays: Vec<Relay>,
    /// Frame trees: tab -> [(frame, parent)].
    pub trees: BTreeMap<i64, Vec<(i64, i64)>>,
    /// Each frame's document URL: (tab, frame) -> URL.
    pub frame_urls: BTreeMap<(i64, i64), String>,
    /// Tabs the engine asked to detach the debugger from, in order.
    pub detached: Vec<i64>,
    pub top_urls: BTreeMap<i64, String>,
    pub panels: BTreeMap<u32, Panel>,
    pub next_port: u32,
    pub settings: Option<String>,
    pub always_record: Value,
    /// Whether the send-side hook is registered.
    pub hook: bool,
}

impl World {
    pub fn new() -> World {
        let mut world = World {
            always_record: json!([]),
            ..World::default()
        };
        world.boot(true);
        world
    }

    /// Starts (or restarts) the worker: everything in memory is gone, the
    /// writes not landed are lost, ports close and panels reconnect.
    pub fn boot(&mut self, fresh: bool) {
        self.engine = Engine::new();
        self.boots += 1;
        self.writes.clear();
        self.timers.clear();
        self.frame_asks.clear();
        self.executes.clear();
        for relay in &mut self.relays {
            // Its sendMessage failed: the records go back, to be resent.
            if let Some((_, records)) = relay.inflight.take() {
                put_back(relay, records);
            }
        }
        let input = Input::Boot {
            boot: format!("boot-{}", self.boots),
            extension_url: EXTENSION.into(),
            build: Some("0.0.0".into()),
            fresh,
            stored: self.stored_with_settings(),
        };
        self.input(input);
        let panels: Vec<(u32, i64)> = self.panels.iter().map(|(p, v)| (*p, v.tab)).collect();
        self.panels.clear();
        for (_, tab) in panels {
            self.open_panel(tab);
        }
    }

    /// The store as the JS reads it at boot: with the panel's settings
    /// and the always-record list beside the engine's keys.
    fn stored_with_settings(&self) -> BTreeMap<String, Value> {
        let mut stored = self.store.clone();
        if let Some(settings) = &self.settings {
            stored.insert(wwe_core::wire::SETTINGS_KEY.into(), json!(settings));
        }
        stored.insert(
            wwe_core::wire::ALWAYS_RECORD_KEY.into(),
            self.always_record.clone(),
        );
        stored
    }

    pub fn input(&mut self, input: Input) {
        let effects = self.engine.handle(input);
        for effect in effects {
            self.run(effect);
        }
    }

    fn run(&mut self, effect: Effect) {
        match effect {
            Effect::Answer { ticket, value } => {
                self.answers.insert(ticket, value);
            }
            Effect::Post { port, message } => {
                if let Some(panel) = self.panels.get_mut(&port) {
                    match message {
                        BackgroundToPanel::Backlog {
                            records, dropped, ..
                        } => {
                            panel.records = records;
                            panel.dropped = dropped;
                        }
                        BackgroundToPanel::Records { records } => panel.records.extend(records),
                        BackgroundToPanel::Dropped { total } => panel.dropped = total,
                        BackgroundToPanel::Navigated => panel.records.clear(),
                        BackgroundToPanel::Error { message } => panel.errors.push(message),
                        BackgroundToPanel::Sent(answer) => {
                            panel.sent.push(serde_json::to_value(answer).unwrap())
                        }
                        BackgroundToPanel::Hello(_) => {}
                    }
                }
            }
            Effect::Disconnect { port } => {
                self.panels.remove(&port);
            }
            Effect::Tell {
                tab,
                message: BackgroundToRelay::Armed { on, settings },
            } => {
                for relay in self.relays.iter_mut().filter(|r| r.tab == tab) {
                    relay.armed = on;
                    relay.settings = serde_json::to_value(settings).ok();
                    if !on {
                        trim(relay, RING_CAP);
                    }
                }
            }
            Effect::Hook { on } => self.hook = on,
            Effect::Detach { tab } => self.detached.push(tab),
            Effect::Frames { tab, ticket } => self.frame_asks.push_back((tab, ticket)),
            Effect::Wait { ticket, .. } => self.timers.push_back(ticket),
            Effect::Write {
                set,
                remove,
                ticket,
            } => self.writes.push_back((set, remove, ticket)),
            Effect::Execute {
                port,
                id,
                tab,
                frame,
                spec,
            } => self.executes.push_back((port, id, tab, frame, spec)),
        }
    }

    pub fn ticket(&mut self) -> Ticket {
        self.next_ticket += 1;
        self.next_ticket
    }

    // ---- the browser's side of each effect ----

    /// Lands (or refuses) the oldest write.
    pub fn land_write(&mut self) -> bool {
        let Some((set, remove, ticket)) = self.writes.pop_front() else {
            return false;
        };
        if self.refusing {
            if let Some(ticket) = ticket {
                self.input(Input::Refused { ticket });
            }
            return true;
        }
        self.store.extend(set);
        for key in remove {
            self.store.remove(&key);
        }
        if let Some(ticket) = ticket {
            self.input(Input::Stored { ticket });
        }
        true
    }

    pub fn fire_timer(&mut self) -> bool {
        let Some(ticket) = self.timers.pop_front() else {
            return false;
        };
        self.input(Input::Timer { ticket });
        true
    }

    pub fn answer_frames(&mut self) -> bool {
        let Some((tab, ticket)) = self.frame_asks.pop_front() else {
            return false;
        };
        let frames = self.trees.get(&tab).cloned().unwrap_or_default();
        let frames = frames.into_iter().map(|(frame, parent)| (frame, parent, self.frame_urls.get(&(tab, frame)).cloned().unwrap_or_default())).collect();
        self.input(Input::Frames {
            tab,
            ticket,
            frames,
        });
        true
    }

    // ---- pages ----

    pub fn add_tab(&mut self, tab: i64, url: &str, children: usize) {
        let mut tree = vec![(0, -1)];
        self.top_urls.insert(tab, url.into());
        self.frame_urls.insert((tab, 0), url.into());
        self.add_relay(tab, 0, vec![]);
        for i in 0..children {
            let frame = tab * 100 + i as i64 + 1;
            tree.push((frame, 0));
            self.frame_urls.insert((tab, frame), format!("{url}frame{frame}"));
            self.add_relay(tab, frame, vec![i as u32]);
        }
        self.trees.insert(tab, tree);
        self.input(Input::Committed {
            tab,
            frame: 0,
            parent: Some(-1),
            url: url.into(),
        });
    }

    fn add_relay(&mut self, tab: i64, frame: i64, path: Vec<u32>) {
        let id = format!("relay-{tab}-{frame}-{}", self.relays.len());
        self.relays.push(Relay {
            id,
            tab,
            frame,
            path,
            next_seq: 0,
            queue: VecDeque::new(),
            inflight: None,
            armed: false,
            delivered: 0,
            settings: None,
        });
        let index = self.relays.len() - 1;
        self.hello(index);
    }

    pub fn hello(&mut self, index: usize) {
        let relay = self.relays[index].clone();
        let ticket = self.ticket();
        let sender = self.sender(&relay);
        let message = json!({"type": "relay-hello", "relayId": relay.id, "framePath": relay.path, "frameUrl": sender.url});
        self.input(Input::Message {
            ticket,
            sender,
            message,
            hook_registered: false,
        });
        if let Some(answer) = self.answers.remove(&ticket) {
            let armed = answer["armed"] == true;
            let relay = &mut self.relays[index];
            relay.armed = armed;
            relay.settings = Some(json!({"sizeCap": answer["sizeCap"], "sendSide": answer["sendSide"]}));
        }
    }

    fn sender(&self, relay: &Relay) -> Sender {
        let url = self.top_urls.get(&relay.tab).cloned().unwrap_or_default();
        Sender {
            tab: Some(relay.tab),
            frame: Some(relay.frame),
            url: if relay.frame == 0 {
                url.clone()
            } else {
                format!("{url}frame{}", relay.frame)
            },
            tab_url: Some(url),
        }
    }

    /// `count` messages delivered to a relay's frame.
    pub fn deliver(&mut self, index: usize, count: usize) {
        let relay = &mut self.relays[index];
        for _ in 0..count {
            let seq = relay.next_seq;
            relay.next_seq += 1;
            relay.delivered += 1;
            relay.queue.push_back((seq, format!("{{\"n\":{seq}}}")));
            if !relay.armed {
                trim(relay, RING_CAP);
            }
        }
    }

    /// The relay sends its next batch, if it may.
    pub fn flush(&mut self, index: usize) {
        let relay = self.relays[index].clone();
        if !relay.armed || relay.inflight.is_some() || relay.queue.is_empty() {
            return;
        }
        let take = relay.queue.len().min(MAX_BATCH);
        let batch: Vec<(u64, String)> = self.relays[index].queue.drain(..take).collect();
        let records: Vec<Value> = batch
            .iter()
            .map(|(seq, json)| {
                // Every other message comes from the top, the rest from
                // the first child: senders to resolve, some of them late.
                let src = if seq % 2 == 0 { json!({"rel": "top", "path": []}) } else { json!({"rel": "frame", "path": [0]}) };
                json!({"seq": seq, "time": 1.5, "sourceOrigin": "http://127.0.0.1:1", "json": json, "marker": null, "size": json.len(), "src": src, "srcUnknown": null})
            })
            .collect();
        let ticket = self.ticket();
        let sender = self.sender(&relay);
        let message = json!({"type": "relay-batch", "relayId": relay.id, "framePath": relay.path, "frameUrl": sender.url,
                             "frameOrigin": "http://127.0.0.1:1", "hookOverflow": 0, "hookRejected": 0, "records": records});
        self.relays[index].inflight = Some((ticket, batch));
        self.input(Input::Message {
            ticket,
            sender,
            message,
            hook_registered: false,
        });
    }

    /// Relays read the answers that arrived.
    pub fn read_answers(&mut self) {
        for index in 0..self.relays.len() {
            let Some(ticket) = self.relays[index].inflight.as_ref().map(|(t, _)| *t) else {
                continue;
            };
            let Some(answer) = self.answers.remove(&ticket) else {
                continue;
            };
            let relay = &mut self.relays[index];
            let (_, records) = relay.inflight.take().unwrap_or_default();
            if answer["ok"] == true && answer["armed"] == true {
                continue;
            }
            put_back(relay, records);
            if answer["ok"] == true {
                relay.armed = false;
            }
        }
    }

    // ---- panels ----

    pub fn open_panel(&mut self, tab: i64) -> u32 {
        self.next_port += 1;
        let port = self.next_port;
        self.panels.insert(
            port,
            Panel {
                tab,
                ..Panel::default()
            },
        );
        self.input(Input::Connect {
            port,
            url: format!("{EXTENSION}panel.html?tabId={tab}"),
        });
        self.input(Input::PortMessage {
            port,
            message: json!({"type": "hello", "protocol": wwe_core::wire::PROTOCOL_VERSION}),
        });
        self.input(Input::PortMessage {
            port,
            message: json!({"type": "subscribe", "tabId": tab}),
        });
        port
    }

    pub fn close_panel(&mut self, port: u32) {
        if self.panels.remove(&port).is_some() {
            self.input(Input::Disconnect { port });
        }
    }

    /// Runs everything pending until the relays have nothing left to send.
    pub fn settle(&mut self) {
        for _ in 0..100_000 {
            let mut busy = self.land_write() | self.answer_frames() | self.fire_timer();
            self.read_answers();
            for index in 0..self.relays.len() {
                if self.relays[index].armed
                    && (!self.relays[index].queue.is_empty()
                        || self.relays[index].inflight.is_some())
                {
                    busy = true;
                    self.flush(index);
                }
            }
            if !busy {
                return;
            }
        }
        panic!("the world did not settle");
    }

    /// Records a fresh panel of `tab` would show, and the dropped count.
    pub fn fresh_view(&mut self, tab: i64) -> (Vec<Record>, u64) {
        let port = self.open_panel(tab);
        let panel = self.panels[&port].clone();
        self.close_panel(port);
        (panel.records, panel.dropped)
    }

    /// The settings relay `index` applies now.
    pub fn relay_settings(&self, index: usize) -> Option<Value> {
        self.relays[index].settings.clone()
    }

    /// The engine's `stats`, as an extension page asks for them.
    pub fn stats(&mut self) -> Value {
        let ticket = self.ticket();
        let sender = Sender {
            tab: None,
            frame: None,
            url: format!("{EXTENSION}panel.html"),
            tab_url: None,
        };
        self.input(Input::Message {
            ticket,
            sender,
            message: json!({"type": "stats"}),
            hook_registered: false,
        });
        self.answers.remove(&ticket).unwrap_or_default()
    }

    pub fn engine_preserves(&mut self, tab: i64) -> bool {
        self.stats()["tabs"][tab.to_string()]["preserve"] == true
    }

    pub fn delivered(&self, tab: i64) -> u64 {
        self.relays
            .iter()
            .filter(|r| r.tab == tab)
            .map(|r| r.delivered)
            .sum()
    }
}

/// Records of a failed batch go back in front (relay.js `failed`).
fn put_back(relay: &mut Relay, records: Vec<(u64, String)>) {
    for record in records.into_iter().rev() {
        relay.queue.push_front(record);
    }
}

fn trim(relay: &mut Relay, cap: usize) {
    while relay.queue.len() > cap {
        relay.queue.pop_front();
    }
}
