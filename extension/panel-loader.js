// Runs in: the panel page (DevTools panel or extension tab), as its one
// script. Starts the panel's wasm (`panel/`), which reaches the extension
// APIs itself (`panel/src/bridge.rs`). It cannot be Rust: an extension
// page's CSP runs no inline script, and wasm-bindgen's module needs this call.
import init from "./wwe_panel.js";

await init();
