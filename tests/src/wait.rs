//! Waiting by polling, with timeouts scaled for a slow shared machine.
//!
//! Nothing in the end-to-end tests asserts after a fixed sleep: every
//! expectation is a probe polled until it holds or a timeout expires, and a
//! timeout reports what was awaited and what the probe saw last.

use std::time::{Duration, Instant};

use crate::error::{Error, Result};

/// The usual patience for something the browser should do "soon".
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(20);

/// `base` multiplied by `WWE_E2E_TIMEOUT_SCALE` (a float, default 1), so a
/// slow CI box can stretch every timeout at once.
pub fn scaled(base: Duration) -> Duration {
    let scale = std::env::var("WWE_E2E_TIMEOUT_SCALE")
        .ok()
        .and_then(|s| s.parse::<f64>().ok())
        .filter(|s| *s > 0.0)
        .unwrap_or(1.0);
    base.mul_f64(scale)
}

/// Polls `probe` until it returns `Ok`. `Err(seen)` means "not yet" and
/// describes what it saw instead; the last one is quoted on timeout.
pub fn wait_for<T>(
    what: &str,
    timeout: Duration,
    mut probe: impl FnMut() -> std::result::Result<T, String>,
) -> Result<T> {
    let timeout = scaled(timeout);
    let start = Instant::now();
    let mut interval = Duration::from_millis(50);
    loop {
        let seen = match probe() {
            Ok(value) => return Ok(value),
            Err(seen) => seen,
        };
        if start.elapsed() >= timeout {
            return Err(Error::new(format!(
                "timed out after {:.1} s waiting for {what}; last seen: {seen}",
                timeout.as_secs_f64()
            )));
        }
        std::thread::sleep(interval);
        interval = (interval * 2).min(Duration::from_millis(250));
    }
}
