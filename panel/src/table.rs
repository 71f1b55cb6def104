//! The message list: a virtualized grid (only the rows in view exist in
//! the DOM, so 100,000 messages scroll like 100), one component per row.

use leptos::html::Div;
use leptos::prelude::*;
use wwe_core::decode::Message;

use crate::clock::clock;
use crate::columns::{Column, ColumnPrefs, COLUMNS};
use crate::model::{ListItem, Store};
use crate::row_menu::{MenuAt, RowMenu};
use crate::settings::Settings;

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
    settings: RwSignal<Settings>,
) -> impl IntoView {
    let columns = Memo::new(move |_| settings.with(|s| s.columns.clone()));
    let row_menu = RwSignal::new(None::<MenuAt>);
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
        <div class=move || format!("grid {}", columns.with(ColumnPrefs::hidden_classes)) style:--cols=move || columns.with(ColumnPrefs::template)>
        <GridHead settings=settings columns=columns/>
        <RowMenu store=store at=row_menu on_action=on_action/>
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
                            row_menu=row_menu
                        />
                    </For>
                </div>
            </div>
        </div>
        </div>
    }
}

/// The header: click a column to sort by it (again: the other way, a
/// third time: time order), drag its right edge to resize it, right-click
/// to hide or show columns.
#[component]
fn GridHead(settings: RwSignal<Settings>, columns: Memo<ColumnPrefs>) -> impl IntoView {
    let menu = RwSignal::new(None::<(i32, i32)>);
    let update = move |f: &dyn Fn(&mut ColumnPrefs)| settings.update(|s| f(&mut s.columns));
    // A drag in progress: the column, where it started, its width then.
    let drag = StoredValue::new(None::<(Column, f64, f64)>);
    let moving = window_event_listener(leptos::ev::mousemove, move |ev| {
        if let Some((column, x0, w0)) = drag.get_value() {
            update(&|p| p.set_width(column, w0 + f64::from(ev.client_x()) - x0));
        }
    });
    let released = window_event_listener(leptos::ev::mouseup, move |_| drag.set_value(None));
    let clicked_away = window_event_listener(leptos::ev::click, move |_| menu.set(None));
    on_cleanup(move || {
        moving.remove();
        released.remove();
        clicked_away.remove();
    });
    view! {
        <div
            class="grid-head"
            role="row"
            data-testid="grid-head"
            on:contextmenu=move |ev| {
                ev.prevent_default();
                menu.set(Some((ev.client_x(), ev.client_y())));
            }
        >
            {COLUMNS.iter().map(|spec| {
                let column = spec.column;
                let arrow = move || columns.with(|p| match p.sort {
                    Some(s) if s.column == column => if s.descending { "▼" } else { "▲" },
                    _ => "",
                });
                view! {
                    <span
                        class=format!("{} col-head", spec.class)
                        data-testid="column-head"
                        data-column=spec.title.to_ascii_lowercase()
                        data-sort=move || columns.with(|p| p.sort.filter(|s| s.column == column).map(|s| if s.descending { "descending" } else { "ascending" }))
                        title=format!("{}: click to sort, drag the edge to resize, right-click to hide or show columns", spec.title)
                        on:click=move |_| update(&|p| p.toggle_sort(column))
                    >
                        {spec.label}
                        <span class="sort-arrow">{arrow}</span>
                        <span
                            class="col-resize"
                            data-testid="column-resize"
                            on:click=|ev| ev.stop_propagation()
                            on:mousedown=move |ev| {
                                ev.prevent_default();
                                ev.stop_propagation();
                                use wasm_bindgen::JsCast;
                                let cell = event_target::<web_sys::Element>(&ev).parent_element();
                                let width = cell
                                    .and_then(|c| c.dyn_into::<web_sys::HtmlElement>().ok())
                                    .map_or(100.0, |c| f64::from(c.offset_width()));
                                drag.set_value(Some((column, f64::from(ev.client_x()), width)));
                            }
                        ></span>
                    </span>
                }
            }).collect_view()}
        </div>
        {move || menu.get().map(|(x, y)| view! {
            <div class="column-menu" data-testid="column-menu" style=format!("left: {x}px; top: {y}px") on:click=|ev| ev.stop_propagation()>
                {COLUMNS.iter().map(|spec| {
                    let column = spec.column;
                    view! {
                        <label class="column-menu-item">
                            <input
                                type="checkbox"
                                data-testid="column-toggle"
                                data-column=spec.title.to_ascii_lowercase()
                                prop:checked=move || columns.with(|p| p.shows(column))
                                on:change=move |_| update(&|p| p.toggle_hidden(column))
                            />
                            {spec.title}
                        </label>
                    }
                }).collect_view()}
                <button class="tool" data-testid="columns-reset" on:click=move |_| {
                    update(&|p| *p = ColumnPrefs::default());
                    menu.set(None);
                }>"Reset columns"</button>
            </div>
        })}
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
    /// The frames by name, as the sidebar names them; the sender's is its
    /// origin alone when the capture does not know its frame.
    from_name: String,
    to_name: String,
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
        // The tab whose capture this is: a popup's frames are named as such.
        let capture_tab = captured.record.capture_tab_id.unwrap_or(captured.record.tab_id);
        let message = &captured.decoded.message;
        let name = match exchange {
            Some(e) if message.is_reply() => e.name.to_string(),
            _ => cache.row(id).map(|r| r.name.clone()).unwrap_or_default(),
        };
        Some(RowView {
            id,
            time: captured.record.time,
            direction: message.direction().as_str(),
            kind: crate::model::kind_of(captured),
            name,
            status: crate::model::status_word(captured, exchange),
            latency: exchange.and_then(|e| e.latency_ms),
            from_name: match session.sender_frame(captured) {
                Some(f) => crate::frames::frame_name(f, capture_tab),
                None => format!("{} (frame unknown)", host(&captured.record.source_origin)),
            },
            // A refused post reached no frame: the browser names only the
            // recipient window's origin.
            to_name: match &captured.record.undelivered {
                Some(u) => format!("{} (not delivered)", host(&u.recipient_origin)),
                None => session
                    .receiver_frame(captured)
                    .map_or_else(|| host(&captured.record.frame_origin).to_owned(), |f| crate::frames::frame_name(f, capture_tab)),
            },
            sender: captured.record.source_origin.clone(),
            receiver: captured.record.undelivered.as_ref().map_or_else(|| captured.record.frame_origin.clone(), |u| u.recipient_origin.clone()),
            receiver_url: captured.record.frame_url.clone(),
            size: captured.record.size,
            // A refused post: the browser's own words (it gave no message).
            summary: match &captured.record.undelivered {
                Some(u) if captured.record.data.is_null() => u.text.clone(),
                _ => summary(message, &captured.record.data, cache.row(id).map_or("", |r| r.json.as_str())),
            },
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

/// The icon of a kind, so kinds tell apart at a glance: an inline SVG
/// path (12×12 user units, stroked in the kind's colour), never a font
/// glyph, which a stock font set may lack.
fn kind_icon(kind: &str) -> &'static str {
    match kind {
        // An arrow up and right: out to WWE.
        "request" => "M3 9 L9 3 M4.5 3 H9 V7.5",
        // An arrow down and left: back from WWE.
        "reply" => "M9 3 L3 9 M3 4.5 V9 H7.5",
        // A cross.
        "error" => "M3 3 L9 9 M9 3 L3 9",
        // An hourglass.
        "rate-limit" => "M3 2 H9 L3 10 H9 Z",
        // A lightning bolt.
        "event" => "M7 1 L3 7 H6 L5 11 L9 5 H6 Z",
        // Plus and minus.
        "subscribe" => "M6 2 V10 M2 6 H10",
        "unsubscribe" => "M2 6 H10",
        // A hash.
        "frame-id" => "M4.5 2 L3.5 10 M8.5 2 L7.5 10 M2 4.5 H10 M2 7.5 H10",
        // An arrow stopped by a bar: a post the browser refused.
        "undelivered" => "M2 6 H7 M5 4 L7 6 L5 8 M9.5 2.5 V9.5",
        // An envelope.
        "legacy" => "M1.5 3 H10.5 V9 H1.5 Z M1.5 3 L6 6.5 L10.5 3",
        // A dot.
        _ => "M5 6 A1 1 0 1 0 7 6 A1 1 0 1 0 5 6",
    }
}

/// Where a long name is cut: the tail kept whole is its last part (after
/// the last `.`, `/` or `:`) when that is short, else the last word of it
/// (at a lower-to-upper case change or an `_`): `setUserData` of
/// `interaction.setUserData`, `ESTABLISHED` of `interaction/ESTABLISHED`,
/// `Recording` of `voice.pauseCallRecording`. Names that differ at the end
/// then stay apart when the column is narrow (`voice.pauseCall…Recording`).
fn name_parts(name: &str) -> (&str, &str) {
    const SHORT: usize = 12;
    let part = name.rfind(['.', '/', ':']).map_or(0, |i| i + 1);
    if name[part..].chars().count() <= SHORT {
        return name.split_at(part);
    }
    let chars: Vec<(usize, char)> = name[part..].char_indices().map(|(i, c)| (part + i, c)).collect();
    let word = chars
        .windows(2)
        .rev()
        .find(|w| (w[0].1.is_lowercase() && w[1].1.is_uppercase()) || w[0].1 == '_')
        .map_or(part, |w| w[1].0);
    name.split_at(word)
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
    row_menu: RwSignal<Option<MenuAt>>,
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
    // A right-click opens the row's menu, offering the cell's filter term.
    let open_menu = move |ev: &leptos::ev::MouseEvent, filter: Option<String>| {
        ev.prevent_default();
        ev.stop_propagation();
        if let Some(id) = id.get_untracked() {
            row_menu.set(Some(MenuAt { id, filter, x: ev.client_x(), y: ev.client_y() }));
        }
    };
    let cell_menu = move |term: fn(&RowView) -> Option<String>| {
        move |ev: leptos::ev::MouseEvent| open_menu(&ev, view_of.with_untracked(|v| v.as_ref().and_then(term)))
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
            on:contextmenu=move |ev| open_menu(&ev, None)
            data-id=move || id.get().map(|id| id.to_string())
            data-direction=field(|v| v.direction.to_string())
            data-kind=field(|v| v.kind.to_string())
            data-name=field(|v| v.name.clone())
            data-status=field(|v| v.status.to_string())
            data-origin=field(|v| v.sender.clone())
            data-receiver-origin=field(|v| v.receiver.clone())
            data-from=field(|v| v.from_name.clone())
            data-to=field(|v| v.to_name.clone())
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
                on:click=cell_click(|v| Some(format!("kind:{}", v.kind))) on:contextmenu=cell_menu(|v| Some(format!("kind:{}", v.kind)))
            >
                <svg class="kind-icon" viewBox="0 0 12 12" width="12" height="12" aria-hidden="true">
                    <path d=field(|v| kind_icon(v.kind).to_string())/>
                </svg>
            </span>
            <span class="c-name" title=field(|v| v.name.clone()) on:click=cell_click(|v| (!v.name.is_empty()).then(|| format!("name:{}", v.name.replace(' ', "*")))) on:contextmenu=cell_menu(|v| (!v.name.is_empty()).then(|| format!("name:{}", v.name.replace(' ', "*"))))>
                {move || (grouped.get() && view_of.with(|v| v.as_ref().is_some_and(|v| v.is_exchange_head))).then(|| view! {
                    <button class="twisty" title="Show the raw messages" on:click=toggle>"▸"</button>
                })}
                {move || nested.get().then_some("↳ ")}
                <span class="mid" data-testid="name-text">
                    <span class="mid-head">{field(|v| name_parts(&v.name).0.to_owned())}</span>
                    <span class="mid-tail">{field(|v| name_parts(&v.name).1.to_owned())}</span>
                </span>
            </span>
            <span
                class=move || format!("c-status status-{}", view_of.with(|v| v.as_ref().map_or("", |v| v.status)))
                on:click=cell_click(|v| (!v.status.is_empty()).then(|| format!("status:{}", v.status))) on:contextmenu=cell_menu(|v| (!v.status.is_empty()).then(|| format!("status:{}", v.status)))
            >
                {field(|v| v.status.to_string())}
            </span>
            <span class="c-latency" on:click=cell_click(|v| v.latency.map(|l| format!("latency>={}", l.floor()))) on:contextmenu=cell_menu(|v| v.latency.map(|l| format!("latency>={}", l.floor())))>
                {field(|v| v.latency.map(|l| format!("{l:.1} ms")).unwrap_or_default())}
            </span>
            <span
                class="c-from"
                title=field(|v| if v.page_made.is_some() { sender_title(v) } else { format!("{} ({})", v.from_name, v.sender) })
                data-testid="from"
                on:click=cell_click(|v| Some(format!("origin:{}", v.sender))) on:contextmenu=cell_menu(|v| Some(format!("origin:{}", v.sender)))
            >
                {field(|v| if v.page_made.is_some() { "page-made".to_string() } else { v.from_name.clone() })}
            </span>
            <span class="c-to" title=field(|v| format!("{} ({})", v.to_name, v.receiver_url)) data-testid="to" on:click=cell_click(|v| Some(format!("origin:{}", v.receiver))) on:contextmenu=cell_menu(|v| Some(format!("origin:{}", v.receiver)))>
                {field(|v| v.to_name.clone())}
            </span>
            <span class="c-size" on:click=cell_click(|v| Some(format!("size>={}", v.size))) on:contextmenu=cell_menu(|v| Some(format!("size>={}", v.size)))>{field(|v| v.size.to_string())}</span>
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

    #[test]
    fn long_names_keep_their_last_word_whole() {
        assert_eq!(name_parts("voice.pauseCallRecording"), ("voice.pauseCall", "Recording"));
        assert_eq!(name_parts("voice.pauseRecording"), ("voice.pause", "Recording"));
        assert_eq!(name_parts("interaction.setUserData"), ("interaction.", "setUserData"));
        assert_eq!(name_parts("interaction/ESTABLISHED"), ("interaction/", "ESTABLISHED"));
        assert_eq!(name_parts("interaction/ATTACHED_DATA_CHANGED"), ("interaction/ATTACHED_DATA_", "CHANGED"));
        assert_eq!(name_parts("agent.get"), ("agent.", "get"));
        assert_eq!(name_parts("messenger:team"), ("messenger:", "team"));
        assert_eq!(name_parts("subscribe interaction"), ("", "subscribe interaction"), "a short name is not cut");
        assert_eq!(name_parts(""), ("", ""));
        assert_eq!(name_parts("Ünïcode.straßeÜberLängeÄ"), ("Ünïcode.straßeÜberLänge", "Ä"));
    }

    #[test]
    fn every_kind_has_a_drawn_icon() {
        for kind in ["request", "reply", "error", "rate-limit", "event", "subscribe", "unsubscribe", "frame-id", "legacy", "undelivered", "foreign"] {
            let path = kind_icon(kind);
            assert!(path.starts_with('M') && path.is_ascii(), "{kind}: {path}");
        }
    }
}
