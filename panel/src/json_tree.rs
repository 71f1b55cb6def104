//! A collapsible JSON tree with "copy value" and "copy path" on every node.

use leptos::prelude::*;
use serde_json::Value;

use crate::bridge;

/// Nodes deeper than this start folded, so a deep message opens readable.
const OPEN_DEPTH: usize = 2;

/// The whole tree for one value.
#[component]
pub fn JsonTree(value: Value, #[prop(into)] root: String) -> impl IntoView {
    view! { <ul class="json-tree" data-testid="json-tree">{node(None, value, root, 0)}</ul> }
}

fn node(key: Option<String>, value: Value, path: String, depth: usize) -> AnyView {
    let open = RwSignal::new(depth < OPEN_DEPTH);
    let label = key.map(|k| view! { <span class="json-key">{k}</span> ": " });
    let copy_value = {
        let text = serde_json::to_string_pretty(&value).unwrap_or_default();
        move |_| bridge::copy_text(&text)
    };
    let copy_path = {
        let path = path.clone();
        move |_| bridge::copy_text(&path)
    };
    let actions = view! {
        <span class="json-actions">
            <button title="Copy value" on:click=copy_value>"copy"</button>
            <button title=format!("Copy path: {path}") on:click=copy_path>"path"</button>
        </span>
    };
    match value {
        Value::Object(map) if !map.is_empty() => {
            let count = map.len();
            let children: Vec<(String, Value)> = map.into_iter().collect();
            let path_for = path.clone();
            view! {
                <li class="json-node" data-path=path.clone()>
                    <button class="twisty" on:click=move |_| open.update(|o| *o = !*o)>{move || if open.get() { "▾" } else { "▸" }}</button>
                    {label}
                    <span class="json-brace">{move || if open.get() { "{".to_string() } else { format!("{{…}} {count} keys") }}</span>
                    {actions}
                    <Show when=move || open.get()>
                        <ul>
                            {children.clone().into_iter().map(|(k, v)| {
                                let child = object_path(&path_for, &k);
                                node(Some(k), v, child, depth + 1)
                            }).collect_view()}
                        </ul>
                        <span class="json-brace">"}"</span>
                    </Show>
                </li>
            }
            .into_any()
        }
        Value::Array(items) if !items.is_empty() => {
            let count = items.len();
            let path_for = path.clone();
            view! {
                <li class="json-node" data-path=path.clone()>
                    <button class="twisty" on:click=move |_| open.update(|o| *o = !*o)>{move || if open.get() { "▾" } else { "▸" }}</button>
                    {label}
                    <span class="json-brace">{move || if open.get() { "[".to_string() } else { format!("[…] {count} items") }}</span>
                    {actions}
                    <Show when=move || open.get()>
                        <ul>
                            {items.clone().into_iter().enumerate().map(|(i, v)| {
                                node(Some(i.to_string()), v, format!("{path_for}[{i}]"), depth + 1)
                            }).collect_view()}
                        </ul>
                        <span class="json-brace">"]"</span>
                    </Show>
                </li>
            }
            .into_any()
        }
        leaf => {
            let class = match &leaf {
                Value::String(_) => "json-string",
                Value::Number(_) => "json-number",
                Value::Bool(_) => "json-bool",
                _ => "json-null",
            };
            view! {
                <li class="json-node leaf" data-path=path>
                    <span class="twisty-space"></span>
                    {label}
                    <span class=class>{leaf.to_string()}</span>
                    {actions}
                </li>
            }
            .into_any()
        }
    }
}

/// `a.b` for identifier keys, `a["b c"]` otherwise: a path you can paste
/// into the console.
fn object_path(parent: &str, key: &str) -> String {
    let identifier = key.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == '$')
        && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$');
    if identifier {
        format!("{parent}.{key}")
    } else {
        format!("{parent}[{}]", Value::String(key.to_string()))
    }
}
