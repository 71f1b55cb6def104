//! Subscriptions and the events they receive: `subscribe`/`unsubscribe`
//! (the guide's `event` messages with `data` naming the event kinds), and
//! the one place events go out to every subscriber.

use super::*;

impl Service {
    pub(super) fn subscribe(&mut self, key: ClientKey, data: Option<&Value>, rid: Option<&str>) -> String {
        let names: Vec<String> = match data {
            Some(Value::String(s)) => vec![s.clone()],
            Some(Value::Array(a)) => a
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect(),
            _ => Vec::new(),
        };
        if names.is_empty() {
            self.send(
                key,
                reply::reply_error(rid, "subscribe needs event names in data", USER_AGENT),
            );
            return "error: no event names".into();
        }
        if let Some(bad) = names.iter().find(|n| catalog::event(n).is_none()) {
            let hint = catalog::suggest_event(bad)
                .map(|s| format!(" (did you mean '{s}'?)"))
                .unwrap_or_default();
            let message = format!("Unknown event '{bad}'{hint}");
            self.send(key, reply::reply_error(rid, &message, USER_AGENT));
            return format!("error: {message}");
        }
        let id = self.next_subscription.to_string();
        self.next_subscription += 1;
        self.send(key, reply::subscribe_reply(rid, &id, &names, USER_AGENT));
        let outcome = format!("subscribed {} as {id}", names.join(", "));
        self.subscriptions
            .insert(id, Subscription { client: key, names });
        outcome
    }

    pub(super) fn unsubscribe(&mut self, key: ClientKey, data: Option<&Value>, rid: Option<&str>) -> String {
        let id = match data {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Number(n)) => n.to_string(),
            _ => String::new(),
        };
        let removed = match self.subscriptions.get(&id) {
            Some(s) if s.client == key => self.subscriptions.remove(&id).is_some(),
            _ => false,
        };
        // Unsubscribe is sent without a callback; answer only when asked.
        if rid.is_some() {
            let message = if removed {
                reply::reply_ok(rid, Value::Null, USER_AGENT)
            } else {
                reply::reply_error(rid, &format!("No subscription '{id}'"), USER_AGENT)
            };
            self.send(key, message);
        }
        if removed {
            format!("unsubscribed {id}")
        } else {
            format!("error: no subscription '{id}' of this client")
        }
    }

    /// Pushes an event to every client with a subscription to `name`
    /// (once per client), except `except`.
    pub(super) fn emit(&mut self, name: &str, data: Value, except: Option<ClientKey>) {
        let targets: BTreeSet<ClientKey> = self
            .subscriptions
            .values()
            .filter(|s| s.names.iter().any(|n| n == name) && Some(s.client) != except)
            .map(|s| s.client)
            .collect();
        for to in targets {
            self.send(to, reply::event(name, data.clone(), USER_AGENT));
        }
    }

    pub(super) fn emit_interaction(&mut self, event_type: &str, index: usize) {
        let interaction = self.interaction_json(&self.interactions[index]);
        let media = self.interactions[index].media;
        self.emit(
            "interaction",
            json!({"eventType": event_type, "media": media, "interaction": interaction}),
            None,
        );
    }

    pub(super) fn emit_agent_state(&mut self) {
        let s = &STATES[self.agent_state];
        let mut data = json!({"eventType": "STATE_CHANGED", "mediaState": s.media_state});
        if let (Some(r), Some(c)) = (s.reason, s.reason_code) {
            data["reason"] = json!(r);
            data["reasonCode"] = json!(c);
        }
        self.emit("agent", data, None);
    }
}
