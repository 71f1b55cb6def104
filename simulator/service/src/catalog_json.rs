//! The core catalog as JSON (`catalog.json` on the simulator site), so the
//! sample console builds a form for every request from the one catalog.

use serde_json::{json, Value};
use wwe_core::catalog;

/// Namespaces, requests with their parameters, event names and event types.
pub fn catalog_json() -> Value {
    json!({
        "namespaces": catalog::namespaces().iter().map(|n| json!({"name": n.name, "description": n.description})).collect::<Vec<_>>(),
        "requests": catalog::requests().iter().map(|r| json!({
            "name": r.name,
            "namespace": r.namespace,
            "method": r.method,
            "description": r.description,
            "params": r.params.iter().map(|p| json!({
                "name": p.name,
                "kind": p.kind.as_str(),
                "optional": p.optional,
                "expectation": p.kind.expectation(),
            })).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "events": catalog::events().iter().map(|e| json!({"name": e.name, "prefix": e.prefix, "description": e.description})).collect::<Vec<_>>(),
        "eventTypes": catalog::event_types().iter().map(|t| json!({"name": t.name, "event": t.event})).collect::<Vec<_>>(),
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn lists_every_request_with_its_parameters() {
        let c = super::catalog_json();
        let dial = c["requests"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["name"] == "voice.dial")
            .unwrap();
        assert_eq!(dial["params"][0]["name"], "destination");
        assert_eq!(dial["params"][1]["optional"], true);
        assert_eq!(
            c["requests"].as_array().unwrap().len(),
            wwe_core::catalog::requests().len()
        );
    }
}
