// Runs in: every frame's ISOLATED world, at document_start (content script).
// Records every delivered `message` event and sends records to the
// background in batches, only while the tab is armed. Nothing here is
// visible to the page: the listener is in the isolated world, never stops
// propagation, and never throws. It cannot be Rust: it runs inside the
// page's own event dispatch in every frame, where instantiating wasm would
// cost each frame and the page's timing. ARCHITECTURE.md ("Invisible
// capture", "Nothing lost silently", "Privacy") says why it is built so.
(() => {
  "use strict";
  const api = globalThis.browser ?? globalThis.chrome;
  // Flush 100 ms after the first queued record, or at once at 500: each
  // extension message has a fixed cost in the page (BENCHMARKS.md).
  const FLUSH_MS = 100;
  const FLUSH_RECORDS = 500;
  const MAX_BATCH = 5000; // records per extension message
  // Kept while the background does not answer (worker restart); older ones
  // go, and the background counts the sequence gap.
  const QUEUE_CAP = 100000;
  const RING_CAP = 1000; // kept while the tab is not armed (older: a gap)
  // How long records are kept after the background unexpectedly answers
  // "not armed" (a worker restart) before they are cut to RING_CAP.
  const DISARM_GRACE_MS = 10000;
  let keepUntil = 0;
  // Cap on one message's JSON text, until the background sends the panel's.
  let sizeCap = 1024 * 1024;
  const PREVIEW_CHARS = 4096;
  const DEPTH_STEP = 100; // nesting kept inline; deeper continues in a `deep` part
  const DEPTH_LIMIT = 10000; // nesting beyond is cut (`too-deep`)
  const WALK_BUDGET = 2000000; // values the tagged encoder visits per message
  const PREVIEW_ITEMS = 32; // bytes of a binary value shown in its preview
  // Send-side reports from the MAIN-world hook (page-reported, untrusted),
  // checked and passed on with the next batch; the engine links them.
  const HOOK_EVENT = "wwe-devtools:send";
  const HOOK_PENDING_CAP = 256;
  const HOOK_DETAIL_CAP = 16384;

  const relayId = (globalThis.crypto?.randomUUID?.() ?? String(Math.random()).slice(2)) + "";
  let seq = 0;
  let armed = false;
  // Records waiting to be sent (armed) or kept in the ring (unarmed).
  let queue = [];
  let inflight = false;
  let timer = 0;
  let retryMs = 50;
  // Send-side reports for the next batch.
  let reports = [];
  // Whether the send-side hook is on (the panel's settings, `sendSide`):
  // null until the background said; reports are linked only when true.
  let sendSide = null;
  let hookOverflow = 0;
  let hookRejected = 0;
  let myPath = pathOf(window) ?? [];

  const hasOwn = Object.prototype.hasOwnProperty;
  const objectProto = Object.prototype;

  // ---- frames ----

  // Index path of a window from its top: [i, j] = top.frames[i].frames[j].
  // `parent`, `length` and indexed access work across origins.
  function pathOf(w) {
    const path = [];
    let cur = w;
    for (let guard = 0; guard < 64; guard++) {
      const p = cur.parent;
      if (p === cur || p === null || p === undefined) return path.reverse();
      const n = p.length;
      let i = 0;
      while (i < n && p[i] !== cur) i++;
      if (i === n) return null;
      path.push(i);
      cur = p;
    }
    return null;
  }

  // The sender of a message, relative to this frame: { rel, path,
  // openerPath? }, or why it is unknown (a string). A child is found among
  // this frame's own before any of the sender's (cross-origin) properties.
  function classify(s) {
    if (s === null || s === undefined) return "event.source is null: the sending window was closed or navigated before delivery";
    try {
      if (s === window) return { rel: "self", path: myPath };
      if (s === parent) return { rel: "parent", path: myPath.slice(0, -1) };
      if (s === top) return { rel: "top", path: [] };
      for (let i = 0, n = window.length; i < n; i++) if (window[i] === s) return { rel: "child", path: myPath.concat(i) };
      const sTop = s.top;
      if (sTop === top) {
        const path = pathOf(s);
        return path ? { rel: "frame", path } : "the sending frame is in this tab but not reachable from top";
      }
      const opener = top.opener;
      if (opener && sTop === opener.top) {
        const path = pathOf(s);
        return path ? { rel: "opener", path } : "the sending frame is in the opener tab but not reachable from its top";
      }
      const theirOpener = sTop.opener;
      if (theirOpener && theirOpener.top === top) {
        const path = pathOf(s);
        const openerPath = pathOf(theirOpener);
        return path ? { rel: "popup", path, openerPath } : "the sending frame is in a popup but not reachable from its top";
      }
      return "the sender is a window in another tab, not linked to this one by window.opener";
    } catch (error) {
      return "the sending window could not be inspected: " + String(error && error.message);
    }
  }

  // ---- values ----

  // True when JSON.stringify kept everything: only plain objects, arrays,
  // strings, finite numbers (not -0), booleans and null, each object once,
  // nesting within DEPTH_STEP, no key named "$wwe". Iterative, early exit.
  const plainLeaf = (x) => typeof x === "string" || typeof x === "boolean" || (typeof x === "number" && Number.isFinite(x) && !Object.is(x, -0));
  function isPlainJson(value) {
    if (value === null || typeof value !== "object") return plainLeaf(value);
    const seen = new Set();
    const stack = [value, 0];
    while (stack.length > 0) {
      const depth = stack.pop();
      const v = stack.pop();
      if (v === null) continue;
      const t = typeof v;
      if (t !== "object") {
        if (!plainLeaf(v)) return false;
        continue;
      }
      if (depth >= DEPTH_STEP || seen.has(v)) return false;
      seen.add(v);
      if (Array.isArray(v)) {
        for (let i = 0; i < v.length; i++) {
          const x = v[i];
          // A hole or undefined reads as undefined: JSON writes null.
          if (x === undefined) return false;
          if (x !== null && typeof x === "object") stack.push(x, depth + 1);
          else if (!plainLeaf(x)) return false;
        }
      } else {
        // (Firefox: a page object seen through an Xray has the page's
        // Object.prototype, hence the second test.)
        if ((Object.getPrototypeOf(v) !== objectProto && tagOf(v) !== "Object") || hasOwn.call(v, "$wwe")) return false;
        for (const k in v) {
          const x = v[k];
          if (x !== null && typeof x === "object") stack.push(x, depth + 1);
          else if (!plainLeaf(x)) return false;
        }
      }
    }
    return true;
  }

  // The first `count` items of a typed array, each as JSON can hold it.
  const previewOf = (view, count) => Array.prototype.slice.call(view, 0, count)
    .map((x) => (typeof x === "bigint" ? x.toString() : Number.isFinite(x) ? x : String(x)));

  const tagOf = (v) => Object.prototype.toString.call(v).slice(8, -1);

  // The tagged encoder: every value JSON cannot express becomes
  // {"$wwe": kind, ...} (the tags are listed in ARCHITECTURE.md and read by
  // src/tagged.rs). Returns { value, marker }.
  function encodeTagged(root) {
    let budget = WALK_BUDGET;
    let marker = null;
    const mark = (m) => { if (marker === null || m === "truncated") marker = m; };
    // Object -> where it first appeared ({ up, key }), and the ancestors of
    // the value being walked; path strings are built only when needed.
    const where = new Map();
    const open = new Set();
    const pathString = (v) => {
      const keys = [];
      for (let w = where.get(v); w && w.up !== null; w = where.get(w.up)) keys.push(w.key);
      let out = "$";
      for (let i = keys.length - 1; i >= 0; i--) out += typeof keys[i] === "number" ? "[" + keys[i] + "]" : "." + keys[i];
      return out;
    };
    // Nesting deeper than DEPTH_STEP continues in `parts`, walked later from
    // a shallow stack, so that the JSON stays within what every reader
    // parses (serde_json stops at 128 levels).
    const parts = [];
    const pendingParts = [];

    const walk = (v, up, key, depth, total) => {
      if (--budget < 0) { mark("truncated"); return { $wwe: "budget-exceeded" }; }
      switch (typeof v) {
        case "string": case "boolean": return v;
        case "number":
          if (Number.isNaN(v)) return { $wwe: "number", value: "NaN" };
          if (v === Infinity) return { $wwe: "number", value: "Infinity" };
          if (v === -Infinity) return { $wwe: "number", value: "-Infinity" };
          if (Object.is(v, -0)) return { $wwe: "number", value: "-0" };
          return v;
        case "bigint": return { $wwe: "bigint", value: v.toString() };
        case "undefined": return { $wwe: "undefined" };
        case "object": break;
        default: mark("unserializable"); return { $wwe: "platform", kind: typeof v };
      }
      if (v === null) return null;
      if (open.has(v)) { mark("cyclic"); return { $wwe: "cycle", path: pathString(v) }; }
      if (where.has(v)) return { $wwe: "ref", path: pathString(v) };
      if (total >= DEPTH_LIMIT) { mark("truncated"); return { $wwe: "too-deep", reason: "nesting deeper than " + DEPTH_LIMIT + " levels is not recorded" }; }
      if (depth >= DEPTH_STEP) {
        const part = parts.length;
        parts.push(null);
        pendingParts.push({ part, v, up, key, total, ancestors: [...open] });
        return { $wwe: "deep", part };
      }
      where.set(v, { up, key });
      open.add(v);
      try {
        return walkObject(v, depth, total);
      } finally {
        open.delete(v);
      }
    };

    const walkObject = (v, depth, total) => {
      const next = (x, key) => walk(x, v, key, depth + 1, total + 1);
      if (Array.isArray(v)) {
        const out = [];
        for (let i = 0; i < v.length && budget >= 0; i++) out.push(i in v ? next(v[i], i) : { $wwe: "hole" });
        return out;
      }
      const kind = tagOf(v);
      switch (kind) {
        case "Object": break;
        case "Date": {
          const time = v.getTime();
          return { $wwe: "date", value: Number.isNaN(time) ? "Invalid Date" : v.toISOString() };
        }
        case "RegExp": return { $wwe: "regexp", source: v.source, flags: v.flags };
        case "Map": case "Set": {
          // Firefox shows page objects to content scripts through Xray
          // wrappers, which cannot iterate a Map or Set: read the page's
          // own iterator (a waived wrapper) step by step.
          const items = [];
          const it = (v.wrappedJSObject ?? v).entries();
          let i = 0;
          for (let step = it.next(); !step.done && budget >= 0; step = it.next(), i++) {
            const pair = step.value;
            items.push(kind === "Map" ? [next(pair[0], i), next(pair[1], i)] : next(pair[1], i));
          }
          return kind === "Map" ? { $wwe: "map", size: v.size, entries: items } : { $wwe: "set", size: v.size, values: items };
        }
        case "ArrayBuffer": case "SharedArrayBuffer": {
          const byteLength = v.byteLength;
          return { $wwe: "arraybuffer", kind, byteLength, preview: previewOf(new Uint8Array(v), Math.min(byteLength, PREVIEW_ITEMS)) };
        }
        case "DataView":
          return { $wwe: "typedarray", kind, length: v.byteLength, preview: previewOf(new Uint8Array(v.buffer, v.byteOffset, v.byteLength), Math.min(v.byteLength, PREVIEW_ITEMS)) };
        case "Blob": return { $wwe: "blob", kind, type: v.type, size: v.size };
        case "File": return { $wwe: "blob", kind, type: v.type, size: v.size, name: v.name, lastModified: v.lastModified };
        case "MessagePort": return { $wwe: "messageport" };
        case "Error": {
          const out = { $wwe: "error", name: String(v.name), message: String(v.message) };
          if (typeof v.stack === "string") out.stack = v.stack.slice(0, 2000);
          return out;
        }
        case "String": case "Number": case "Boolean": case "BigInt":
          return { $wwe: "boxed", kind, value: walk(v.valueOf(), null, 0, depth, total) };
        default:
          if (ArrayBuffer.isView(v)) {
            return { $wwe: "typedarray", kind, length: v.length, preview: previewOf(v, Math.min(v.length, PREVIEW_ITEMS)) };
          }
          if (Object.getPrototypeOf(v) !== objectProto && kind !== "Object") {
            // ImageBitmap, FileList, CryptoKey, ...: name what it is.
            return { $wwe: "platform", kind };
          }
      }
      const out = {};
      for (const k in v) {
        if (budget < 0) break;
        out[k] = next(v[k], k);
      }
      // A page's own "$wwe" key would read as a tag: wrap the object.
      if (hasOwn.call(v, "$wwe")) return { $wwe: "object", value: out };
      return out;
    };

    let value;
    try {
      value = walk(root, null, null, 0, 0);
      while (pendingParts.length > 0 && budget >= 0) {
        const p = pendingParts.shift();
        // The cut subtree's ancestors stay "open" so cycles are told apart.
        for (const a of p.ancestors) open.add(a);
        parts[p.part] = walk(p.v, p.up, p.key, 0, p.total);
        open.clear();
      }
    } catch (error) {
      // A getter we cannot read, or a stack exhausted anyway.
      value = { $wwe: "too-deep", reason: String(error && error.message).slice(0, 200) };
      marker = "truncated";
    }
    if (parts.length > 0) value = { $wwe: "nested", value, parts };
    return { value, marker };
  }

  // One JSON.stringify for plain JSON (the fast path) plus an early-exit
  // check that it was exact; the tagged encoder otherwise. Sets `json`,
  // `marker` and `size` of the record.
  function encode(data, record) {
    let json;
    let marker = null;
    try {
      json = JSON.stringify(data);
    } catch (_) {
      json = undefined;
    }
    if (json === undefined || !isPlainJson(data)) {
      try {
        const tagged = encodeTagged(data);
        json = JSON.stringify(tagged.value);
        marker = tagged.marker;
      } catch (_) {
        json = JSON.stringify({ $wwe: "platform", kind: "unreadable" });
        marker = "unserializable";
      }
    }
    const size = json.length;
    if (size > sizeCap) {
      json = truncated(json, size);
      marker = "truncated";
    }
    record.json = json; record.marker = marker; record.size = size;
  }

  function truncated(json, size) {
    return JSON.stringify({ $wwe: "truncated", size, preview: json.slice(0, PREVIEW_CHARS) });
  }

  // ---- send-side reports from the MAIN-world hook ----

  // The same cheap fingerprint as hook.js computes on the sent value, read
  // the same way (data properties only; a delivered clone has no getters).
  function fingerprint(v) {
    const t = typeof v;
    if (t === "string") return "s" + v.length + ":" + v.slice(0, 64);
    if (t !== "object" || v === null) return t.charAt(0) + String(v).slice(0, 64);
    if (Array.isArray(v)) return "a" + v.length;
    const keys = Object.keys(v);
    // Keys, and the first characters of the first few primitive values, so
    // that {t: "a"} and {t: "b"} are told apart.
    let out = "o" + keys.length;
    for (let i = 0; i < keys.length && i < 8; i++) {
      const d = Object.getOwnPropertyDescriptor(v, keys[i]);
      const x = d && "value" in d ? d.value : undefined;
      const tx = typeof x;
      out += ":" + keys[i].slice(0, 24) + (tx === "string" ? "=" + x.slice(0, 24) : tx === "number" || tx === "boolean" ? "=" + x : "");
    }
    return out.slice(0, 300);
  }

  function onHookReport(event) {
    // Without the hook (the default) every such event is the page's own:
    // nothing to link, nothing kept.
    if (sendSide === false) return;
    const detail = event.detail;
    if (typeof detail !== "string" || detail.length > HOOK_DETAIL_CAP) { hookRejected++; return; }
    let report;
    try { report = JSON.parse(detail); } catch (_) { hookRejected++; return; }
    if (!report || typeof report.fp !== "string" || typeof report.t !== "number" ||
        (report.targetOrigin !== null && typeof report.targetOrigin !== "string") ||
        (report.stack !== null && typeof report.stack !== "string")) {
      hookRejected++;
      return;
    }
    if (reports.length >= HOOK_PENDING_CAP) { reports.shift(); hookOverflow++; }
    reports.push({ fp: report.fp, t: report.t, targetOrigin: report.targetOrigin, stack: report.stack });
    if (armed) schedule(FLUSH_MS);
  }

  // ---- batching, acknowledgement, arming ----

  function schedule(ms) {
    if (timer === 0) timer = setTimeout(flush, ms);
  }

  function flush() {
    timer = 0;
    if (!armed || inflight || (queue.length === 0 && reports.length === 0)) return;
    const records = queue.length > MAX_BATCH ? queue.splice(0, MAX_BATCH) : queue;
    if (records === queue) queue = [];
    // A cap that arrived after a message was encoded still applies to it.
    for (const r of records) {
      if (r.marker !== "truncated" && r.json.length > sizeCap) Object.assign(r, { json: truncated(r.json, r.size), marker: "truncated" });
    }
    myPath = pathOf(window) ?? myPath;
    const message = {
      type: "relay-batch", relayId, framePath: myPath, frameUrl: String(location.href), frameOrigin: String(self.origin),
      hookOverflow, hookRejected, reports, records,
    };
    reports = [];
    hookOverflow = 0;
    hookRejected = 0;
    inflight = true;
    const failed = () => {
      inflight = false;
      // Put them back in front: the background drops duplicates by seq.
      queue = records.concat(queue);
      trim(QUEUE_CAP);
      schedule(retryMs);
      retryMs = Math.min(retryMs * 2, 1000);
    };
    let sent;
    try {
      sent = api.runtime.sendMessage(message);
    } catch (_) {
      // The extension was reloaded: this relay is orphaned.
      armed = false;
      inflight = false;
      return;
    }
    Promise.resolve(sent).then((reply) => {
      if (!reply || reply.ok !== true) return failed();
      inflight = false;
      retryMs = 50;
      if (reply.armed === false) {
        // The background kept nothing of this batch. Either the panel
        // closed (the background also says so with an "armed" message), or
        // the background was restarted and has not seen the panel
        // reconnect yet: keep the queue for a grace period and ask again,
        // rather than trim records that are about to be wanted.
        queue = records.concat(queue);
        trim(QUEUE_CAP);
        armed = false;
        keepUntil = Date.now() + DISARM_GRACE_MS;
        setTimeout(() => { if (!armed) trim(RING_CAP); }, DISARM_GRACE_MS);
        setTimeout(hello, 250);
        return;
      }
      if (queue.length > 0) schedule(queue.length >= FLUSH_RECORDS ? 0 : FLUSH_MS);
    }, failed);
  }

  function trim(cap) {
    if (queue.length > cap) queue = queue.slice(queue.length - cap);
  }

  function setArmed(on, settings) {
    const was = armed;
    armed = on === true;
    const cap = Number(settings.sizeCap);
    if (Number.isFinite(cap) && cap >= 1024) sizeCap = cap;
    sendSide = settings.sendSide === true;
    if (!sendSide) reports = [];
    if (armed) {
      // Newly armed: tell the background where this frame is, so that
      // messages from it resolve to its frame id even before it receives one.
      if (!was && helloDone) hello();
      schedule(0);
    } else if (Date.now() >= keepUntil) {
      trim(RING_CAP);
    }
  }

  function onMessage(event) {
    const time = performance.timeOrigin + performance.now();
    // Made and dispatched by page script, not delivered by the browser
    // (`new MessageEvent("message", {origin, source})`, or any Event named
    // "message"): its origin and source are claims, so it is recorded as
    // the page's, never as a message from that origin.
    if (!event.isTrusted) return onPageEvent(event, time);
    const data = event.data;
    const src = classify(event.source);
    const unknown = typeof src === "string";
    const record = { seq: seq++, time, sourceOrigin: String(event.origin), json: "", marker: null, size: 0, src: unknown ? null : src, srcUnknown: unknown ? src : null };
    encode(data, record);
    const ports = event.ports;
    if (ports && ports.length > 0) record.ports = ports.length;
    // While the send-side setting may be on (or is not known yet: a page's
    // first messages come before the background answers), the engine gets
    // what links a report to this delivery.
    if (sendSide !== false) {
      try { record.fp = fingerprint(data); } catch (_) { /* no link */ }
    }
    enqueue(record);
  }

  function onPageEvent(event, time) {
    const eventClass = tagOf(event);
    // A MessageEvent's data, a CustomEvent's detail; an Event has neither.
    let data;
    let claimedOrigin = null;
    try {
      if (eventClass === "MessageEvent") {
        data = event.data;
        claimedOrigin = String(event.origin);
      } else if (eventClass === "CustomEvent") {
        data = event.detail;
      }
    } catch (_) {
      data = undefined;
    }
    const record = {
      seq: seq++, time, sourceOrigin: "", json: "", marker: null, size: 0, src: null,
      srcUnknown: "dispatched by page script (isTrusted false), not delivered: its origin and source are only claims",
      dispatchedByPage: true, eventClass, claimedOrigin,
    };
    encode(data, record);
    enqueue(record);
  }

  function enqueue(record) {
    queue.push(record);
    if (!armed) {
      if (queue.length > (Date.now() < keepUntil ? QUEUE_CAP : RING_CAP)) queue.shift();
      return;
    }
    if (queue.length >= FLUSH_RECORDS) schedule(0);
    else schedule(FLUSH_MS);
  }

  // Capture phase on window, installed before any page script: runs before
  // any page listener on window, so stopImmediatePropagation cannot hide a
  // message from us.
  addEventListener("message", onMessage, { capture: true });
  document.addEventListener(HOOK_EVENT, onHookReport, { capture: true });
  // Records still queued when the frame goes away are sent now.
  addEventListener("pagehide", () => { if (armed && !inflight) flush(); }, { capture: true });

  // Only the extension can reach this listener (a page cannot).
  api.runtime.onMessage.addListener((message) => {
    if (message && message.type === "armed") setArmed(message.on === true, message);
  });

  // Ask whether this tab is armed; the background also tells us on change.
  let helloDelay = 100;
  let helloDone = false;
  function hello() {
    helloDone = true;
    let sent;
    try { sent = api.runtime.sendMessage({ type: "relay-hello", relayId, framePath: myPath, frameUrl: String(location.href) }); } catch (_) { return; }
    Promise.resolve(sent).then((reply) => (typeof reply?.armed === "boolean" ? setArmed(reply.armed, reply) : retryHello()), retryHello);
  }
  function retryHello() {
    if (helloDelay <= 5000) setTimeout(hello, helloDelay);
    helloDelay *= 2;
  }
  hello();
})();
