//! `wwe-trace diff A B`: the exchanges that differ between two traces.
//! Exchanges are matched by request name and `referenceId`, then, for the
//! rest, by request name in order; a matched pair differs in its state, its
//! latency (beyond a tolerance), its request (parameters and every other
//! member) or its reply (`referenceId` aside). Exit 1 when anything
//! differs.
//!
//! Messages are compared as they are but printed as `redact` would write
//! them (the default rules and the e-mail and phone patterns, applied to
//! the whole trace, so a token reply is known by its request): a report
//! must not leak what `redact` would remove. A difference that lies wholly
//! in redacted values is reported as a change without the values.

use std::collections::{HashMap, VecDeque};
use std::fmt::Write;

use anyhow::Result;
use serde_json::Value;
use wwe_core::redact::{mask, redact, Rule, Rules};
use wwe_core::session::{Exchange, Session};

use crate::load::Loaded;
use crate::show::duration;
use crate::Outcome;

/// Writes the differences.
pub fn run(a: &Loaded, b: &Loaded, tolerance: f64, out: &mut String) -> Result<Outcome> {
    let (xa, xb) = (a.session.exchanges(), b.session.exchanges());
    let pairs = pair(xa, xb);
    let rules = display_rules();
    let (shown_a, shown_b) = (Shown::of(&a.session, &rules), Shown::of(&b.session, &rules));
    let mut matched_b = vec![false; xb.len()];
    let mut changed = 0;
    let mut same = 0;
    let mut only_a = Vec::new();
    for (i, m) in pairs.iter().enumerate() {
        let Some(j) = *m else {
            only_a.push(i);
            continue;
        };
        matched_b[j] = true;
        let (ea, eb) = (&xa[i], &xb[j]);
        let mut diffs = Vec::new();
        if ea.state != eb.state {
            diffs.push(format!("state {} -> {}", ea.state.as_str(), eb.state.as_str()));
        }
        match (ea.latency_ms, eb.latency_ms) {
            (Some(la), Some(lb)) if (la - lb).abs() > tolerance => {
                diffs.push(format!("latency {} -> {}", duration(la), duration(lb)));
            }
            _ => {}
        }
        for (what, ia, ib) in [("request", Some(ea.request), Some(eb.request)), ("reply", ea.reply, eb.reply)] {
            let raw = (message(&a.session, ia), message(&b.session, ib));
            let shown = (shown_a.message(ia), shown_b.message(ib));
            if let ((Some(ra), Some(rb)), (Some(sa), Some(sb))) = (&raw, &shown) {
                if let Some(d) = difference(what, (ra, rb), (sa, sb), &rules) {
                    diffs.push(d);
                }
            }
        }
        if diffs.is_empty() {
            same += 1;
            continue;
        }
        changed += 1;
        for d in diffs {
            let _ = writeln!(out, "{} (message {} / {}): {d}", label(ea), ea.request, eb.request);
        }
    }
    for &i in &only_a {
        let _ = writeln!(out, "only in {}: {} (message {}, {})", a.name, label(&xa[i]), xa[i].request, xa[i].state.as_str());
    }
    let only_b: Vec<usize> = (0..xb.len()).filter(|&j| !matched_b[j]).collect();
    for &j in &only_b {
        let _ = writeln!(out, "only in {}: {} (message {}, {})", b.name, label(&xb[j]), xb[j].request, xb[j].state.as_str());
    }
    let _ = writeln!(
        out,
        "{} exchanges matched: {same} same, {changed} changed; {} only in {}, {} only in {}",
        same + changed,
        only_a.len(),
        a.name,
        only_b.len(),
        b.name
    );
    Ok(if changed + only_a.len() + only_b.len() > 0 { Outcome::Found } else { Outcome::Clean })
}

/// For each exchange of `a`, the index of its match in `b`.
fn pair(a: &[Exchange], b: &[Exchange]) -> Vec<Option<usize>> {
    let mut by_key: HashMap<(&str, &str), VecDeque<usize>> = HashMap::new();
    for (j, e) in b.iter().enumerate() {
        if let Some(rid) = &e.reference_id {
            by_key.entry((&e.name, rid)).or_default().push_back(j);
        }
    }
    let mut taken = vec![false; b.len()];
    let mut out: Vec<Option<usize>> = a
        .iter()
        .map(|e| {
            let rid = e.reference_id.as_deref()?;
            let j = by_key.get_mut(&(e.name.as_ref(), rid))?.pop_front()?;
            taken[j] = true;
            Some(j)
        })
        .collect();
    let mut by_name: HashMap<&str, VecDeque<usize>> = HashMap::new();
    for (j, e) in b.iter().enumerate() {
        if !taken[j] {
            by_name.entry(&e.name).or_default().push_back(j);
        }
    }
    for (i, e) in a.iter().enumerate() {
        if out[i].is_none() {
            out[i] = by_name.get_mut(e.name.as_ref()).and_then(VecDeque::pop_front);
        }
    }
    out
}

fn label(e: &Exchange) -> String {
    match &e.reference_id {
        Some(rid) => format!("{} ref {rid:?}", e.name),
        None => format!("{} (no referenceId)", e.name),
    }
}

/// What values are printed through: the default rules and the e-mail and
/// phone patterns.
fn display_rules() -> Rules {
    let mut rules = Rules::default();
    rules.push(Rule::Email);
    rules.push(Rule::Phone);
    rules
}

/// A trace's messages as `redact` would write them, without
/// `referenceId`, by record id (the first message of an id, as
/// [`Session::message`]).
struct Shown {
    messages: Vec<Value>,
    at: HashMap<u64, usize>,
}

impl Shown {
    fn of(s: &Session, rules: &Rules) -> Shown {
        let mut at = HashMap::new();
        for (i, m) in s.messages().iter().enumerate() {
            at.entry(m.record.id).or_insert(i);
        }
        let messages = redact(s, rules).records.into_iter().map(|r| without_reference_id(r.data)).collect();
        Shown { messages, at }
    }

    fn message(&self, id: Option<u64>) -> Option<&Value> {
        self.messages.get(*self.at.get(&id?)?)
    }
}

/// `"<what> differs at <where>: <a> -> <b>"` from the raw messages, shown
/// from the redacted ones; `None` when the raw messages are the same.
fn difference(what: &str, raw: (&Value, &Value), shown: (&Value, &Value), rules: &Rules) -> Option<String> {
    let (at, _, _) = first_difference(raw.0, raw.1, String::new())?;
    let Some((at, va, vb)) = first_difference(shown.0, shown.1, String::new()) else {
        // Only redacted values differ; the place may hold a redacted key.
        let at = match mask(&Value::String(at.clone()), rules) {
            Value::String(masked) => masked,
            _ => at,
        };
        return Some(format!("{what} differs at {}: changed (in redacted values)", top(at)));
    };
    Some(format!("{what} differs at {}: {} -> {}", top(at), show(va), show(vb)))
}

fn top(at: String) -> String {
    if at.is_empty() {
        "the top".to_owned()
    } else {
        at
    }
}

fn without_reference_id(mut v: Value) -> Value {
    if let Value::Object(m) = &mut v {
        m.remove("referenceId");
    }
    v
}

/// A message without its `referenceId`.
fn message(s: &Session, id: Option<u64>) -> Option<Value> {
    let mut v = s.message(id?)?.record.data.clone();
    if let Value::Object(m) = &mut v {
        m.remove("referenceId");
    }
    Some(v)
}

/// The first place (a JSON pointer) where two values differ.
fn first_difference<'v>(a: &'v Value, b: &'v Value, at: String) -> Option<(String, Option<&'v Value>, Option<&'v Value>)> {
    match (a, b) {
        (Value::Object(ma), Value::Object(mb)) => {
            let mut keys: Vec<&String> = ma.keys().chain(mb.keys()).collect();
            keys.sort();
            keys.dedup();
            keys.into_iter().find_map(|k| {
                let path = format!("{at}/{}", k.replace('~', "~0").replace('/', "~1"));
                match (ma.get(k), mb.get(k)) {
                    (Some(x), Some(y)) => first_difference(x, y, path),
                    (x, y) => Some((path, x, y)),
                }
            })
        }
        (Value::Array(xa), Value::Array(xb)) => (0..xa.len().max(xb.len())).find_map(|i| {
            let path = format!("{at}/{i}");
            match (xa.get(i), xb.get(i)) {
                (Some(x), Some(y)) => first_difference(x, y, path),
                (x, y) => Some((path, x, y)),
            }
        }),
        _ if a == b => None,
        _ => Some((at, Some(a), Some(b))),
    }
}

/// A value as the panel shows it: values JSON cannot hold (`NaN`, `12n`,
/// `Map(2) {…}`) through the core's one renderer, the rest as JSON; cut
/// after 60 characters.
fn show(v: Option<&Value>) -> String {
    v.map_or_else(|| "(absent)".to_owned(), |v| wwe_core::tagged::quoted(v, 60))
}
