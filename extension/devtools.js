// Runs in: the DevTools page (one per open DevTools window).
// Registers the "WWE API" panel for the inspected tab.
"use strict";
{
  const api = globalThis.browser ?? globalThis.chrome;
  const tabId = api.devtools.inspectedWindow.tabId;
  api.devtools.panels.create("WWE API", "icons/icon-32.png", `panel.html?tabId=${tabId}&devtools=1`);
}
