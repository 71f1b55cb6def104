// Runs in: the background (Chromium service worker, Firefox event page).
// Keeps a bounded buffer of records per tab and streams backlog + live
// records to each panel connected for that tab. No protocol knowledge here:
// decoding is the core's job, in the panel.
"use strict";
if (typeof globalThis.WWE_PROTOCOL === "undefined" && typeof importScripts === "function") {
  importScripts("protocol.js");
}
const api = globalThis.browser ?? globalThis.chrome;
const PROTOCOL = globalThis.WWE_PROTOCOL;
// Per-tab capacity; older records are dropped first and counted.
const TAB_CAPACITY = 200000;

/** tabId -> { records: [], start: number, nextId: number, dropped: number } */
const tabs = new Map();
/** tabId -> Set<Port> of panels watching it */
const panels = new Map();

function tabState(tabId) {
  let state = tabs.get(tabId);
  if (!state) {
    state = { records: [], nextId: 0, dropped: 0, preserve: false };
    tabs.set(tabId, state);
  }
  return state;
}

function broadcast(tabId, message) {
  const ports = panels.get(tabId);
  if (!ports) return;
  for (const port of ports) {
    try { port.postMessage(message); } catch (_) { ports.delete(port); }
  }
}

function addDropped(tabId, state, count) {
  if (count <= 0) return;
  state.dropped += count;
  broadcast(tabId, { type: "dropped", total: state.dropped });
}

function onRelayBatch(message, sender) {
  const tabId = sender.tab?.id;
  if (typeof tabId !== "number" || !Array.isArray(message.records)) return;
  const state = tabState(tabId);
  const frameId = typeof sender.frameId === "number" ? sender.frameId : -1;
  const frameUrl = String(sender.url ?? message.frameUrl ?? "");
  const frameOrigin = String(message.frameOrigin ?? "");
  const out = [];
  for (const r of message.records) {
    out.push({
      id: state.nextId++,
      seq: Number(r.seq) || 0,
      tabId,
      frameId,
      frameUrl,
      frameOrigin,
      sourceOrigin: String(r.sourceOrigin ?? ""),
      sourceFrameId: null,
      time: Number(r.time) || 0,
      json: typeof r.json === "string" ? r.json : "null",
      marker: typeof r.marker === "string" ? r.marker : null,
      size: Number(r.size) || 0,
    });
  }
  state.records.push(...out);
  const excess = state.records.length - TAB_CAPACITY;
  if (excess > 0) {
    state.records.splice(0, excess);
    addDropped(tabId, state, excess);
  }
  addDropped(tabId, state, Number(message.lost) || 0);
  broadcast(tabId, { type: "records", records: out });
}

api.runtime.onMessage.addListener((message, sender) => {
  if (message && message.type === "relay-batch") onRelayBatch(message, sender);
  // No reply: returning nothing closes the channel at once.
});

function onPanelMessage(port, message, watched) {
  switch (message?.type) {
    case "hello":
      if (message.protocol !== PROTOCOL.version) {
        port.postMessage({ type: "error", message: `protocol mismatch: panel speaks ${message.protocol}, background ${PROTOCOL.version}; reload the extension` });
      }
      break;
    case "subscribe": {
      const tabId = Number(message.tabId);
      if (!Number.isInteger(tabId)) {
        port.postMessage({ type: "error", message: `subscribe needs an integer tabId, got ${JSON.stringify(message.tabId)}` });
        return;
      }
      watched.add(tabId);
      if (!panels.has(tabId)) panels.set(tabId, new Set());
      panels.get(tabId).add(port);
      const state = tabState(tabId);
      port.postMessage({ type: "backlog", tabId, records: state.records, dropped: state.dropped });
      break;
    }
    case "preserve":
      for (const tabId of watched) tabState(tabId).preserve = message.on === true;
      break;
    case "clear":
      for (const tabId of watched) {
        const state = tabState(tabId);
        state.records = [];
      }
      break;
    case "ping":
      break;
    default:
      port.postMessage({ type: "error", message: `unknown message type ${JSON.stringify(message?.type)}` });
  }
}

api.runtime.onConnect.addListener((port) => {
  if (port.name !== PROTOCOL.panelPort) return;
  // Only the extension's own pages may watch a tab; a content script's port
  // carries the page's URL and is refused.
  if (!String(port.sender?.url ?? "").startsWith(api.runtime.getURL(""))) {
    port.disconnect();
    return;
  }
  const watched = new Set();
  port.postMessage({ type: "hello", protocol: PROTOCOL.version, build: api.runtime.getManifest().version });
  port.onMessage.addListener((message) => onPanelMessage(port, message, watched));
  port.onDisconnect.addListener(() => {
    for (const tabId of watched) panels.get(tabId)?.delete(port);
  });
});

// A top-level navigation starts a new log unless the user preserves it.
api.webNavigation.onCommitted.addListener((details) => {
  if (details.frameId !== 0) return;
  const state = tabs.get(details.tabId);
  if (!state || state.preserve) return;
  state.records = [];
  broadcast(details.tabId, { type: "navigated" });
});

// A closed tab's records go with it.
api.tabs.onRemoved.addListener((tabId) => {
  tabs.delete(tabId);
});
