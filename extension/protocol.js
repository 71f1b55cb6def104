// Runs in: background and panel page (a classic script shared by both).
// The one message protocol between the extension's parts. Every message is a
// plain object tagged by `type`; every port opens with `hello` both ways.
//
// Version table (bump `version` on every breaking change; one line each):
//   1  hello, subscribe, clear, preserve, ping; backlog, records, dropped,
//      navigated, error; relay-batch.
//   1  (additive) relay-hello -> {armed}; relay-batch -> {ok, armed}
//      (acknowledged once stored); background -> relays: armed {on};
//      stats (extension pages only); records gain framePath, sourcePath,
//      sourceRelation, sourceTabId, sourceUnknown, targetOrigin, stack,
//      pageReported, ports, captureTabId. Panels reconnect after a
//      background restart and get a fresh backlog.
//   2  panel -> background: send {id, tabId, frameId, mode: post|dispatch,
//      base, path, targetOrigin, spoofOrigin, messages (JSON texts, at most
//      200), intervalMs, probeMs} (replay, edit and send, forge, bulk);
//      background -> panel: sent {id, ok, posted, error, probe}.
globalThis.WWE_PROTOCOL = Object.freeze({
  version: 2,
  // The port name a panel uses to connect to the background.
  panelPort: "wwe-panel",
  // Panel -> background.
  toBackground: Object.freeze(["hello", "subscribe", "clear", "preserve", "ping", "send"]),
  // Background -> panel.
  toPanel: Object.freeze(["hello", "backlog", "records", "dropped", "navigated", "error", "sent"]),
});
