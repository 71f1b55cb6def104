//! The WWE simulator: a service page and sample clients, served on several
//! loopback origins so cross-origin `postMessage` traffic is real.
//!
//! [`server`] is the HTTP part, shared with the end-to-end tests.

pub mod server;

pub use server::{Origins, Port, RequestLog, Server, ServerConfig};
