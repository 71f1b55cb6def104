//! The WWE simulator's service page: a small agent desktop that speaks the
//! Service Client API over `postMessage`.
//!
//! [`model`] is the desktop and the protocol (plain Rust, tested natively);
//! [`catalog_json`] is the catalog as served to the sample console; the
//! page itself (Leptos, web-sys) exists only on wasm, in `page`.

pub mod catalog_json;
pub mod model;
#[cfg(target_arch = "wasm32")]
mod page;
