//! Native test helpers: a session fed by hand, WWE in frame 0 and one
//! client in frame 5 (the core's own tests use the same layout).

use serde_json::{json, Value};
use wwe_core::record::Record;
use wwe_core::session::Session;

const WWE: &str = "https://wwe.example";
const CRM: &str = "https://crm.example";
const T0: f64 = 1_700_000_000_000.0;

/// Records in the order captured; ids count from 1.
#[derive(Default)]
pub struct Flow {
    pub records: Vec<Record>,
    next_rid: u64,
}

impl Flow {
    fn push(&mut self, t: f64, to_service: bool, data: Value) -> u64 {
        let id = self.records.len() as u64 + 1;
        let (frame, from) = if to_service { (0, 5) } else { (5, 0) };
        let origin = |frame| if frame == 0 { WWE } else { CRM };
        self.records.push(Record {
            id,
            tab_id: 1,
            frame_id: frame,
            frame_origin: origin(frame).into(),
            source_origin: origin(from).into(),
            source_frame_id: Some(from),
            time: T0 + t,
            data,
            ..Record::default()
        });
        id
    }

    /// A client's request; returns its record id and referenceId.
    pub fn request(&mut self, t: f64, name: &str, params: Value) -> (u64, String) {
        let rid = self.next_rid.to_string();
        self.next_rid += 1;
        let data = json!({"request": name, "parameters": params, "referenceId": rid, "userAgent": "WWE Client", "protocolVersion": 2});
        (self.push(t, true, data), rid)
    }

    /// WWE's reply to `rid`.
    pub fn reply(&mut self, t: f64, rid: &str, data: Value) -> u64 {
        self.push(t, false, json!({"referenceId": rid, "data": data, "userAgent": "WWE"}))
    }

    /// An interaction event about a voice call `id` in `state`.
    pub fn interaction(&mut self, t: f64, event_type: &str, id: &str, state: &str) -> u64 {
        self.push(t, false, json!({"event": "interaction", "data": {"eventType": event_type, "media": "voice", "interaction": call(id, state)}, "userAgent": "WWE"}))
    }

    /// The session holding every record.
    pub fn session(&self) -> Session {
        let mut session = Session::new();
        for record in &self.records {
            session.push(record.clone());
        }
        session
    }
}

/// A voice call as WWE describes it.
pub fn call(id: &str, state: &str) -> Value {
    json!({"interactionId": id, "media": "voice", "state": state, "parties": [{"name": "5001"}], "dnis": "5001", "userData": {}})
}
