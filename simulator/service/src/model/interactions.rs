//! Interactions: their state machine (add, transition, dial, recording,
//! user data, mark done, accept) and their JSON as the events carry it.

use super::*;

impl Service {
    /// An interaction as clients see it: `userData` filtered by
    /// The case and bundle identifiers of an interaction: its `caseId` and
    /// the `IW_BundleUid` of its user data (the guide's example carries
    /// both ids in `userData` as `IW_CaseUid` and `IW_BundleUid`, G327-339).
    pub(super) fn case_and_bundle(&self, index: usize) -> (String, Option<Value>) {
        let i = &self.interactions[index];
        (i.case_id.clone(), i.user_data.get(BUNDLE_KEY).cloned())
    }

    /// `user-data.read-allowed`.
    pub fn interaction_json(&self, i: &Interaction) -> Value {
        let (user_data, _) =
            policy::filter_user_data_read(&self.options, &Value::Object(i.user_data.clone()));
        let mut v = json!({
            "interactionId": i.id,
            "media": i.media,
            "state": i.state,
            "previousState": i.previous_state,
            "direction": i.direction,
            "parties": [{"name": i.party}],
            "userData": user_data,
            "caseId": i.case_id,
            "isCaseSelected": i.case_selected,
            "isCaseExpanded": i.case_selected,
            "isMainCaseInteraction": true,
            "isConsultation": i.is_consultation,
            "isMarkDoneBlocked": i.markdone_blocked.is_some(),
        });
        if i.media == "voice" {
            v["recordingState"] = json!(i.recording_state);
            v["callUuid"] = json!(format!("SIMCALL{:0>25}", i.id));
            v["dnis"] = json!(i.party);
            v["callType"] = json!(if i.party.len() <= 5 {
                "Internal"
            } else {
                "External"
            });
        }
        v
    }

    pub(super) fn index_of(&self, id: &str) -> Result<usize, String> {
        self.interactions
            .iter()
            .position(|i| i.id == id)
            .ok_or_else(|| format!("Interaction '{id}' not found"))
    }

    pub(super) fn set_state(&mut self, index: usize, state: &'static str) {
        let i = &mut self.interactions[index];
        i.previous_state = i.state;
        i.state = state;
    }

    /// Moves an interaction to `state` (from one of `from`) and pushes the
    /// event named like the state.
    pub(super) fn transition(
        &mut self,
        id: &str,
        from: &[&str],
        state: &'static str,
    ) -> Result<Value, String> {
        let index = self.index_of(id)?;
        let current = self.interactions[index].state;
        if !from.contains(&current) {
            return Err(format!(
                "Interaction '{id}' is {current}; expected {}",
                from.join(" or ")
            ));
        }
        self.set_state(index, state);
        self.emit_interaction(state, index);
        Ok(self.interaction_json(&self.interactions[index]))
    }

    /// Adds an interaction and pushes `ADDED` and the event of its first state.
    pub(super) fn add_interaction(
        &mut self,
        media: &'static str,
        state: &'static str,
        direction: &'static str,
        party: &str,
        user_data: Map<String, Value>,
    ) -> usize {
        let id = self.next_interaction.to_string();
        self.next_interaction += 1;
        self.interactions.push(Interaction {
            case_id: format!("case-{id}"),
            id,
            media,
            state,
            previous_state: "UNKNOWN",
            direction,
            party: party.to_owned(),
            user_data,
            case_selected: false,
            recording_state: "STOPPED",
            markdone_blocked: None,
            is_consultation: false,
            messages: Vec::new(),
        });
        let index = self.interactions.len() - 1;
        self.emit_interaction("ADDED", index);
        self.emit_interaction(state, index);
        index
    }

    pub(super) fn dial(&mut self, destination: &str, user_data: Map<String, Value>, now_ms: f64) -> usize {
        let index = self.add_interaction("voice", "DIALING", "OUT", destination, user_data);
        let id = self.interactions[index].id.clone();
        self.scheduled
            .push((now_ms + DIAL_TO_ESTABLISHED_MS, Scheduled::Establish(id)));
        index
    }

    pub(super) fn set_recording(
        &mut self,
        id: &str,
        from: &[&str],
        to: &'static str,
    ) -> Result<Value, String> {
        let index = self.index_of(id)?;
        let i = &self.interactions[index];
        if i.media != "voice" || !matches!(i.state, "ESTABLISHED" | "HELD") {
            return Err(format!("Interaction '{id}' is not a connected call"));
        }
        if !from.contains(&i.recording_state) {
            return Err(format!("The recording of '{id}' is {}", i.recording_state));
        }
        self.interactions[index].recording_state = to;
        self.emit_interaction("CALL_RECORDING_STATE_CHANGED", index);
        Ok(json!({"interactionId": id, "recordingState": to}))
    }

    pub(super) fn write_user_data(&mut self, id: &str, keys: &[String]) -> Result<usize, String> {
        let index = self.index_of(id)?;
        let denied: Vec<String> = policy::check_user_data_write(&self.options, keys)
            .into_iter()
            .filter(|(_, ok)| !ok)
            .filter_map(|(k, _)| policy::user_data_denial(&self.options, &k, true))
            .collect();
        if denied.is_empty() {
            Ok(index)
        } else {
            Err(denied.join("; "))
        }
    }

    pub(super) fn mark_done(&mut self, id: &str) -> Result<Value, String> {
        let index = self.index_of(id)?;
        let i = &self.interactions[index];
        if let Some(warning) = &i.markdone_blocked {
            return Err(format!("Mark done is blocked: {warning}"));
        }
        if !i.is_ended() && i.media == "voice" {
            return Err(format!(
                "Interaction '{id}' is {}; release it before marking it done",
                i.state
            ));
        }
        if i.media != "voice" {
            self.set_state(index, "COMPLETED");
            self.emit_interaction("COMPLETED", index);
        }
        self.emit_interaction("REMOVED", index);
        let removed = self.interactions.remove(index);
        self.emit(
            "markdone",
            json!({"interactionId": removed.id}),
            None,
        );
        Ok(json!({"interactionId": removed.id}))
    }

    pub(super) fn media_json(&self, media: &str) -> Value {
        let index = self.media_states.get(media).copied().unwrap_or(0);
        json!({"media": media, "name": media, "state": STATES[index].to_json(), "available": true})
    }

    pub(super) fn accept(&mut self, id: &str) -> Result<Value, String> {
        let index = self.index_of(id)?;
        let to = if self.interactions[index].media == "voice" {
            "ESTABLISHED"
        } else {
            "ACCEPTED"
        };
        self.transition(id, &["RINGING", "INVITED"], to)
    }
}
