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
  /** Connects to the background for `tabId`; `onMessage` gets every message.
   * When the port drops because the background restarted (Chromium stops
   * its service worker), it reconnects and subscribes again: the background
   * restores the tab's records from `storage.session` and sends them as a
   * fresh backlog. `onDisconnect` runs only when reconnecting fails. */
  connect(tabId, onMessage, onDisconnect) {
    let port = null;
    let ping = 0;
    let attempts = 0;
    const open = () => {
      port = api.runtime.connect({ name: PROTOCOL.panelPort });
      const opened = Date.now();
      port.onMessage.addListener((message) => { attempts = 0; onMessage(message); });
      port.onDisconnect.addListener(() => {
        clearInterval(ping);
        // A port that dies young, again and again, is not a restart.
        if (Date.now() - opened < 1000) attempts++;
        if (attempts < 5 && api.runtime?.id) setTimeout(open, 100 * attempts);
        else onDisconnect();
      });
      port.postMessage({ type: "hello", protocol: PROTOCOL.version, build: api.runtime.getManifest().version });
      port.postMessage({ type: "subscribe", tabId });
      ping = setInterval(() => port.postMessage({ type: "ping" }), PING_MS);
    };
    open();
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
