// Runs in: the background (Chromium service worker, Firefox event page).
// Keeps each armed tab's records (in memory and in `storage.session`, so a
// worker restart loses nothing), the tab's frame index (index path -> frame
// id) and the popups it opened, tells relays when their tab is armed, and
// streams backlog + live records to each panel connected for that tab. No
// protocol knowledge here: decoding is the core's job, in the panel.
"use strict";
if (typeof globalThis.WWE_PROTOCOL === "undefined" && typeof importScripts === "function") {
  importScripts("protocol.js");
}
const api = globalThis.browser ?? globalThis.chrome;
const PROTOCOL = globalThis.WWE_PROTOCOL;
// Per-tab capacity in memory; older records are dropped first and counted.
const TAB_CAPACITY = 200000;
// Bytes (estimated) kept in storage.session over all tabs; Chromium's quota
// is 10 MB. Records beyond it live in memory only and, if the worker
// restarts, are counted as dropped.
const PERSIST_CAP = 9 * 1024 * 1024;
// Relay ids remembered per tab for duplicate and gap detection.
const RELAYS_PER_TAB = 2000;
// How long a batch waits for a sender's relay to report its index path.
const LATE_PATH_WAIT_MS = 500;
// storage.local: the panel's settings and the "always record" list (an
// array of origins, or JSON text of one).
const ALWAYS_RECORD_KEY = "wwe.alwaysRecord";
const S = "wwe.s.";
// Identifies this background instance (changes on every worker restart).
const BOOT = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;

/** Capture tab id -> state (records of the tab and of its popups). */
const tabs = new Map();
/** tabId -> Set<Port> of panels watching it */
const panels = new Map();
/** popup tabId -> { openerTabId, openerFrameId } */
const popups = new Map();
/** tabId -> { paths: Map<"1.0", frameId>, frames: Map<frameId, parentFrameId> } */
const frameIndex = new Map();
/** tabId -> URL of its top frame, for the "always record" list. */
const topUrls = new Map();
let alwaysRecord = [];
let persistedBytes = 0;
let writes = Promise.resolve();
const session = api.storage?.session;

function newState() {
  return {
    records: [], nextId: 0, dropped: 0, preserve: false,
    relays: {}, chunks: [], nextChunk: 0, bytes: 0, volatile: 0,
    pageReportsDropped: 0, pageReportsRejected: 0,
  };
}

function tabState(tabId) {
  let state = tabs.get(tabId);
  if (!state) {
    state = newState();
    tabs.set(tabId, state);
  }
  return state;
}

function framesOf(tabId) {
  let entry = frameIndex.get(tabId);
  if (!entry) {
    entry = { paths: new Map(), frames: new Map() };
    frameIndex.set(tabId, entry);
  }
  return entry;
}

// ---- persistence (storage.session) ----

// A copy of the tab's state without its records, taken now. The write it
// goes into runs later, behind earlier writes; by then other batches may
// have moved a relay's last sequence number or listed a chunk not yet
// stored, and a restart would then take resent records for duplicates.
function metaOf(state) {
  const { records: _r, ...meta } = state;
  return structuredClone(meta);
}

function persistMeta(tabId) {
  const state = tabs.get(tabId);
  if (!session || !state) return writes;
  const entry = frameIndex.get(tabId);
  const value = { [`${S}meta.${tabId}`]: metaOf(state) };
  if (entry) value[`${S}paths.${tabId}`] = [...entry.paths];
  return queueWrite(() => session.set(value));
}

function queueWrite(job) {
  writes = writes.then(job).catch(() => {});
  return writes;
}

function estimate(record) {
  // JSON of the record: the data, the URL and origins, ~200 bytes of keys.
  return record.json.length + record.frameUrl.length + record.frameOrigin.length + record.sourceOrigin.length + 200;
}

// Appends records as one chunk; resolves once they are stored, so that the
// relay is acknowledged only for records that survive a worker restart.
function persistRecords(tabId, state, records) {
  if (!session) return Promise.resolve();
  let bytes = 0;
  for (const r of records) bytes += estimate(r);
  if (persistedBytes + bytes > PERSIST_CAP) {
    state.volatile += records.length;
    return persistMeta(tabId);
  }
  const n = state.nextChunk++;
  const chunk = { n, lastId: records[records.length - 1].id, bytes, count: records.length };
  state.chunks.push(chunk);
  state.bytes += bytes;
  persistedBytes += bytes;
  const value = { [`${S}chunk.${tabId}.${n}`]: records, [`${S}meta.${tabId}`]: metaOf(state) };
  const entry = frameIndex.get(tabId);
  if (entry) value[`${S}paths.${tabId}`] = [...entry.paths];
  // A refused write (over the quota after all) leaves the records in memory
  // only: they count as volatile, so a restart counts them as dropped.
  const unstored = () => {
    forgetChunks(tabId, state, (c) => c !== chunk);
    state.volatile += records.length;
    return session.set({ [`${S}meta.${tabId}`]: metaOf(state) });
  };
  return queueWrite(() => session.set(value).catch(unstored));
}

function forgetChunks(tabId, state, keep) {
  const gone = state.chunks.filter((c) => !keep(c));
  if (gone.length === 0) return;
  state.chunks = state.chunks.filter(keep);
  for (const c of gone) {
    state.bytes -= c.bytes;
    persistedBytes -= c.bytes;
  }
  if (session) queueWrite(() => session.remove(gone.map((c) => `${S}chunk.${tabId}.${c.n}`)));
}

function clearRecords(tabId, state) {
  state.records = [];
  state.volatile = 0;
  forgetChunks(tabId, state, () => false);
  persistMeta(tabId);
}

// Rebuilds everything from storage.session after a worker restart.
async function restore() {
  if (!session) return;
  const all = await session.get(null);
  const chunks = new Map();
  for (const [key, value] of Object.entries(all)) {
    if (!key.startsWith(S)) continue;
    const [kind, tab, n] = key.slice(S.length).split(".");
    const tabId = Number(tab);
    if (kind === "meta") {
      const state = Object.assign(newState(), value, { records: [] });
      // Records that were only in memory died with the old worker.
      state.dropped += state.volatile;
      state.volatile = 0;
      tabs.set(tabId, state);
    } else if (kind === "chunk") {
      chunks.set(`${tabId}.${n}`, value);
    } else if (kind === "paths") {
      framesOf(tabId).paths = new Map(value);
    } else if (kind === "popups") {
      for (const [popup, opener] of value) popups.set(popup, opener);
    }
  }
  for (const [tabId, state] of tabs) {
    state.chunks.sort((a, b) => a.n - b.n);
    const found = [];
    for (const c of state.chunks) {
      const records = chunks.get(`${tabId}.${c.n}`);
      if (Array.isArray(records)) {
        state.records.push(...records);
        persistedBytes += c.bytes;
        found.push(c);
      } else {
        // Listed but not stored: its write was refused after a later
        // write had already listed it. Its records are gone, and counted.
        state.dropped += Number(c.count) || 0;
        state.bytes -= c.bytes;
      }
    }
    state.chunks = found;
  }
}

async function loadAlwaysRecord() {
  try {
    const stored = await api.storage.local.get(ALWAYS_RECORD_KEY);
    let list = stored?.[ALWAYS_RECORD_KEY] ?? [];
    if (typeof list === "string") list = JSON.parse(list);
    alwaysRecord = Array.isArray(list) ? list.map((o) => String(o).replace(/\/+$/, "")) : [];
  } catch (_) {
    alwaysRecord = [];
  }
}

const ready = Promise.all([restore().catch(() => {}), loadAlwaysRecord()]);

// ---- the send-side hook (off by default) ----
//
// hook.js runs in the page's own world, where no wrapper of postMessage is
// invisible: the page can read the change (toString, a property on
// Array.prototype) and a same-origin frame's `.call`/`.apply`/
// `Reflect.apply` send arrives with the wrong `event.source`
// (ARCHITECTURE.md, "Invisible capture"). So it is not in the manifest: it
// is registered here only while the panel's settings (`storage.local`
// "wwe.settings", field `sendSide`) turn it on, and applies to documents
// loaded after that.
const SETTINGS_KEY = "wwe.settings";
const HOOK_ID = "wwe-send-side-hook";
// Syncs started so far: a sync that is no longer the latest started leaves
// the decision to the later one, which read the storage after it. (Keyed
// by when a sync started, not by when its read answered: a startup sync
// whose read answered after the settings change once overruled it, and
// the hook was never registered.)
let hookSyncs = 0;

async function sendSideWanted() {
  try {
    const stored = await api.storage.local.get(SETTINGS_KEY);
    return JSON.parse(stored?.[SETTINGS_KEY] ?? "{}")?.sendSide === true;
  } catch (_) {
    return false;
  }
}

// Not chained one after another, so that one call that never settles
// cannot hold up the next change (a test run once saw the hook never
// registered after the setting changed, with no error; cause unknown). Two
// overlapping calls can at worst try to register twice, which the browser
// refuses ("duplicate id") without harm.
async function syncHook() {
  const mine = ++hookSyncs;
  const wanted = await sendSideWanted();
  if (mine !== hookSyncs) return;
  try {
    const existing = await api.scripting.getRegisteredContentScripts({ ids: [HOOK_ID] });
    if (mine !== hookSyncs) return;
    if (wanted && existing.length === 0) {
      await api.scripting.registerContentScripts([{
        id: HOOK_ID, js: ["hook.js"], matches: ["<all_urls>"], runAt: "document_start",
        allFrames: true, matchOriginAsFallback: true, world: "MAIN", persistAcrossSessions: false,
      }]);
    } else if (!wanted && existing.length > 0) {
      await api.scripting.unregisterContentScripts({ ids: [HOOK_ID] });
    }
  } catch (error) {
    if (!/duplicate|does not exist|nonexistent/i.test(String(error?.message ?? error))) noteError(error);
  }
}

/** Whether the hook is registered now, as the browser reports it. */
async function hookRegistered() {
  try {
    return (await api.scripting.getRegisteredContentScripts({ ids: [HOOK_ID] })).length > 0;
  } catch (_) {
    return false;
  }
}
syncHook();

// ---- arming ----

/** The tab whose capture a tab's records join: a popup joins its opener's. */
function captureTabOf(tabId) {
  let current = tabId;
  for (let i = 0; i < 8 && popups.has(current); i++) current = popups.get(current).openerTabId;
  return current;
}

function originOf(url) {
  try { return new URL(url).origin; } catch (_) { return ""; }
}

function isArmed(tabId) {
  const capture = captureTabOf(tabId);
  if ((panels.get(capture)?.size ?? 0) > 0) return true;
  if (tabs.get(capture)?.preserve === true) return true;
  const origin = originOf(topUrls.get(capture) ?? "");
  return origin !== "" && alwaysRecord.includes(origin);
}

/** Tells every frame of the capture tab and of its popups whether to send. */
function announceArmed(captureTabId) {
  const targets = [captureTabId];
  for (const [popup] of popups) if (popup !== captureTabId && captureTabOf(popup) === captureTabId) targets.push(popup);
  for (const tabId of targets) {
    const on = isArmed(tabId);
    if (on) refreshFrames(tabId);
    try {
      const sent = api.tabs.sendMessage(tabId, { type: "armed", on });
      if (sent && typeof sent.catch === "function") sent.catch(() => {});
    } catch (_) { /* the tab is gone */ }
  }
}

// ---- frames ----

const pathKey = (path) => (Array.isArray(path) ? path.join(".") : "");

function notePath(tabId, frameId, path) {
  if (!Array.isArray(path) || path.length > 64 || !path.every((i) => Number.isInteger(i) && i >= 0)) return;
  const { paths } = framesOf(tabId);
  const key = pathKey(path);
  if (paths.get(key) === frameId) return;
  for (const [k, id] of paths) if (id === frameId) paths.delete(k);
  paths.set(key, frameId);
}

async function refreshFrames(tabId) {
  try {
    const all = await api.webNavigation.getAllFrames({ tabId });
    const entry = framesOf(tabId);
    for (const f of all ?? []) entry.frames.set(f.frameId, f.parentFrameId);
  } catch (_) { /* the tab is gone */ }
}

/** Resolves the relay's view of `event.source` to a browser frame id. */
/** Waits briefly for the senders' relays to report their paths, then
 *  resolves the records again; what stays unknown keeps its reason. */
async function resolveLate(tabId, frameId, unresolved) {
  const known = () => unresolved.every(([, r]) => Array.isArray(r.src?.path) && frameIndex.get(tabId)?.paths.has(pathKey(r.src.path)));
  for (let waited = 0; waited < LATE_PATH_WAIT_MS && !known(); waited += 50) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  for (const [record, r] of unresolved) {
    const again = resolveSource(tabId, frameId, r);
    if (again.sourceFrameId !== null) delete record.sourceUnknown;
    Object.assign(record, again);
  }
}

function resolveSource(tabId, frameId, r) {
  const src = r.src;
  if (!src || typeof src !== "object" || !Array.isArray(src.path)) {
    return { sourceFrameId: null, sourceUnknown: typeof r.srcUnknown === "string" ? r.srcUnknown.slice(0, 300) : "the relay reported no sender" };
  }
  const out = { sourcePath: src.path.map(Number), sourceRelation: String(src.rel) };
  const key = pathKey(src.path);
  const inTab = (t) => {
    if (key === "") return 0;
    const id = frameIndex.get(t)?.paths.get(key);
    return id === undefined ? null : id;
  };
  let found = null;
  let why = null;
  switch (src.rel) {
    case "self": found = frameId; break;
    case "top": found = 0; break;
    case "parent": {
      found = inTab(tabId);
      if (found === null) {
        const parentId = frameIndex.get(tabId)?.frames.get(frameId);
        if (typeof parentId === "number" && parentId >= 0) found = parentId;
      }
      break;
    }
    case "child": case "frame": {
      found = inTab(tabId);
      if (found === null && src.rel === "child") {
        const children = [...(frameIndex.get(tabId)?.frames ?? [])].filter(([, p]) => p === frameId);
        if (children.length === 1) found = children[0][0];
      }
      if (found === null) why = `no frame of this tab has reported index path [${key}] yet`;
      break;
    }
    case "opener": {
      const opener = popups.get(tabId);
      if (!opener) { why = "this tab's opener is not known (it was opened before the extension started)"; break; }
      out.sourceTabId = opener.openerTabId;
      found = inTab(opener.openerTabId);
      if (found === null) why = `no frame of the opener tab has reported index path [${key}] yet`;
      break;
    }
    case "popup": {
      let candidates = [...popups].filter(([, o]) => o.openerTabId === tabId);
      if (candidates.length > 1 && Array.isArray(src.openerPath)) {
        const openerFrame = pathKey(src.openerPath) === "" ? 0 : frameIndex.get(tabId)?.paths.get(pathKey(src.openerPath));
        candidates = candidates.filter(([, o]) => o.openerFrameId === openerFrame);
      }
      if (candidates.length !== 1) {
        why = candidates.length === 0 ? "the sender is a popup of this tab that the extension did not see open" : `the sender is one of ${candidates.length} popups of this frame`;
        break;
      }
      out.sourceTabId = candidates[0][0];
      found = inTab(candidates[0][0]);
      if (found === null) why = `no frame of the popup tab has reported index path [${key}] yet`;
      break;
    }
    default:
      why = `unknown relation ${JSON.stringify(src.rel)}`;
  }
  out.sourceFrameId = typeof found === "number" ? found : null;
  if (out.sourceFrameId === null) out.sourceUnknown = why ?? `no frame id known for index path [${key}]`;
  return out;
}

// ---- records ----

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

const str = (v, max) => (typeof v === "string" ? v.slice(0, max) : null);

async function onRelayBatch(message, sender) {
  const tabId = sender.tab?.id;
  if (typeof tabId !== "number" || !Array.isArray(message.records)) return { ok: true };
  if (sender.tab?.url && sender.frameId === 0) topUrls.set(tabId, sender.tab.url);
  if (!isArmed(tabId)) return { ok: true, armed: false };
  const capture = captureTabOf(tabId);
  const state = tabState(capture);
  const frameId = typeof sender.frameId === "number" ? sender.frameId : -1;
  const framePath = Array.isArray(message.framePath) ? message.framePath : [];
  notePath(tabId, frameId, framePath);
  if (!frameIndex.get(tabId)?.frames.has(frameId)) await refreshFrames(tabId);
  const frameUrl = String(sender.url ?? message.frameUrl ?? "");
  const frameOrigin = String(message.frameOrigin ?? "");
  const relayId = String(message.relayId ?? "");
  let last = typeof state.relays[relayId] === "number" ? state.relays[relayId] : -1;
  // Records whose sender is named by an index path no relay has reported
  // yet: right after a tab is armed, the sender's relay may say hello a
  // moment after this frame's first batch.
  const unresolved = [];
  let gaps = 0;
  const out = [];
  for (const r of message.records) {
    const seq = Number(r.seq);
    if (!Number.isInteger(seq) || seq <= last) continue; // a resent duplicate
    gaps += seq - last - 1;
    last = seq;
    const record = {
      id: state.nextId++,
      seq,
      tabId,
      frameId,
      frameUrl,
      frameOrigin,
      framePath,
      sourceOrigin: String(r.sourceOrigin ?? ""),
      time: Number(r.time) || 0,
      json: typeof r.json === "string" ? r.json : "null",
      marker: typeof r.marker === "string" ? r.marker : null,
      size: Number(r.size) || 0,
      ...resolveSource(tabId, frameId, r),
    };
    if (record.sourceFrameId === null && r.src && typeof r.src === "object") unresolved.push([record, r]);
    if (capture !== tabId) record.captureTabId = capture;
    if (Number(r.ports) > 0) record.ports = Number(r.ports);
    if (r.dispatchedByPage === true) {
      record.dispatchedByPage = true;
      record.eventClass = str(r.eventClass, 64);
      record.claimedOrigin = typeof r.claimedOrigin === "string" ? r.claimedOrigin.slice(0, 2048) : null;
    }
    if (r.pageReported === true) {
      record.pageReported = true;
      record.targetOrigin = str(r.targetOrigin, 2048);
      record.stack = str(r.stack, 4096);
    }
    out.push(record);
  }
  if (unresolved.length > 0) await resolveLate(tabId, frameId, unresolved);
  if (!(relayId in state.relays)) {
    const ids = Object.keys(state.relays);
    if (ids.length >= RELAYS_PER_TAB) delete state.relays[ids[0]];
  }
  state.relays[relayId] = last;
  state.pageReportsDropped += Number(message.hookOverflow) || 0;
  state.pageReportsRejected += Number(message.hookRejected) || 0;
  if (out.length > 0) {
    for (const r of out) state.records.push(r);
    broadcast(capture, { type: "records", records: out });
  }
  const excess = state.records.length - TAB_CAPACITY;
  if (excess > 0) {
    state.records.splice(0, excess);
    const firstId = state.records[0].id;
    forgetChunks(capture, state, (c) => c.lastId >= firstId);
    gaps += excess;
  }
  addDropped(capture, state, gaps);
  await (out.length > 0 ? persistRecords(capture, state, out) : persistMeta(capture));
  return { ok: true, armed: true };
}

async function onRelayHello(message, sender) {
  const tabId = sender.tab?.id;
  if (typeof tabId !== "number") return { armed: false };
  if (sender.tab?.url && sender.frameId === 0) topUrls.set(tabId, sender.tab.url);
  const armed = isArmed(tabId);
  // Frame paths are noted only for armed tabs: an unarmed tab leaves
  // nothing in the extension.
  if (armed && typeof sender.frameId === "number") notePath(tabId, sender.frameId, message.framePath);
  return { armed };
}

/** The last few internal errors, for `stats`. */
const errors = [];
function noteError(error) {
  errors.push(String(error?.stack ?? error).slice(0, 500));
  if (errors.length > 10) errors.shift();
}

/** Counts for tests and diagnostics; extension pages only. */
async function stats() {
  const out = {};
  for (const [tabId, s] of tabs) {
    out[tabId] = {
      records: s.records.length, dropped: s.dropped, preserve: s.preserve, armed: isArmed(tabId),
      pageReportsDropped: s.pageReportsDropped, pageReportsRejected: s.pageReportsRejected, volatile: s.volatile,
    };
  }
  return { boot: BOOT, tabs: out, persistedBytes, popups: [...popups], frameIndex: [...frameIndex.keys()], errors, sendSideHook: await hookRegistered() };
}

// Content scripts' messages carry the page's URL; only the extension's own
// pages (a panel, a tab showing panel.html) carry the extension's.
const fromExtensionPage = (sender) => String(sender.url ?? "").startsWith(api.runtime.getURL(""));

api.runtime.onMessage.addListener((message, sender, sendResponse) => {
  let job = null;
  if (message?.type === "relay-batch" && sender.tab && !fromExtensionPage(sender)) job = () => onRelayBatch(message, sender);
  else if (message?.type === "relay-hello" && sender.tab && !fromExtensionPage(sender)) job = () => onRelayHello(message, sender);
  else if (message?.type === "stats" && fromExtensionPage(sender)) job = () => stats();
  if (!job) return false;
  ready.then(job).then(sendResponse, (error) => {
    noteError(error);
    sendResponse({ ok: false, error: String(error) });
  });
  return true;
});

// ---- panels ----

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
      announceArmed(tabId);
      break;
    }
    case "preserve":
      for (const tabId of watched) {
        const state = tabState(tabId);
        const on = message.on === true;
        if (state.preserve !== on) {
          state.preserve = on;
          persistMeta(tabId);
        }
      }
      break;
    case "clear":
      for (const tabId of watched) clearRecords(tabId, tabState(tabId));
      break;
    case "ping":
      break;
    case "send":
      onPanelSend(port, message, watched);
      break;
    default:
      port.postMessage({ type: "error", message: `unknown message type ${JSON.stringify(message?.type)}` });
  }
}

// ---- commands from panels: send into a frame (replay, edit, forge, bulk) ----
//
// Only a panel's port reaches this (the port is refused unless it comes from
// the extension's own pages), and only for a tab the panel watches or a
// popup joined to it. The route (frame, target window, targetOrigin) is
// decided by the core in the panel; here it is checked for shape and run.

// Hard cap on copies in one send (bulk send); the panel asks before sending many.
const SEND_CAP = 200;
const SEND_BASES = ["self", "top", "opener-top"];

function sendProblem(message) {
  const tabId = message.tabId;
  const frameId = message.frameId;
  if (!Number.isInteger(tabId) || !Number.isInteger(frameId) || frameId < 0) return "send needs an integer tabId and frameId";
  if (message.mode !== "post" && message.mode !== "dispatch") return `unknown send mode ${JSON.stringify(message.mode)}`;
  if (!SEND_BASES.includes(message.base)) return `unknown target base ${JSON.stringify(message.base)}`;
  if (!Array.isArray(message.path) || message.path.length > 64 || !message.path.every((i) => Number.isInteger(i) && i >= 0)) return "bad target path";
  if (!Array.isArray(message.messages) || message.messages.length === 0) return "nothing to send";
  if (message.messages.length > SEND_CAP) return `at most ${SEND_CAP} copies per send`;
  if (!message.messages.every((m) => typeof m === "string" && m.length <= 1024 * 1024)) return "messages must be JSON text";
  if (typeof message.targetOrigin !== "string" || typeof message.spoofOrigin !== "string") return "bad origins";
  return null;
}

function onPanelSend(port, message, watched) {
  const reply = (fields) => {
    try { port.postMessage({ type: "sent", id: message.id, ...fields }); } catch (_) { /* the panel went away */ }
  };
  const problem = sendProblem(message);
  if (problem) return reply({ ok: false, error: problem });
  if (!watched.has(captureTabOf(message.tabId))) return reply({ ok: false, error: `this panel does not watch tab ${message.tabId}` });
  const spec = {
    mode: message.mode,
    base: message.base,
    path: message.path,
    targetOrigin: message.targetOrigin,
    spoofOrigin: message.spoofOrigin,
    messages: message.messages,
    intervalMs: Math.min(60000, Math.max(0, Number(message.intervalMs) || 0)),
    probeMs: Math.min(10000, Math.max(0, Number(message.probeMs) || 0)),
  };
  api.scripting.executeScript({
    target: { tabId: message.tabId, frameIds: [message.frameId] },
    world: "MAIN",
    func: sendInFrame,
    args: [spec],
  }).then((results) => {
    const result = results?.[0]?.result;
    if (!result || typeof result !== "object") reply({ ok: false, error: "the frame returned nothing (it may have navigated)" });
    else if (result.error) reply({ ok: false, error: String(result.error), posted: result.posted ?? 0 });
    else reply({ ok: true, posted: result.posted, probe: result.probe ?? null });
  }, (error) => reply({ ok: false, error: String(error?.message ?? error) }));
}

// Runs in the page's MAIN world of the chosen frame (serialized by
// scripting.executeScript; it must not use anything from this file). Posts
// each message to the route's window, or with mode "dispatch" fires a
// synthetic `message` event with a spoofed origin on this window. With a
// probe, waits and reports a fingerprint of the page's text before and
// after, so the panel can tell whether the page reacted.
function sendInFrame(spec) {
  const fingerprint = () => {
    const text = document.body ? document.body.innerText : "";
    let hash = 0;
    for (let i = 0; i < text.length; i++) hash = (Math.imul(hash, 31) + text.charCodeAt(i)) | 0;
    return `${text.length}:${hash}`;
  };
  const target = () => {
    let win = spec.base === "self" ? window : spec.base === "top" ? window.top : (window.opener && window.opener.top);
    for (const i of spec.path) {
      if (!win) break;
      win = win.frames[i];
    }
    return win;
  };
  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
  const before = fingerprint();
  return (async () => {
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
      if (spec.probeMs > 0) {
        await sleep(spec.probeMs);
        return { posted, probe: { before, after: fingerprint() } };
      }
      return { posted };
    } catch (error) {
      return { posted, error: String(error && error.message || error) };
    }
  })();
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
  port.onMessage.addListener((message) => { ready.then(() => onPanelMessage(port, message, watched)); });
  port.onDisconnect.addListener(() => {
    for (const tabId of watched) {
      panels.get(tabId)?.delete(port);
      announceArmed(tabId);
    }
  });
});

// ---- navigation, popups, tabs ----

api.webNavigation.onCommitted.addListener((details) => {
  ready.then(() => {
    const { tabId, frameId } = details;
    if (frameId === 0) topUrls.set(tabId, details.url);
    if (typeof details.parentFrameId === "number" && frameIndex.has(tabId)) {
      framesOf(tabId).frames.set(frameId, details.parentFrameId);
    }
    if (frameId !== 0) return;
    // A new top document: frame paths start over.
    frameIndex.get(tabId)?.paths.clear();
    const state = tabs.get(tabId);
    if (state && !state.preserve) {
      clearRecords(tabId, state);
      broadcast(tabId, { type: "navigated" });
    }
    // The "always record" list may arm (or disarm) the new site.
    if (!popups.has(tabId)) announceArmed(tabId);
  });
});

// A popup opened from a tab joins the opener's capture.
api.webNavigation.onCreatedNavigationTarget.addListener((details) => {
  ready.then(() => {
    popups.set(details.tabId, { openerTabId: details.sourceTabId, openerFrameId: details.sourceFrameId });
    if (session) queueWrite(() => session.set({ [`${S}popups`]: [...popups] }));
    announceArmed(captureTabOf(details.tabId));
  });
});

// A closed tab's records go with it.
api.tabs.onRemoved.addListener((tabId) => {
  ready.then(() => {
    const state = tabs.get(tabId);
    if (state) {
      forgetChunks(tabId, state, () => false);
      if (session) queueWrite(() => session.remove([`${S}meta.${tabId}`, `${S}paths.${tabId}`]));
    }
    tabs.delete(tabId);
    frameIndex.delete(tabId);
    topUrls.delete(tabId);
    if (popups.delete(tabId) && session) queueWrite(() => session.set({ [`${S}popups`]: [...popups] }));
  });
});

api.storage.onChanged.addListener((changes, area) => {
  if (area === "local" && SETTINGS_KEY in changes) syncHook();
  if (area !== "local" || !(ALWAYS_RECORD_KEY in changes)) return;
  ready.then(loadAlwaysRecord).then(async () => {
    for (const tab of await api.tabs.query({})) {
      if (typeof tab.id !== "number") continue;
      if (tab.url) topUrls.set(tab.id, tab.url);
      announceArmed(tab.id);
    }
  });
});
