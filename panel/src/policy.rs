//! The policy view: paste the WWE options and see which applications
//! `interaction.web-content` declares and how each is shown (G49), and, for
//! every client origin, application and request type seen, whether WWE
//! would allow it and why (the core's `policy::evaluate_app`: the origin,
//! then the display — a tab may only dial, G70 —, then the request filter).

use std::collections::BTreeMap;

use leptos::prelude::*;
use wwe_core::decode::Message;
use wwe_core::options::Options;
use wwe_core::policy::evaluate_app;

use crate::model::Store;
use crate::options_field::OptionsField;
use crate::settings::Settings;

#[derive(Clone, PartialEq)]
struct PolicyRow {
    origin: String,
    /// The application's label and display, when the sender is one.
    app: Option<(String, String)>,
    request: String,
    count: usize,
    allowed: bool,
    reason: String,
}

/// One application of `interaction.web-content`, as the view lists it.
#[derive(Clone, PartialEq)]
struct AppRow {
    section: String,
    label: String,
    url: String,
    mode: String,
    meaning: String,
}

fn app_rows(options: &Options) -> Vec<AppRow> {
    options
        .web_apps
        .iter()
        .map(|a| AppRow {
            section: a.section.clone(),
            label: a.label().to_owned(),
            url: a.url.clone().unwrap_or_else(|| "(no url)".to_owned()),
            mode: a.mode.unwrap_or("(not set)").to_owned(),
            meaning: a.display().map_or(
                "No mode: the guide does not say how WWE shows it, so no display rule is applied.".to_owned(),
                |d| d.description.to_owned(),
            ),
        })
        .collect()
}

/// The view. The options text is the same as in Settings.
#[component]
pub fn PolicyView(store: Store, settings: RwSignal<Settings>, options_error: RwSignal<Option<String>>) -> impl IntoView {
    let apps = Memo::new(move |_| store.options().map(|o| app_rows(&o)).unwrap_or_default());
    let rows = Memo::new(move |_| {
        let options = store.options()?;
        Some(store.read(|session| {
            let mut seen: BTreeMap<(String, Option<String>, String), usize> = BTreeMap::new();
            for m in session.messages() {
                if let Message::Request(r) = &m.decoded.message {
                    let app = session.sender_app(&options, m).map(|a| a.section.clone());
                    *seen.entry((m.record.source_origin.clone(), app, r.name.to_string())).or_default() += 1;
                }
            }
            seen.into_iter()
                .map(|((origin, section, request), count)| {
                    let app = section.as_ref().and_then(|s| options.web_apps.iter().find(|a| &a.section == s));
                    let decision = evaluate_app(&options, &origin, &request, app);
                    PolicyRow {
                        allowed: decision.is_allowed(),
                        reason: decision.explanation(),
                        app: app.map(|a| (a.label().to_owned(), a.mode.unwrap_or("no mode").to_owned())),
                        origin,
                        request,
                        count,
                    }
                })
                .collect::<Vec<_>>()
        }))
    });
    let display_list = wwe_core::catalog::displays().iter().map(|d| d.name).collect::<Vec<_>>().join(", ");
    view! {
        <section class="table-view" data-testid="policy-view">
            <OptionsField
                settings=settings
                error=options_error
                testid="policy-options"
                rows=4
                placeholder="service-client-api.accepted-web-content-origins=http://localhost:8480 (agent.*, voice.dial)"
            />
            <Show when=move || !apps.get().is_empty()>
                <h3 class="view-subhead">"Applications (interaction.web-content)"</h3>
                <p class="muted view-help">
                    "Each section named in interaction.web-content is one application; its mode (" {display_list.clone()}
                    ") says how WWE shows it. The guide names these four ways but not the section's keys: this tool reads url, title and mode. "
                    "Requests are matched to an application by the URL of the frame that sent them."
                </p>
                <table class="view-table" data-testid="policy-apps">
                    <thead><tr><th>"Application"</th><th>"Mode"</th><th>"URL"</th><th>"What WWE gives it"</th></tr></thead>
                    <tbody>
                        {move || apps.get().into_iter().map(|a| view! {
                            <tr data-testid="policy-app" data-section=a.section.clone() data-mode=a.mode.clone()>
                                <td>{a.label.clone()}</td>
                                <td><code>{a.mode.clone()}</code></td>
                                <td><code>{a.url.clone()}</code></td>
                                <td data-testid="policy-app-meaning">{a.meaning.clone()}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </Show>
            {move || match rows.get() {
                None => view! { <p class="empty">"Paste the WWE options above to see what WWE would allow."</p> }.into_any(),
                Some(rows) if rows.is_empty() => view! { <p class="empty">"No requests captured yet."</p> }.into_any(),
                Some(rows) => view! {
                    <table class="view-table">
                        <thead><tr><th>"Client origin"</th><th>"Application"</th><th>"Request"</th><th>"Seen"</th><th>"WWE would"</th><th>"Why"</th></tr></thead>
                        <tbody>
                            {rows.into_iter().map(|row| {
                                let app_text = row.app.clone().map_or("—".to_owned(), |(label, mode)| format!("{label} ({mode})"));
                                view! {
                                <tr
                                    data-testid="policy-row"
                                    data-origin=row.origin.clone()
                                    data-app=row.app.clone().map(|(label, _)| label).unwrap_or_default()
                                    data-request=row.request.clone()
                                    data-allowed=row.allowed.to_string()
                                    class:denied=!row.allowed
                                >
                                    <td><code>{row.origin.clone()}</code></td>
                                    <td>{app_text}</td>
                                    <td><code>{row.request.clone()}</code></td>
                                    <td>{row.count}</td>
                                    <td class=if row.allowed { "status-ok" } else { "status-error" }>{if row.allowed { "allow" } else { "deny" }}</td>
                                    <td data-testid="policy-reason">{row.reason.clone()}</td>
                                </tr>
                            }}).collect_view()}
                        </tbody>
                    </table>
                }.into_any(),
            }}
        </section>
    }
}
