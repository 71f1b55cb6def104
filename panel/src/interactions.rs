//! The interactions view: the agent desktop rebuilt from the traffic by the
//! core (`wwe_core::interactions`) — an agent strip (state over time), a
//! toast lane and one swimlane per interaction on a shared time axis, with
//! markers for state, userData, recording, case, mark-done and toast
//! changes, and for notices (an eventType such as ERROR or PULL_FAILED, an
//! outbound event) that change none of these. Selecting a marker lists the messages behind it and the
//! request that caused it; every id jumps to its message. With
//! `user-data.read-allowed` / `write-allowed` set in the options, each
//! interaction says which keys clients could not see or change, and why.
//!
//! The model is the store's (`Store::read_interactions`), shared with the
//! findings view and the detail pane; it follows the session
//! incrementally: each new version feeds only the messages pushed since.

use leptos::prelude::*;
use wwe_core::interactions::{key_policies, Agent, Interaction, InteractionFinding, KeyPolicy, Toast};

use crate::model::Store;

/// What the view draws, cloned out of the model once per session version.
#[derive(Clone, PartialEq, Default)]
struct Snapshot {
    agent: Agent,
    interactions: Vec<Interaction>,
    toasts: Vec<Toast>,
    findings: Vec<InteractionFinding>,
    /// The time axis: (start, end) in ms since the epoch.
    range: (f64, f64),
    /// (request id, request name, interaction id, created?)
    causes: Vec<(u64, String, String, bool)>,
}

/// The messages behind one marker, shown in the side box.
#[derive(Clone, PartialEq)]
struct Picked {
    lane: String,
    kind: String,
    summary: String,
    time: f64,
    messages: Vec<u64>,
    /// (record id, name, client origin) of the request that caused it.
    request: Option<(u64, String, String)>,
}

/// A marker on a lane.
#[derive(Clone, PartialEq)]
struct Mark {
    kind: &'static str,
    time: f64,
    summary: String,
    messages: Vec<u64>,
    request: Option<(u64, String, String)>,
}

fn pct(range: (f64, f64), t: f64) -> f64 {
    let span = range.1 - range.0;
    if span <= 0.0 {
        return 50.0;
    }
    // Keep a little room at both ends so the first and last markers show.
    2.0 + 96.0 * ((t - range.0) / span).clamp(0.0, 1.0)
}

fn clock_text(range: (f64, f64), t: f64) -> String {
    format!("+{:.1}s", (t - range.0) / 1000.0)
}

/// The view.
#[component]
pub fn InteractionsView(store: Store, on_select: Callback<u64>) -> impl IntoView {
    let snapshot = Memo::new(move |_| {
        store.read_interactions(|_, m| {
            let range = m.time_range().unwrap_or((0.0, 0.0));
            Snapshot {
                agent: m.agent().clone(),
                interactions: m.interactions().to_vec(),
                toasts: m.toasts().to_vec(),
                findings: m.findings().to_vec(),
                range,
                causes: m.causes().iter().map(|c| (c.request, c.name.clone(), c.interaction.clone(), c.created)).collect(),
            }
        })
    });
    let picked = RwSignal::new(None::<Picked>);
    let options = Memo::new(move |_| store.options());
    let range = move || snapshot.with(|s| s.range);

    let pick = move |lane: String, mark: &Mark| {
        let p = Picked {
            lane,
            kind: mark.kind.to_owned(),
            summary: mark.summary.clone(),
            time: mark.time,
            messages: mark.messages.clone(),
            request: mark.request.clone(),
        };
        picked.set(Some(p));
    };

    let marker_view = move |lane: String, mark: Mark| {
        let first = mark.messages.first().copied();
        let left = pct(range(), mark.time);
        let title = format!("{} — {}", clock_text(range(), mark.time), mark.summary);
        let on = {
            let (lane, first) = (lane.clone(), first);
            move || picked.with(|p| p.as_ref().is_some_and(|p| p.lane == lane && p.messages.first().copied() == first && p.kind == mark.kind))
        };
        let kind = mark.kind;
        view! {
            <button
                class=format!("ix-marker kind-{kind}")
                class:on=on
                data-testid="marker"
                data-kind=kind
                data-message=first.map(|id| id.to_string())
                data-request=mark.request.as_ref().map(|r| r.0.to_string())
                title=title
                style=format!("left: {left:.2}%")
                on:click=move |_| pick(lane.clone(), &mark)
            ></button>
        }
    };

    view! {
        <section class="interactions-view" data-testid="interactions-view">
            {move || snapshot.with(|s| s.interactions.is_empty() && s.agent.states.is_empty() && s.toasts.is_empty()).then(|| view! {
                <p class="empty">"No agent or interaction traffic yet: this view fills from agent, media, interaction and system events and the replies that describe them."</p>
            })}
            <div class="ix-main">
                <div class="ix-lanes">
                    <AgentStrip snapshot=snapshot/>
                    {move || {
                        let s = snapshot.get();
                        (!s.toasts.is_empty()).then(|| {
                            let marks: Vec<Mark> = s.toasts.iter().flat_map(|t| {
                                let id = t.id.clone().unwrap_or_else(|| "?".into());
                                t.steps.iter().map(move |(time, step, messages)| Mark {
                                    kind: "toast",
                                    time: *time,
                                    summary: format!("toast {id}: {}", step.summary()),
                                    messages: messages.clone(),
                                    request: None,
                                })
                            }).collect();
                            view! {
                                <div class="ix-lane" data-testid="toast-lane">
                                    <div class="ix-head">
                                        <b>"Toasts"</b>
                                        {s.toasts.iter().map(|t| {
                                            let steps = t.steps.iter().map(|s| s.1.as_str()).collect::<Vec<_>>().join(",");
                                            let text = format!(" {} ({}): {}", t.id.as_deref().unwrap_or("?"), t.client,
                                                t.steps.iter().map(|s| s.1.summary()).collect::<Vec<_>>().join(" → "));
                                            view! {
                                                <span class="ix-toast" data-testid="toast" data-toast-id=t.id.clone() data-steps=steps>{text}</span>
                                            }
                                        }).collect_view()}
                                    </div>
                                    <div class="ix-track">
                                        {marks.into_iter().map(|m| marker_view("toasts".into(), m)).collect_view()}
                                    </div>
                                </div>
                            }
                        })
                    }}
                    {move || snapshot.get().interactions.into_iter().map(|interaction| {
                        interaction_lane(store, interaction, snapshot, options, on_select, marker_view)
                    }).collect_view()}
                </div>
                <aside class="ix-side" data-testid="marker-detail">
                    {move || match picked.get() {
                        None => view! { <p class="muted">"Select a marker to see the messages behind it."</p> }.into_any(),
                        Some(p) => view! {
                            <h4>{format!("{} · {}", p.lane, p.kind)}</h4>
                            <p data-testid="marker-summary">{p.summary.clone()}</p>
                            <p class="muted">{clock_text(range(), p.time)}</p>
                            {p.request.clone().map(|(id, name, client)| view! {
                                <p data-testid="caused-by">
                                    "Caused by "
                                    <button class="link" data-testid="jump" data-message=id.to_string() on:click=move |_| on_select.run(id)>{move || store.number_label(id)}</button>
                                    {format!(" {name} from {client}")}
                                </p>
                            })}
                            <p>"Messages: "
                                {p.messages.iter().map(|&id| view! {
                                    <button class="link" data-testid="jump" data-message=id.to_string() on:click=move |_| on_select.run(id)>{move || store.number_label(id)}</button>
                                    " "
                                }).collect_view()}
                            </p>
                        }.into_any(),
                    }}
                    <Causes store=store snapshot=snapshot on_select=on_select/>
                </aside>
            </div>
            {move || {
                let findings = snapshot.with(|s| s.findings.clone());
                (!findings.is_empty()).then(|| view! {
                    <ul class="ix-findings" data-testid="interaction-findings">
                        {findings.into_iter().map(|f| {
                            view! {
                                <li data-testid="interaction-finding" data-code=f.code.as_str()>
                                    <code>{f.code.as_str()}</code>" "{f.code.name()}": "{f.message.clone()}" "
                                    {f.messages.iter().map(|&id| view! {
                                        <button class="link" on:click=move |_| on_select.run(id)>{move || store.number_label(id)}</button>" "
                                    }).collect_view()}
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                })
            }}
        </section>
    }
}

/// The agent's overall state over time, and one thin row per media.
#[component]
fn AgentStrip(snapshot: Memo<Snapshot>) -> impl IntoView {
    move || {
        let s = snapshot.get();
        let range = s.range;
        let current = s.agent.current().map(|a| a.state.clone()).unwrap_or_default();
        let segments = |states: Vec<(f64, String, String, Vec<u64>)>| {
            let n = states.len();
            states
                .iter()
                .enumerate()
                .map(|(i, (t, state, label, messages))| {
                    let left = pct(range, *t);
                    let right = if i + 1 < n { pct(range, states[i + 1].0) } else { 100.0 };
                    view! {
                        <span class=format!("ix-seg agent-{}", state.to_ascii_lowercase())
                            data-testid="agent-state" data-state=state.clone()
                            data-message=messages.first().map(|m| m.to_string())
                            title=format!("{} {label}", clock_text(range, *t))
                            style=format!("left: {left:.2}%; width: {:.2}%", (right - left).max(0.5))>
                            {label.clone()}
                        </span>
                    }
                })
                .collect_view()
        };
        let agent: Vec<(f64, String, String, Vec<u64>)> = s
            .agent
            .states
            .iter()
            .map(|a| {
                let label = match (&a.reason, &a.reason_code) {
                    (Some(r), Some(c)) => format!("{} ({r}, {c})", a.state),
                    (Some(r), None) => format!("{} ({r})", a.state),
                    _ => a.state.clone(),
                };
                (a.time, a.state.clone(), label, a.messages.clone())
            })
            .collect();
        let who = s.agent.username.clone().or(s.agent.name.clone()).unwrap_or_else(|| "Agent".into());
        view! {
            <div class="ix-lane agent" data-testid="agent-strip" data-state=current.clone()>
                <div class="ix-head"><b>{who}</b>" "<span class="muted">{current.clone()}</span></div>
                <div class="ix-track">{segments(agent)}</div>
            </div>
            {s.agent.media.iter().map(|(media, states)| {
                let list: Vec<(f64, String, String, Vec<u64>)> =
                    states.iter().map(|m| (m.time, m.state.clone(), m.state.clone(), m.messages.clone())).collect();
                let last = states.last().map(|m| m.state.clone()).unwrap_or_default();
                view! {
                    <div class="ix-lane media" data-testid="media-strip" data-media=media.clone() data-state=last>
                        <div class="ix-head">{media.clone()}</div>
                        <div class="ix-track">{segments(list)}</div>
                    </div>
                }
            }).collect_view()}
        }
    }
}

/// One interaction: a header (id, media, state, creator, policy) and its
/// track of state segments and markers.
fn interaction_lane<F, V>(
    store: Store,
    interaction: Interaction,
    snapshot: Memo<Snapshot>,
    options: Memo<Option<wwe_core::options::Options>>,
    on_select: Callback<u64>,
    marker_view: F,
) -> impl IntoView
where
    F: Fn(String, Mark) -> V + Copy + Send + Sync + 'static,
    V: IntoView + 'static,
{
    let range = snapshot.with_untracked(|s| s.range);
    let i = interaction;
    let state = i.state.clone().unwrap_or_default();
    let lane = format!("interaction {}", i.id);
    let states: Vec<(f64, String, Vec<u64>)> = i
        .changes
        .iter()
        .filter_map(|c| match &c.kind {
            wwe_core::interactions::ChangeKind::State { to, .. } => Some((c.time, to.clone(), c.messages.clone())),
            _ => None,
        })
        .collect();
    let n = states.len();
    let end = i.removed.unwrap_or(range.1);
    let segments = states
        .iter()
        .enumerate()
        .map(|(k, (t, s, _))| {
            let left = pct(range, *t);
            let right = if k + 1 < n { pct(range, states[k + 1].0) } else { pct(range, end).max(left + 0.5) };
            view! {
                <span class=format!("ix-seg state-{}", s.to_ascii_lowercase()) style=format!("left: {left:.2}%; width: {:.2}%", (right - left).max(0.5))>{s.clone()}</span>
            }
        })
        .collect_view();
    let marks: Vec<Mark> = i
        .changes
        .iter()
        .map(|c| Mark {
            kind: c.kind.marker(),
            time: c.time,
            summary: c.kind.summary(),
            messages: c.messages.clone(),
            request: c.request.map(|r| (r, c.request_name.clone().unwrap_or_default(), c.client.clone().unwrap_or_default())),
        })
        .collect();
    let created = i.created_by.map(|id| {
        let name = snapshot.with_untracked(|s| s.causes.iter().find(|c| c.0 == id && c.3).map(|c| c.1.clone())).unwrap_or_default();
        view! {
            <span class="ix-created" data-testid="created-by" data-message=id.to_string()>
                " created by "
                <button class="link" on:click=move |_| on_select.run(id)>{move || store.number_label(id)}</button>
                {format!(" {name}")}
            </span>
        }
    });
    let parties = i.parties.join(", ");
    let recording = i.recording.clone();
    let blocked = i.markdone_blocked.clone();
    let policy_view = {
        let i = i.clone();
        move || {
            options.get().map(|o| {
                let rows: Vec<KeyPolicy> = key_policies(&i, &o).into_iter().filter(|k| k.read_denied.is_some() || k.write_denied.is_some()).collect();
                (!rows.is_empty()).then(|| view! {
                    <ul class="ix-policy" data-testid="key-policy-list">
                        {rows.into_iter().map(|k| view! {
                            <li data-testid="key-policy" data-key=k.key.clone()
                                data-read=if k.read_denied.is_some() { "denied" } else { "allowed" }
                                data-write=if k.write_denied.is_some() { "denied" } else { "allowed" }
                                data-written=(!k.written_by.is_empty()).to_string()>
                                <code>{k.key.clone()}</code>": "
                                {k.read_denied.clone().map(|r| view! { <span class="ix-deny">"hidden from clients — "{r}</span> })}
                                {(k.read_denied.is_some() && k.write_denied.is_some()).then_some("; ")}
                                {k.write_denied.clone().map(|w| view! { <span class="ix-deny">"clients cannot change it — "{w}</span> })}
                                {k.written_by.iter().map(|(id, origin)| {
                                    let id = *id;
                                    view! { " (written by " <button class="link" on:click=move |_| on_select.run(id)>{move || store.number_label(id)}</button>{format!(" from {origin})")} }
                                }).collect_view()}
                            </li>
                        }).collect_view()}
                    </ul>
                })
            })
        }
    };
    let (state_attr, recording_attr, blocked_attr) = (state.clone(), recording.clone(), blocked.is_some().to_string());
    let created_attr = i.created_by.map(|id| id.to_string());
    view! {
        <div class="ix-lane" data-testid="interaction" data-interaction-id=i.id.clone() data-media=i.media.clone() data-state=state_attr
            data-recording=recording_attr data-markdone-blocked=blocked_attr
            data-created-by=created_attr>
            <div class="ix-head">
                <b>{format!("{} {}", i.media, i.id)}</b>
                " " <span class="muted">{parties}</span>
                " " <span class="ix-state">{state}</span>
                {recording.filter(|r| r != "STOPPED").map(|r| view! { " " <span class="ix-rec">{format!("● {r}")}</span> })}
                {blocked.map(|w| view! { " " <span class="ix-blocked" data-testid="markdone-blocked">{format!("mark-done blocked: {w}")}</span> })}
                {created}
            </div>
            <div class="ix-track">
                {segments}
                {marks.into_iter().map(|m| marker_view(lane.clone(), m)).collect_view()}
            </div>
            {policy_view}
        </div>
    }
}

/// Requests and what they caused, both ways.
#[component]
fn Causes(store: Store, snapshot: Memo<Snapshot>, on_select: Callback<u64>) -> impl IntoView {
    move || {
        let causes = snapshot.with(|s| s.causes.clone());
        (!causes.is_empty()).then(|| view! {
            <h4>"Caused"</h4>
            <ul class="ix-causes" data-testid="causes">
                {causes.into_iter().map(|(id, name, interaction, created)| view! {
                    <li data-testid="cause" data-message=id.to_string() data-interaction-id=interaction.clone() data-created=created.to_string()>
                        <button class="link" on:click=move |_| on_select.run(id)>{move || store.number_label(id)}</button>
                        {format!(" {name} {} interaction {interaction}", if created { "created" } else { "changed" })}
                    </li>
                }).collect_view()}
            </ul>
        })
    }
}
