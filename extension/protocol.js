// Runs in: background and panel page (a classic script shared by both).
// The names the JS needs of the one message protocol. The contract itself
// (every message and the capture record, as types, and the version table)
// is `src/wire.rs`; `src/tests/contract.rs` fails when this file or any
// other JS here disagrees with it. Every message is a plain object tagged
// by `type`; every panel port opens with `hello` both ways.
globalThis.WWE_PROTOCOL = Object.freeze({
  version: 2,
  // The port name a panel uses to connect to the background.
  panelPort: "wwe-panel",
  // Panel -> background.
  toBackground: Object.freeze(["hello", "subscribe", "clear", "preserve", "ping", "send"]),
  // Background -> panel.
  toPanel: Object.freeze(["hello", "backlog", "records", "dropped", "navigated", "error", "sent"]),
});
