//! The requests the simulated WWE implements, one handler per namespace of
//! the Service Client API. [`Service::execute`](super::Service) picks the
//! handler; each runs a request whose parameters already fit the catalog
//! and whose caller the admission gate let through, and returns the reply's
//! `data` or the error text.

use serde_json::{json, Map, Value};
use wwe_core::{catalog, policy, reply};

use super::{
    not_implemented, object_param, target_param, text_param, toast_from, AgentState, ClientKey, Dialog, Scheduled, Service, CASE_KEY, MEDIA,
    SELECTION_EVENT, STATES,
};

impl Service {
    /// `auth.*`: a fixed, unsigned token.
    pub(super) fn auth_request(&mut self, name: &str) -> Result<Value, String> {
        match name {
            "auth.getJwtToken" => Ok(json!(
                "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzdWIiOiJhZ2VudDEiLCJpc3MiOiJXV0UgU2ltdWxhdG9yIn0."
            )),
            other => Err(not_implemented(other)),
        }
    }

    /// `agent.*`: the agent's identity and state.
    pub(super) fn agent_request(&mut self, name: &str, p: &[Value]) -> Result<Value, String> {
        match name {
            "agent.get" => Ok(json!({
                "username": "agent1", "firstname": "Alex", "lastname": "Agent", "employeeId": "1001",
                "userName": "agent1", "dbid": 1001
            })),
            "agent.getStateList" => Ok(Value::Array(STATES.iter().map(AgentState::to_json).collect())),
            "agent.getState" => Ok(STATES[self.agent_state].to_json()),
            "agent.setState" => {
                let index = match &p[0] {
                    Value::Number(n) => n.as_u64().map(|n| n as usize).filter(|&n| n < STATES.len()),
                    Value::String(s) => STATES.iter().position(|st| st.operation_name == s || st.display_name == s),
                    _ => None,
                }
                .ok_or_else(|| format!("Unknown agent state {}", p[0]))?;
                self.apply_agent_state(index);
                Ok(STATES[index].to_json())
            }
            other => Err(not_implemented(other)),
        }
    }

    /// `interaction.*`: user data, case selection, mark-done, accept and reject, transfers and conferences. `voice.answer` is here too: it accepts like `interaction.accept`.
    pub(super) fn interaction_request(&mut self, name: &str, p: &[Value], now_ms: f64) -> Result<Value, String> {
        let id = text_param(p, 0);
        match name {
            "interaction.getInteractions" => {
                Ok(Value::Array(self.interactions.iter().map(|i| self.interaction_json(i)).collect()))
            }
            "interaction.getByInteractionId" => {
                let index = self.index_of(&id)?;
                Ok(self.interaction_json(&self.interactions[index]))
            }
            "interaction.setUserData" => {
                let kv = object_param(p, 1);
                let keys: Vec<String> = kv.keys().cloned().collect();
                let index = self.write_user_data(&id, &keys)?;
                let ids_before = self.case_and_bundle(index);
                self.interactions[index].user_data.extend(kv);
                if let Some(Value::String(case)) = self.interactions[index].user_data.get(CASE_KEY) {
                    self.interactions[index].case_id = case.clone();
                }
                self.emit_interaction("ATTACHED_DATA_CHANGED", index);
                if self.case_and_bundle(index) != ids_before {
                    self.emit_interaction("CASE_OR_BUNDLE_ID_CHANGED", index);
                }
                Ok(self.interaction_json(&self.interactions[index]))
            }
            "interaction.deleteUserData" => {
                let k = text_param(p, 1);
                let index = self.write_user_data(&id, std::slice::from_ref(&k))?;
                self.interactions[index].user_data.remove(&k);
                self.emit_interaction("ATTACHED_DATA_CHANGED", index);
                Ok(self.interaction_json(&self.interactions[index]))
            }
            "interaction.selectCaseByCaseId" => {
                let index = self
                    .interactions
                    .iter()
                    .position(|i| i.case_id == id)
                    .ok_or_else(|| format!("No interaction with case '{id}'"))?;
                // G86: the selection is stored in isCaseSelected and
                // isCaseExpanded; the case selected before is no longer.
                // Each interaction whose flags change is sent to the
                // subscribers. The guide names no eventType for a selection
                // (G376-383): the simulator uses UNKNOWN ("An unknown event
                // occurs"), the one its table has for events it does not
                // name, and the catalog says so. CASE_OR_BUNDLE_ID_CHANGED
                // (G381) is for a changed identifier, which selecting does
                // not do.
                let changed: Vec<usize> = (0..self.interactions.len())
                    .filter(|&n| self.interactions[n].case_selected != (n == index))
                    .collect();
                for &n in &changed {
                    self.interactions[n].case_selected = n == index;
                }
                // The case left first, then the one selected.
                for n in changed.iter().copied().filter(|&n| n != index).chain(changed.iter().copied().filter(|&n| n == index)) {
                    self.emit_interaction(SELECTION_EVENT, n);
                }
                Ok(self.interaction_json(&self.interactions[index]))
            }
            "interaction.markdone" => self.mark_done(&id),
            "interaction.blockMarkdone" => {
                let index = self.index_of(&id)?;
                self.interactions[index].markdone_blocked = Some(text_param(p, 1));
                Ok(json!({"interactionId": id, "isMarkDoneBlocked": true}))
            }
            "interaction.unblockMarkdone" => {
                let index = self.index_of(&id)?;
                self.interactions[index].markdone_blocked = None;
                Ok(json!({"interactionId": id, "isMarkDoneBlocked": false}))
            }
            "interaction.accept" | "voice.answer" => self.accept(&id),
            "interaction.reject" => {
                let index = self.index_of(&id)?;
                if !matches!(self.interactions[index].state, "RINGING" | "INVITED") {
                    return Err(format!("Interaction '{id}' is {}; only an offered one can be rejected", self.interactions[index].state));
                }
                let state = if self.interactions[index].media == "voice" { "RELEASED" } else { "REVOKED" };
                self.set_state(index, state);
                self.emit_interaction(state, index);
                self.emit_interaction("REMOVED", index);
                self.interactions.remove(index);
                Ok(json!({"interactionId": id}))
            }
            "interaction.singleStepTransfer" => {
                let index = self.index_of(&id)?;
                let ended = if self.interactions[index].media == "voice" { "RELEASED" } else { "TRANSFER_COMPLETED" };
                self.transition(&id, &["ESTABLISHED", "HELD", "ACCEPTED"], ended)
            }
            "interaction.singleStepConference" => {
                let index = self.index_of(&id)?;
                let target = target_param(p, 1);
                let party = &mut self.interactions[index].party;
                party.push_str(&format!(", {target}"));
                self.emit_interaction("PARTY_CHANGED", index);
                Ok(self.interaction_json(&self.interactions[index]))
            }
            "interaction.consult" => {
                let main = self.index_of(&id)?;
                if !matches!(self.interactions[main].state, "ESTABLISHED" | "HELD") {
                    return Err(format!("Interaction '{id}' is {}; consult needs a connected call", self.interactions[main].state));
                }
                if self.interactions[main].state == "ESTABLISHED" {
                    self.set_state(main, "HELD");
                    self.emit_interaction("HELD", main);
                }
                let index = self.dial(&target_param(p, 1), object_param(p, 2), now_ms);
                self.interactions[index].is_consultation = true;
                Ok(self.interaction_json(&self.interactions[index]))
            }
            "interaction.completeTransfer" | "interaction.completeConference" => {
                let consult = self.index_of(&id)?;
                if !self.interactions[consult].is_consultation {
                    return Err(format!("Interaction '{id}' is not a consultation"));
                }
                let target = self.interactions[consult].party.clone();
                self.set_state(consult, "RELEASED");
                self.emit_interaction("RELEASED", consult);
                let main = self.interactions.iter().position(|i| i.media == "voice" && i.state == "HELD" && !i.is_consultation);
                if let Some(main) = main {
                    if name == "interaction.completeTransfer" {
                        self.set_state(main, "RELEASED");
                        self.emit_interaction("RELEASED", main);
                    } else {
                        self.interactions[main].party.push_str(&format!(", {target}"));
                        self.set_state(main, "ESTABLISHED");
                        self.emit_interaction("PARTY_CHANGED", main);
                    }
                }
                Ok(json!({"interactionId": id}))
            }
            other => Err(not_implemented(other)),
        }
    }

    /// `voice.*`: dialling, hold, hang-up and call recording.
    pub(super) fn voice_request(&mut self, name: &str, p: &[Value], now_ms: f64) -> Result<Value, String> {
        let id = text_param(p, 0);
        match name {
            "voice.dial" | "voice.dialEx" => {
                let index = self.dial(&id, object_param(p, 1), now_ms);
                Ok(self.interaction_json(&self.interactions[index]))
            }
            "voice.hold" => self.transition(&id, &["ESTABLISHED"], "HELD"),
            "voice.resume" => self.transition(&id, &["HELD"], "ESTABLISHED"),
            "voice.hangUp" => {
                let index = self.index_of(&id)?;
                if self.interactions[index].media != "voice" {
                    return Err(format!("Interaction '{id}' is not a call"));
                }
                self.scheduled.retain(|(_, Scheduled::Establish(s))| *s != id);
                let r = self.transition(&id, &["DIALING", "RINGING", "ESTABLISHED", "HELD"], "RELEASED");
                if r.is_ok() {
                    self.interactions[index].recording_state = "STOPPED";
                }
                r
            }
            "voice.startCallRecording" => self.set_recording(&id, &["STOPPED"], "RECORDING"),
            "voice.stopCallRecording" => self.set_recording(&id, &["RECORDING", "PAUSED"], "STOPPED"),
            "voice.pauseCallRecording" => self.set_recording(&id, &["RECORDING"], "PAUSED"),
            "voice.resumeCallRecording" => self.set_recording(&id, &["PAUSED"], "RECORDING"),
            other => Err(not_implemented(other)),
        }
    }

    /// `sipEndpoint.*`: microphone and speaker mute.
    pub(super) fn sip_endpoint_request(&mut self, name: &str) -> Result<Value, String> {
        match name {
            "sipEndpoint.muteMicrophone" => {
                self.microphone_muted = true;
                Ok(json!(true))
            }
            "sipEndpoint.unmuteMicrophone" => {
                self.microphone_muted = false;
                Ok(json!(false))
            }
            "sipEndpoint.muteSpeaker" => {
                self.speaker_muted = true;
                Ok(json!(true))
            }
            "sipEndpoint.unmuteSpeaker" => {
                self.speaker_muted = false;
                Ok(json!(false))
            }
            "sipEndpoint.isMicrophoneMute" => Ok(json!(self.microphone_muted)),
            "sipEndpoint.isSpeakerMute" => Ok(json!(self.speaker_muted)),
            other => Err(not_implemented(other)),
        }
    }

    /// `email.*`: a new outbound email.
    pub(super) fn email_request(&mut self, name: &str, p: &[Value]) -> Result<Value, String> {
        let id = text_param(p, 0);
        match name {
            "email.create" => {
                let index = self.add_interaction("email", "COMPOSING", "OUT", &id, object_param(p, 1));
                self.emit_interaction("CREATED", index);
                Ok(self.interaction_json(&self.interactions[index]))
            }
            other => Err(not_implemented(other)),
        }
    }

    /// `outbound.*`: one preview campaign with one record; the rest answer with nothing.
    pub(super) fn outbound_request(&mut self, name: &str, p: &[Value], now_ms: f64) -> Result<Value, String> {
        let id = text_param(p, 0);
        match name {
            "outbound.getCampaigns" => Ok(json!([
                {"name": "Spring Renewals", "description": "Preview campaign", "mode": "Preview", "isActive": true},
                {"name": "Collections", "description": "Progressive campaign", "mode": "Progressive", "isActive": false}
            ])),
            "outbound.getPreviewRecord" => {
                if id != "Spring Renewals" {
                    return Err(format!("No preview record in campaign '{id}'"));
                }
                Ok(json!({"campaignName": id, "recordHandle": 42, "phone": "5551234", "fields": {"name": "Jo Customer"}}))
            }
            "outbound.getChainedRecords" => {
                self.index_of(&id)?;
                Ok(json!([{"recordHandle": 42, "phone": "5551234"}]))
            }
            "outbound.getRecordFields" => {
                self.index_of(&id)?;
                Ok(json!({"name": "Jo Customer", "account": "A-1001"}))
            }
            "outbound.callPreviewRecord" => {
                self.index_of(&id)?;
                let index = self.dial("5551234", Map::new(), now_ms);
                Ok(self.interaction_json(&self.interactions[index]))
            }
            "outbound.startDirectPushPreview" => {
                self.direct_push_preview = true;
                Ok(Value::Null)
            }
            "outbound.stopDirectPushPreview" => {
                self.direct_push_preview = false;
                Ok(Value::Null)
            }
            "outbound.getListOfCallResults" => Ok(json!(["Answered", "Busy", "NoAnswer", "AnsweringMachine", "WrongParty"])),
            "outbound.getCallResult" => {
                let index = self.index_of(&id)?;
                Ok(self.interactions[index].user_data.get("GSW_CALL_RESULT").cloned().unwrap_or(json!("Unknown")))
            }
            "outbound.setCallResult" => {
                let index = self.index_of(&id)?;
                self.interactions[index].user_data.insert("GSW_CALL_RESULT".into(), p.get(1).cloned().unwrap_or(Value::Null));
                Ok(Value::Null)
            }
            n if n.starts_with("outbound.") => {
                self.index_of(&id)?;
                Ok(Value::Null)
            }
            other => Err(not_implemented(other)),
        }
    }

    /// `media.*`: the channels and their states.
    pub(super) fn media_request(&mut self, name: &str, p: &[Value]) -> Result<Value, String> {
        let id = text_param(p, 0);
        match name {
            "media.getMediaList" => Ok(Value::Array(MEDIA.iter().map(|m| self.media_json(m)).collect())),
            "media.getMediaByName" => {
                let m = MEDIA.iter().find(|m| **m == id).ok_or_else(|| format!("Unknown media '{id}'"))?;
                Ok(self.media_json(m))
            }
            "media.setState" => {
                let m = *MEDIA.iter().find(|m| **m == id).ok_or_else(|| format!("Unknown media '{id}'"))?;
                let index = match &p[1] {
                    Value::Number(n) => n.as_u64().map(|n| n as usize).filter(|&n| n < STATES.len()),
                    Value::String(s) => STATES.iter().position(|st| st.operation_name == s),
                    _ => None,
                }
                .ok_or_else(|| format!("Unknown state {}", p[1]))?;
                self.media_states.insert(m, index);
                let data = json!({"media": m, "state": STATES[index].to_json()});
                self.emit("media", data, None);
                Ok(self.media_json(m))
            }
            other => Err(not_implemented(other)),
        }
    }

    /// `system.*`: allowed services, toasts, dialogs, menu-bar views and the frame's place among the clients.
    pub(super) fn system_request(&mut self, name: &str, key: ClientKey, p: &[Value]) -> Result<Value, String> {
        let id = text_param(p, 0);
        match name {
            "system.getAllowedServices" => {
                let origin = self.clients.get(&key).map(|c| c.origin.clone()).unwrap_or_default();
                let app = self.app_of(key);
                Ok(Value::Array(
                    catalog::requests()
                        .iter()
                        .filter(|r| policy::evaluate_app(&self.options, &origin, r.name, app).is_allowed())
                        .map(|r| json!(r.name))
                        .collect(),
                ))
            }
            "system.triggerActivity" => Ok(Value::Null),
            "system.popupToast" => {
                let params = object_param(p, 0);
                let id = reply::custom_element_id(reply::CustomElement::Toast, self.next_custom);
                self.next_custom += 1;
                self.toasts.push(toast_from(&id, &params, key));
                Ok(json!(id))
            }
            "system.updateToast" => {
                let index = self.toasts.iter().position(|t| t.id == id).ok_or_else(|| format!("No toast '{id}'"))?;
                let params = object_param(p, 1);
                let owner = self.toasts[index].owner;
                let mut updated = toast_from(&id, &params, owner);
                if params.get("title").is_none() {
                    updated.title = self.toasts[index].title.clone();
                }
                if params.get("buttons").is_none() {
                    updated.buttons = self.toasts[index].buttons.clone();
                }
                self.toasts[index] = updated;
                Ok(json!(id))
            }
            "system.closeToast" => {
                let before = self.toasts.len();
                self.toasts.retain(|t| t.id != id);
                if self.toasts.len() == before {
                    return Err(format!("No toast '{id}'"));
                }
                Ok(Value::Null)
            }
            "system.openDialog" => {
                let opts = object_param(p, 1);
                let dialog_id = reply::custom_element_id(reply::CustomElement::Dialog, self.next_custom);
                self.next_custom += 1;
                let title = opts.get("title").and_then(Value::as_str).unwrap_or("Dialog").to_owned();
                let url = reply::dialog_url(&id, &dialog_id);
                self.dialogs.push(Dialog { id: dialog_id.clone(), url, title });
                Ok(json!(dialog_id))
            }
            "system.closeDialog" => {
                let before = self.dialogs.len();
                self.dialogs.retain(|d| d.id != id);
                if self.dialogs.len() == before {
                    return Err(format!("No dialog '{id}'"));
                }
                Ok(Value::Null)
            }
            "system.updateViewInApplicationMenuBar" => {
                let params = object_param(p, 0);
                let view = params.get("name").and_then(Value::as_str).map(str::to_owned);
                let view = view.ok_or("updateViewInApplicationMenuBar needs parameters.name")?;
                self.menu_views.insert(view, Value::Object(params));
                Ok(Value::Null)
            }
            "system.closeViewInApplicationMenuBar" => {
                self.menu_views.remove(&id).ok_or_else(|| format!("No view '{id}' in the menu bar"))?;
                Ok(Value::Null)
            }
            "system.amIVisible" => Ok(json!(self.is_visible(key))),
            "system.isFrameLeading" | "system.isFrameLeadingOrNegotiating" => Ok(json!(self.is_leading(key))),
            "system.isFrameFollowing" => Ok(json!(!self.is_leading(key))),
            "system.isFrameNegotiating" => Ok(json!(false)),
            "system.isLastActiveFrame" => {
                let newest = self.clients.iter().max_by_key(|(_, c)| c.frame_id).map(|(k, _)| *k);
                Ok(json!(newest == Some(key)))
            }
            other => Err(not_implemented(other)),
        }
    }

    /// `messenger.*`: a broadcast to the other clients on the channel.
    pub(super) fn messenger_request(&mut self, name: &str, key: ClientKey, p: &[Value]) -> Result<Value, String> {
        let id = text_param(p, 0);
        match name {
            "messenger.broadcastMessage" => {
                let channel = format!("messenger:{id}");
                let from = self.clients.get(&key).map(|c| c.frame_id);
                let data = json!({"channel": id, "message": p[1], "frameId": from});
                self.emit(&channel, data, Some(key));
                Ok(Value::Null)
            }
            other => Err(not_implemented(other)),
        }
    }

    /// `configuration.*`: option values from the options text.
    pub(super) fn configuration_request(&mut self, name: &str, p: &[Value]) -> Result<Value, String> {
        match name {
            "configuration.getOption" => {
                let names: Vec<String> = match &p[0] {
                    Value::String(s) => vec![s.clone()],
                    Value::Array(a) => a.iter().filter_map(Value::as_str).map(str::to_owned).collect(),
                    Value::Object(o) => match o.get("name").or_else(|| o.get("names")) {
                        Some(Value::String(s)) => vec![s.clone()],
                        Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).map(str::to_owned).collect(),
                        _ => Vec::new(),
                    },
                    _ => Vec::new(),
                };
                let mut out = Map::new();
                for n in names {
                    out.insert(n.clone(), self.option_value(&n));
                }
                Ok(Value::Object(out))
            }
            other => Err(not_implemented(other)),
        }
    }
}
