//! What the desk's operator does (the simulator page's controls): agent
//! state, inbound calls, open media and chat, raised event types, toasts
//! and dialogs. Each returns the messages to post.

use super::*;

impl Service {
    /// The agent picks a state on the page (or a client asked).
    pub fn set_agent_state(&mut self, index: usize) -> Vec<Outgoing> {
        self.apply_agent_state(index);
        self.take_outbox()
    }

    pub(super) fn apply_agent_state(&mut self, index: usize) {
        if index < STATES.len() && index != self.agent_state {
            self.agent_state = index;
            for m in MEDIA {
                self.media_states.insert(m, index);
            }
            self.emit_agent_state();
        }
    }

    /// An inbound call rings.
    pub fn ring_inbound(&mut self, caller: &str, user_data: Map<String, Value>) -> Vec<Outgoing> {
        self.add_interaction("voice", "RINGING", "IN", caller, user_data);
        self.take_outbox()
    }

    /// An inbound chat or email is offered.
    pub fn offer_open_media(
        &mut self,
        media: &'static str,
        from: &str,
        user_data: Map<String, Value>,
    ) -> Vec<Outgoing> {
        self.add_interaction(media, "INVITED", "IN", from, user_data);
        self.take_outbox()
    }

    /// The customer writes in a chat.
    pub fn chat_message(&mut self, id: &str, text: &str) -> Vec<Outgoing> {
        if let Ok(index) = self.index_of(id) {
            self.interactions[index].messages.push(text.to_owned());
            let interaction = self.interaction_json(&self.interactions[index]);
            self.emit(
                "interaction",
                json!({"eventType": "NEW_MESSAGE", "media": "chat", "message": text, "interaction": interaction}),
                None,
            );
        }
        self.take_outbox()
    }

    /// A button on the page acting on an interaction, named like the
    /// request it mirrors (`voice.answer`, `voice.hold`, `voice.hangUp`,
    /// `interaction.markdone`, ...). The error text, if it cannot be done.
    pub fn agent_action(
        &mut self,
        request: &str,
        id: &str,
        now_ms: f64,
    ) -> (Vec<Outgoing>, Option<String>) {
        let params = [json!(id)];
        let error = self.execute(ClientKey::MAX, request, &params, now_ms).err();
        if request == "interaction.accept" || request == "voice.answer" {
            self.scheduled
                .retain(|(_, Scheduled::Establish(s))| s != id);
        }
        (self.take_outbox(), error)
    }

    /// Ends an open-media interaction from the page: a chat ENDED, an
    /// outbound email SENT, other open media COMPLETED; a call is not ended
    /// here.
    pub fn end_open_media(&mut self, id: &str) -> Vec<Outgoing> {
        if let Ok(index) = self.index_of(id) {
            let i = &self.interactions[index];
            // The eventType that ends it in the guide's tables: a chat ENDED,
            // an outbound email SENT; any other open media is COMPLETED.
            let state = match (i.media, i.direction) {
                ("voice", _) => None,
                ("chat", _) => Some("ENDED"),
                ("email", "OUT") => Some("SENT"),
                _ => Some("COMPLETED"),
            };
            if let Some(state) = state.filter(|_| !i.is_ended()) {
                self.set_state(index, state);
                self.emit_interaction(state, index);
            }
        }
        self.take_outbox()
    }

    /// The interaction eventTypes the desk can raise on an interaction of
    /// `media`: every one the guide's tables give that media (G376-417),
    /// except ADDED and REMOVED, which come with the interaction's life.
    pub fn raisable_event_types(media: &str) -> Vec<&'static str> {
        catalog::event_types()
            .iter()
            .filter(|t| t.event == "interaction" && t.group.media_rule().allows(media))
            .filter(|t| !matches!(t.name, "ADDED" | "REMOVED"))
            .map(|t| t.name)
            .collect()
    }

    /// Something happens to interaction `id` that the desk stands for (the
    /// agent, a server): the interaction event `event_type`, to the
    /// subscribers of `interaction`. A state eventType moves the
    /// interaction to that state. Refused unless the guide's tables give
    /// the eventType to this media, so the simulator never sends one that
    /// breaks them.
    pub fn raise_event(&mut self, id: &str, event_type: &str) -> Result<Vec<Outgoing>, String> {
        let index = self.index_of(id)?;
        let media = self.interactions[index].media;
        if !Self::raisable_event_types(media).contains(&event_type) {
            return Err(format!("The guide's tables give no interaction eventType '{event_type}' to {media} interactions"));
        }
        if let Some(spec) = catalog::event_type(event_type).filter(|t| t.state) {
            self.set_state(index, spec.name);
        }
        self.emit_interaction(event_type, index);
        Ok(self.take_outbox())
    }

    /// An `outbound` event about interaction `id`. The guide names no
    /// eventType for `outbound` events and does not say what they carry,
    /// so the simulator sends none and carries only the interaction.
    pub fn raise_outbound_event(&mut self, id: &str) -> Result<Vec<Outgoing>, String> {
        let index = self.index_of(id)?;
        let interaction = self.interaction_json(&self.interactions[index]);
        self.emit("outbound", json!({"interaction": interaction}), None);
        Ok(self.take_outbox())
    }

    /// The agent clicks button `button` of a toast: system
    /// `CUSTOM_TOAST_BUTTON_CLICK` to the subscribers of `system`.
    pub fn click_toast(&mut self, toast_id: &str, button: usize) -> Vec<Outgoing> {
        if self.toasts.iter().any(|t| t.id == toast_id) {
            self.emit(
                "system",
                json!({"eventType": "CUSTOM_TOAST_BUTTON_CLICK", "customToastId": toast_id, "buttonIndex": button}),
                None,
            );
            self.toasts.retain(|t| t.id != toast_id);
        }
        self.take_outbox()
    }

    /// Closes a dialog from the page.
    pub fn close_dialog(&mut self, id: &str) {
        self.dialogs.retain(|d| d.id != id);
    }
}
