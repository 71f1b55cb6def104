//! The panel's top-level components: the capture view for one tab, or a
//! tab picker when the page was opened without `?tabId=`.

use leptos::prelude::*;

use crate::bridge::{self, TabId};
use crate::feed::{self, FromBackground};
use crate::store::{clock, Row};

/// The whole panel.
#[component]
pub fn App() -> impl IntoView {
    if bridge::dark_theme() {
        if let Some(body) = document().body() {
            let _ = body.class_list().add_1("theme-dark");
        }
    }
    match bridge::tab_id() {
        Some(tab) => view! { <Capture tab=tab/> }.into_any(),
        None => view! { <TabPicker/> }.into_any(),
    }
}

/// Live capture of one tab: toolbar and message table.
#[component]
fn Capture(tab: TabId) -> impl IntoView {
    let rows = RwSignal::new(Vec::<Row>::new());
    let dropped = RwSignal::new(0u64);
    let problem = RwSignal::new(None::<String>);

    let port = bridge::connect(
        tab,
        move |message| match feed::parse(&message) {
            Ok(FromBackground::Hello { protocol }) => {
                if protocol != bridge::protocol_version() {
                    problem.set(Some(format!(
                        "The extension's background speaks protocol {protocol}, this panel {}; reload the extension and DevTools.",
                        bridge::protocol_version()
                    )));
                }
            }
            Ok(FromBackground::Backlog { records, dropped: total }) => {
                let backlog: Vec<Row> = records.into_iter().map(|r| Row::from_record(r.into_record())).collect();
                rows.set(backlog);
                dropped.set(total);
            }
            Ok(FromBackground::Records { records }) => {
                rows.update(|all| all.extend(records.into_iter().map(|r| Row::from_record(r.into_record()))));
            }
            Ok(FromBackground::Dropped { total }) => dropped.set(total),
            Ok(FromBackground::Error { message }) => problem.set(Some(message)),
            Err(message) => problem.set(Some(message)),
        },
        move || problem.set(Some("Lost the connection to the extension; reload the panel.".into())),
    );
    let port = StoredValue::new_local(port);
    let clear = move |_| {
        port.with_value(|p| p.post(clear_message()));
        rows.set(Vec::new());
    };

    view! {
        <header class="toolbar">
            <button class="tool" title="Clear" on:click=clear data-testid="clear">"⊘ Clear"</button>
            <span class="spacer"></span>
            <span class="count">
                <span data-testid="count-total">{move || rows.with(Vec::len)}</span>
                " messages"
            </span>
            <span
                class="count dropped"
                class:none=move || dropped.get() == 0
                title="Records the extension could not keep (buffer full or lost in transit)"
            >
                <span data-testid="count-dropped">{move || dropped.get()}</span>
                " dropped"
            </span>
        </header>
        {move || problem.get().map(|text| view! { <div class="problem" role="alert">{text}</div> })}
        <MessageTable rows=rows/>
    }
}

fn clear_message() -> wasm_bindgen::JsValue {
    let object = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&object, &"type".into(), &"clear".into());
    object.into()
}

/// The list of captured messages.
#[component]
fn MessageTable(rows: RwSignal<Vec<Row>>) -> impl IntoView {
    view! {
        <table class="messages">
            <thead>
                <tr>
                    <th class="time">"Time"</th>
                    <th class="dir">"Dir"</th>
                    <th class="origin">"From"</th>
                    <th class="origin">"To"</th>
                    <th class="summary">"Message"</th>
                    <th class="size">"Size"</th>
                </tr>
            </thead>
            <tbody>
                <For each=move || rows.get() key=|row| row.id let:row>
                    <MessageRow row=row/>
                </For>
            </tbody>
        </table>
        {move || rows.with(Vec::is_empty).then(|| view! {
            <p class="empty">"No messages yet. Traffic appears here as the page posts messages."</p>
        })}
    }
}

/// One captured message.
#[component]
fn MessageRow(row: Row) -> impl IntoView {
    let arrow = match row.direction {
        "to-service" => "→ service",
        "to-client" => "→ client",
        _ => "·",
    };
    // The view macro builds children before attributes: give each its own copy.
    let (sender, receiver, marker) = (row.sender_origin.clone(), row.receiver_origin.clone(), row.marker.clone());
    view! {
        <tr
            data-testid="message"
            data-id=row.id.to_string()
            data-direction=row.direction
            data-kind=row.kind
            data-origin=sender
            data-receiver-origin=receiver
            data-marker=marker
            class=format!("kind-{}", row.kind)
        >
            <td class="time">{clock(row.time)}</td>
            <td class="dir">{arrow}</td>
            <td class="origin">{row.sender_origin}</td>
            <td class="origin">{row.receiver_origin}</td>
            <td class="summary">
                {row.marker.map(|m| view! { <span class="marker">{m}</span> " " })}
                {row.summary}
            </td>
            <td class="size">{row.size}</td>
        </tr>
    }
}

/// Shown at `panel.html` without `?tabId=`: pick the tab to watch.
#[component]
fn TabPicker() -> impl IntoView {
    let tabs = LocalResource::new(bridge::tabs);
    view! {
        <h1 class="picker-title">"WWE API — choose a tab to watch"</h1>
        <ul class="tabs">
            <Suspense fallback=|| view! { <li>"Loading tabs…"</li> }>
                {move || tabs.get().map(|list| list.into_iter().map(|tab| view! {
                    <li data-testid="tab" data-tab-id=tab.id.to_string()>
                        <a href=format!("panel.html?tabId={}", tab.id)>{tab.title}</a>
                        " "
                        <span class="url">{tab.url}</span>
                    </li>
                }).collect_view())}
            </Suspense>
        </ul>
    }
}
