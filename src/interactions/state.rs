//! The state tables: an interaction's state and data as events and replies
//! show them (with the order of states judged), its changes, mark-done
//! blocking, and the agent's state overall and per media.

use serde_json::Value;

use super::fields::{id_field, str_field, text_of};
use super::findings::XCode;
use super::causes::{explains_many, fits};
use super::model::{AgentState, ChangeKind, Change, Interaction, KeyChange, MediaState};
use super::{Interactions, CAUSE_WINDOW_MS, CLOCK_SKEW_MS};

impl Interactions {
    /// The interaction with this id, created (first seen now) if new.
    pub(super) fn ensure(&mut self, id: &str, time: f64, _message: Option<u64>) -> usize {
        if let Some(&at) = self.index.get(id) {
            return at;
        }
        self.interactions.push(Interaction::new(id, time));
        let at = self.interactions.len() - 1;
        self.index.insert(id.to_owned(), at);
        at
    }

    /// Applies what an interaction object shows (event or reply): media,
    /// parties, `userData`, recording, case, mark-done blocking.
    pub(super) fn observe(&mut self, at: usize, o: &Value, time: f64, message: u64, from_reply: bool) {
        {
            let i = &mut self.interactions[at];
            i.first_seen = i.first_seen.min(time);
            if i.media.is_empty() {
                if let Some(m) = str_field(o, "media") {
                    i.media = m.to_owned();
                }
            }
            if let Some(case) = id_field(o, "caseId") {
                i.case_id = Some(case);
            }
            let mut parties: Vec<String> = match o.get("parties") {
                Some(Value::Array(a)) => a.iter().filter_map(|p| p.get("name").and_then(text_of)).collect(),
                _ => Vec::new(),
            };
            for key in ["dnis", "destination", "to"] {
                if let Some(v) = o.get(key).and_then(text_of) {
                    if !parties.contains(&v) {
                        parties.push(v);
                    }
                }
            }
            if !parties.is_empty() {
                i.parties = parties;
            }
        }
        let fresh = self.interactions[at].created_by.is_none();
        if fresh {
            let parties = self.interactions[at].parties.clone();
            let first_seen = self.interactions[at].first_seen;
            let hit = self.creating.iter().position(|p| {
                first_seen + CLOCK_SKEW_MS >= p.time && first_seen - p.time <= CAUSE_WINDOW_MS && parties.contains(&p.target)
            });
            if let Some(hit) = hit {
                let p = self.creating.remove(hit);
                self.link_creation(at, &p);
            }
        }
        if let Some(Value::Object(ud)) = o.get("userData") {
            let before = &self.interactions[at].user_data;
            let mut keys = Vec::new();
            for (k, v) in ud {
                if before.get(k) != Some(v) {
                    keys.push(KeyChange { key: k.clone(), before: before.get(k).cloned(), after: Some(v.clone()), visible: true });
                }
            }
            for (k, v) in before {
                if !ud.contains_key(k) {
                    keys.push(KeyChange { key: k.clone(), before: Some(v.clone()), after: None, visible: true });
                }
            }
            keys.sort_by(|a, b| a.key.cmp(&b.key));
            self.interactions[at].user_data = ud.clone();
            if !keys.is_empty() {
                self.change(at, time, ChangeKind::UserData { keys }, message);
            }
        }
        if let Some(rec) = str_field(o, "recordingState") {
            let from = self.interactions[at].recording.clone();
            if from.as_deref() != Some(rec) {
                self.interactions[at].recording = Some(rec.to_owned());
                // The first state seen is a starting point, not a change,
                // unless it is already something other than stopped.
                if from.is_some() || rec != "STOPPED" {
                    self.change(at, time, ChangeKind::Recording { from, to: rec.to_owned() }, message);
                }
            }
        }
        let selected = o.get("isCaseSelected").and_then(Value::as_bool);
        let expanded = o.get("isCaseExpanded").and_then(Value::as_bool);
        if selected.is_some() || expanded.is_some() {
            let i = &mut self.interactions[at];
            let first = i.case_selected.is_none() && i.case_expanded.is_none();
            let changed = (selected.is_some() && selected != i.case_selected) || (expanded.is_some() && expanded != i.case_expanded);
            if selected.is_some() {
                i.case_selected = selected;
            }
            if expanded.is_some() {
                i.case_expanded = expanded;
            }
            let (selected, expanded) = (i.case_selected, i.case_expanded);
            if changed && !(first && selected != Some(true) && expanded != Some(true)) {
                self.change(at, time, ChangeKind::Case { selected, expanded }, message);
            }
        }
        if let Some(blocked) = o.get("isMarkDoneBlocked").and_then(Value::as_bool) {
            let was = self.interactions[at].markdone_blocked.is_some();
            if blocked != was && (blocked || !from_reply || was) {
                self.set_block(at, blocked, None, time, message);
            }
        }
    }

    pub(super) fn set_block(&mut self, at: usize, blocked: bool, warning: Option<String>, time: f64, message: u64) {
        let i = &mut self.interactions[at];
        let was = i.markdone_blocked.is_some();
        if blocked {
            let warning = warning.or_else(|| i.markdone_blocked.clone());
            i.markdone_blocked = Some(warning.clone().unwrap_or_default());
            if !was || warning.is_some() {
                self.change(at, time, ChangeKind::MarkDoneBlock { blocked, warning }, message);
            }
        } else if was {
            i.markdone_blocked = None;
            self.change(at, time, ChangeKind::MarkDoneBlock { blocked, warning: None }, message);
        }
    }

    pub(super) fn set_state(&mut self, at: usize, state: String, time: f64, message: u64, check: bool) {
        let from = self.interactions[at].state.clone();
        if from.as_deref() == Some(state.as_str()) {
            return;
        }
        if check {
            if let Some(f) = from.as_deref().filter(|f| crate::catalog::is_terminal_state(f)) {
                if !crate::catalog::is_terminal_state(&state) {
                    let iid = self.interactions[at].id.clone();
                    let earlier: Vec<u64> = self.interactions[at]
                        .changes
                        .iter()
                        .rev()
                        .find(|c| matches!(&c.kind, ChangeKind::State { to, .. } if to == f))
                        .map(|c| c.messages.clone())
                        .unwrap_or_default();
                    let mut messages = earlier;
                    messages.truncate(1);
                    messages.push(message);
                    self.finding(
                        XCode::StateAfterEnd,
                        format!("interaction '{iid}' went {state} after it had ended ({f}): the events contradict each other or arrived out of order"),
                        messages,
                    );
                }
            }
        }
        self.interactions[at].state = Some(state.clone());
        self.change(at, time, ChangeKind::State { from, to: state }, message);
    }

    /// Records a change, linking the request that explains it, if any.
    pub(super) fn change(&mut self, at: usize, time: f64, kind: ChangeKind, message: u64) {
        let iid = self.interactions[at].id.clone();
        let case_id = self.interactions[at].case_id.clone();
        let hit = self.pending.iter().position(|p| {
            let target = if p.name == "interaction.selectCaseByCaseId" { case_id.as_deref() == Some(&p.target) } else { p.target == iid };
            target && time + CLOCK_SKEW_MS >= p.time && time - p.time <= CAUSE_WINDOW_MS && fits(p, &kind)
        });
        let ci = self.interactions[at].changes.len();
        self.interactions[at].changes.push(Change {
            time,
            kind,
            messages: vec![message],
            request: None,
            request_name: None,
            client: None,
        });
        if let Some(produced) = &mut self.producing {
            produced.push((at, ci));
        }
        if let Some(hit) = hit {
            let p = if explains_many(&self.pending[hit].name) { self.pending[hit].clone() } else { self.pending.remove(hit) };
            self.attach(at, ci, &p);
        }
    }

    pub(super) fn agent_state(&mut self, time: f64, state: String, reason: Option<String>, reason_code: Option<String>, message: u64) {
        if let Some(last) = self.agent.states.last() {
            if last.state == state && last.reason == reason && last.reason_code == reason_code {
                return;
            }
        }
        self.agent.states.push(AgentState { time, state, reason, reason_code, messages: vec![message] });
    }

    pub(super) fn media_state(&mut self, time: f64, media: &str, state: &Value, message: u64) {
        let name = match state {
            Value::Object(_) => str_field(state, "mediaState")
                .or_else(|| str_field(state, "displayName"))
                .or_else(|| str_field(state, "operationName"))
                .or_else(|| str_field(state, "state")),
            Value::String(s) => Some(s.as_str()),
            _ => None,
        };
        let Some(name) = name else { return };
        let list = self.agent.media.entry(media.to_owned()).or_default();
        if list.last().is_some_and(|l| l.state == name) {
            return;
        }
        list.push(MediaState { time, state: name.to_owned(), messages: vec![message] });
    }
}
