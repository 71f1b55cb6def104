//! The findings view: the core's lints and the interaction model's
//! findings (`X001`…) grouped by code, with counts; every finding links to
//! its messages.

use std::collections::BTreeMap;

use leptos::prelude::*;
use wwe_core::interactions::Interactions;
use wwe_core::session::Session;

use crate::model::Store;

/// One group of findings sharing a code.
#[derive(Clone, PartialEq)]
struct Group {
    code: String,
    name: String,
    severity: &'static str,
    findings: Vec<(String, Vec<u64>)>,
}

/// The findings of the session's lints and of its interaction model, one
/// group per code, in code order (lint codes first, then `X…`); within a
/// group, in the order found.
fn groups(session: &Session, interactions: &Interactions) -> Vec<Group> {
    let mut by_code: BTreeMap<&'static str, Group> = BTreeMap::new();
    let mut add = |code: &'static str, name: &'static str, severity: &'static str, message: &str, ids: &[u64]| {
        by_code
            .entry(code)
            .or_insert_with(|| Group { code: code.to_string(), name: name.to_string(), severity, findings: Vec::new() })
            .findings
            .push((message.to_string(), ids.to_vec()));
    };
    for f in session.findings() {
        add(f.code.as_str(), f.code.name(), f.severity.as_str(), &f.message, &f.messages);
    }
    for f in interactions.findings() {
        add(f.code.as_str(), f.code.name(), f.code.severity().as_str(), &f.message, &f.messages);
    }
    if let Some(f) = silence(session) {
        add(f.code.as_str(), f.code.name(), f.severity.as_str(), &f.message, &f.messages);
    }
    by_code.into_values().collect()
}

/// `W026 no-client-message` once something was captured and no app's
/// message reached WWE; an empty capture says the causes in its empty
/// state instead (nothing has happened yet to judge).
fn silence(session: &Session) -> Option<wwe_core::lint::Finding> {
    (!session.is_empty()).then(|| session.silence()).flatten()
}

/// How many findings the capture has, of both kinds (the tab's badge).
pub fn count(session: &Session, interactions: &Interactions) -> usize {
    session.findings().len() + interactions.findings().len() + usize::from(silence(session).is_some())
}

/// The Findings tab's badge, which counts the interaction findings too.
/// Bringing the interaction model up to date takes a few hundred
/// milliseconds for 100,000 new messages: it runs when the browser is idle,
/// after the rows are painted, never before.
pub fn badge(store: Store) -> RwSignal<usize> {
    let badge = RwSignal::new(0usize);
    Effect::new(move |_| {
        store.read(|_| ());
        leptos::leptos_dom::helpers::request_idle_callback(move || badge.set(store.read_interactions_untracked(count)));
    });
    badge
}

/// All findings of the capture.
#[component]
pub fn FindingsView(store: Store, on_select: Callback<u64>) -> impl IntoView {
    let groups = Memo::new(move |_| store.read_interactions(groups));
    let empty = Memo::new(move |_| store.read(Session::is_empty));
    view! {
        <section class="findings-view" data-testid="findings-view">
            {move || (groups.with(Vec::is_empty) && !empty.get()).then(|| view! {
                <p class="empty" data-testid="findings-empty">"No findings: every message decoded cleanly against the catalog, and the interaction traffic is consistent."</p>
            })}
            {move || empty.get().then(|| view! {
                <p class="empty" data-testid="findings-empty">
                    "Nothing captured yet. If an app should be talking to WWE, what usually keeps its messages away: "
                    <span data-testid="silence-causes">{wwe_core::lint::SILENCE_CAUSES}</span> "."
                </p>
            })}
            <For each=move || groups.get() key=|g| (g.code.clone(), g.findings.len()) let:group>
                <details class=format!("finding-group sev-{}", group.severity) open=true data-testid="finding-group" data-code=group.code.clone()>
                    <summary>
                        <code>{group.code.clone()}</code>
                        " " {group.name.clone()} " "
                        <span class="badge" data-testid="finding-count">{group.findings.len()}</span>
                    </summary>
                    <ul>
                        {group.findings.iter().map(|(message, ids)| {
                            let first = ids.first().copied();
                            view! {
                                <li data-testid="finding" data-code=group.code.clone() data-message=first.map(|id| id.to_string())>
                                    <span class=format!("sev sev-{}", group.severity)>{group.severity}</span>
                                    " " {message.clone()} " "
                                    {ids.iter().take(8).map(|&id| view! {
                                        <button class="link" on:click=move |_| on_select.run(id)>{move || store.number_label(id)}</button>
                                        " "
                                    }).collect_view()}
                                    {(ids.len() > 8).then(|| format!("and {} more", ids.len() - 8))}
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                </details>
            </For>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::Flow;
    use serde_json::json;

    /// Lint findings and interaction findings, one group per code, lint
    /// codes first; the badge counts both.
    #[test]
    fn groups_hold_lint_and_interaction_findings() {
        let mut f = Flow::default();
        let (misspelt, _) = f.request(0.0, "voice.pauseRecording", json!(["1"]));
        let unknown = f.interaction(100.0, "ESTABLISHED", "4", "ESTABLISHED");
        let session = f.session();
        let model = Interactions::build(&session);
        let groups = groups(&session, &model);
        let codes: Vec<&str> = groups.iter().map(|g| g.code.as_str()).collect();
        assert!(codes.contains(&"W001") && codes.contains(&"X001"), "{codes:?}");
        assert_eq!(codes.last(), Some(&"X001"), "interaction codes come after the lints: {codes:?}");
        let x = groups.iter().find(|g| g.code == "X001").unwrap();
        assert_eq!((x.name.as_str(), x.severity), ("unknown-interaction", "warning"));
        assert_eq!(x.findings.len(), 1);
        assert_eq!(x.findings[0].1, vec![unknown]);
        let w = groups.iter().find(|g| g.code == "W001").unwrap();
        assert!(w.findings.iter().any(|(_, ids)| ids.contains(&misspelt)));
        assert_eq!(count(&session, &model), groups.iter().map(|g| g.findings.len()).sum::<usize>());
    }

    /// A clean call: no group of either kind (the empty state shows).
    #[test]
    fn a_clean_call_has_no_groups() {
        let mut f = Flow::default();
        let (_, rid) = f.request(0.0, "voice.dial", json!(["5001"]));
        f.interaction(10.0, "ADDED", "1", "DIALING");
        f.reply(12.0, &rid, crate::testing::call("1", "DIALING"));
        let session = f.session();
        let model = Interactions::build(&session);
        assert!(groups(&session, &model).is_empty(), "{:?}", groups(&session, &model).iter().map(|g| &g.code).collect::<Vec<_>>());
        assert_eq!(count(&session, &model), 0);
    }

    /// Traffic, but no app's message delivered: W026 with the usual causes;
    /// an empty capture has no group (its empty state says the causes).
    #[test]
    fn no_client_message_is_a_finding_once_something_was_captured() {
        let empty = Session::new();
        assert!(groups(&empty, &Interactions::build(&empty)).is_empty());
        let mut session = Session::new();
        session.push(wwe_core::record::Record {
            id: 1,
            frame_id: 3,
            source_frame_id: Some(0),
            time: 1.0,
            data: json!({"event": "agent", "data": {}, "userAgent": "WWE"}),
            ..Default::default()
        });
        let model = Interactions::build(&session);
        let groups = groups(&session, &model);
        let w026 = groups.iter().find(|g| g.code == "W026").expect("W026");
        assert!(w026.findings[0].0.contains("targetOrigin"));
        assert_eq!(count(&session, &model), groups.iter().map(|g| g.findings.len()).sum::<usize>());
    }
}
