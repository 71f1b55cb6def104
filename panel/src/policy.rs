//! The policy view: paste the WWE options and see, for every client origin
//! and request type seen, whether WWE would allow it and why (the core's
//! `policy::evaluate`).

use std::collections::BTreeSet;

use leptos::prelude::*;
use wwe_core::decode::Message;
use wwe_core::policy::evaluate;

use crate::model::Store;
use crate::options_field::OptionsField;
use crate::settings::Settings;

#[derive(Clone, PartialEq)]
struct PolicyRow {
    origin: String,
    request: String,
    count: usize,
    allowed: bool,
    reason: String,
}

/// The view. The options text is the same as in Settings.
#[component]
pub fn PolicyView(store: Store, settings: RwSignal<Settings>, options_error: RwSignal<Option<String>>) -> impl IntoView {
    let rows = Memo::new(move |_| {
        let options = store.options()?;
        Some(store.read(|session| {
            let mut seen: BTreeSet<(String, String)> = BTreeSet::new();
            let mut counts = std::collections::HashMap::<(String, String), usize>::new();
            for m in session.messages() {
                if let Message::Request(r) = &m.decoded.message {
                    let key = (m.record.source_origin.clone(), r.name.to_string());
                    *counts.entry(key.clone()).or_default() += 1;
                    seen.insert(key);
                }
            }
            seen.into_iter()
                .map(|(origin, request)| {
                    let decision = evaluate(&options, &origin, &request);
                    let count = counts[&(origin.clone(), request.clone())];
                    PolicyRow { allowed: decision.is_allowed(), reason: decision.explanation(), origin, request, count }
                })
                .collect::<Vec<_>>()
        }))
    });
    view! {
        <section class="table-view" data-testid="policy-view">
            <OptionsField
                settings=settings
                error=options_error
                testid="policy-options"
                rows=4
                placeholder="service-client-api.accepted-web-content-origins=http://localhost:8480 (agent.*, voice.dial)"
            />
            {move || match rows.get() {
                None => view! { <p class="empty">"Paste the WWE options above to see what WWE would allow."</p> }.into_any(),
                Some(rows) if rows.is_empty() => view! { <p class="empty">"No requests captured yet."</p> }.into_any(),
                Some(rows) => view! {
                    <table class="view-table">
                        <thead><tr><th>"Client origin"</th><th>"Request"</th><th>"Seen"</th><th>"WWE would"</th><th>"Why"</th></tr></thead>
                        <tbody>
                            {rows.into_iter().map(|row| view! {
                                <tr
                                    data-testid="policy-row"
                                    data-origin=row.origin.clone()
                                    data-request=row.request.clone()
                                    data-allowed=row.allowed.to_string()
                                    class:denied=!row.allowed
                                >
                                    <td><code>{row.origin.clone()}</code></td>
                                    <td><code>{row.request.clone()}</code></td>
                                    <td>{row.count}</td>
                                    <td class=if row.allowed { "status-ok" } else { "status-error" }>{if row.allowed { "allow" } else { "deny" }}</td>
                                    <td data-testid="policy-reason">{row.reason.clone()}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any(),
            }}
        </section>
    }
}
