//! The findings view: the core's lints grouped by code, with counts; every
//! finding links to its messages.

use std::collections::BTreeMap;

use leptos::prelude::*;

use crate::model::Store;

/// One group of findings sharing a code.
#[derive(Clone, PartialEq)]
struct Group {
    code: String,
    name: String,
    severity: &'static str,
    findings: Vec<(String, Vec<u64>)>,
}

/// All findings of the capture.
#[component]
pub fn FindingsView(store: Store, on_select: Callback<u64>) -> impl IntoView {
    let groups = Memo::new(move |_| {
        store.read(|session| {
            let mut by_code: BTreeMap<&'static str, Group> = BTreeMap::new();
            for finding in session.findings() {
                by_code
                    .entry(finding.code.as_str())
                    .or_insert_with(|| Group {
                        code: finding.code.as_str().to_string(),
                        name: finding.code.name().to_string(),
                        severity: finding.severity.as_str(),
                        findings: Vec::new(),
                    })
                    .findings
                    .push((finding.message.clone(), finding.messages.clone()));
            }
            by_code.into_values().collect::<Vec<_>>()
        })
    });
    view! {
        <section class="findings-view" data-testid="findings-view">
            {move || groups.with(Vec::is_empty).then(|| view! {
                <p class="empty">"No findings: every message decoded cleanly against the catalog."</p>
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
                                        <button class="link" on:click=move |_| on_select.run(id)>{format!("#{id}")}</button>
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
