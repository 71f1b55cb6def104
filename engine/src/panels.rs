//! Panels: the ports of the extension's own pages, the tabs each watches,
//! and what each may ask (watch, clear, preserve, send into a frame of a
//! tab it watches).

use serde_json::{json, Value};
use wwe_core::wire::{self, BackgroundToPanel, Hello};

use crate::io::{Effect, PortId};
use crate::{send, Engine};

impl Engine {
    pub(crate) fn connect(&mut self, port: PortId, url: &str, out: &mut Vec<Effect>) {
        // A content script's port carries the page's URL: refused.
        if self.extension_url.is_empty() || !url.starts_with(&self.extension_url) {
            return out.push(Effect::Disconnect { port });
        }
        self.panels.insert(port, Default::default());
        self.post(
            port,
            BackgroundToPanel::Hello(Hello {
                protocol: wire::PROTOCOL_VERSION,
                build: self.build.clone(),
            }),
            out,
        );
    }

    pub(crate) fn port_message(&mut self, port: PortId, message: &Value, out: &mut Vec<Effect>) {
        if !self.panels.contains_key(&port) {
            return;
        }
        let error = |message: String| BackgroundToPanel::Error { message };
        match message.get("type").and_then(Value::as_str) {
            Some("hello") => {
                let protocol = message.get("protocol").cloned().unwrap_or(Value::Null);
                if protocol != json!(wire::PROTOCOL_VERSION) {
                    let text = format!(
                        "protocol mismatch: panel speaks {protocol}, background {}; reload the extension",
                        wire::PROTOCOL_VERSION
                    );
                    self.post(port, error(text), out);
                }
            }
            Some("subscribe") => match message.get("tabId").and_then(Value::as_i64) {
                None => {
                    let got = message
                        .get("tabId")
                        .map_or("undefined".to_string(), Value::to_string);
                    self.post(
                        port,
                        error(format!("subscribe needs an integer tabId, got {got}")),
                        out,
                    );
                }
                Some(tab) => {
                    self.panels.entry(port).or_default().insert(tab);
                    let state = self.tab_mut(tab);
                    let records = state.records.iter().map(|k| k.record.clone()).collect();
                    let dropped = state.meta.dropped;
                    self.post(
                        port,
                        BackgroundToPanel::Backlog {
                            tab_id: Some(tab),
                            records,
                            dropped,
                        },
                        out,
                    );
                    self.announce(tab, out);
                }
            },
            Some("preserve") => {
                let on = message.get("on") == Some(&Value::Bool(true));
                for tab in self.watched(port) {
                    let state = self.tab_mut(tab);
                    if state.meta.preserve != on {
                        state.meta.preserve = on;
                        let mut write = crate::Write::default();
                        self.meta_into(tab, &mut write);
                        out.push(write.into_effect(None));
                    }
                }
            }
            Some("clear") => {
                for tab in self.watched(port) {
                    self.clear(tab, out);
                }
            }
            Some("ping") => {}
            Some("debugger") => {
                let tab = message.get("tabId").and_then(Value::as_i64);
                let attached = message.get("attached") == Some(&Value::Bool(true));
                if let Some(tab) = tab {
                    self.debugger_attached(port, tab, attached);
                }
            }
            Some("debugger-log") => {
                if let Some(tab) = message.get("tabId").and_then(Value::as_i64) {
                    let null = Value::Null;
                    let entry = message.get("entry").unwrap_or(&null);
                    let tree = message.get("tree").unwrap_or(&null);
                    self.debugger_log(port, tab, entry, tree, out);
                }
            }
            Some("send") => self.send(port, message, out),
            _ => {
                let kind = message
                    .get("type")
                    .map_or("undefined".to_string(), Value::to_string);
                self.post(port, error(format!("unknown message type {kind}")), out);
            }
        }
    }

    fn watched(&self, port: PortId) -> Vec<i64> {
        self.panels
            .get(&port)
            .map(|w| w.iter().copied().collect())
            .unwrap_or_default()
    }

    /// Only for a tab the panel watches, or a popup joined to it.
    fn send(&mut self, port: PortId, message: &Value, out: &mut Vec<Effect>) {
        let refuse = |id: u32, error: String| {
            BackgroundToPanel::Sent(wire::SentAnswer {
                id,
                ok: false,
                posted: 0,
                error: Some(error),
                probe: None,
            })
        };
        let command = match send::parse(message) {
            Ok(command) => command,
            Err((id, why)) => return self.post(port, refuse(id, why), out),
        };
        let capture = self.frames.capture_tab_of(command.tab_id);
        if !self.panels.get(&port).is_some_and(|w| w.contains(&capture)) {
            let why = format!("this panel does not watch tab {}", command.tab_id);
            return self.post(port, refuse(command.id, why), out);
        }
        out.push(Effect::Execute {
            port,
            id: command.id,
            tab: command.tab_id,
            frame: command.frame_id,
            spec: send::spec(&command),
        });
    }
}
