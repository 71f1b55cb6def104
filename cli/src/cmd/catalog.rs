//! `wwe-trace catalog`: the Service Client API as the core's catalog knows
//! it — requests with parameters, events, event types, options — as text
//! or JSON.

use std::fmt::Write;

use anyhow::Result;
use serde_json::json;
use wwe_core::catalog;

use crate::Outcome;

/// Writes the catalog.
pub fn run(as_json: bool, out: &mut String) -> Result<Outcome> {
    if as_json {
        let value = json!({
            "namespaces": catalog::namespaces().iter().map(|n| json!({
                "name": n.name,
                "description": n.description,
                "requests": catalog::requests().iter().filter(|r| r.namespace == n.name).map(|r| json!({
                    "name": r.name,
                    "description": r.description,
                    "parameters": r.params.iter().map(|p| json!({"name": p.name, "kind": p.kind.as_str(), "optional": p.optional})).collect::<Vec<_>>(),
                })).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
            "events": catalog::events().iter().map(|e| json!({"name": if e.prefix { format!("{}<channel>", e.name) } else { e.name.to_owned() }, "description": e.description})).collect::<Vec<_>>(),
            "eventTypes": catalog::event_types().iter().map(|t| json!({"name": t.name, "event": t.event, "group": t.group.as_str(), "description": t.description, "fields": t.fields})).collect::<Vec<_>>(),
            "options": catalog::options().iter().map(|o| json!({"name": if o.suffix { format!("{}<request>", o.name) } else { o.name.to_owned() }, "description": o.description})).collect::<Vec<_>>(),
        });
        let _ = writeln!(out, "{}", serde_json::to_string_pretty(&value)?);
        return Ok(Outcome::Clean);
    }
    for n in catalog::namespaces() {
        let _ = writeln!(out, "{}: {}", n.name, n.description);
        for r in catalog::requests().iter().filter(|r| r.namespace == n.name) {
            let params: Vec<String> = r
                .params
                .iter()
                .map(|p| format!("{}{}: {}", p.name, if p.optional { "?" } else { "" }, p.kind.as_str()))
                .collect();
            let _ = writeln!(out, "  {}({}) - {}", r.name, params.join(", "), r.description);
        }
    }
    let _ = writeln!(out, "events:");
    for e in catalog::events() {
        let name = if e.prefix { format!("{}<channel>", e.name) } else { e.name.to_owned() };
        let _ = writeln!(out, "  {name} - {}", e.description);
    }
    let _ = writeln!(out, "options:");
    for o in catalog::options() {
        let name = if o.suffix { format!("{}<request>", o.name) } else { o.name.to_owned() };
        let _ = writeln!(out, "  {name} - {}", o.description);
    }
    Ok(Outcome::Clean)
}
