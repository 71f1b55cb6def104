// Runs in: every frame's MAIN world (the page's own world), at document_start,
// only while the panel's "Send-side detail" setting is on (the engine has
// background.js register it then; it is not in the manifest). The page can
// observe this wrapper (ARCHITECTURE.md, "Invisible capture"), hence off by
// default. It cannot be Rust: it must replace postMessage in the page's own
// realm before any page script runs. It reports the `targetOrigin` and a
// short caller stack of each same-origin call (a cross-origin
// `otherWindow.postMessage` bypasses it; browser-facts.md) to the receiving
// frame's relay, as a CustomEvent with a JSON `detail`. The page can see and
// forge these events: they are only ever shown as claims. The message
// itself is never touched.
(() => {
  "use strict";
  // Window is a [Global] interface: its operations live on the window
  // object itself, not on Window.prototype.
  const holder = Object.prototype.hasOwnProperty.call(window, "postMessage") ? window : Window.prototype;
  const descriptor = Object.getOwnPropertyDescriptor(holder, "postMessage");
  if (!descriptor || typeof descriptor.value !== "function") return;
  // Everything used per call is taken now, before any page script runs, so
  // a page that later replaces these built-ins cannot break or steer us.
  const original = descriptor.value;
  const apply = Reflect.apply;
  const stringify = JSON.stringify;
  const dispatch = EventTarget.prototype.dispatchEvent;
  const CustomEventCtor = CustomEvent;
  const ErrorCtor = Error;
  const keysOf = Object.keys;
  const getOwn = Object.getOwnPropertyDescriptor;
  const isArray = Array.isArray;
  // The relay's clock, not Date.now: a report is compared with its delivery's time, and a VM or NTP may step the wall clock.
  const perf = performance, perfNow = Performance.prototype.now, timeOrigin = performance.timeOrigin;
  const now = () => timeOrigin + apply(perfNow, perf, []);
  const EVENT = "wwe-devtools:send";
  const STACK_LINES = 6;

  // The same cheap fingerprint as relay.js computes on the delivered value.
  function fingerprint(v) {
    const t = typeof v;
    if (t === "string") return "s" + v.length + ":" + v.slice(0, 64);
    if (t !== "object" || v === null) return t.charAt(0) + String(v).slice(0, 64);
    if (isArray(v)) return "a" + v.length;
    const keys = keysOf(v);
    // Keys, and the first characters of the first few primitive values, so
    // that {t: "a"} and {t: "b"} are told apart.
    let out = "o" + keys.length;
    for (let i = 0; i < keys.length && i < 8; i++) {
      // Data properties only: running a page's getter again would show.
      const d = getOwn(v, keys[i]);
      const x = d && "value" in d ? d.value : undefined;
      const tx = typeof x;
      out += ":" + keys[i].slice(0, 24) + (tx === "string" ? "=" + x.slice(0, 24) : tx === "number" || tx === "boolean" ? "=" + x : "");
    }
    return out.slice(0, 300);
  }

  function callerStack() {
    const raw = String(new ErrorCtor().stack ?? "");
    const out = [];
    for (const line of raw.split("\n")) {
      // This file's own frames: Chromium names the extension URL, Firefox
      // shows a MAIN-world content script as "<anonymous code>".
      if (line === "Error" || line.includes("-extension://") || line.includes("<anonymous code>") || line.trim() === "") continue;
      out.push(line.trim());
      if (out.length === STACK_LINES) break;
    }
    return out.join("\n");
  }

  function report(target, args) {
    // The receiving window's document, reachable only when same-origin.
    const doc = target.document;
    const message = args[0];
    const second = args[1];
    let targetOrigin = null;
    if (typeof second === "string") targetOrigin = second;
    else if (second && typeof second === "object" && second.targetOrigin !== undefined) targetOrigin = String(second.targetOrigin);
    else if (args.length < 2 || second === undefined) targetOrigin = "/";
    const detail = stringify({ fp: fingerprint(message), t: now(), targetOrigin, stack: callerStack() });
    apply(dispatch, doc, [new CustomEventCtor(EVENT, { detail })]);
  }

  // The browser takes `event.source` from the realm of the innermost
  // script function on the stack (the "incumbent"). A same-origin frame
  // calling `parent.postMessage` reaches the parent's wrapper, so the call
  // must be made from a function of the CALLER's realm, or the parent would
  // become the source. The arguments array of a Proxy trap is created in
  // the caller's realm, so its prototype leads to that realm's trampoline,
  // which every realm's copy of this file registers under a shared symbol.
  const TRAMPOLINE = Symbol.for("wwe-devtools.call-in-caller-realm");
  const trampoline = function (fn, thisArg, args) { return apply(fn, thisArg, args); };
  try {
    Object.defineProperty(Array.prototype, TRAMPOLINE, { value: trampoline, configurable: false, enumerable: false, writable: false });
  } catch (_) {
    // Already defined in this realm.
  }
  const getProto = Object.getPrototypeOf;
  const ownArrayProto = Array.prototype;

  // A Proxy keeps name, length and toString of the native function.
  const wrapped = new Proxy(original, {
    apply(target, thisArg, args) {
      // The real call first: its exceptions (DataCloneError, SyntaxError
      // for a bad targetOrigin) reach the page unchanged, and a failed call
      // reports nothing.
      let result;
      const callerProto = getProto(args);
      if (callerProto === ownArrayProto) {
        result = apply(target, thisArg, args);
      } else {
        const callIn = callerProto && callerProto[TRAMPOLINE];
        result = typeof callIn === "function" ? callIn(target, thisArg, args) : apply(target, thisArg, args);
      }
      try {
        report(thisArg, args);
      } catch (_) {
        // Reporting must never disturb the page.
      }
      return result;
    },
  });
  Object.defineProperty(holder, "postMessage", { ...descriptor, value: wrapped });
})();
