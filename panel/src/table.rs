//! The message list: a virtualized grid (only the rows in view exist in
//! the DOM, so 100,000 messages scroll like 100), one component per row.

use leptos::html::Div;
use leptos::prelude::*;
use wwe_core::decode::Message;

use crate::model::{ListItem, Store};
use crate::clock::clock;

/// Height of one row in CSS pixels; `panel.css` uses the same number.
pub const ROW_HEIGHT: f64 = 21.0;
/// Rows rendered above and below the viewport, so fast scrolling never
/// shows a blank band.
const OVERSCAN: usize = 12;

/// What a click on a cell asks for.
#[derive(Debug, Clone, PartialEq)]
pub enum CellAction {
    /// Select this message.
    Select(u64),
    /// Add a filter term (Alt+click on a cell).
    Filter(String),
    /// Expand or fold an exchange's raw messages (grouped view).
    Toggle(u64),
}

/// The list of messages that pass the filter.
#[component]
pub fn MessageList(
    store: Store,
    items: Memo<Vec<ListItem>>,
    selected: RwSignal<Option<u64>>,
    #[prop(into)] grouped: Signal<bool>,
    on_action: Callback<CellAction>,
) -> impl IntoView {
    let scroll_top = RwSignal::new(0.0_f64);
    let viewport = RwSignal::new(600.0_f64);
    let container = NodeRef::<Div>::new();

    // Measure the viewport once mounted and whenever the window resizes.
    let measure = move || {
        if let Some(el) = container.get_untracked() {
            viewport.set(f64::from(el.client_height().max(1)));
        }
    };
    Effect::new(move |_| {
        if container.get().is_some() {
            measure();
        }
    });
    let resize = window_event_listener(leptos::ev::resize, move |_| measure());
    on_cleanup(move || resize.remove());

    // Keep the selected row in view when the keyboard moves it.
    Effect::new(move |_| {
        let Some(id) = selected.get() else { return };
        let Some(position) = items.with_untracked(|list| list.iter().position(|item| item.id == id && !item.nested)) else {
            return;
        };
        let Some(el) = container.get_untracked() else { return };
        let top = position as f64 * ROW_HEIGHT;
        let view_top = f64::from(el.scroll_top());
        let height = f64::from(el.client_height());
        if top < view_top {
            el.set_scroll_top(top as i32);
        } else if top + ROW_HEIGHT > view_top + height {
            el.set_scroll_top((top + ROW_HEIGHT - height) as i32);
        }
    });

    let range = Memo::new(move |_| {
        let count = items.with(Vec::len);
        let first = (scroll_top.get() / ROW_HEIGHT).floor().max(0.0) as usize;
        let shown = (viewport.get() / ROW_HEIGHT).ceil() as usize + 1;
        (first.saturating_sub(OVERSCAN).min(count), (first + shown + OVERSCAN).min(count))
    });
    // Rows are slots in the window, keyed by position, not by message:
    // scrolling gives each slot another message to show (text updates)
    // instead of creating and dropping rows, which is what keeps scrolling
    // at display rate.
    let slots = move || {
        let (start, end) = range.get();
        (0..end - start).collect::<Vec<usize>>()
    };

    view! {
        <div class="grid-head" role="row">
            <span class="c-time">"Time"</span>
            <span class="c-kind" title="Kind">""</span>
            <span class="c-name">"Name"</span>
            <span class="c-status">"Status"</span>
            <span class="c-latency">"Latency"</span>
            <span class="c-from">"From"</span>
            <span class="c-to">"To"</span>
            <span class="c-size">"Size"</span>
            <span class="c-summary">"Message"</span>
        </div>
        <div
            class="grid-body"
            node_ref=container
            role="grid"
            on:scroll=move |_| {
                if let Some(el) = container.get_untracked() {
                    scroll_top.set(f64::from(el.scroll_top()));
                }
            }
        >
            <div class="grid-spacer" style:height=move || format!("{}px", items.with(Vec::len) as f64 * ROW_HEIGHT)>
                <div class="grid-window" style:transform=move || format!("translateY({}px)", range.get().0 as f64 * ROW_HEIGHT)>
                    <For each=slots key=|slot| *slot let:slot>
                        <MessageRow
                            store=store
                            item=Signal::derive(move || items.with(|list| list.get(range.get().0 + slot).copied()))
                            selected=selected
                            grouped=grouped
                            on_action=on_action
                        />
                    </For>
                </div>
            </div>
        </div>
    }
}

/// Everything a row shows, read from the session once per change.
#[derive(Clone, PartialEq)]
struct RowView {
    id: u64,
    time: f64,
    direction: &'static str,
    kind: &'static str,
    name: String,
    status: &'static str,
    latency: Option<f64>,
    sender: String,
    receiver: String,
    receiver_url: String,
    size: u64,
    summary: String,
    marker: Option<String>,
    /// Made by page script (not delivered): the origin it claims, if any.
    page_made: Option<String>,
    exchange_request: Option<u64>,
    is_exchange_head: bool,
}

fn row_view(store: &Store, id: u64) -> Option<RowView> {
    store.read_with_cache(|session, cache| {
        let captured = session.message(id)?;
        let exchange = captured.exchange.map(|i| &session.exchanges()[i]);
        let message = &captured.decoded.message;
        let name = match exchange {
            Some(e) if message.is_reply() => e.name.to_string(),
            _ => cache.row(id).map(|r| r.name.clone()).unwrap_or_default(),
        };
        Some(RowView {
            id,
            time: captured.record.time,
            direction: message.direction().as_str(),
            kind: message.kind_str(),
            name,
            status: exchange.map_or("", |e| e.state.as_str()),
            latency: exchange.and_then(|e| e.latency_ms),
            sender: captured.record.source_origin.clone(),
            receiver: captured.record.frame_origin.clone(),
            receiver_url: captured.record.frame_url.clone(),
            size: captured.record.size,
            summary: summary(message, &captured.record.data, cache.row(id).map_or("", |r| r.json.as_str())),
            marker: captured.record.marker.clone(),
            page_made: captured.record.dispatched_by_page.then(|| captured.record.claimed_origin.clone().unwrap_or_default()),
            exchange_request: exchange.map(|e| e.request),
            is_exchange_head: exchange.is_some_and(|e| e.request == id),
        })
    })
}

/// The decoder's one-line description of a WWE message; for anything else,
/// the start of the raw JSON, or, when it holds values JSON cannot (tagged
/// by the capture), the core's rendering of them (`NaN`, `Map(1) {…}`).
fn summary(message: &Message, data: &serde_json::Value, json: &str) -> String {
    const LIMIT: usize = 200;
    let line = match message {
        Message::Foreign | Message::Legacy(_) if wwe_core::tagged::contains_tags(data) => wwe_core::tagged::render_short(data, LIMIT),
        Message::Foreign | Message::Legacy(_) => json.to_string(),
        decoded => decoded.to_string(),
    };
    match line.char_indices().nth(LIMIT) {
        Some((cut, _)) => format!("{}…", &line[..cut]),
        None => line,
    }
}

/// The sender cell's tooltip: the origin, or for a page-made event what it
/// is and the origin it only claims.
fn sender_title(v: &RowView) -> String {
    match &v.page_made {
        Some(claimed) if !claimed.is_empty() => format!("dispatched by page script, not delivered; claims origin {claimed}"),
        Some(_) => "dispatched by page script, not delivered".to_string(),
        None => v.sender.clone(),
    }
}

/// The glyph for a kind, so kinds tell apart at a glance.
fn kind_icon(kind: &str) -> &'static str {
    match kind {
        "request" => "↗",
        "reply" => "↙",
        "error" => "✖",
        "rate-limit" => "⏳",
        "event" => "⚡",
        "subscribe" => "+",
        "unsubscribe" => "−",
        "frame-id" => "#",
        "legacy" => "✉",
        _ => "·",
    }
}

fn host(origin: &str) -> &str {
    origin.split_once("://").map_or(origin, |(_, rest)| rest)
}

/// One row slot: shows whichever message `item` names. Cells re-read the
/// session when it changes, so a pending request turns "ok" in place.
#[component]
fn MessageRow(
    store: Store,
    item: Signal<Option<ListItem>>,
    selected: RwSignal<Option<u64>>,
    grouped: Signal<bool>,
    on_action: Callback<CellAction>,
) -> impl IntoView {
    let id = Memo::new(move |_| item.get().map(|i| i.id));
    let nested = Memo::new(move |_| item.get().is_some_and(|i| i.nested));
    let view_of = Memo::new(move |_| id.get().and_then(|id| row_view(&store, id)));
    let field = move |f: fn(&RowView) -> String| move || view_of.with(|v| v.as_ref().map(f).unwrap_or_default());
    // Alt+click on a cell adds `key:value` to the filter; a plain click selects.
    let cell_click = move |term: fn(&RowView) -> Option<String>| {
        move |ev: leptos::ev::MouseEvent| {
            if ev.alt_key() {
                if let Some(t) = view_of.with_untracked(|v| v.as_ref().and_then(term)) {
                    on_action.run(CellAction::Filter(t));
                    ev.stop_propagation();
                }
            }
        }
    };
    let toggle = move |ev: leptos::ev::MouseEvent| {
        ev.stop_propagation();
        if let Some(id) = id.get_untracked() {
            on_action.run(CellAction::Toggle(id));
        }
    };
    view! {
        <div
            class="grid-row"
            class:nested=move || nested.get()
            class:selected=move || selected.get().is_some() && selected.get() == id.get()
            role="row"
            data-testid="message"
            data-id=move || id.get().map(|id| id.to_string())
            data-direction=field(|v| v.direction.to_string())
            data-kind=field(|v| v.kind.to_string())
            data-name=field(|v| v.name.clone())
            data-status=field(|v| v.status.to_string())
            data-origin=field(|v| v.sender.clone())
            data-receiver-origin=field(|v| v.receiver.clone())
            data-marker=move || view_of.with(|v| v.as_ref().and_then(|v| v.marker.clone()))
            data-page-made=move || view_of.with(|v| v.as_ref().and_then(|v| v.page_made.as_ref().map(|_| "true")))
            data-exchange=move || view_of.with(|v| v.as_ref().and_then(|v| v.exchange_request.map(|r| r.to_string())))
            on:click=move |_| {
                if let Some(id) = id.get_untracked() {
                    on_action.run(CellAction::Select(id));
                }
            }
        >
            <span class="c-time">{field(|v| clock(v.time))}</span>
            <span
                class=move || format!("c-kind kind-{}", view_of.with(|v| v.as_ref().map_or("", |v| v.kind)))
                title=field(|v| format!("{} ({})", v.kind, v.direction))
                on:click=cell_click(|v| Some(format!("kind:{}", v.kind)))
            >
                {field(|v| kind_icon(v.kind).to_string())}
            </span>
            <span class="c-name" title=field(|v| v.name.clone()) on:click=cell_click(|v| (!v.name.is_empty()).then(|| format!("name:{}", v.name.replace(' ', "*"))))>
                {move || (grouped.get() && view_of.with(|v| v.as_ref().is_some_and(|v| v.is_exchange_head))).then(|| view! {
                    <button class="twisty" title="Show the raw messages" on:click=toggle>"▸"</button>
                })}
                {move || nested.get().then_some("↳ ")}
                {field(|v| v.name.clone())}
            </span>
            <span
                class=move || format!("c-status status-{}", view_of.with(|v| v.as_ref().map_or("", |v| v.status)))
                on:click=cell_click(|v| (!v.status.is_empty()).then(|| format!("status:{}", v.status)))
            >
                {field(|v| v.status.to_string())}
            </span>
            <span class="c-latency" on:click=cell_click(|v| v.latency.map(|l| format!("latency>={}", l.floor())))>
                {field(|v| v.latency.map(|l| format!("{l:.1} ms")).unwrap_or_default())}
            </span>
            <span class="c-from" title=field(sender_title) on:click=cell_click(|v| Some(format!("origin:{}", v.sender)))>
                {field(|v| if v.page_made.is_some() { "page-made".to_string() } else { host(&v.sender).to_string() })}
            </span>
            <span class="c-to" title=field(|v| v.receiver_url.clone()) on:click=cell_click(|v| Some(format!("origin:{}", v.receiver)))>
                {field(|v| host(&v.receiver).to_string())}
            </span>
            <span class="c-size" on:click=cell_click(|v| Some(format!("size>={}", v.size)))>{field(|v| v.size.to_string())}</span>
            <span class="c-summary">
                {move || view_of.with(|v| v.as_ref().and_then(|v| v.marker.clone())).map(|m| view! { <span class="marker">{m}</span> " " })}
                {field(|v| v.summary.clone())}
            </span>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// A foreign message holding values JSON cannot shows them rendered,
    /// never as raw tags; plain JSON shows as it was sent.
    #[test]
    fn the_summary_renders_tagged_values() {
        let data = json!({"n": {"$wwe": "number", "value": "NaN"}, "big": {"$wwe": "bigint", "value": "12"}});
        assert_eq!(summary(&Message::Foreign, &data, &data.to_string()), r#"{"big": 12n, "n": NaN}"#);
        let plain = json!({"a": 1});
        assert_eq!(summary(&Message::Foreign, &plain, r#"{"a":1}"#), r#"{"a":1}"#);
    }
}
