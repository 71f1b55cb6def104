// Runs in: a client app page (any origin), as a classic script before the app's own.
//
// wwe-devtools' own Service Client API client library, written from the wire
// facts (shared/reference/wire-protocol.md), with the vendor library's wire
// behaviour: string referenceId counter from "0", 10 s timeout failing with
// "Request timeout", subscribe with event callbacks, frameId echo,
// userAgent "WWE Client", protocolVersion 2, targetOrigin "*" unless set,
// target window = targetWWEWindow(win), else window.opener, else window.parent.
//
//   genesys.wwe.service.sendMessage({request: "agent.get"}, done, fail)
//   genesys.wwe.service.subscribe(["agent", "interaction"], handler, context)
//   genesys.wwe.service.installCatalog(catalog)  // adds voice.dial(...), ...
//   genesys.wwe.service.call("voice.dial", ["5001"])  // a Promise of the reply
(function () {
  "use strict";
  const TIMEOUT_MS = 10000;
  let nextReference = 0;
  let frameId = null;
  let explicitTarget = null;
  let targetOrigin = "*";
  const pending = new Map(); // referenceId -> {done, fail, timer, subscribe}
  const subscriptions = []; // {names, handler, context, id}

  function target() {
    if (explicitTarget) return explicitTarget;
    if (window.opener && window.opener !== window) return window.opener;
    return window.parent;
  }

  function post(message) {
    message.userAgent = "WWE Client";
    message.protocolVersion = 2;
    if (frameId !== null) message.frameId = frameId;
    target().postMessage(message, targetOrigin);
  }

  function expect(referenceId, done, fail, extra) {
    const timer = setTimeout(() => {
      pending.delete(referenceId);
      if (fail) fail("Request timeout");
    }, TIMEOUT_MS);
    pending.set(referenceId, Object.assign({ done, fail, timer }, extra));
  }

  function reference(message) {
    if (message.referenceId === undefined || message.referenceId === null) {
      message.referenceId = String(nextReference++);
    }
    return String(message.referenceId);
  }

  function sendMessage(message, done, fail) {
    const copy = Object.assign({}, message);
    if (copy.parameters === undefined) copy.parameters = [];
    const referenceId = reference(copy);
    expect(referenceId, done, fail);
    post(copy);
    return referenceId;
  }

  function subscribe(names, handler, context) {
    const list = Array.isArray(names) ? names.slice() : [names];
    const subscription = { names: list, handler, context, id: null };
    subscriptions.push(subscription);
    const message = { event: "subscribe", data: names };
    const referenceId = reference(message);
    return new Promise((resolve, reject) => {
      expect(referenceId, (reply) => {
        subscription.id = reply.subscriptionId;
        resolve(reply.subscriptionId);
      }, (error) => {
        subscriptions.splice(subscriptions.indexOf(subscription), 1);
        reject(error);
      });
      post(message);
    });
  }

  function unsubscribe(subscriptionId) {
    const i = subscriptions.findIndex((s) => s.id === subscriptionId);
    if (i >= 0) subscriptions.splice(i, 1);
    // Sent without a callback: no reply is awaited.
    const message = { event: "unsubscribe", data: subscriptionId };
    reference(message);
    post(message);
  }

  window.addEventListener("message", (event) => {
    const data = event.data;
    if (typeof data === "string") {
      if (data.startsWith("wwe") && service.onMessage) service.onMessage(data, event);
      return;
    }
    if (!data || typeof data !== "object" || typeof data.userAgent !== "string" || !data.userAgent.includes("WWE")) return;
    if (data.userAgent === "WWE Client") return;
    if (data.frameId !== undefined && data.event === undefined && data.referenceId === undefined) {
      frameId = data.frameId;
      return;
    }
    if (data.referenceId !== undefined && pending.has(String(data.referenceId))) {
      const p = pending.get(String(data.referenceId));
      pending.delete(String(data.referenceId));
      clearTimeout(p.timer);
      if (data.errorMessage !== undefined) {
        if (p.fail) p.fail(data);
      } else if (p.done) {
        p.done(data);
      }
      return;
    }
    if (typeof data.event === "string") {
      for (const s of subscriptions.slice()) {
        if (s.names.includes(data.event)) s.handler.call(s.context, data);
      }
    }
  });

  // A Promise of the whole reply; rejects with the failure reply or "Request timeout".
  function call(request, parameters) {
    return new Promise((resolve, reject) => sendMessage({ request, parameters: parameters || [] }, resolve, reject));
  }

  // Adds namespace methods (service.voice.dial(destination, userData, done, fail), ...)
  // from the catalog served as catalog.json.
  function installCatalog(catalog) {
    for (const spec of catalog.requests) {
      const ns = (service[spec.namespace] = service[spec.namespace] || {});
      const arity = spec.params.length;
      ns[spec.method] = function (...args) {
        const parameters = args.slice(0, arity);
        const done = args[arity], fail = args[arity + 1];
        while (parameters.length && parameters[parameters.length - 1] === undefined) parameters.pop();
        return sendMessage({ request: spec.name, parameters }, done, fail);
      };
    }
  }

  const service = {
    sendMessage,
    subscribe,
    unsubscribe,
    call,
    installCatalog,
    onMessage: null,
    targetWWEWindow(win) { explicitTarget = win; },
    setTargetOrigin(origin) { targetOrigin = origin; },
    get targetOrigin() { return targetOrigin; },
    get frameId() { return frameId; },
    get target() { return target(); },
  };
  window.genesys = window.genesys || {};
  window.genesys.wwe = window.genesys.wwe || {};
  window.genesys.wwe.service = service;
})();
