//! Traces in the panel: export the capture as HAR 1.2 or JSON Lines (with
//! redaction previewed before saving), and open a trace file — by picker or
//! drag-and-drop — as a read-only capture with every view of the live one.
//! The formats, redaction and import errors are the core's (`har`, `redact`).

use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wwe_core::har;
use wwe_core::redact::{self, Rules};

use crate::model::Store;

/// The redaction rules a new export starts with: JWTs and the replies of
/// `auth.getJwtToken`, as the core's defaults.
fn default_rules_text() -> String {
    Rules::default().to_string()
}

/// The export dialog: format, redaction rules, a preview of what will be
/// redacted, and the file.
#[component]
pub fn ExportDialog(store: Store, open: RwSignal<bool>) -> impl IntoView {
    let format = RwSignal::new("har");
    let rules_text = RwSignal::new(default_rules_text());
    let rules = Memo::new(move |_| Rules::parse(&rules_text.get()).map_err(|e| e.to_string()));
    let preview = Memo::new(move |_| {
        let Ok(rules) = rules.get() else { return Vec::new() };
        store.read(|session| redact::preview(session, &rules))
    });
    let link = RwSignal::new(None::<(String, String)>);
    let too_large = RwSignal::new(None::<String>);

    let save = move |_| {
        let Ok(rules) = rules.get_untracked() else { return };
        let (format, name, mime) = match format.get_untracked() {
            "jsonl" => (har::Format::JsonLines, "wwe-trace.jsonl", "application/x-ndjson"),
            _ => (har::Format::Har, "wwe-trace.har", "application/json"),
        };
        // The core copies nothing when no rule matches and keeps the live
        // session's clock, so pending requests are saved as pending; what
        // earlier exports of an opened trace redacted stays on record.
        let history = store.redaction_history();
        let text = store.read_untracked_session(|session| export_text(session, &rules, format, &history));
        // Nothing is saved that the panel could not open again.
        match parts(&text, format, har::MAX_TRACE_BYTES) {
            Ok(parts) => {
                too_large.set(None);
                let named = part_names(name, parts.len());
                let mut last = None;
                for (part, name) in parts.iter().zip(&named) {
                    last = download(part, name, mime).map(|url| (url, name.clone()));
                }
                link.set(last);
            }
            Err(why) => {
                link.set(None);
                too_large.set(Some(why));
            }
        }
    };

    view! {
        <section class="settings export" data-testid="export-dialog">
            <div class="setting">
                <span>"Format"</span>
                <span>
                    <label class="check"><input type="radio" name="format" data-testid="export-har" prop:checked=move || format.get() == "har" on:change=move |_| format.set("har")/>"HAR 1.2"</label>
                    " "
                    <label class="check"><input type="radio" name="format" data-testid="export-jsonl" prop:checked=move || format.get() == "jsonl" on:change=move |_| format.set("jsonl")/>"JSON Lines (raw records)"</label>
                </span>
            </div>
            <label class="setting">
                <span>"Redact"</span>
                <textarea
                    rows="4"
                    spellcheck="false"
                    data-testid="redaction-rules"
                    title="One rule per line: jwt, jwt-reply, key:<userData key>, pattern:phone, pattern:email, regex:<expression>"
                    prop:value=move || rules_text.get()
                    on:input=move |ev| rules_text.set(event_target_value(&ev))
                ></textarea>
            </label>
            {move || rules.get().err().map(|e| view! { <div class="problem" data-testid="redaction-error">{e}</div> })}
            <div class="setting">
                <span>"Preview"</span>
                <div class="redaction-preview">
                    <div class="muted" data-testid="redaction-count">
                        {move || format!("{} value(s) will be redacted", preview.with(Vec::len))}
                    </div>
                    <ul>
                        {move || preview.get().into_iter().take(50).map(|hit| { let rule = hit.rule.clone(); view! {
                            <li data-testid="redaction-hit" data-rule=rule data-message=hit.message.to_string()>
                                <code>{hit.rule}</code> " #" {hit.message} " " <code>{hit.pointer}</code> " " <span class="muted">{hit.found}</span>
                            </li>
                        }}).collect_view()}
                    </ul>
                </div>
            </div>
            <div class="setting">
                <span></span>
                <span>
                    <button class="tool primary" data-testid="export-save" on:click=save prop:disabled=move || rules.with(Result::is_err)>"Save"</button>
                    " "
                    <button class="tool" on:click=move |_| open.set(false)>"Close"</button>
                    " "
                    {move || link.get().map(|(url, name)| view! {
                        <a data-testid="export-link" href=url download=name.clone()>{format!("saved as {name}")}</a>
                    })}
                    {move || too_large.get().map(|why| view! { <div class="problem" data-testid="export-too-large">{why}</div> })}
                </span>
            </div>
        </section>
    }
}

/// Starts a download of `text` and returns the object URL (kept alive so
/// the link stays usable).
fn download(text: &str, name: &str, mime: &str) -> Option<String> {
    let parts = js_sys::Array::of1(&wasm_bindgen::JsValue::from_str(text));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options).ok()?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).ok()?;
    let anchor: web_sys::HtmlAnchorElement = document().create_element("a").ok()?.dyn_into().ok()?;
    anchor.set_href(&url);
    anchor.set_download(name);
    anchor.click();
    Some(url)
}

/// Reads a trace file and loads it into the store as a read-only capture;
/// an unreadable file leaves the store as it was and says why.
pub fn open_file(store: Store, file: web_sys::File) {
    let name = file.name();
    leptos::task::spawn_local(async move {
        let text = match wasm_bindgen_futures::JsFuture::from(file.text()).await {
            Ok(value) => value.as_string().unwrap_or_default(),
            Err(_) => {
                store.trace_error.set(Some(format!("{name}: the browser could not read the file.")));
                return;
            }
        };
        match read_trace(&name, &text) {
            Ok((trace, note)) => {
                // The toolbar shows the trace's name; the console stays quiet.
                store.load_trace(name.clone(), trace.records, trace.redactions);
                store.trace_error.set(None);
                store.trace_note.set(note);
            }
            Err(error) => store.trace_error.set(Some(error)),
        }
    });
}

/// Lines that are not records listed one by one in the note, at most.
const LISTED_LINES: usize = 3;

/// Reads a trace file as `wwe-trace` does: JSON Lines lines that are not
/// records are skipped, and the note says how many and which (a file with
/// no record at all is refused); at most [`har::MAX_TRACE_BYTES`].
fn read_trace(name: &str, text: &str) -> Result<(har::Trace, Option<String>), String> {
    let options = har::ImportOptions { strict: false, max_bytes: Some(har::MAX_TRACE_BYTES) };
    let trace = har::import_with(text, &options).map_err(|e| format!("{name}: {e}"))?;
    let note = (!trace.skipped.is_empty()).then(|| {
        let n = trace.skipped.len();
        let lines = if n == 1 { "1 line that is not a record".to_owned() } else { format!("{n} lines that are not records") };
        let listed: Vec<String> = trace.skipped.iter().take(LISTED_LINES).map(ToString::to_string).collect();
        let more = if n > LISTED_LINES { format!("; and {} more", n - LISTED_LINES) } else { String::new() };
        format!("{name}: skipped {lines}: {}{more}", listed.join("; "))
    });
    Ok((trace, note))
}

/// The export's text: the session redacted by `rules`, with `history` (what
/// earlier exports redacted) and what these rules remove in its record.
fn export_text(session: &wwe_core::session::Session, rules: &Rules, format: har::Format, history: &[redact::Summary]) -> String {
    har::export_with(session, rules, format, true, history).text
}

/// The export in files the panel opens again (each at most `limit`
/// bytes): JSON Lines split between records, a HAR whole or refused, with
/// what to do instead (a HAR cannot be cut: each file must be a whole log).
fn parts(text: &str, format: har::Format, limit: usize) -> Result<Vec<&str>, String> {
    if text.len() <= limit {
        return Ok(vec![text]);
    }
    let mib = |n: usize| n.div_ceil(1 << 20);
    if format == har::Format::Har {
        return Err(format!(
            "Not saved: this HAR would be {} MiB, more than the {} MiB the panel opens again. Save it as JSON Lines, which is split into files the panel opens, or open it with wwe-trace, which reads any size.",
            mib(text.len()),
            limit >> 20
        ));
    }
    let mut out = Vec::new();
    let mut rest = text;
    while rest.len() > limit {
        // The last line end within the limit; a record longer than the
        // limit alone cannot be split.
        // (Bytes: a line end is always a character boundary.)
        let Some(cut) = rest.as_bytes()[..limit].iter().rposition(|&b| b == b'\n').map(|i| i + 1) else {
            return Err(format!("Not saved: one record is more than the {} MiB the panel opens.", limit >> 20));
        };
        out.push(&rest[..cut]);
        rest = &rest[cut..];
    }
    if !rest.is_empty() {
        out.push(rest);
    }
    Ok(out)
}

/// `wwe-trace.jsonl`, or `wwe-trace-1-of-3.jsonl` … when it is split.
fn part_names(name: &str, count: usize) -> Vec<String> {
    if count <= 1 {
        return vec![name.to_owned()];
    }
    let (stem, ext) = name.rsplit_once('.').unwrap_or((name, ""));
    (1..=count).map(|i| format!("{stem}-{i}-of-{count}.{ext}")).collect()
}

/// The first file of an `<input type=file>` change or a drop.
pub fn first_file(files: Option<web_sys::FileList>) -> Option<web_sys::File> {
    files.and_then(|list| list.get(0))
}

/// While the view lives, a trace file dropped anywhere on the panel is
/// opened (and the browser does not navigate to it).
pub fn open_dropped_files(store: Store) {
    let drag_over = window_event_listener(leptos::ev::dragover, move |ev| ev.prevent_default());
    let drop = window_event_listener(leptos::ev::drop, move |ev| {
        ev.prevent_default();
        if let Some(file) = first_file(ev.data_transfer().and_then(|d| d.files())) {
            open_file(store, file);
        }
    });
    on_cleanup(move || {
        drag_over.remove();
        drop.remove();
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use wwe_core::record::Record;

    fn records() -> Vec<Record> {
        let at = |id: u64, data: serde_json::Value| Record { id, tab_id: 1, time: 1_000.0 + id as f64, data, ..Record::default() };
        vec![
            at(1, json!({"request": "voice.dial", "parameters": ["5001"], "referenceId": "0", "userAgent": "WWE Client", "protocolVersion": 2})),
            at(2, json!({"referenceId": "0", "data": {"token": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl"}, "userAgent": "WWE"})),
        ]
    }

    #[test]
    fn a_trace_with_lines_that_are_not_records_opens_and_says_so() {
        // As wwe-trace reads it: the records are shown, the bad lines
        // counted and named, never silently dropped.
        let text = format!("{}not json\n{{\"traceEvents\": []}}\n", har::to_jsonl(&records()));
        let (trace, note) = read_trace("t.jsonl", &text).unwrap();
        assert_eq!(trace.records.len(), 2);
        let note = note.unwrap();
        assert!(note.starts_with("t.jsonl: skipped 2 lines that are not records: line 3"), "{note}");
        assert!(note.contains("line 4"), "{note}");
        // A file with no record at all is still refused, naming the file.
        assert!(read_trace("x.jsonl", "not json\n").unwrap_err().starts_with("x.jsonl: "));
    }

    /// Nothing is saved that the panel would refuse to open again: JSON
    /// Lines is split between records into files each within the limit,
    /// each a trace of its own; a HAR over it is refused, saying what to do.
    #[test]
    fn an_export_over_the_limit_is_split_or_refused_before_it_is_saved() {
        let session = har::session_of(records(), None);
        let jsonl = export_text(&session, &Rules::none(), har::Format::JsonLines, &[]);
        let limit = jsonl.len() / 2 + 10;
        let split = parts(&jsonl, har::Format::JsonLines, limit).unwrap();
        assert_eq!(split.len(), 2);
        assert!(split.iter().all(|p| p.len() <= limit && p.ends_with('\n')));
        assert_eq!(split.concat(), jsonl);
        let read: usize = split.iter().enumerate().map(|(i, p)| read_trace(&format!("p{i}.jsonl"), p).unwrap().0.records.len()).sum();
        assert_eq!(read, 2, "every part opens, and together they hold every record");
        assert_eq!(part_names("wwe-trace.jsonl", 2), ["wwe-trace-1-of-2.jsonl", "wwe-trace-2-of-2.jsonl"]);

        let har_text = export_text(&session, &Rules::none(), har::Format::Har, &[]);
        let why = parts(&har_text, har::Format::Har, har_text.len() - 1).unwrap_err();
        assert!(why.starts_with("Not saved") && why.contains("JSON Lines"), "{why}");
        assert_eq!(parts(&har_text, har::Format::Har, har_text.len()).unwrap(), [har_text.as_str()]);
        assert!(parts(&jsonl, har::Format::JsonLines, 10).unwrap_err().contains("one record"));
    }

    #[test]
    fn exporting_an_opened_trace_again_keeps_its_redaction_history() {
        let session = har::session_of(records(), None);
        let first = export_text(&session, &Rules::parse("jwt").unwrap(), har::Format::Har, &[]);
        let (trace, note) = read_trace("t.har", &first).unwrap();
        assert_eq!(note, None);
        assert_eq!(trace.redactions.len(), 1, "{first}");
        let again = export_text(&har::session_of(trace.records, None), &Rules::none(), har::Format::Har, &trace.redactions);
        let (back, _) = read_trace("t2.har", &again).unwrap();
        assert_eq!(back.redactions, trace.redactions);
    }
}
