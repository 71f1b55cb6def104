//! Replies: what a paired reply shows of the agent, media, toasts and
//! interactions, one handler per kind of request; a failed reply takes back
//! what its request was credited with.

use serde_json::Value;

use super::causes::{Pending, CREATING};
use super::fields::{id_field, param, str_field, text_of};
use super::model::ChangeKind;
use super::Interactions;
use crate::decode::Message;
use crate::session::{Captured, Session};

impl Interactions {
    /// A reply: paired with its request (or set aside until the session
    /// pairs it), then handed to the handler for its kind of request. A
    /// failed request caused nothing and changes nothing but a "refused"
    /// entry.
    pub(super) fn on_reply(&mut self, captured: &Captured, session: &Session, time: f64) {
        let id = captured.record.id;
        let Some(exchange) = session.exchange_of(id).filter(|e| e.reply == Some(id)) else {
            self.unpaired.insert(id);
            return;
        };
        let Some(request) = session.message(exchange.request) else { return };
        let reply = Reply {
            id,
            time,
            name: exchange.name.as_ref(),
            request,
            request_time: exchange.request_time,
            data: captured.record.data.get("data").cloned().unwrap_or(Value::Null),
            p0: param(request, 0).and_then(text_of).unwrap_or_default(),
        };
        let error = match &captured.decoded.message {
            Message::ReplyError { error_message, .. } => Some(error_message.clone()),
            Message::RateLimitError { .. } => Some(str_field(&captured.record.data, "errorMessage").unwrap_or("rate limited").to_owned()),
            _ => None,
        };
        if reply.name == "system.openDialog" {
            self.on_dialog_reply(&reply, error.is_none());
        }
        if let Some(error) = error {
            self.on_failed_reply(&reply, error);
            return;
        }
        match reply.name {
            "agent.get" => self.on_agent_reply(&reply),
            "agent.getState" | "agent.setState" => self.on_agent_state_reply(&reply),
            "media.getMediaList" | "media.getMediaByName" | "media.setState" => self.on_media_reply(&reply),
            "system.popupToast" => self.on_popup_reply(&reply),
            "interaction.blockMarkdone" | "interaction.unblockMarkdone" => self.on_block_reply(&reply),
            "interaction.getInteractions" | "interaction.getByInteractionId" => self.on_read_reply(&reply),
            _ => self.on_interaction_reply(&reply),
        }
    }

    /// A request waiting for nothing more, as [`Pending`] for linking it
    /// to a change now.
    fn pending_of(&self, reply: &Reply, target: String) -> Pending {
        Pending { target, ..self.pending_template(reply.request_id(), reply.name, reply.request_time, &reply.request.record.source_origin) }
    }

    /// `system.openDialog`: no longer awaited; the dialog id it returned
    /// (when it did not fail) is known from now on.
    fn on_dialog_reply(&mut self, reply: &Reply, ok: bool) {
        self.dialogs_awaited.remove(&reply.request_id());
        if ok {
            if let Some(dialog) = text_of(&reply.data).or_else(|| id_field(&reply.data, "id")) {
                self.dialogs.insert(dialog);
            }
        }
    }

    /// A failed request caused nothing: take back any change or creation
    /// credited to it while its reply was awaited, and show the refusal on
    /// the interaction it named.
    fn on_failed_reply(&mut self, reply: &Reply, error: String) {
        let name = reply.name;
        self.discredit(reply.request_id());
        let on_interaction = (name.starts_with("interaction.") && name != "interaction.getInteractions" && name != "interaction.selectCaseByCaseId")
            || (name.starts_with("voice.") && name != "voice.dial" && name != "voice.dialEx");
        if on_interaction && !reply.p0.is_empty() {
            if let Some(&at) = self.index.get(&reply.p0) {
                self.pending.retain(|p| p.request != reply.request_id());
                let ci = self.interactions[at].changes.len();
                self.change(at, reply.time, ChangeKind::Refused { request: name.to_owned(), error }, reply.id);
                let p = self.pending_of(reply, reply.p0.clone());
                self.attach(at, ci, &p);
            }
        }
    }

    /// `agent.get`: the agent's name and, when given, state.
    fn on_agent_reply(&mut self, reply: &Reply) {
        let data = &reply.data;
        self.agent.username = str_field(data, "username").map(str::to_owned).or(self.agent.username.take());
        let full: Vec<&str> = ["firstname", "lastname"].iter().filter_map(|k| str_field(data, k)).collect();
        if !full.is_empty() {
            self.agent.name = Some(full.join(" "));
        }
        if let Some(state) = str_field(data, "mediaState") {
            self.agent_state(reply.time, state.to_owned(), id_field(data, "reason"), id_field(data, "reasonCode"), reply.id);
        }
    }

    /// `agent.getState`, `agent.setState`: the agent's state.
    fn on_agent_state_reply(&mut self, reply: &Reply) {
        let data = &reply.data;
        let state = str_field(data, "mediaState")
            .or_else(|| str_field(data, "operationName"))
            .or_else(|| str_field(data, "displayName"))
            .or_else(|| data.as_str());
        if let Some(state) = state {
            self.agent_state(reply.time, state.to_owned(), id_field(data, "reason"), id_field(data, "reasonCode"), reply.id);
        }
    }

    /// `media.*`: each channel's state.
    fn on_media_reply(&mut self, reply: &Reply) {
        for item in items(&reply.data) {
            let media = str_field(&item, "media").or_else(|| str_field(&item, "name")).map(str::to_owned);
            if let (Some(media), Some(state)) = (media, item.get("state")) {
                self.media_state(reply.time, &media, state, reply.id);
            }
        }
    }

    /// `system.popupToast`: the toast's id, and the steps that named it
    /// before the id was known.
    fn on_popup_reply(&mut self, reply: &Reply) {
        let Some(toast_id) = text_of(&reply.data).or_else(|| id_field(&reply.data, "id")) else { return };
        let request = reply.request_id();
        if let Some(t) = self.toasts.iter_mut().rev().find(|t| t.steps.first().is_some_and(|s| s.2.first() == Some(&request))) {
            t.id = Some(toast_id.clone());
            if let Some(s) = t.steps.first_mut() {
                s.2.push(reply.id);
            }
        }
        let (mine, rest): (Vec<_>, Vec<_>) = std::mem::take(&mut self.toast_orphans).into_iter().partition(|o| o.0 == toast_id);
        self.toast_orphans = rest;
        for (toast, time, step, message, buttons) in mine {
            self.toast_step(&toast, time, step, message, Some(buttons));
        }
    }

    /// `interaction.blockMarkdone`, `unblockMarkdone`: the block, as of
    /// the request's time.
    fn on_block_reply(&mut self, reply: &Reply) {
        let Some(&at) = self.index.get(&reply.p0) else { return };
        let blocked = reply.name == "interaction.blockMarkdone";
        let warning = if blocked { param(reply.request, 1).and_then(text_of) } else { None };
        let ci = self.interactions[at].changes.len();
        self.set_block(at, blocked, warning, reply.request_time, reply.request_id());
        if self.interactions[at].changes.get(ci).is_some() {
            self.interactions[at].changes[ci].messages.push(reply.id);
            let p = self.pending_of(reply, reply.p0.clone());
            self.attach(at, ci, &p);
        }
    }

    /// `interaction.getInteractions`, `getByInteractionId`: what this client
    /// may see, and that it read it.
    fn on_read_reply(&mut self, reply: &Reply) {
        let client = &reply.request.record.source_origin;
        for item in items(&reply.data) {
            let Some(iid) = id_field(&item, "interactionId") else { continue };
            // A read shows what this client may see; it changes nothing, so
            // its userData is never diffed (another frame's read may reach
            // the panel before the events it follows).
            let mut item = item.clone();
            if let Value::Object(o) = &mut item {
                o.remove("userData");
            }
            self.observe_reply(&iid, &item, reply.time, reply.id);
            let keys = match item_user_data(&reply.data, &iid) {
                Some(Value::Object(ud)) => ud.keys().cloned().collect(),
                _ => Vec::new(),
            };
            let at = self.ensure(&iid, reply.time, None);
            self.change(at, reply.time, ChangeKind::Read { keys, client: client.clone() }, reply.id);
            if let Some(c) = self.interactions[at].changes.last_mut() {
                c.request = Some(reply.request_id());
                c.request_name = Some(reply.name.to_owned());
                c.client = Some(client.clone());
            }
        }
    }

    /// Any other request: the interaction snapshot its reply carries, and
    /// for a creating request (dial, consult, …) the interaction it created.
    fn on_interaction_reply(&mut self, reply: &Reply) {
        let data = &reply.data;
        let Some(iid) = id_field(data, "interactionId") else { return };
        if data.get("state").is_some() || data.get("userData").is_some() {
            self.observe_reply(&iid, data, reply.time, reply.id);
        }
        if !CREATING.contains(&reply.name) {
            return;
        }
        let Some(&at) = self.index.get(&iid) else { return };
        if let Some(hit) = self.creating.iter().position(|p| p.request == reply.request_id()) {
            let p = self.creating.remove(hit);
            self.link_creation(at, &p);
        } else if self.interactions[at].created_by.is_none() {
            let p = self.pending_of(reply, String::new());
            self.link_creation(at, &p);
        }
    }

    /// A reply's snapshot of an interaction: fills what is unknown, diffs
    /// `userData` and the rest, but never judges the order of states (a
    /// reply may overtake the events).
    pub(super) fn observe_reply(&mut self, iid: &str, o: &Value, time: f64, message: u64) {
        let at = self.ensure(iid, time, Some(message));
        self.observe(at, o, time, message, true);
        if self.interactions[at].state.is_none() {
            if let Some(state) = str_field(o, "state") {
                self.set_state(at, state.to_owned(), time, message, false);
            }
        }
    }
}

/// The `userData` of interaction `iid` in a reply's data (one interaction
/// or a list).
fn item_user_data<'a>(data: &'a Value, iid: &str) -> Option<&'a Value> {
    let one = |v: &'a Value| (id_field(v, "interactionId").as_deref() == Some(iid)).then(|| v.get("userData")).flatten();
    match data {
        Value::Array(a) => a.iter().find_map(one),
        other => one(other),
    }
}

/// A paired reply and what its handler needs of the request.
struct Reply<'a> {
    /// The reply's record id.
    id: u64,
    /// When the reply was received.
    time: f64,
    /// The request's name.
    name: &'a str,
    /// The request.
    request: &'a Captured,
    /// When the request was received.
    request_time: f64,
    /// The reply's `data`.
    data: Value,
    /// The request's first parameter as text (usually an interaction id).
    p0: String,
}

impl Reply<'_> {
    /// The request's record id.
    fn request_id(&self) -> u64 {
        self.request.record.id
    }
}

/// A reply's data as a list of items (one item unless it is an array).
fn items(data: &Value) -> Vec<Value> {
    match data {
        Value::Array(a) => a.clone(),
        other => vec![other.clone()],
    }
}
