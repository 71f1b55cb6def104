//! Requests and what they caused: a request naming an interaction waits
//! (within [`CAUSE_WINDOW_MS`]) for the change it explains, or is linked to
//! one already seen, since frames' batches arrive out of order; a failed
//! request is discredited; a creating request (dial, consult, …) is linked
//! to the interaction it created.

use serde_json::Value;

use super::fields::{param, str_field, text_of};
use super::findings::XCode;
use super::model::{Cause, ChangeKind, KeyChange, Toast, ToastStep};
use super::{Interactions, CAUSE_WINDOW_MS, CLOCK_SKEW_MS};
use crate::session::Captured;

/// Requests that may create an interaction.
pub(super) const CREATING: &[&str] = &["voice.dial", "voice.dialEx", "email.create", "interaction.consult", "outbound.callPreviewRecord"];

/// A request that may still explain a change that has not been seen yet.
#[derive(Debug, Clone)]
pub(super) struct Pending {
    pub(super) request: u64,
    pub(super) name: String,
    pub(super) time: f64,
    pub(super) client: String,
    /// The interaction the request names (or the destination, for a
    /// creating request; the case id for `selectCaseByCaseId`).
    pub(super) target: String,
    /// The `userData` keys it writes (value `None` = delete).
    pub(super) writes: Vec<(String, Option<Value>)>,
}

/// Which request names can explain a change.
pub(super) fn explains(request: &str, kind: &ChangeKind) -> bool {
    match (request, kind) {
        ("voice.hold", ChangeKind::State { to, .. }) => to == "HELD",
        ("voice.resume", ChangeKind::State { to, .. }) => to == "ESTABLISHED",
        ("voice.hangUp", ChangeKind::State { to, .. }) => to == "RELEASED",
        ("voice.hangUp", ChangeKind::Recording { to, .. }) => to == "STOPPED",
        ("voice.answer" | "interaction.accept", ChangeKind::State { to, .. }) => to == "ESTABLISHED" || to == "ACCEPTED",
        ("interaction.reject", ChangeKind::State { to, .. }) => to == "RELEASED" || to == "REVOKED",
        ("interaction.reject", ChangeKind::Removed) => true,
        ("interaction.singleStepTransfer" | "interaction.completeTransfer", ChangeKind::State { to, .. }) => {
            to == "RELEASED" || to == "TRANSFER_COMPLETED"
        }
        ("interaction.completeConference", ChangeKind::State { to, .. }) => to == "RELEASED",
        ("interaction.singleStepConference" | "interaction.completeConference", ChangeKind::Parties { .. }) => true,
        ("interaction.markdone", ChangeKind::State { to, .. }) => to == "COMPLETED",
        ("interaction.markdone", ChangeKind::Removed | ChangeKind::MarkedDone) => true,
        ("voice.startCallRecording" | "voice.resumeCallRecording", ChangeKind::Recording { to, .. }) => to == "RECORDING",
        ("voice.stopCallRecording", ChangeKind::Recording { to, .. }) => to == "STOPPED",
        ("voice.pauseCallRecording", ChangeKind::Recording { to, .. }) => to == "PAUSED",
        ("interaction.setUserData" | "interaction.deleteUserData", ChangeKind::UserData { .. }) => true,
        ("interaction.selectCaseByCaseId", ChangeKind::Case { .. }) => true,
        _ => false,
    }
}

/// Whether this request explains this change: the right kind of change,
/// and for a `userData` write, a key now holding the value written (or
/// gone, for a delete) — not the data the interaction already had.
pub(super) fn fits(pending: &Pending, kind: &ChangeKind) -> bool {
    if !explains(&pending.name, kind) {
        return false;
    }
    match kind {
        ChangeKind::UserData { keys } if !pending.writes.is_empty() => {
            keys.iter().any(|k| pending.writes.iter().any(|(key, value)| *key == k.key && *value == k.after))
        }
        _ => true,
    }
}

/// Whether one request keeps explaining further changes after the first
/// (mark-done: COMPLETED, REMOVED and the markdone event; hang-up: the
/// release and the recording it stops).
pub(super) fn explains_many(request: &str) -> bool {
    request == "interaction.markdone" || request == "voice.hangUp"
}

/// The button labels of a `system.popupToast`'s parameters.
pub(super) fn buttons_of(params: &Value) -> Vec<String> {
    match params.get("buttons") {
        Some(Value::Array(a)) => a
            .iter()
            .map(|b| match b {
                Value::String(s) => s.clone(),
                Value::Object(o) => ["label", "text", "title", "name"]
                    .iter()
                    .find_map(|k| o.get(*k).and_then(Value::as_str))
                    .unwrap_or("button")
                    .to_owned(),
                other => other.to_string(),
            })
            .collect(),
        _ => Vec::new(),
    }
}

impl Interactions {
    pub(super) fn on_request(&mut self, captured: &Captured, name: &str, time: f64) {
        let id = captured.record.id;
        let client = captured.record.source_origin.clone();
        let p0 = param(captured, 0).and_then(text_of).unwrap_or_default();
        let mut pending =
            Pending { request: id, name: name.to_owned(), time, client: client.clone(), target: p0.clone(), writes: Vec::new() };
        self.pending.retain(|p| time - p.time <= CAUSE_WINDOW_MS);
        self.creating.retain(|p| time - p.time <= CAUSE_WINDOW_MS);
        match name {
            n if CREATING.contains(&n) => {
                if n == "interaction.consult" {
                    pending.target = param(captured, 1).and_then(crate::catalog::transfer_destination).and_then(text_of).unwrap_or_default();
                }
                // A creation already seen (the request's batch came late).
                let found = self.interactions.iter().position(|i| {
                    i.created_by.is_none() && i.first_seen + CLOCK_SKEW_MS >= time && i.first_seen - time <= CAUSE_WINDOW_MS && i.parties.contains(&pending.target)
                });
                match found {
                    Some(at) => self.link_creation(at, &pending),
                    None => self.creating.push(pending),
                }
                if n == "interaction.consult" {
                    self.pending.push(Pending { target: p0, ..self.pending_template(id, n, time, &client) });
                }
            }
            "interaction.setUserData" | "interaction.deleteUserData" => {
                pending.writes = if name == "interaction.setUserData" {
                    match param(captured, 1) {
                        Some(Value::Object(kv)) => kv.iter().map(|(k, v)| (k.clone(), Some(v.clone()))).collect(),
                        _ => Vec::new(),
                    }
                } else {
                    param(captured, 1).and_then(text_of).map(|k| vec![(k, None)]).unwrap_or_default()
                };
                if let Some(&at) = self.index.get(&p0) {
                    for (k, _) in &pending.writes {
                        self.interactions[at].writes.push((k.clone(), id, client.clone()));
                    }
                }
                self.queue(pending);
            }
            "system.popupToast" => {
                let params = param(captured, 0).cloned().unwrap_or(Value::Null);
                let title = str_field(&params, "title").map(str::to_owned);
                self.toasts.push(Toast {
                    id: None,
                    client,
                    buttons: buttons_of(&params),
                    steps: vec![(time, ToastStep::Popup { title }, vec![id])],
                });
            }
            "system.updateToast" => {
                let params = param(captured, 1).cloned().unwrap_or(Value::Null);
                let title = str_field(&params, "title").map(str::to_owned);
                let buttons = buttons_of(&params);
                self.toast_step(&p0, time, ToastStep::Update { title }, id, Some(buttons));
            }
            "system.closeToast" => self.toast_step(&p0, time, ToastStep::Close, id, None),
            "system.openDialog" => {
                self.dialogs_awaited.insert(id);
            }
            "system.closeDialog" if !self.dialogs.contains(&p0) && self.dialogs_awaited.is_empty() => self.finding(
                XCode::UnknownDialog,
                format!("system.closeDialog for dialog '{p0}', which no captured system.openDialog returned"),
                vec![id],
            ),
            n if (n.starts_with("interaction.")
                || n.starts_with("voice.") && n != "voice.dial" && n != "voice.dialEx")
                && !p0.is_empty() => {
                    self.queue(pending);
                }
            _ => {}
        }
    }

    pub(super) fn pending_template(&self, request: u64, name: &str, time: f64, client: &str) -> Pending {
        Pending { request, name: name.to_owned(), time, client: client.to_owned(), target: String::new(), writes: Vec::new() }
    }

    /// Keeps a request waiting for its change, unless a change it explains
    /// was already seen (records of different frames arrive in batches).
    pub(super) fn queue(&mut self, pending: Pending) {
        let target_index = if pending.name == "interaction.selectCaseByCaseId" {
            self.interactions.iter().position(|i| i.case_id.as_deref() == Some(&pending.target))
        } else {
            self.index.get(&pending.target).copied()
        };
        if let Some(at) = target_index {
            let hit = self.interactions[at].changes.iter().position(|c| {
                c.request.is_none() && c.time + CLOCK_SKEW_MS >= pending.time && c.time - pending.time <= CAUSE_WINDOW_MS && fits(&pending, &c.kind)
            });
            if let Some(ci) = hit {
                self.attach(at, ci, &pending);
                if !explains_many(&pending.name) {
                    return;
                }
            }
        }
        self.pending.push(pending);
    }

    pub(super) fn attach(&mut self, at: usize, ci: usize, pending: &Pending) {
        let interaction = &mut self.interactions[at];
        let change = &mut interaction.changes[ci];
        change.request = Some(pending.request);
        change.request_name = Some(pending.name.clone());
        change.client = Some(pending.client.clone());
        for (k, _) in &pending.writes {
            let entry = (k.clone(), pending.request, pending.client.clone());
            if !interaction.writes.contains(&entry) {
                interaction.writes.push(entry);
            }
        }
        let change = &mut interaction.changes[ci];
        if let ChangeKind::UserData { keys } = &mut change.kind {
            for (k, v) in &pending.writes {
                if !keys.iter().any(|kc| kc.key == *k) && interaction.user_data.get(k) != v.as_ref() {
                    keys.push(KeyChange { key: k.clone(), before: None, after: v.clone(), visible: false });
                }
            }
        }
        let id = interaction.id.clone();
        self.causes.push(Cause { request: pending.request, name: pending.name.clone(), interaction: id, created: false, change: Some(ci) });
    }

    /// Forgets every cause credited to `request` (a request that failed),
    /// and stops it from explaining anything later.
    pub(super) fn discredit(&mut self, request: u64) {
        self.pending.retain(|p| p.request != request);
        self.creating.retain(|p| p.request != request);
        for cause in self.causes.iter().filter(|c| c.request == request) {
            let Some(&at) = self.index.get(&cause.interaction) else { continue };
            let interaction = &mut self.interactions[at];
            match cause.change {
                Some(ci) => {
                    if let Some(change) = interaction.changes.get_mut(ci).filter(|c| c.request == Some(request)) {
                        change.request = None;
                        change.request_name = None;
                        change.client = None;
                    }
                }
                None if interaction.created_by == Some(request) => interaction.created_by = None,
                None => {}
            }
        }
        self.causes.retain(|c| c.request != request);
    }

    pub(super) fn link_creation(&mut self, at: usize, pending: &Pending) {
        let interaction = &mut self.interactions[at];
        if interaction.created_by.is_some() {
            return;
        }
        interaction.created_by = Some(pending.request);
        let id = interaction.id.clone();
        self.causes.push(Cause { request: pending.request, name: pending.name.clone(), interaction: id, created: true, change: None });
    }
}
