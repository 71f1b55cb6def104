//! The rate-limit view: per request type and minute window, the count
//! against the configured limit (a bar chart), quarantine bands, the hits
//! seen and the requests swallowed in quarantine; and, with options set,
//! what WWE would have limited (the core's `admission::predict`: the
//! requests the options refuse never count against a limit).

use leptos::prelude::*;
use wwe_core::decode::Message;
use wwe_core::admission::{predict, TraceRequest};
use wwe_core::ratelimit::summarize;

use crate::clock::clock;
use crate::model::Store;

/// Chart width and height in CSS pixels; one bar per minute window.
const CHART_W: f64 = 260.0;
const CHART_H: f64 = 36.0;

#[derive(Clone, PartialEq)]
struct RateRow {
    request: String,
    limit: Option<u32>,
    requests: u32,
    hits: u32,
    swallowed: u32,
    predicted_hits: Option<u32>,
    predicted_ignored: Option<u32>,
    /// (window start ms, requests, hits, swallowed)
    windows: Vec<(f64, u32, u32, u32)>,
    /// (start ms, end ms or infinity)
    quarantines: Vec<(f64, f64)>,
}

/// The view.
#[component]
pub fn RateLimitView(store: Store) -> impl IntoView {
    let rows = Memo::new(move |_| {
        let options = store.options();
        store.read(|session| {
            let predictions = options.as_ref().map(|o| {
                let requests = session.messages().iter().filter_map(|m| match &m.decoded.message {
                    Message::Request(r) => Some(TraceRequest {
                        time_ms: m.record.time,
                        origin: &m.record.source_origin,
                        app: session.sender_app(o, m),
                        request: &r.name,
                    }),
                    _ => None,
                });
                let (predictions, _refused) = predict(o, requests);
                summarize(&o.rate_limits, &predictions)
            });
            session
                .rate_observations()
                .iter()
                .map(|obs| {
                    let predicted = predictions.as_ref().and_then(|p| p.iter().find(|s| s.request == obs.request));
                    RateRow {
                        request: obs.request.clone(),
                        limit: options.as_ref().and_then(|o| o.rate_limits.limit_for(&obs.request)),
                        requests: obs.windows.iter().map(|w| w.requests).sum(),
                        hits: obs.windows.iter().map(|w| w.hits).sum(),
                        swallowed: obs.windows.iter().map(|w| w.swallowed).sum(),
                        predicted_hits: predicted.map(|p| p.hits),
                        predicted_ignored: predicted.map(|p| p.swallowed),
                        windows: obs.windows.iter().map(|w| (w.start_ms, w.requests, w.hits, w.swallowed)).collect(),
                        quarantines: obs.quarantines.iter().map(|q| (q.start_ms, q.end_ms)).collect(),
                    }
                })
                .collect::<Vec<_>>()
        })
    });
    view! {
        <section class="table-view" data-testid="ratelimit-view">
            <p class="muted view-help">
                "Requests per fixed one-minute window, against the limit in the options (Settings ⚙). "
                "A hit is WWE's rate-limit error; swallowed requests got no reply during the quarantine that followed."
            </p>
            <table class="view-table">
                <thead>
                    <tr>
                        <th>"Request"</th><th>"Limit / min"</th><th>"Requests"</th><th>"Hits"</th>
                        <th>"Swallowed"</th><th>"Predicted (options)"</th><th>"Per minute"</th><th>"Quarantines"</th>
                    </tr>
                </thead>
                <tbody>
                    <For each=move || rows.get() key=|r| (r.request.clone(), r.requests, r.hits, r.swallowed, r.limit, r.predicted_hits) let:row>
                        <tr
                            data-testid="rate-row"
                            data-request=row.request.clone()
                            data-hits=row.hits.to_string()
                            data-swallowed=row.swallowed.to_string()
                            data-limit=row.limit.map_or_else(|| "none".to_string(), |l| l.to_string())
                            class:hit={row.hits > 0}
                        >
                            <td><code>{row.request.clone()}</code></td>
                            <td>{row.limit.map_or_else(|| "unlimited".to_string(), |l| l.to_string())}</td>
                            <td>{row.requests}</td>
                            <td class:bad={row.hits > 0}>{row.hits}</td>
                            <td class:bad={row.swallowed > 0}>{row.swallowed}</td>
                            <td data-testid="rate-predicted">
                                {match (row.predicted_hits, row.predicted_ignored) {
                                    (Some(h), Some(i)) => format!("{h} limited, {i} ignored"),
                                    _ => "set options to predict".to_string(),
                                }}
                            </td>
                            <td>{chart(&row)}</td>
                            <td class="quarantines">
                                {row.quarantines.iter().map(|(start, end)| {
                                    let text = if end.is_finite() {
                                        format!("{} → {} ({:.0} s)", clock(*start), clock(*end), (end - start) / 1000.0)
                                    } else {
                                        format!("{} → forever", clock(*start))
                                    };
                                    view! { <div data-testid="quarantine">{text}</div> }
                                }).collect_view()}
                            </td>
                        </tr>
                    </For>
                </tbody>
            </table>
            {move || rows.with(Vec::is_empty).then(|| view! { <p class="empty">"No requests yet."</p> })}
        </section>
    }
}

/// One bar per minute window: requests served, hits and swallowed stacked,
/// with the limit as a line. Bars are scaled to the busiest window or the
/// limit, whichever is higher.
fn chart(row: &RateRow) -> impl IntoView {
    let peak = row
        .windows
        .iter()
        .map(|w| w.1)
        .max()
        .unwrap_or(0)
        .max(row.limit.unwrap_or(0))
        .max(1) as f64;
    let count = row.windows.len().max(1) as f64;
    let bar_w = (CHART_W / count).min(24.0);
    let scale = |n: u32| f64::from(n) / peak * (CHART_H - 2.0);
    let bars = row
        .windows
        .iter()
        .enumerate()
        .map(|(i, &(start, requests, hits, swallowed))| {
            let x = i as f64 * bar_w;
            let total = scale(requests);
            let bad = scale(hits + swallowed).min(total);
            view! {
                <g data-testid="rate-window" data-count=requests.to_string() data-hits=hits.to_string()>
                    <title>{format!("{}: {requests} requests, {hits} hits, {swallowed} swallowed", clock(start))}</title>
                    <rect class="bar" x=x y=CHART_H - total width=bar_w - 2.0 height=total></rect>
                    <rect class="bar-bad" x=x y=CHART_H - bad width=bar_w - 2.0 height=bad></rect>
                </g>
            }
        })
        .collect_view();
    let limit_line = row.limit.map(|l| {
        let y = CHART_H - scale(l);
        view! { <line class="limit" x1="0" x2=CHART_W y1=y y2=y></line> }
    });
    view! {
        <svg class="chart" width=CHART_W height=CHART_H viewBox=format!("0 0 {CHART_W} {CHART_H}")>
            {bars}
            {limit_line}
        </svg>
    }
}
