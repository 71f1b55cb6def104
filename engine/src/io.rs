//! What the background's JavaScript tells the engine ([`Input`]) and what
//! the engine asks it to do ([`Effect`]): the engine's only contact with
//! the browser. Both cross the wasm boundary as JSON, tagged by `on` and
//! `do`; `extension/background.js` writes and reads exactly these shapes
//! (`src/tests/contract.rs` checks it).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use wwe_core::wire::{BackgroundToPanel, BackgroundToRelay};

/// A port's id, given by the JS when a panel connects.
pub type PortId = u32;
/// A question's id: the JS keeps the `sendResponse` (or continuation) it
/// stands for until an [`Effect::Answer`] or a later input names it.
pub type Ticket = u64;

/// Who sent a `runtime` message, as the browser tells the background.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Sender {
    /// `sender.tab.id`; absent for extension pages that are not tabs.
    pub tab: Option<i64>,
    /// `sender.frameId`.
    pub frame: Option<i64>,
    /// `sender.url`: the page's URL for a content script, the extension's
    /// own URL for its pages.
    #[serde(default)]
    pub url: String,
    /// `sender.tab.url`.
    pub tab_url: Option<String>,
}

/// Something that happened in the browser.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(tag = "on", rename_all = "kebab-case")]
pub enum Input {
    /// The worker (re)started: everything the store holds (the engine's
    /// records and counters, the panel's settings, the always-record
    /// list). `fresh` when the browser session is new (the session marker in
    /// `storage.session` was missing): what the store holds then belongs to
    /// tabs that no longer exist and is removed.
    #[serde(rename_all = "camelCase")]
    Boot {
        boot: String,
        extension_url: String,
        /// The extension's version (manifest), for the panels' hello.
        #[serde(default)]
        build: Option<String>,
        fresh: bool,
        #[serde(default)]
        stored: BTreeMap<String, Value>,
    },
    /// A `runtime.onMessage` message; answered by [`Effect::Answer`].
    #[serde(rename_all = "camelCase")]
    Message {
        ticket: Ticket,
        sender: Sender,
        message: Value,
        /// Whether the send-side hook is registered now (read by the JS
        /// only for `stats`).
        #[serde(default)]
        hook_registered: bool,
    },
    /// `webNavigation.getAllFrames` answered: `[frameId, parentFrameId]`.
    #[serde(rename_all = "camelCase")]
    Frames {
        tab: i64,
        ticket: Option<Ticket>,
        /// `[frameId, parentFrameId, url]` of each frame.
        frames: Vec<(i64, i64, String)>,
    },
    /// A [`Effect::Wait`] is over.
    Timer { ticket: Ticket },
    /// A [`Effect::Write`] with a ticket was stored.
    Stored { ticket: Ticket },
    /// A [`Effect::Write`] with a ticket was refused (quota, error).
    Refused { ticket: Ticket },
    /// A port named `wwe-panel` connected, from `url`.
    Connect { port: PortId, url: String },
    /// A message on a panel's port.
    PortMessage { port: PortId, message: Value },
    /// A panel's port closed.
    Disconnect { port: PortId },
    /// An [`Effect::Execute`] finished: the frame's result, or the error.
    Executed {
        port: PortId,
        id: u32,
        #[serde(default)]
        result: Value,
        #[serde(default)]
        error: Option<String>,
    },
    /// `webNavigation.onCommitted`.
    #[serde(rename_all = "camelCase")]
    Committed {
        tab: i64,
        frame: i64,
        parent: Option<i64>,
        url: String,
    },
    /// `webNavigation.onCreatedNavigationTarget`: `tab` was opened by
    /// `opener_frame` of `opener_tab`.
    #[serde(rename_all = "camelCase")]
    Opened {
        tab: i64,
        opener_tab: i64,
        opener_frame: i64,
    },
    /// `tabs.onRemoved`.
    TabRemoved { tab: i64 },
    /// Something failed in the JS (an effect the browser refused in a way
    /// the engine is not told of otherwise): kept for `stats`.
    Error { message: String },
    /// The panel's settings changed (`storage.local` "wwe.settings").
    Settings { settings: Option<String> },
    /// The always-record list changed; `tabs` are the browser's tabs now
    /// (`[id, url]`), whose arming may change with it.
    #[serde(rename_all = "camelCase")]
    AlwaysRecord {
        always_record: Value,
        tabs: Vec<(i64, String)>,
    },
}

/// Something the JS must do for the engine, in the order given.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(tag = "do", rename_all = "kebab-case")]
pub enum Effect {
    /// Answer the `runtime` message of `ticket`.
    Answer { ticket: Ticket, value: Value },
    /// Post on a panel's port.
    Post {
        port: PortId,
        message: BackgroundToPanel,
    },
    /// Close a panel's port (it did not come from the extension's pages).
    Disconnect { port: PortId },
    /// `tabs.sendMessage` to every frame of a tab; failures are ignored
    /// (the tab may be gone).
    Tell {
        tab: i64,
        message: BackgroundToRelay,
    },
    /// Ask `webNavigation.getAllFrames` and report with [`Input::Frames`].
    Frames { tab: i64, ticket: Option<Ticket> },
    /// Report [`Input::Timer`] after `ms`.
    Wait { ms: u32, ticket: Ticket },
    /// Write to the store (`storage.local`), after every earlier write:
    /// `set`, then `remove`. With a ticket, report [`Input::Stored`] or
    /// [`Input::Refused`].
    Write {
        #[serde(default)]
        set: BTreeMap<String, Value>,
        #[serde(default)]
        remove: Vec<String>,
        ticket: Option<Ticket>,
    },
    /// Register the send-side hook (`hook.js`, main world, every frame) or
    /// unregister it, as the panel's settings say.
    Hook { on: bool },
    /// Detach the browser's debugger from the tab (the panel that attached
    /// it went away); nothing to do when it is not attached.
    Detach { tab: i64 },
    /// Run `sendInFrame(spec)` in the frame's main world and report with
    /// [`Input::Executed`].
    Execute {
        port: PortId,
        id: u32,
        tab: i64,
        frame: i64,
        spec: Value,
    },
}
