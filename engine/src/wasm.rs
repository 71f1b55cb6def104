//! The engine for the background's JavaScript: one object, one method.
//! Inputs and effects cross as JSON text (`io.rs` defines both).

use wasm_bindgen::prelude::*;

use crate::Engine;

/// The background's engine, as `extension/background.js` holds it.
#[wasm_bindgen(js_name = Engine)]
pub struct WasmEngine(Engine);

#[wasm_bindgen(js_class = Engine)]
impl WasmEngine {
    #[wasm_bindgen(constructor)]
    pub fn new() -> WasmEngine {
        WasmEngine(Engine::new())
    }

    /// One input (JSON text of an `Input`); the effects, as JSON text of an
    /// array of `Effect`.
    pub fn handle(&mut self, input: &str) -> String {
        let effects = self.0.handle_json(input);
        serde_json::to_string(&effects).unwrap_or_else(|_| "[]".into())
    }
}

impl Default for WasmEngine {
    fn default() -> WasmEngine {
        WasmEngine::new()
    }
}
