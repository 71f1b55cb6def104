//! The detail pane of the selected message: what it is by the catalog,
//! its exchange (jump between request and reply), what it did to the
//! interactions (a request's "caused" links, an event's or reply's
//! "created by" link, both from the core's interaction model), findings,
//! related events, the data as a JSON tree and as raw text.

use leptos::prelude::*;
use serde_json::Value;
use wwe_core::catalog;
use wwe_core::decode::Message;
use wwe_core::interactions::Interactions;
use wwe_core::session::Session;

use crate::json_tree::JsonTree;
use crate::model::Store;
use crate::clock::clock;

/// Everything the pane shows about one message, computed once per change.
#[derive(Clone, PartialEq)]
struct Detail {
    id: u64,
    title: String,
    kind: &'static str,
    status: Option<&'static str>,
    latency: Option<f64>,
    time: f64,
    sender: String,
    receiver: String,
    receiver_url: String,
    request: Option<u64>,
    reply: Option<u64>,
    caused: Vec<Caused>,
    created_by: Option<(u64, String)>,
    description: Option<&'static str>,
    params: Vec<(String, String, String)>,
    findings: Vec<(String, String, &'static str)>,
    related: Vec<(u64, String)>,
    issues: Vec<String>,
    data: Value,
    marker: Option<String>,
    /// Made by page script, not delivered: (event interface, claimed origin).
    page_made: Option<(String, Option<String>)>,
    /// What the page's own world reported about the send, which the page
    /// can forge: (targetOrigin, caller stack).
    page_reported: Option<(Option<String>, Option<String>)>,
    /// A post the browser refused (issue 19): its report, verbatim.
    undelivered: Option<wwe_core::record::Undelivered>,
}

/// An interaction a request created or changed, as the core linked them.
#[derive(Debug, Clone, PartialEq)]
struct Caused {
    interaction: String,
    media: String,
    created: bool,
    /// What changed (`None` for a creation).
    change: Option<String>,
    /// The message that shows it: the interaction's `ADDED` event (else
    /// its first change) for a creation, the change's first message else.
    message: Option<u64>,
}

impl Caused {
    /// The link's text, e.g. `interaction 42 (voice)`.
    fn label(&self) -> String {
        if self.media.is_empty() {
            format!("interaction {}", self.interaction)
        } else {
            format!("interaction {} ({})", self.interaction, self.media)
        }
    }
}

/// What the request `id` created or changed (empty for any other message).
fn caused_by(interactions: &Interactions, id: u64) -> Vec<Caused> {
    interactions
        .caused_by(id)
        .map(|cause| {
            let interaction = interactions.interaction(&cause.interaction);
            let change = cause.change.and_then(|c| interaction.and_then(|i| i.changes.get(c)));
            let message = if cause.created {
                interaction.and_then(|i| i.added.or_else(|| i.changes.iter().find_map(|c| c.messages.first().copied())))
            } else {
                change.and_then(|c| c.messages.first().copied())
            };
            Caused {
                interaction: cause.interaction.clone(),
                media: interaction.map(|i| i.media.clone()).unwrap_or_default(),
                created: cause.created,
                change: change.map(|c| c.kind.summary()),
                message,
            }
        })
        .collect()
}

/// The request (record id, name) that created the interaction an event or
/// reply is about, when the core linked one; `None` for requests.
fn created_by(session: &Session, interactions: &Interactions, id: u64) -> Option<(u64, String)> {
    let captured = session.message(id)?;
    if matches!(captured.decoded.message, Message::Request(_)) {
        return None;
    }
    let interaction = match interaction_of(&captured.decoded.message, &captured.record.data) {
        Some(wanted) => interactions.interaction(&wanted),
        // A message the core took as one of the interaction's changes.
        None => interactions.interactions().iter().find(|i| i.added == Some(id) || i.changes.iter().any(|c| c.messages.contains(&id))),
    }?;
    let request = interaction.created_by?;
    let name = interactions
        .caused_by(request)
        .find(|c| c.created)
        .map(|c| c.name.clone())
        .or_else(|| match &session.message(request)?.decoded.message {
            Message::Request(r) => Some(r.name.to_string()),
            _ => None,
        })
        .unwrap_or_default();
    Some((request, name))
}

fn detail_of(session: &Session, interactions: &Interactions, id: u64) -> Option<Detail> {
    let captured = session.message(id)?;
    let exchange = captured.exchange.map(|i| &session.exchanges()[i]);
    let message = &captured.decoded.message;
    let (title, description, params) = match message {
        Message::Request(request) => {
            let params = request
                .params
                .iter()
                .enumerate()
                .map(|(i, p)| {
                    let spec = request.spec.and_then(|s| s.params.get(i));
                    (
                        p.name.map_or_else(|| format!("#{i}"), str::to_string),
                        spec.map_or("extra", |s| s.kind.as_str()).to_string(),
                        // Values JSON cannot hold, as a developer reads them.
                        if wwe_core::tagged::contains_tags(&p.value) { wwe_core::tagged::render(&p.value) } else { p.value.to_string() },
                    )
                })
                .collect();
            let description = request.spec.map(|s| s.description).or(Some("Not in the Service Client API catalog."));
            (request.name.to_string(), description, params)
        }
        Message::Event { name, event_type, .. } => {
            let spec = event_type.as_deref().and_then(catalog::event_type);
            let title = match event_type {
                Some(t) => format!("{name} / {t}"),
                None => name.to_string(),
            };
            (title, spec.map(|s| s.description).or_else(|| catalog::event(name).map(|e| e.description)), Vec::new())
        }
        other if other.is_reply() => {
            let name = exchange.map_or_else(|| "reply".to_string(), |e| format!("reply to {}", e.name));
            (name, exchange.and_then(|e| catalog::request(&e.name)).map(|s| s.description), Vec::new())
        }
        _ if captured.record.undelivered.is_some() => ("postMessage refused by the browser".to_string(), None, Vec::new()),
        other => (other.to_string(), None, Vec::new()),
    };
    let findings = session
        .findings()
        .iter()
        .filter(|f| f.messages.contains(&id))
        .map(|f| (f.code.as_str().to_string(), f.message.clone(), f.severity.as_str()))
        .chain(
            interactions
                .findings()
                .iter()
                .filter(|f| f.messages.contains(&id))
                .map(|f| (f.code.as_str().to_string(), f.message.clone(), f.code.severity().as_str())),
        )
        .collect();
    let interaction = interaction_of(message, &captured.record.data);
    let related = match &interaction {
        Some(wanted) => session
            .messages()
            .iter()
            .filter(|m| m.record.id != id)
            .filter(|m| interaction_of(&m.decoded.message, &m.record.data).as_deref() == Some(wanted.as_str()))
            .take(200)
            .map(|m| (m.record.id, format!("{} {}", clock(m.record.time), m.decoded.message)))
            .collect(),
        None => Vec::new(),
    };
    Some(Detail {
        id,
        title,
        kind: crate::model::kind_of(captured),
        status: Some(crate::model::status_word(captured, exchange)).filter(|s| !s.is_empty()),
        latency: exchange.and_then(|e| e.latency_ms),
        time: captured.record.time,
        sender: captured.record.source_origin.clone(),
        // A refused post reached no frame: the browser names the recipient's origin.
        receiver: captured.record.undelivered.as_ref().map_or_else(|| captured.record.frame_origin.clone(), |u| u.recipient_origin.clone()),
        receiver_url: captured.record.frame_url.clone(),
        request: exchange.map(|e| e.request),
        reply: exchange.and_then(|e| e.reply),
        caused: caused_by(interactions, id),
        created_by: created_by(session, interactions, id),
        description,
        params,
        findings,
        related,
        issues: captured.decoded.issues.iter().map(|i| i.message.clone()).collect(),
        data: captured.record.data.clone(),
        marker: captured.record.marker.clone(),
        page_made: captured.record.dispatched_by_page.then(|| {
            (captured.record.event_class.clone().unwrap_or_else(|| "Event".into()), captured.record.claimed_origin.clone())
        }),
        page_reported: captured.record.page_reported.then(|| (captured.record.target_origin.clone(), captured.record.stack.clone())),
        undelivered: captured.record.undelivered.clone(),
    })
}

/// The interaction a message is about: an event's, or a request's
/// `interactionId` parameter.
fn interaction_of(message: &Message, data: &Value) -> Option<String> {
    match message {
        Message::Event { interaction_id, .. } => interaction_id.clone(),
        Message::Request(request) => request
            .params
            .iter()
            .find(|p| p.name.is_some_and(|n| n == "interactionId" || n == "consultInteractionId"))
            .and_then(|p| p.value.as_str().map(str::to_string).or_else(|| p.value.as_i64().map(|n| n.to_string()))),
        _ => data.get("data").and_then(|d| d.get("interactionId")).and_then(Value::as_str).map(str::to_string),
    }
}

/// The pane for the selected message.
#[component]
pub fn DetailPane(store: Store, selected: RwSignal<Option<u64>>) -> impl IntoView {
    let detail = Memo::new(move |_| selected.get().and_then(|id| store.read_interactions(|s, m| detail_of(s, m, id))));
    let raw = RwSignal::new(false);
    move || {
        detail.get().map(|d| {
            let jump = move |target: Option<u64>| move |_| if let Some(t) = target { selected.set(Some(t)) };
            let pretty = serde_json::to_string_pretty(&d.data).unwrap_or_default();
            view! {
                <aside class="detail" data-testid="detail" data-id=d.id.to_string()>
                    <header class="detail-head">
                        <span class=format!("c-kind kind-{}", d.kind)>{d.kind}</span>
                        <strong class="detail-title" data-testid="detail-title">{d.title.clone()}</strong>
                        {d.status.map(|s| view! { <span class=format!("c-status status-{s}") data-testid="detail-status">{s}</span> })}
                        {d.latency.map(|l| view! { <span class="muted">{format!("{l:.1} ms")}</span> })}
                        <span class="spacer"></span>
                        <button class="tool" title="Close (Esc)" on:click=move |_| selected.set(None)>"✕"</button>
                    </header>
                    <section class="detail-meta">
                        <div data-testid="detail-number">{move || store.number_label(d.id)}" at "{clock(d.time)}</div>
                        {match d.page_made.clone() {
                            None => view! {
                                <div>"from " <code>{d.sender.clone()}</code> " to " <code title=d.receiver_url.clone()>{d.receiver.clone()}</code></div>
                            }.into_any(),
                            Some((class, claimed)) => view! {
                                <div class="page-made" data-testid="detail-page-made">
                                    <span class="marker">"page-made"</span>
                                    {format!(" a {class} dispatched by script in ")}
                                    <code title=d.receiver_url.clone()>{d.receiver.clone()}</code>
                                    ", not a message the browser delivered"
                                    {claimed.map(|origin| view! {
                                        "; it claims origin " <code data-testid="detail-claimed-origin">{origin}</code> " (the page's word, not a fact)"
                                    })}
                                </div>
                            }.into_any(),
                        }}
                        {d.marker.clone().map(|m| view! { <div class="marker">{format!("captured as {m}: the data shown is not the exact message")}</div> })}
                        <div class="jumps">
                            {d.request.filter(|r| *r != d.id).map(|r| view! {
                                <button class="link" data-testid="jump-request" on:click=jump(Some(r))>{move || format!("← request {}", store.number_label(r))}</button>
                            })}
                            {d.reply.filter(|r| *r != d.id).map(|r| view! {
                                <button class="link" data-testid="jump-reply" on:click=jump(Some(r))>{move || format!("reply {} →", store.number_label(r))}</button>
                            })}
                        </div>
                        {d.caused.clone().into_iter().map(|c| {
                            let label = c.label();
                            view! {
                                <div class="detail-link">
                                    "caused: "
                                    <button
                                        class="link"
                                        data-testid="detail-caused"
                                        data-interaction-id=c.interaction.clone()
                                        data-created=c.created.to_string()
                                        data-message=c.message.map(|m| m.to_string())
                                        title="Select the message that shows it"
                                        disabled=c.message.is_none()
                                        on:click=jump(c.message)
                                    >{label}</button>
                                    {c.change.clone().map(|text| format!(": {text}"))}
                                </div>
                            }
                        }).collect_view()}
                        {d.created_by.clone().map(|(request, name)| view! {
                            <div class="detail-link">
                                "created by "
                                <button class="link" data-testid="detail-created-by" data-message=request.to_string() on:click=jump(Some(request))>
                                    {move || format!("{} {name}", store.number_label(request))}
                                </button>
                            </div>
                        })}
                    </section>
                    {d.undelivered.clone().map(|u| view! {
                        <section class="undelivered" data-testid="detail-undelivered">
                            <h4>"Not delivered"</h4>
                            <p class="muted">"The browser refused this post and reported it; neither page was told, and no reply can come."</p>
                            <table class="params">
                                <tr><td class="param-name">"targetOrigin (intended)"</td><td><code data-testid="detail-undelivered-target">{u.target_origin.clone()}</code></td></tr>
                                <tr><td class="param-name">"recipient's real origin"</td><td><code data-testid="detail-undelivered-recipient">{u.recipient_origin.clone()}</code></td></tr>
                                {u.sender_url.clone().map(|url| view! { <tr><td class="param-name">"sent from"</td><td><code data-testid="detail-undelivered-sender">{url}</code></td></tr> })}
                            </table>
                            {u.stack.clone().map(|text| view! { <pre class="raw" data-testid="detail-undelivered-stack">{text}</pre> })}
                            <p class="muted" data-testid="detail-undelivered-text">{u.text.clone()}</p>
                        </section>
                    })}
                    {d.page_reported.clone().map(|(target_origin, stack)| view! {
                        <section class="page-reported" data-testid="detail-page-reported">
                            <h4>"Reported by the page"</h4>
                            <p class="muted">"From the send-side hook in the page's own world: the page can forge these, so they are claims, not facts."</p>
                            {target_origin.map(|o| view! { <div>"targetOrigin " <code data-testid="detail-target-origin">{o}</code></div> })}
                            {stack.map(|text| view! { <pre class="raw" data-testid="detail-stack">{text}</pre> })}
                        </section>
                    })}
                    <crate::replay::Actions store=store selected=selected id=d.id/>
                    {d.description.map(|text| view! {
                        <section><h4>"Documentation"</h4><p class="doc" data-testid="detail-doc">{text}</p></section>
                    })}
                    {(!d.params.is_empty()).then(|| view! {
                        <section>
                            <h4>"Parameters"</h4>
                            <table class="params">
                                {d.params.clone().into_iter().map(|(name, kind, value)| { let label = name.clone(); view! {
                                    <tr data-testid="param" data-name=name>
                                        <td class="param-name">{label}</td>
                                        <td class="param-kind muted">{kind}</td>
                                        <td class="param-value"><code>{value}</code></td>
                                    </tr>
                                }}).collect_view()}
                            </table>
                        </section>
                    })}
                    {(!d.findings.is_empty() || !d.issues.is_empty()).then(|| view! {
                        <section>
                            <h4>"Findings"</h4>
                            <ul class="findings">
                                {d.findings.clone().into_iter().map(|(code, message, severity)| { let label = code.clone(); view! {
                                    <li class=format!("sev-{severity}") data-testid="detail-finding" data-code=code>
                                        <code>{label}</code> " " {message}
                                    </li>
                                }}).collect_view()}
                            </ul>
                        </section>
                    })}
                    {(!d.related.is_empty()).then(|| view! {
                        <section>
                            <h4>"Same interaction"</h4>
                            <ul class="related">
                                {d.related.clone().into_iter().map(|(id, text)| view! {
                                    <li><button class="link" data-testid="related" on:click=move |_| selected.set(Some(id))>{text}</button></li>
                                }).collect_view()}
                            </ul>
                        </section>
                    })}
                    {(d.undelivered.is_some() && d.data.is_null()).then(|| view! {
                        <section><h4>"Data"</h4><p class="muted" data-testid="detail-undelivered-no-data">"Not known: the browser's report names the origins and the caller, not the message."</p></section>
                    })}
                    {(!(d.undelivered.is_some() && d.data.is_null())).then(|| view! {
                    <section>
                        <h4>
                            "Data "
                            <button class="link" class:on=move || !raw.get() on:click=move |_| raw.set(false)>"tree"</button>
                            " · "
                            <button class="link" class:on=move || raw.get() data-testid="show-raw" on:click=move |_| raw.set(true)>"raw"</button>
                        </h4>
                        <Show when=move || raw.get() fallback={
                            let data = d.data.clone();
                            move || view! { <JsonTree value=data.clone() root="data"/> }
                        }>
                            <pre class="raw" data-testid="raw">{pretty.clone()}</pre>
                        </Show>
                    </section>
                    })}
                </aside>
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{call, Flow};
    use serde_json::json;

    /// A click-to-dial call, then a hold: the dial caused the call (linked
    /// to its ADDED event), the hold caused its HELD change; the call's
    /// events and the dial's reply were created by the dial.
    #[test]
    fn requests_link_to_what_they_caused_and_events_to_their_creator() {
        let mut f = Flow::default();
        let (dial, rid) = f.request(0.0, "voice.dial", json!(["5001"]));
        let added = f.interaction(10.0, "ADDED", "7", "DIALING");
        let reply = f.reply(12.0, &rid, call("7", "DIALING"));
        let established = f.interaction(1000.0, "ESTABLISHED", "7", "ESTABLISHED");
        let (hold, _) = f.request(2000.0, "voice.hold", json!(["7"]));
        let held = f.interaction(2005.0, "HELD", "7", "HELD");
        let session = f.session();
        let model = Interactions::build(&session);

        let caused = caused_by(&model, dial);
        assert_eq!(
            caused,
            vec![Caused { interaction: "7".into(), media: "voice".into(), created: true, change: None, message: Some(added) }]
        );
        assert_eq!(caused[0].label(), "interaction 7 (voice)");
        let by_hold = caused_by(&model, hold);
        assert_eq!(by_hold.len(), 1);
        assert!(!by_hold[0].created);
        assert_eq!(by_hold[0].message, Some(held));
        assert!(by_hold[0].change.as_deref().is_some_and(|c| c.contains("HELD")), "{by_hold:?}");
        assert!(caused_by(&model, added).is_empty(), "only requests cause");

        for event in [added, reply, established, held] {
            assert_eq!(created_by(&session, &model, event), Some((dial, "voice.dial".to_string())), "#{event}");
        }
        assert_eq!(created_by(&session, &model, dial), None, "a request is not created by anything");
        assert_eq!(created_by(&session, &model, hold), None);

        // (The dial names no interaction, so its pane lists no related
        // messages, whose times need the browser's clock.)
        let detail = detail_of(&session, &model, dial).unwrap();
        assert_eq!(detail.caused, caused);
        assert_eq!(detail.created_by, None);
    }

    /// A call first seen mid-way (no dial captured) links to nothing.
    #[test]
    fn a_call_without_its_request_has_no_creator() {
        let mut f = Flow::default();
        let event = f.interaction(0.0, "ADDED", "3", "RINGING");
        let session = f.session();
        let model = Interactions::build(&session);
        assert_eq!(created_by(&session, &model, event), None);
        assert!(detail_of(&session, &model, event).unwrap().caused.is_empty());
    }

    /// An interaction finding shows among the message's findings.
    #[test]
    fn interaction_findings_show_on_their_message() {
        let mut f = Flow::default();
        let event = f.interaction(0.0, "ESTABLISHED", "4", "ESTABLISHED");
        let session = f.session();
        let model = Interactions::build(&session);
        let detail = detail_of(&session, &model, event).unwrap();
        assert!(detail.findings.iter().any(|(code, _, severity)| code == "X001" && *severity == "warning"), "{:?}", detail.findings);
    }
}
