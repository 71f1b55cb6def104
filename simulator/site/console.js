// Runs in: the sample console page (console.html, crm.html), any origin, after wwe-client.js.
//
// Builds a button and a parameter form for every request of the catalog
// (catalog.json, generated from the core catalog), subscriptions, and a
// burst mode. Every reply, failure and timeout is written into the DOM
// (#results li[data-testid=result], #events li[data-testid=event]) so tests
// and people see the same thing. `window.wweConsole` is the scripting door
// the end-to-end tests use.
//
// URL parameters: name (shown), subscribe=a,b (subscribe on load),
// targetOrigin (default "*"). The wrong-targetOrigin mode is
// `targetOrigin=https://wrong.example` (any origin but WWE's): the browser
// refuses every post, tells neither page, and each request fails with
// "Request timeout" after 10 s; WWE never hears from the app. Serve the
// console on the same-site origin ({{SAME_SITE_ORIGIN}}, the service's host
// on another port) to see Chromium report the refusal, or on the
// cross-site client origin ({{CLIENT_ORIGIN}}) where nothing reports it.
(function () {
  "use strict";
  const service = window.genesys.wwe.service;
  const params = new URLSearchParams(location.search);
  const $ = (id) => document.getElementById(id);
  $("name").textContent = params.get("name") || document.title;
  if (params.get("targetOrigin")) service.setTargetOrigin(params.get("targetOrigin"));
  if (window.WWE_CONSOLE_TARGET) service.targetWWEWindow($(window.WWE_CONSOLE_TARGET).contentWindow);

  function whoami() {
    $("whoami").textContent = `${location.origin} · frameId ${service.frameId ?? "-"} · targetOrigin ${service.targetOrigin}`;
  }
  whoami();

  const results = [];
  const events = [];

  function show(list, item, attrs, text, cls) {
    const li = document.createElement("li");
    for (const [k, v] of Object.entries(attrs)) li.dataset[k] = v;
    li.textContent = text;
    if (cls) li.className = cls;
    $(list).prepend(li);
    while ($(list).children.length > 500) $(list).lastChild.remove();
  }

  // One request; resolves (never rejects) with {request, referenceId, outcome, reply}.
  function call(request, parameters) {
    const started = performance.now();
    return new Promise((resolve) => {
      let referenceId;
      const finish = (outcome, reply) => {
        const r = { request, referenceId, outcome, reply, ms: performance.now() - started };
        results.push(r);
        whoami();
        const text = outcome === "timeout" ? reply : JSON.stringify(reply);
        show("results", r, { testid: "result", request, referenceId, outcome }, `${request} #${referenceId} ${outcome}: ${text}`, outcome);
        resolve(r);
      };
      referenceId = service.sendMessage(
        { request, parameters },
        (reply) => finish("ok", reply),
        (reply) => finish(typeof reply === "string" ? "timeout" : "error", reply),
      );
    });
  }

  function onEvent(message) {
    const eventType = (message.data && message.data.eventType) || "";
    events.push(message);
    show("events", message, { testid: "event", event: message.event, eventType }, JSON.stringify(message));
  }

  function subscribe(names) {
    return service.subscribe(names, onEvent).then(
      (id) => { show("results", {}, { testid: "subscribed", subscriptionId: id }, `subscribed ${names} as ${id}`, "ok"); return id; },
      (e) => { show("results", {}, { testid: "subscribe-failed" }, `subscribe ${names} failed: ${JSON.stringify(e)}`, "error"); throw e; },
    );
  }

  // A value typed into a parameter box, read as the catalog kind says.
  function parse(kind, text) {
    const t = text.trim();
    const json = () => JSON.parse(t);
    switch (kind) {
      case "number": return Number(t);
      case "key-values": case "options": return json();
      case "string-or-number": case "state-index-or-name": case "date":
        return /^-?\d+(\.\d+)?$/.test(t) ? Number(t) : t;
      case "any": try { return json(); } catch (_) { return t; }
      default: return text;
    }
  }

  function buildForms(catalog) {
    service.installCatalog(catalog);
    const box = $("requests");
    for (const ns of catalog.namespaces) {
      const set = document.createElement("fieldset");
      set.innerHTML = `<legend>${ns.name}</legend>`;
      set.title = ns.description;
      for (const spec of catalog.requests.filter((r) => r.namespace === ns.name)) {
        const row = document.createElement("div");
        row.className = "req";
        row.dataset.testid = "request-form";
        row.dataset.request = spec.name;
        const button = document.createElement("button");
        button.textContent = spec.name;
        button.title = spec.description;
        row.append(button);
        const inputs = spec.params.map((p) => {
          const input = document.createElement("input");
          input.placeholder = p.name + (p.optional ? "?" : "");
          input.title = `${p.name}: ${p.expectation}`;
          input.dataset.param = p.name;
          row.append(input);
          return { p, input };
        });
        button.addEventListener("click", () => {
          let values;
          try {
            values = inputs.map(({ p, input }) => (input.value === "" ? undefined : parse(p.kind, input.value)));
          } catch (e) {
            show("results", {}, { testid: "input-error" }, `${spec.name}: ${e}`, "error");
            return;
          }
          while (values.length && values[values.length - 1] === undefined) values.pop();
          call(spec.name, values.map((v) => (v === undefined ? null : v)));
        });
        set.append(row);
      }
      box.append(set);
    }
    const form = $("subscribe-form");
    const names = catalog.events.filter((e) => !e.prefix).map((e) => e.name);
    form.innerHTML = names.map((n) => `<label><input type="checkbox" value="${n}"> ${n}</label>`).join(" ") +
      ` <label>messenger:<input id="channel" placeholder="channel" size="10"></label> <button id="subscribe">Subscribe</button>`;
    $("subscribe").addEventListener("click", () => {
      const chosen = [...form.querySelectorAll("input[type=checkbox]:checked")].map((i) => i.value);
      if ($("channel").value) chosen.push("messenger:" + $("channel").value);
      if (chosen.length) subscribe(chosen);
    });
  }

  // Burst: `rate` requests per second for `seconds` seconds, in ticks of 10 ms.
  function burst(request, parameters, rate, seconds) {
    const total = Math.round(rate * seconds);
    const counts = { sent: 0, ok: 0, error: 0, timeout: 0 };
    const latencies = [];
    const out = $("burst");
    const render = (done) => {
      const sorted = latencies.slice().sort((a, b) => a - b);
      const p50 = sorted.length ? sorted[Math.floor(sorted.length / 2)].toFixed(1) : "-";
      out.textContent = `${request}: sent ${counts.sent}/${total}, ok ${counts.ok}, error ${counts.error}, timeout ${counts.timeout}, median ${p50} ms${done ? " (done)" : ""}`;
      Object.assign(out.dataset, counts, { total, done: done ? "1" : "0", median: p50 });
    };
    return new Promise((resolve) => {
      const start = performance.now();
      const finished = [];
      const timer = setInterval(() => {
        const due = Math.min(total, Math.floor(((performance.now() - start) / 1000) * rate) + 1);
        while (counts.sent < due) {
          counts.sent++;
          const t0 = performance.now();
          finished.push(new Promise((res) => service.sendMessage({ request, parameters },
            () => { counts.ok++; latencies.push(performance.now() - t0); res(); },
            (r) => { counts[typeof r === "string" ? "timeout" : "error"]++; res(); })));
        }
        render(false);
        if (counts.sent >= total) {
          clearInterval(timer);
          Promise.all(finished).then(() => { render(true); resolve(Object.assign({ total }, counts)); });
        }
      }, 10);
    });
  }
  $("burst-start").addEventListener("click", () => {
    burst($("burst-request").value, JSON.parse($("burst-params").value || "[]"),
      Number($("burst-rate").value), Number($("burst-seconds").value));
  });

  const ready = fetch("catalog.json").then((r) => r.json()).then((catalog) => {
    buildForms(catalog);
    document.documentElement.dataset.ready = "1";
    return catalog;
  });
  const initial = params.get("subscribe");
  if (initial) ready.then(() => subscribe(initial.split(",")));

  window.wweConsole = { call, subscribe, burst, results, events, ready, service };
})();
