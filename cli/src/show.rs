//! Small formatting helpers shared by the commands: times in UTC,
//! durations, plurals.

use chrono::DateTime;

/// `2023-11-14 22:13:40.000` (UTC) for ms since the epoch.
pub fn time(ms: f64) -> String {
    let micros = if ms.is_finite() && ms.abs() < 9.0e15 { (ms * 1000.0).round() as i64 } else { 0 };
    match DateTime::from_timestamp_micros(micros) {
        Some(t) => t.format("%Y-%m-%d %H:%M:%S%.3f").to_string(),
        None => format!("{ms} ms"),
    }
}

/// `22:13:40.000` (UTC).
pub fn clock(ms: f64) -> String {
    let full = time(ms);
    full.split_once(' ').map_or(full.clone(), |(_, t)| t.to_owned())
}

/// `4.5 ms`, `12.50 s`.
pub fn duration(ms: f64) -> String {
    if ms.abs() < 1000.0 {
        format!("{ms:.1} ms")
    } else {
        format!("{:.2} s", ms / 1000.0)
    }
}

/// `1 warning`, `2 warnings`.
pub fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}
