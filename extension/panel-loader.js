// Runs in: the panel page (DevTools panel or extension tab), before the wasm.
// The only place the panel touches extension APIs: a small bridge object the
// Leptos app calls, then the wasm module is loaded and started.
import init from "./wwe_panel.js";

const api = globalThis.browser ?? globalThis.chrome;
const PROTOCOL = globalThis.WWE_PROTOCOL;
// Chromium stops an idle service worker after ~30 s; a ping keeps the port
// (and the worker's buffers) alive while the panel is open.
const PING_MS = 20000;
// storage.local key of the panel's settings (the relay reads `sizeCap` from it).
const SETTINGS_KEY = "wwe.settings";

globalThis.wweBridge = {
  /** The tab this panel watches, from `?tabId=N`, or null. */
  tabId() {
    const raw = new URLSearchParams(location.search).get("tabId");
    return raw !== null && /^\d+$/.test(raw) ? Number(raw) : null;
  },
  /** Lists the browser's tabs, for the picker shown without `?tabId=`. */
  async tabs() {
    const all = await api.tabs.query({});
    return all.filter((t) => !String(t.url ?? "").startsWith(api.runtime.getURL("")))
      .map((t) => ({ id: t.id, title: String(t.title ?? ""), url: String(t.url ?? "") }));
  },
  /** Connects to the background for `tabId`; `onMessage` gets every message. */
  connect(tabId, onMessage, onDisconnect) {
    const port = api.runtime.connect({ name: PROTOCOL.panelPort });
    port.onMessage.addListener((message) => onMessage(message));
    port.onDisconnect.addListener(() => { clearInterval(ping); onDisconnect(); });
    port.postMessage({ type: "hello", protocol: PROTOCOL.version, build: api.runtime.getManifest().version });
    port.postMessage({ type: "subscribe", tabId });
    const ping = setInterval(() => port.postMessage({ type: "ping" }), PING_MS);
    return {
      post(message) { port.postMessage(message); },
    };
  },
  /** The message protocol version in `protocol.js`. */
  protocolVersion() {
    return PROTOCOL.version;
  },
  /** Copies text; DevTools panels may refuse the async clipboard API. */
  copyText(text) {
    const fallback = () => {
      const area = document.createElement("textarea");
      area.value = text;
      document.body.append(area);
      area.select();
      document.execCommand("copy");
      area.remove();
    };
    if (navigator.clipboard?.writeText) navigator.clipboard.writeText(text).catch(fallback);
    else fallback();
  },
  /** The panel's saved settings (JSON text) or null. */
  async loadSettings() {
    const stored = await api.storage.local.get(SETTINGS_KEY);
    const value = stored?.[SETTINGS_KEY];
    return typeof value === "string" ? value : null;
  },
  /** Saves the panel's settings (JSON text). */
  saveSettings(json) {
    api.storage.local.set({ [SETTINGS_KEY]: json });
  },
  /** True when DevTools uses its dark theme. */
  darkTheme() {
    return api.devtools?.panels?.themeName === "dark";
  },
};

await init();
