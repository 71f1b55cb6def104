//! The "Show undelivered messages" switch (issue 19, Chromium only). A post
//! whose `targetOrigin` does not match its recipient is dropped by the
//! browser without a word to either page; when sender and recipient share a
//! renderer process (same site), Chromium reports it to a debugger as a
//! `Log.entryAdded` security warning. With the switch on for the inspected
//! tab's site, this panel attaches `chrome.debugger` to the tab and to
//! every frame target in it (auto-attach, Log enabled on each session) and
//! passes each such warning to the background, with the reporting
//! session's resource tree; the engine makes it a record. Off, detached;
//! the background detaches it when this panel goes away.
//! Cross-site posts reach no debugger event (ARCHITECTURE.md, "Undelivered
//! posts").

use std::cell::Cell;
use std::rc::Rc;

use leptos::prelude::*;
use serde_json::json;
use wwe_core::wire::{origin_of, PanelToBackground};

use crate::bridge::{self, TabId};
use crate::live::{self, LivePort};
use crate::settings::Settings;

/// Where the debugger stands for this panel's tab.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attachment {
    /// The browser has no extension debugger (Firefox).
    Unavailable,
    Off,
    Attaching,
    On,
    /// Attaching failed, or the browser detached it: the reason, in words.
    Failed(String),
}

impl Attachment {
    /// The `data-state` the switch shows.
    pub fn word(&self) -> &'static str {
        match self {
            Attachment::Unavailable => "unavailable",
            Attachment::Off => "off",
            Attachment::Attaching => "attaching",
            Attachment::On => "on",
            Attachment::Failed(_) => "failed",
        }
    }
}

/// The switch's state for the view: the inspected tab's site (`None`
/// until known) and the debugger's attachment.
#[derive(Clone, Copy)]
pub struct Switch {
    pub site: RwSignal<Option<String>>,
    pub attachment: RwSignal<Attachment>,
}

/// The protocol's auto-attach, for the tab and each frame target in it:
/// frames in other processes (and theirs) become sessions of their own.
fn auto_attach() -> wasm_bindgen::JsValue {
    bridge::from_json(&json!({"autoAttach": true, "waitForDebuggerOnStart": false, "flatten": true}))
}

/// Attaches or detaches the debugger as the settings and the tab's site
/// say, and passes the warnings it reports to the background.
pub fn keep(tab: Option<TabId>, settings: RwSignal<Settings>, loaded: RwSignal<bool>, port: LivePort) -> Switch {
    let switch = Switch { site: RwSignal::new(None), attachment: RwSignal::new(Attachment::Off) };
    let Some(tab) = tab else { return switch };
    if !bridge::debugger_available() {
        switch.attachment.set(Attachment::Unavailable);
        return switch;
    }
    let site = switch.site;
    let attachment = switch.attachment;
    leptos::task::spawn_local(async move {
        if let Some(url) = bridge::tab_url(tab).await {
            site.set(Some(origin_of(&url)).filter(|o| !o.is_empty()));
        }
    });
    bridge::on_tab_url(tab, move |url| site.set(Some(origin_of(&url)).filter(|o| !o.is_empty())));

    // Whether this panel holds the attachment (another panel may).
    let ours = Rc::new(Cell::new(false));
    let tell = move |attached: bool| {
        port.with_value(|p| {
            for p in p.iter() {
                let message = PanelToBackground::Debugger { tab_id: i64::from(tab.0), attached };
                bridge::post_standing(p, message, |m| matches!(m, PanelToBackground::Debugger { .. }));
            }
        })
    };
    let listening = ours.clone();
    bridge::on_debugger(
        tab,
        move |session, method, params| {
            if listening.get() {
                on_event(tab, port, session, &method, params);
            }
        },
        {
            let ours = ours.clone();
            move |reason| {
                if ours.replace(false) {
                    tell(false);
                    attachment.set(match reason.as_str() {
                        "canceled_by_user" => Attachment::Failed("detached: the browser's debugging bar was cancelled".into()),
                        "target_closed" => Attachment::Off,
                        other => Attachment::Failed(format!("detached by the browser ({other})")),
                    });
                }
            }
        },
    );

    let wanted = Memo::new(move |_| {
        loaded.get() && site.with(|s| s.as_ref().is_some_and(|s| settings.with(|set| set.undelivered_sites.contains(s))))
    });
    Effect::new(move |_| {
        let want = wanted.get();
        let ours = ours.clone();
        leptos::task::spawn_local(async move {
            if want && !ours.get() {
                attachment.set(Attachment::Attaching);
                match attach(tab).await {
                    // Switched off while attaching: detached at once.
                    Ok(()) if !wanted.get_untracked() => {
                        let _ = bridge::debugger_detach(tab).await;
                        attachment.set(Attachment::Off);
                    }
                    Ok(()) => {
                        ours.set(true);
                        tell(true);
                        attachment.set(Attachment::On);
                    }
                    Err(why) => attachment.set(Attachment::Failed(why)),
                }
            } else if !want && ours.replace(false) {
                let _ = bridge::debugger_detach(tab).await;
                tell(false);
                attachment.set(Attachment::Off);
            } else if !want {
                attachment.set(Attachment::Off);
            }
        });
    });
    switch
}

/// Attaches to the tab and turns on what reports refused posts.
async fn attach(tab: TabId) -> Result<(), String> {
    bridge::debugger_attach(tab).await.map_err(|why| format!("the debugger could not attach: {why}"))?;
    let enabled = bridge::debugger_command(tab, None, "Log.enable", bridge::from_json(&json!({}))).await;
    let children = bridge::debugger_command(tab, None, "Target.setAutoAttach", auto_attach()).await;
    if let Err(why) = enabled.and(children) {
        let _ = bridge::debugger_detach(tab).await;
        return Err(format!("the debugger attached but refused a command: {why}"));
    }
    Ok(())
}

/// One protocol event of the tab: a new frame target gets the Log (and
/// auto-attach for its own children); a refused post's warning goes to the
/// background with the resource tree of the session that reported it.
fn on_event(tab: TabId, port: LivePort, session: Option<String>, method: &str, params: wasm_bindgen::JsValue) {
    let params = bridge::to_json(&params);
    match method {
        "Target.attachedToTarget" => {
            let Some(child) = params["sessionId"].as_str().map(str::to_owned) else { return };
            leptos::task::spawn_local(async move {
                let _ = bridge::debugger_command(tab, Some(&child), "Log.enable", bridge::from_json(&json!({}))).await;
                let _ = bridge::debugger_command(tab, Some(&child), "Target.setAutoAttach", auto_attach()).await;
            });
        }
        "Log.entryAdded" => {
            let entry = params["entry"].clone();
            let text = entry["text"].as_str().unwrap_or("");
            if entry["source"] != "security" || !text.contains("postMessage") {
                return;
            }
            leptos::task::spawn_local(async move {
                let tree = bridge::debugger_command(tab, session.as_deref(), "Page.getResourceTree", bridge::from_json(&json!({}))).await;
                let tree = tree.map(|t| bridge::to_json(&t)).unwrap_or_default();
                live::post(port, &PanelToBackground::DebuggerLog { tab_id: i64::from(tab.0), entry, tree });
            });
        }
        _ => {}
    }
}

/// Turns the switch on or off for `site` in the settings.
pub fn set_for_site(settings: RwSignal<Settings>, site: &str, on: bool) {
    settings.update(|s| {
        s.undelivered_sites.retain(|x| x != site);
        if on {
            s.undelivered_sites.push(site.to_owned());
        }
    });
}

/// The switch in the toolbar: off by default, remembered per site.
#[component]
pub fn UndeliveredSwitch(switch: Switch, settings: RwSignal<Settings>) -> impl IntoView {
    let Switch { site, attachment } = switch;
    let checked = move || site.with(|s| s.as_ref().is_some_and(|s| settings.with(|set| set.undelivered_sites.contains(s))));
    let title = move || match attachment.get() {
        Attachment::Unavailable => "Firefox gives extensions no debugger, so posts it refused to deliver cannot be shown; client frames WWE never heard from are flagged as silent instead.".to_owned(),
        Attachment::Failed(why) => format!("Show undelivered messages — attaches the browser's debugger to this tab. {why}"),
        _ => "Show undelivered messages — attaches the browser's debugger to this tab (remembered for this site). \
              Posts the browser refused because their targetOrigin did not match the recipient are listed as undelivered; \
              Chromium reports them only between frames of the same site."
            .to_owned(),
    };
    view! {
        <label class="check" title=title data-testid="undelivered-switch" data-state=move || attachment.with(Attachment::word)>
            <input
                type="checkbox"
                data-testid="undelivered-toggle"
                prop:checked=checked
                prop:disabled=move || attachment.get() == Attachment::Unavailable || site.with(Option::is_none)
                on:change=move |ev| {
                    if let Some(site) = site.get_untracked() {
                        set_for_site(settings, &site, event_target_checked(&ev));
                    }
                }
            />
            "Undelivered"
            {move || matches!(attachment.get(), Attachment::Failed(_)).then(|| view! { <span class="warn" data-testid="undelivered-failed">" ⚠"</span> })}
        </label>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_switch_is_remembered_per_site() {
        let owner = Owner::new();
        owner.with(|| {
            let settings = RwSignal::new(Settings::default());
            set_for_site(settings, "http://127.0.0.1:8470", true);
            set_for_site(settings, "http://localhost:9000", true);
            set_for_site(settings, "http://127.0.0.1:8470", true);
            assert_eq!(settings.get_untracked().undelivered_sites, ["http://localhost:9000", "http://127.0.0.1:8470"]);
            set_for_site(settings, "http://localhost:9000", false);
            assert_eq!(settings.get_untracked().undelivered_sites, ["http://127.0.0.1:8470"]);
        });
    }
}
