//! wwe-core: everything that understands the Genesys WWE Service Client API.
//!
//! The core does no I/O and knows nothing of Leptos, web-sys or `chrome.*`;
//! it is compiled natively (CLI, tests, benchmarks) and to wasm (panel,
//! simulator).

pub mod admission;
pub mod bignum;
pub mod catalog;
pub mod compose;
pub mod decode;
pub mod error;
pub mod finding;
pub mod har;
pub mod interactions;
pub mod lint;
pub mod options;
pub mod policy;
pub mod query;
pub mod ratelimit;
pub mod record;
pub mod refused;
pub mod redact;
pub mod reply;
pub mod session;
#[doc(hidden)]
pub mod synthetic;
pub mod tagged;
pub mod wire;

pub use error::{Error, ErrorKind};
