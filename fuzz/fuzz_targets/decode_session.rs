//! libFuzzer target: the bytes are a JSON array of capture records (or any
//! JSON, decoded as one message); decoding and pushing them into a session
//! must never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use wwe_core::decode::decode;
use wwe_core::record::Record;
use wwe_core::session::Session;

fuzz_target!(|bytes: &[u8]| {
    let Ok(value) = serde_json::from_slice::<Value>(bytes) else { return };
    let _ = decode(&value).message.to_string();
    let mut session = Session::new();
    match value {
        Value::Array(items) => {
            for item in items {
                if let Ok(record) = serde_json::from_value::<Record>(item.clone()) {
                    session.push(record);
                } else {
                    session.push(Record { data: item, ..Record::default() });
                }
            }
        }
        other => session.push(Record { data: other, ..Record::default() }),
    }
    if let Some(t) = session.latest_time() {
        session.advance_to(t + 1.0e9);
    }
    let _ = session.findings();
});
