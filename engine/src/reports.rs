//! The send-side hook's reports (page claims: a `targetOrigin` and a caller
//! stack per same-origin `postMessage` call) and their link to deliveries.
//! A report is linked to the first delivery after it whose data has the
//! same fingerprint (a window's messages arrive in the order sent), and
//! shown only as reported by the page.

use std::collections::VecDeque;

use wwe_core::wire::HookReport;

use crate::frames::truncate;

/// Reports waiting per relay; beyond it the oldest go, counted.
pub const WAITING_CAP: usize = 256;
/// A report older than this (ms) before its delivery is forgotten.
pub const MAX_AGE_MS: f64 = 10_000.0;

/// Adds a batch's reports, cut to size; returns how many old ones had to go.
pub fn add(waiting: &mut VecDeque<HookReport>, reports: Vec<HookReport>) -> u64 {
    let mut overflow = 0;
    for report in reports {
        if waiting.len() >= WAITING_CAP {
            waiting.pop_front();
            overflow += 1;
        }
        waiting.push_back(HookReport {
            fp: truncate(&report.fp, 300),
            t: report.t,
            target_origin: report.target_origin.map(|o| truncate(&o, 2048)),
            stack: report.stack.map(|s| truncate(&s, 4096)),
        });
    }
    overflow
}

/// Takes the reports of posts the browser refuses to deliver to this
/// frame: a `targetOrigin` other than `*` and `/` whose origin is not the
/// frame's (`recipient`). The hook sees only same-origin calls, so the
/// caller had the frame's origin too. A `targetOrigin` whose origin cannot
/// be read here stays (the browser may think otherwise).
pub fn take_refused(waiting: &mut VecDeque<HookReport>, recipient: &str) -> Vec<HookReport> {
    let refused = |r: &HookReport| {
        r.target_origin.as_deref().is_some_and(|o| {
            let origin = crate::origin_of(o);
            o != "*" && o != "/" && !origin.is_empty() && origin != recipient
        })
    };
    let (out, keep): (Vec<HookReport>, Vec<HookReport>) = waiting.drain(..).partition(refused);
    waiting.extend(keep);
    out
}

/// The first waiting report for a delivery at `time` with fingerprint `fp`,
/// sent before it; reports too old for it are dropped first.
pub fn take(waiting: &mut VecDeque<HookReport>, fp: &str, time: f64) -> Option<HookReport> {
    while waiting.front().is_some_and(|r| time - r.t > MAX_AGE_MS) {
        waiting.pop_front();
    }
    let at = waiting.iter().position(|r| r.fp == fp && r.t <= time + 1.0)?;
    waiting.remove(at)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(fp: &str, t: f64) -> HookReport {
        HookReport { fp: fp.into(), t, target_origin: Some(format!("{fp}@{t}")), stack: None }
    }

    #[test]
    fn a_delivery_takes_the_first_earlier_report_with_its_fingerprint() {
        let mut waiting = VecDeque::new();
        add(&mut waiting, vec![report("a", 1.0), report("b", 2.0), report("a", 3.0)]);
        assert_eq!(take(&mut waiting, "a", 5.0).unwrap().target_origin.as_deref(), Some("a@1"));
        assert_eq!(take(&mut waiting, "a", 5.0).unwrap().target_origin.as_deref(), Some("a@3"));
        assert!(take(&mut waiting, "a", 5.0).is_none());
        assert!(take(&mut waiting, "b", 0.5).is_none(), "a report after the delivery is not its");
    }

    #[test]
    fn a_target_origin_other_than_the_frames_is_refused_and_the_rest_stay() {
        let mut waiting = VecDeque::new();
        let with = |o: &str| HookReport { fp: "f".into(), t: 1.0, target_origin: Some(o.into()), stack: None };
        add(&mut waiting, vec![with("https://wrong.example"), with("*"), with("/"), with("http://127.0.0.1:8470/x"), with("chrome://x")]);
        let refused: Vec<String> = take_refused(&mut waiting, "http://127.0.0.1:8470").into_iter().filter_map(|r| r.target_origin).collect();
        assert_eq!(refused, vec!["https://wrong.example"]);
        assert_eq!(waiting.len(), 4);
    }

    #[test]
    fn old_reports_go_and_a_flood_is_bounded_and_counted() {
        let mut waiting = VecDeque::new();
        let overflow = add(&mut waiting, (0..300).map(|i| report("x", i as f64)).collect());
        assert_eq!((waiting.len(), overflow), (WAITING_CAP, 300 - WAITING_CAP as u64));
        assert!(take(&mut waiting, "x", 50_000.0).is_none(), "every report is older than 10 s");
        assert!(waiting.is_empty());
    }
}
