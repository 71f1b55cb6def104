//! The WWE options field: the Service Client API options text, saved in the
//! settings and read by the core's options parser, with the parser's error
//! under it. The settings drawer and the policy view each show one; both
//! edit the same text.

use leptos::prelude::*;
use wwe_core::options::{parse_options, Options};

use crate::settings::Settings;

/// The options in `text`: none when it is blank, the parser's error as text
/// when the core refuses it.
pub fn parse(text: &str) -> Result<Option<Options>, String> {
    if text.trim().is_empty() {
        return Ok(None);
    }
    parse_options(text).map(Some).map_err(|error| error.to_string())
}

/// The labelled textarea (`testid` on it) and, while the text does not
/// parse, the error (`data-testid="options-error"`). The text is saved on
/// change; parsing happens where the settings are applied (`app.rs`), which
/// sets `error`.
#[component]
pub fn OptionsField(
    settings: RwSignal<Settings>,
    error: RwSignal<Option<String>>,
    testid: &'static str,
    rows: u32,
    placeholder: &'static str,
) -> impl IntoView {
    view! {
        <label class="setting">
            <span>"WWE options"</span>
            <textarea
                data-testid=testid
                rows=rows
                spellcheck="false"
                placeholder=placeholder
                prop:value=move || settings.with(|s| s.options_text.clone())
                on:change=move |ev| settings.update(|s| s.options_text = event_target_value(&ev))
            ></textarea>
        </label>
        {move || error.get().map(|e| view! { <div class="problem" data-testid="options-error">{e}</div> })}
    }
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn blank_text_is_no_options_and_a_refusal_is_its_message() {
        assert!(matches!(parse(""), Ok(None)));
        assert!(matches!(parse("  \n "), Ok(None)));
        assert!(matches!(parse("service-client-api.accepted-web-content-origins=http://localhost:8480"), Ok(Some(_))));
        let refused = "service-client-api.accepted-web-content-origins = http://a (agent.*";
        let error = wwe_core::options::parse_options(refused).unwrap_err().to_string();
        assert_eq!(parse(refused).unwrap_err(), error);
    }
}
