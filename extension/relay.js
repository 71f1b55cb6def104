// Runs in: every frame's ISOLATED world, at document_start (content script).
// Records every delivered `message` event and sends records to the
// background in batches. Nothing here is visible to the page: the listener
// is in the isolated world, never stops propagation, and never throws.
(() => {
  "use strict";
  const api = globalThis.browser ?? globalThis.chrome;
  // Flush every 16 ms or every 500 records, whichever comes first: one
  // extension message per record triples the page's cost (browser-facts.md).
  const FLUSH_MS = 16;
  const FLUSH_RECORDS = 500;
  // Messages bigger than this are recorded truncated, with their real size.
  const SIZE_CAP = 1024 * 1024;
  // Keys visited by the fallback encoder before it gives up on one message.
  const WALK_BUDGET = 200000;

  let seq = 0;
  let batch = [];
  let timer = 0;
  let lost = 0;

  const frameUrl = () => String(location.href);
  const frameOrigin = () => String(self.origin);

  // A cycle or a value JSON cannot express: walk it with a budget, marking
  // cycles, functions and exotic values instead of throwing.
  function encodeFallback(value) {
    let budget = WALK_BUDGET;
    let marker = "unserializable";
    const seen = new WeakSet();
    const walk = (v, depth) => {
      if (--budget < 0) { marker = "truncated"; return { $wwe: "budget-exceeded" }; }
      if (v === null || typeof v === "string" || typeof v === "boolean") return v;
      if (typeof v === "number") return Number.isFinite(v) ? v : { $wwe: "number", value: String(v) };
      if (typeof v === "bigint") return { $wwe: "bigint", value: v.toString() };
      if (typeof v === "undefined") return { $wwe: "undefined" };
      if (typeof v !== "object") return { $wwe: typeof v };
      if (seen.has(v)) { marker = "cyclic"; return { $wwe: "cycle" }; }
      if (depth > 1000) { marker = "truncated"; return { $wwe: "too-deep" }; }
      seen.add(v);
      let out;
      if (Array.isArray(v)) {
        out = [];
        for (let i = 0; i < v.length && budget >= 0; i++) out.push(walk(v[i], depth + 1));
      } else {
        out = {};
        for (const k of Object.keys(v)) {
          if (budget < 0) break;
          out[k] = walk(v[k], depth + 1);
        }
      }
      seen.delete(v);
      return out;
    };
    const json = JSON.stringify(walk(value, 0));
    return { json, marker };
  }

  function encode(value) {
    let json;
    let marker = null;
    try {
      json = JSON.stringify(value);
      if (json === undefined) ({ json, marker } = encodeFallback(value));
    } catch (_) {
      try {
        ({ json, marker } = encodeFallback(value));
      } catch (_) {
        json = "null";
        marker = "unserializable";
      }
    }
    const size = json.length;
    if (size > SIZE_CAP) {
      json = JSON.stringify({ $wwe: "truncated", size, preview: json.slice(0, 4096) });
      marker = "truncated";
    }
    return { json, marker, size };
  }

  function flush() {
    timer = 0;
    if (batch.length === 0) return;
    const records = batch;
    batch = [];
    const message = { type: "relay-batch", frameUrl: frameUrl(), frameOrigin: frameOrigin(), lost, records };
    lost = 0;
    try {
      const sent = api.runtime.sendMessage(message);
      // Errors (no receiver during a worker restart) are counted, not thrown.
      if (sent && typeof sent.catch === "function") sent.catch(() => { lost += records.length; });
    } catch (_) {
      // The extension was reloaded: this relay is orphaned and can do nothing.
      lost += records.length;
    }
  }

  function onMessage(event) {
    const time = performance.timeOrigin + performance.now();
    const { json, marker, size } = encode(event.data);
    batch.push({ seq: seq++, time, sourceOrigin: String(event.origin), json, marker, size });
    if (batch.length >= FLUSH_RECORDS) flush();
    else if (timer === 0) timer = setTimeout(flush, FLUSH_MS);
  }

  // Capture phase on window: runs before any page listener on window, so a
  // page calling stopImmediatePropagation cannot hide a message from us.
  addEventListener("message", onMessage, { capture: true });
  // Records still queued when the frame goes away are sent now.
  addEventListener("pagehide", flush, { capture: true });
})();
