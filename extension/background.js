// Runs in: the background (Chromium service worker, Firefox event page), as
// an ES module. The browser's side of the capture engine (`engine/`, Rust in
// wasm), which makes every decision: this file registers the listeners
// synchronously at the top level (MV3 wakes the worker only for those),
// feeds each event to the engine, and carries out the effects it returns
// (storage, ports, tab messages, timers, frame queries, sends into frames).
// It cannot be Rust: the listeners must exist before the wasm is
// instantiated, and `sendInFrame` is serialized into the page.
// ARCHITECTURE.md, "The capture path", says how the parts fit.
import init, { Engine } from "./wwe_engine.js";

const api = globalThis.browser ?? globalThis.chrome;
// The contract's names (src/wire.rs; src/tests/contract.rs checks them).
const PANEL_PORT = "wwe-panel";
const SETTINGS_KEY = "wwe.settings";
const ALWAYS_RECORD_KEY = "wwe.alwaysRecord";
// In storage.session, which a browser restart clears: its absence tells the
// engine that the records it stored belong to tabs that no longer exist.
const SESSION_KEY = "wwe.browserSession";
// Identifies this background instance (changes on every worker restart).
const BOOT = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;

let engine = null;
let nextTicket = 0;
let nextPort = 0;
/** Ticket -> sendResponse of a runtime message the engine will answer. */
const answers = new Map();
/** Port id -> a panel's port. */
const ports = new Map();
// Writes run one after another, in the order the engine asked for them.
let writes = Promise.resolve();

const ready = (async () => {
  await init();
  engine = new Engine();
  const [stored, marker] = await Promise.all([api.storage.local.get(null), api.storage.session.get(SESSION_KEY)]);
  const fresh = !marker?.[SESSION_KEY];
  if (fresh) await api.storage.session.set({ [SESSION_KEY]: BOOT });
  feed({ on: "boot", boot: BOOT, extensionUrl: api.runtime.getURL(""), build: api.runtime.getManifest().version, fresh, stored });
})();

/** One input to the engine, and its effects carried out in order. */
function feed(input) {
  let effects = [];
  try { effects = JSON.parse(engine.handle(JSON.stringify(input))); } catch (error) { noteError(error); }
  for (const effect of effects) {
    try { perform(effect); } catch (error) { noteError(error); }
  }
}

/** Feeds an input once the engine is ready (events may come before). */
const later = (input) => { ready.then(() => feed(input)); };

function noteError(error) {
  try { engine?.handle(JSON.stringify({ on: "error", message: String(error?.stack ?? error) })); } catch (_) { /* the engine itself failed */ }
}

function perform(e) {
  switch (e.do) {
    case "answer":
      answers.get(e.ticket)?.(e.value);
      answers.delete(e.ticket);
      break;
    case "post": // the panel may have gone away
      try { ports.get(e.port)?.postMessage(e.message); } catch (_) { ports.delete(e.port); }
      break;
    case "disconnect":
      ports.get(e.port)?.disconnect();
      ports.delete(e.port);
      break;
    case "tell":
      // The tab may be gone, or have no relay yet: nothing to do.
      Promise.resolve().then(() => api.tabs.sendMessage(e.tab, e.message)).catch(() => {});
      break;
    case "frames":
      Promise.resolve().then(() => api.webNavigation.getAllFrames({ tabId: e.tab })).catch(() => []).then((all) => {
        feed({ on: "frames", tab: e.tab, ticket: e.ticket, frames: (all ?? []).map((f) => [f.frameId, f.parentFrameId, String(f.url ?? "")]) });
      });
      break;
    case "wait":
      setTimeout(() => feed({ on: "timer", ticket: e.ticket }), e.ms);
      break;
    case "write": // set, then remove, after every earlier write
      writes = writes.then(() => Object.keys(e.set).length > 0 && api.storage.local.set(e.set))
        .then(() => e.remove.length > 0 && api.storage.local.remove(e.remove))
        .then(() => true, () => false)
        .then((ok) => { if (e.ticket !== null) feed({ on: ok ? "stored" : "refused", ticket: e.ticket }); });
      break;
    case "hook":
      setHook(e.on);
      break;
    case "detach": // Chromium's debugger, attached by a panel now gone (it may be detached already)
      Promise.resolve().then(() => api.debugger?.detach({ tabId: e.tab })).catch(() => {});
      break;
    case "execute":
      api.scripting.executeScript({ target: { tabId: e.tab, frameIds: [e.frame] }, world: "MAIN", func: sendInFrame, args: [e.spec] }).then(
        (results) => feed({ on: "executed", port: e.port, id: e.id, result: results?.[0]?.result ?? null }),
        (error) => feed({ on: "executed", port: e.port, id: e.id, error: String(error?.message ?? error) }),
      );
      break;
    default: // engine/tests/background_js.rs keeps these cases and io.rs in step
      noteError(`unknown effect ${JSON.stringify(e.do)}`);
  }
}

// ---- listeners (registered synchronously; each waits for the engine) ----

api.runtime.onMessage.addListener((message, sender, sendResponse) => {
  const ticket = ++nextTicket;
  answers.set(ticket, sendResponse);
  const from = { tab: sender.tab?.id ?? null, frame: sender.frameId ?? null, url: String(sender.url ?? ""), tabUrl: sender.tab?.url ?? null };
  ready.then(async () => {
    const hookRegistered = message?.type === "stats" ? await hookIsRegistered() : false;
    feed({ on: "message", ticket, sender: from, message, hookRegistered });
  });
  return true;
});

api.runtime.onConnect.addListener((port) => {
  if (port.name !== PANEL_PORT) return;
  const id = ++nextPort;
  ports.set(id, port);
  later({ on: "connect", port: id, url: String(port.sender?.url ?? "") });
  port.onMessage.addListener((message) => later({ on: "port-message", port: id, message }));
  port.onDisconnect.addListener(() => { ports.delete(id); later({ on: "disconnect", port: id }); });
});

api.webNavigation.onCommitted.addListener((d) => {
  later({ on: "committed", tab: d.tabId, frame: d.frameId, parent: d.parentFrameId ?? null, url: String(d.url) });
});
api.webNavigation.onCreatedNavigationTarget.addListener((d) => {
  later({ on: "opened", tab: d.tabId, openerTab: d.sourceTabId, openerFrame: d.sourceFrameId });
});
api.tabs.onRemoved.addListener((tab) => later({ on: "tab-removed", tab }));

api.storage.onChanged.addListener((changes, area) => {
  if (area !== "local") return;
  if (SETTINGS_KEY in changes) later({ on: "settings", settings: changes[SETTINGS_KEY].newValue ?? null });
  if (ALWAYS_RECORD_KEY in changes) {
    ready.then(async () => {
      const tabs = (await api.tabs.query({})).filter((t) => typeof t.id === "number").map((t) => [t.id, String(t.url ?? "")]);
      feed({ on: "always-record", alwaysRecord: changes[ALWAYS_RECORD_KEY].newValue ?? [], tabs });
    });
  }
});

// ---- the send-side hook (off by default) ----
//
// hook.js runs in the page's own world, where no wrapper of postMessage is
// invisible (ARCHITECTURE.md, "Invisible capture"). So it is not in the
// manifest: the engine asks for it (`hook`) only while the panel's settings
// turn it on, and it applies to documents loaded after that.
const HOOK_ID = "wwe-send-side-hook";
let hookWanted = null;
// Waits to look again while the registration is not as wished (a busy Firefox left a call without error or effect for over 0.5 s).
const HOOK_RETRY_MS = [100, 200, 400, 800, 1600, 3200, 5000, 5000, 5000, 5000, 5000];

/** Registers or unregisters the hook; the latest wish wins. */
async function setHook(on, tries = 0) {
  hookWanted = on;
  try {
    if (hookWanted === on && (await hookIsRegistered()) !== on) {
      if (!on) await api.scripting.unregisterContentScripts({ ids: [HOOK_ID] });
      else await api.scripting.registerContentScripts([{ id: HOOK_ID, js: ["hook.js"], matches: ["<all_urls>"],
        runAt: "document_start", allFrames: true, matchOriginAsFallback: true, world: "MAIN", persistAcrossSessions: false }]);
    }
  } catch (error) { // overlapping calls may register twice: the browser refuses the second
    if (!/duplicate|does not exist|nonexistent/i.test(String(error?.message ?? error))) noteError(error);
  }
  // A wish that changed meanwhile, or a call that left no trace, is carried
  // out later; after about 30 s the failure is among the background's errors.
  if ((await hookIsRegistered()) === hookWanted) return;
  if (tries < HOOK_RETRY_MS.length) setTimeout(() => setHook(hookWanted, tries + 1), HOOK_RETRY_MS[tries]);
  else noteError(`the send-side hook is still ${hookWanted ? "not registered" : "registered"} after ${tries + 1} tries`);
}

/** Whether the hook is registered now, as the browser reports it. */
async function hookIsRegistered() {
  try {
    return (await api.scripting.getRegisteredContentScripts({ ids: [HOOK_ID] })).length > 0;
  } catch (error) { noteError(error); return false; } // shown in stats: "not registered" may be this
}

// Runs in the page's MAIN world of the chosen frame (serialized by
// scripting.executeScript; it must not use anything from this file). Posts
// each message to the route's window, or with mode "dispatch" fires a
// synthetic `message` event with a spoofed origin on this window. With a
// probe, waits and reports a fingerprint of the page's text before and
// after, so the panel can tell whether the page reacted.
async function sendInFrame(spec) {
  const fingerprint = () => {
    const text = document.body ? document.body.innerText : "";
    let hash = 0;
    for (let i = 0; i < text.length; i++) hash = (Math.imul(hash, 31) + text.charCodeAt(i)) | 0;
    return `${text.length}:${hash}`;
  };
  // Resolved again for each message: frames may change between copies.
  const target = () => spec.path.reduce((win, i) => win?.frames[i], spec.base === "self" ? window : spec.base === "top" ? window.top : window.opener?.top);
  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
  const before = fingerprint();
  let posted = 0;
  try {
    for (let i = 0; i < spec.messages.length; i++) {
      if (i > 0 && spec.intervalMs > 0) await sleep(spec.intervalMs);
      const data = JSON.parse(spec.messages[i]);
      if (spec.mode === "dispatch") {
        window.dispatchEvent(new MessageEvent("message", { data, origin: spec.spoofOrigin, source: null }));
      } else {
        const win = target();
        if (!win) return { posted, error: `no window at ${spec.base} [${spec.path.join(", ")}] from ${location.origin}` };
        win.postMessage(data, spec.targetOrigin);
      }
      posted++;
    }
    if (spec.probeMs > 0) await sleep(spec.probeMs);
    return spec.probeMs > 0 ? { posted, probe: { before, after: fingerprint() } } : { posted };
  } catch (error) {
    return { posted, error: String(error && error.message || error) };
  }
}
