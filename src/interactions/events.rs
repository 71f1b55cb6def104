//! Events: the agent's, media and interaction events, toasts and dialogs,
//! each copy of one event delivered to several frames taken once (see
//! [`COPY_WINDOW_MS`]).

use serde_json::Value;

use super::fields::{id_field, str_field};
use super::findings::XCode;
use super::model::{ChangeKind, ToastStep};
use super::{Interactions, COPY_WINDOW_MS};
use crate::session::Captured;

impl Interactions {
    pub(super) fn toast_step(&mut self, toast: &str, time: f64, step: ToastStep, message: u64, buttons: Option<Vec<String>>) {
        match self.toasts.iter().rposition(|t| t.id.as_deref() == Some(toast)) {
            Some(at) => {
                let t = &mut self.toasts[at];
                let step = match step {
                    ToastStep::Click { button, .. } => ToastStep::Click {
                        button,
                        label: button.and_then(|b| t.buttons.get(usize::try_from(b).ok()?).cloned()),
                    },
                    other => other,
                };
                if let Some(b) = buttons.filter(|b| !b.is_empty()) {
                    t.buttons = b;
                }
                let at = t.steps.iter().rposition(|s| s.0 <= time).map_or(0, |p| p + 1);
                t.steps.insert(at, (time, step, vec![message]));
            }
            // A popup still waiting for its reply may be this toast.
            None if self.toasts.iter().any(|t| t.id.is_none()) => {
                self.toast_orphans.push((toast.to_owned(), time, step, message, buttons.unwrap_or_default()));
            }
            None => self.finding(
                XCode::UnknownToast,
                format!("{} for toast '{toast}', which no captured system.popupToast returned", step.as_str()),
                vec![message],
            ),
        }
    }

    pub(super) fn on_event(&mut self, captured: &Captured, name: &str, time: f64) {
        let data = captured.record.data.get("data").cloned().unwrap_or(Value::Null);
        let id = captured.record.id;
        let tracked = matches!(name, "agent" | "interaction" | "media" | "system" | "markdone" | "outbound");
        if tracked && self.is_copy(captured, time) {
            return;
        }
        self.producing = Some(Vec::new());
        self.on_fresh_event(&data, name, time, id);
        let produced = self.producing.take().unwrap_or_default();
        if let Some(back) = self.recent.back_mut().filter(|_| tracked) {
            back.3 = produced;
        }
    }

    pub(super) fn on_fresh_event(&mut self, data: &Value, name: &str, time: f64, id: u64) {
        let event_type = str_field(data, "eventType").unwrap_or("");
        match name {
            "agent" if event_type == "STATE_CHANGED" => {
                let state = str_field(data, "mediaState").or_else(|| str_field(data, "state"));
                if let Some(state) = state {
                    let reason = id_field(data, "reason");
                    let reason_code = id_field(data, "reasonCode");
                    self.agent_state(time, state.to_owned(), reason, reason_code, id);
                }
            }
            "media" => {
                if let (Some(media), Some(state)) = (str_field(data, "media").or_else(|| str_field(data, "name")), data.get("state")) {
                    let media = media.to_owned();
                    self.media_state(time, &media, state, id);
                }
            }
            "system" if event_type == "CUSTOM_TOAST_BUTTON_CLICK" => {
                let toast = id_field(data, "customToastId").unwrap_or_default();
                let button = data.get("buttonIndex").and_then(Value::as_u64);
                self.toast_step(&toast, time, ToastStep::Click { button, label: None }, id, None);
            }
            "markdone" => {
                let iid = id_field(data, "interactionId").or_else(|| data.get("interaction").and_then(|i| id_field(i, "interactionId")));
                if let Some(iid) = iid {
                    let at = self.ensure(&iid, time, Some(id));
                    self.change(at, time, ChangeKind::MarkedDone, id);
                }
            }
            "interaction" => self.on_interaction_event(data, event_type, time, id),
            "outbound" => {
                let iid = data.get("interaction").and_then(|i| id_field(i, "interactionId")).or_else(|| id_field(data, "interactionId"));
                if let Some(iid) = iid {
                    let at = self.ensure(&iid, time, Some(id));
                    if let Some(o) = data.get("interaction").filter(|v| v.is_object()) {
                        self.observe(at, o, time, id, false);
                    }
                    let event_type = Some(event_type.to_owned()).filter(|t| !t.is_empty());
                    self.change(at, time, ChangeKind::Notice { event: name.to_owned(), event_type }, id);
                }
            }
            _ => {}
        }
    }

    /// Whether this event is another frame's delivery of one already seen;
    /// if so its record id joins the messages of what the first produced.
    pub(super) fn is_copy(&mut self, captured: &Captured, time: f64) -> bool {
        while self.recent.front().is_some_and(|r| time - r.0 > COPY_WINDOW_MS * 5.0) {
            self.recent.pop_front();
        }
        let key = format!("{}\u{0}{}", captured.record.source_origin, captured.record.data);
        let frame = (captured.record.tab_id, captured.record.frame_id);
        let found = self
            .recent
            .iter()
            .rposition(|r| r.1 == key && r.2 != frame && (time - r.0).abs() <= COPY_WINDOW_MS);
        if let Some(at) = found {
            let produced = self.recent[at].3.clone();
            for (i, c) in produced {
                if let Some(change) = self.interactions.get_mut(i).and_then(|x| x.changes.get_mut(c)) {
                    change.messages.push(captured.record.id);
                }
            }
            return true;
        }
        // What this event produces is collected as changes are recorded.
        self.recent.push_back((time, key, frame, Vec::new()));
        false
    }

    pub(super) fn on_interaction_event(&mut self, data: &Value, event_type: &str, time: f64, id: u64) {
        let object = data.get("interaction").filter(|v| v.is_object());
        let iid = object.and_then(|o| id_field(o, "interactionId")).or_else(|| id_field(data, "interactionId"));
        let Some(iid) = iid else { return };
        let known = self.index.get(&iid).copied();
        if event_type == "ADDED" {
            if let Some(at) = known.filter(|&at| self.interactions[at].removed.is_none() && self.interactions[at].added.is_some()) {
                let first = self.interactions[at].added.unwrap_or(id);
                self.finding(XCode::AddedTwice, format!("interaction '{iid}' was ADDED again while still on the desktop"), vec![first, id]);
            }
        } else if known.is_none() {
            self.finding(
                XCode::UnknownInteraction,
                format!(
                    "{event_type} event for interaction '{iid}', which was never ADDED (or the capture started after it was)"
                ),
                vec![id],
            );
        } else if let Some(at) = known.filter(|&at| self.interactions[at].removed.is_some()) {
            let _ = at;
            self.finding(XCode::EventAfterRemoved, format!("{event_type} event for interaction '{iid}' after it was REMOVED"), vec![id]);
        }
        let at = self.ensure(&iid, time, None);
        if event_type == "ADDED" {
            let i = &mut self.interactions[at];
            if i.added.is_none() || i.removed.is_some() {
                i.added = Some(id);
                i.removed = None;
            }
        }
        if let Some(media) = str_field(data, "media") {
            if self.interactions[at].media.is_empty() {
                self.interactions[at].media = media.to_owned();
            }
        }
        let state = object
            .and_then(|o| str_field(o, "state"))
            .map(str::to_owned)
            .or_else(|| crate::catalog::is_state_event(event_type).then(|| event_type.to_owned()));
        if let Some(o) = object {
            self.observe(at, o, time, id, false);
        }
        if let Some(state) = state {
            self.set_state(at, state, time, id, true);
        }
        match event_type {
            "REMOVED" => {
                self.interactions[at].removed = Some(time);
                self.change(at, time, ChangeKind::Removed, id);
            }
            "PARTY_CHANGED" => {
                let names = self.interactions[at].parties.clone();
                self.change(at, time, ChangeKind::Parties { names }, id);
            }
            // Shown by what the interaction object says changed.
            "ADDED" | "ATTACHED_DATA_CHANGED" | "CALL_RECORDING_STATE_CHANGED" => {}
            ty if !crate::catalog::is_state_event(ty) && crate::catalog::event_type(ty).is_some() => {
                let notice = ChangeKind::Notice { event: "interaction".to_owned(), event_type: Some(ty.to_owned()) };
                self.change(at, time, notice, id);
            }
            _ => {}
        }
    }
}
