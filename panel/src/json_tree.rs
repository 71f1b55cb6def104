//! A collapsible JSON tree with "copy value" and "copy path" on every node.
//! Values JSON cannot hold (tagged by the capture) show as one line from
//! the core's renderer (`wwe_core::tagged`): `NaN`, `12n`,
//! `Map(2) {"a" => 1, …}`, `Blob(image/png, 12 KB)`; a page object with a
//! `$wwe` key of its own shows as the object it was; a message nested
//! deeper than the capture keeps inline opens level by level.

use std::sync::Arc;

use leptos::prelude::*;
use serde_json::Value;
use wwe_core::tagged;

use crate::bridge;

/// Nodes deeper than this start folded, so a deep message opens readable.
const OPEN_DEPTH: usize = 2;

/// The whole tree for one value.
#[component]
pub fn JsonTree(value: Value, #[prop(into)] root: String) -> impl IntoView {
    let (value, parts) = {
        let (root, parts) = tagged::unwrap_nested(&value);
        (root.clone(), Arc::<[Value]>::from(parts))
    };
    view! { <ul class="json-tree" data-testid="json-tree">{node(None, value, root, 0, parts)}</ul> }
}

/// How a captured value shows in the tree: a one-line rendering for a
/// tagged value, else the plain JSON to open (a `deep` continuation
/// replaced by its part, a wrapped page object by the object).
#[derive(Debug, PartialEq)]
enum Shown {
    Tagged(String),
    Json(Value),
}

fn shown(value: &Value, parts: &[Value]) -> Shown {
    let value = tagged::resolve(value, parts);
    if let Some(text) = tagged::leaf_text(value, parts) {
        return Shown::Tagged(text);
    }
    match tagged::own_object(value) {
        Some(map) => Shown::Json(Value::Object(map.clone())),
        None => Shown::Json(value.clone()),
    }
}

fn node(key: Option<String>, value: Value, path: String, depth: usize, parts: Arc<[Value]>) -> AnyView {
    let value = match shown(&value, &parts) {
        Shown::Tagged(text) => return tagged_leaf(key, text, path),
        Shown::Json(value) => value,
    };
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
            let parts = parts.clone();
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
                                node(Some(k), v, child, depth + 1, parts.clone())
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
            let parts = parts.clone();
            view! {
                <li class="json-node" data-path=path.clone()>
                    <button class="twisty" on:click=move |_| open.update(|o| *o = !*o)>{move || if open.get() { "▾" } else { "▸" }}</button>
                    {label}
                    <span class="json-brace">{move || if open.get() { "[".to_string() } else { format!("[…] {count} items") }}</span>
                    {actions}
                    <Show when=move || open.get()>
                        <ul>
                            {items.clone().into_iter().enumerate().map(|(i, v)| {
                                node(Some(i.to_string()), v, format!("{path_for}[{i}]"), depth + 1, parts.clone())
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

/// A value JSON cannot hold, as the core renders it; "copy" copies that text.
fn tagged_leaf(key: Option<String>, text: String, path: String) -> AnyView {
    let label = key.map(|k| view! { <span class="json-key">{k}</span> ": " });
    let copy_value = {
        let text = text.clone();
        move |_| bridge::copy_text(&text)
    };
    let copy_path = {
        let path = path.clone();
        move |_| bridge::copy_text(&path)
    };
    view! {
        <li class="json-node leaf" data-path=path.clone()>
            <span class="twisty-space"></span>
            {label}
            <span class="json-tagged" data-testid="json-tagged">{text}</span>
            <span class="json-actions">
                <button title="Copy value" on:click=copy_value>"copy"</button>
                <button title=format!("Copy path: {path}") on:click=copy_path>"path"</button>
            </span>
        </li>
    }
    .into_any()
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Tagged values show rendered, a page's own `$wwe` object as the
    /// object, a `deep` continuation as its part.
    #[test]
    fn tagged_values_show_as_what_they_were() {
        let parts = [json!({"n": 1})];
        assert_eq!(shown(&json!({"$wwe": "number", "value": "NaN"}), &parts), Shown::Tagged("NaN".into()));
        assert_eq!(
            shown(&json!({"$wwe": "blob", "kind": "Blob", "type": "image/png", "size": 12288}), &parts),
            Shown::Tagged("Blob(image/png, 12 KB)".into())
        );
        assert_eq!(shown(&json!({"$wwe": "object", "value": {"$wwe": "number"}}), &parts), Shown::Json(json!({"$wwe": "number"})));
        assert_eq!(shown(&json!({"$wwe": "deep", "part": 0}), &parts), Shown::Json(json!({"n": 1})));
        assert_eq!(shown(&json!({"a": 1}), &parts), Shown::Json(json!({"a": 1})));
    }
}
