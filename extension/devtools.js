// Runs in: the DevTools page (one per open DevTools window). Registers the
// "WWE API" panel for the inspected tab: one call, no reason for wasm here.
"use strict";
{
  const api = globalThis.browser ?? globalThis.chrome;
  api.devtools.panels.create("WWE API", "icons/icon-32.png", `panel.html?tabId=${api.devtools.inspectedWindow.tabId}&devtools=1`);
}
