//! The message list's manners as in the Network panel (issue 18): drag a
//! header's edge to resize, right-click the header to hide a column, click
//! a header to sort, all three held after the panel reloads (saved per
//! browser profile); right-click a row to filter by a cell's value, copy
//! the message as a call or replay it. Chromium and Firefox, with the built
//! extension.

use serde_json::{json, Value};
use wwe_e2e::simulator::{enter_app, fill_origins, launch_on, serve, service_url, site_dir, App, Opened};
use wwe_e2e::{extension_dir, scaled, Browser, LaunchOptions, Session, DEFAULT_TIMEOUT};

/// The list's state as the page shows it: the grid's tracks, whether a
/// Size cell is laid out, the Latency header's sort, the requests' names
/// top to bottom.
fn state(s: &Session) -> Value {
    s.execute(
        "const grid = document.querySelector('.grid');\
         const size = document.querySelector('[data-testid=message] .c-size');\
         const head = document.querySelector('[data-testid=column-head][data-column=latency]');\
         const rows = [...document.querySelectorAll('[data-testid=message][data-kind=request]')];\
         const names = rows.map((r) => r.dataset.name);\
         const latencies = rows.map((r) => parseFloat(r.querySelector('.c-latency').textContent));\
         return { cols: grid.style.getPropertyValue('--cols'), sizeShown: getComputedStyle(size).display !== 'none',\
                  latencySort: head.dataset.sort ?? null, names, latencies };",
        &[],
    )
    .unwrap()
}

fn wait_rows(s: &Session, n: usize) {
    s.wait_for("the captured requests", scaled(DEFAULT_TIMEOUT), || {
        let rows = s.find_all("[data-testid=message][data-kind=request]").map_err(|e| e.to_string())?;
        if rows.len() >= n { Ok(()) } else { Err(format!("{} requests", rows.len())) }
    })
    .unwrap();
}

/// A browser on the simulator with the Console's three requests made and
/// the panel open on its tab; the server and the panel's path with it.
fn open(browser: Browser) -> (Session, wwe_simulator::Server, String) {
    let server = serve(site_dir(), true).expect("server");
    let origins = server.origins().clone();
    let options = fill_origins("service-client-api.accepted-web-content-origins={{CLIENT}}\n", &origins);
    let apps = [App::hidden("Console", format!("{}/console.html?name=Console", origins.client))];
    let launch = LaunchOptions::with_extension(extension_dir(browser).expect("extension"));
    let Opened { session: s, window, tab } =
        launch_on(browser, &launch, &service_url(&origins, &options, &apps), &origins.service).expect("browser");
    enter_app(&s, &window, "Console").unwrap();
    s.execute(
        "return (async () => { const c = window.wweConsole; await c.ready;\
           await c.call('voice.dial', ['5001']); await c.call('agent.get', []); await c.call('agent.getState', []);\
           return null; })();",
        &[],
    )
    .unwrap();
    s.switch_to_frame(None).unwrap();
    let panel = format!("panel.html?tabId={tab}");
    s.open_extension_page(&panel).unwrap();
    wait_rows(&s, 3);
    (s, server, panel)
}

fn columns(browser: Browser) {
    let (s, _server, panel) = open(browser);
    let before = state(&s);
    assert_eq!(before["sizeShown"], true);
    assert_eq!(before["names"], json!(["voice.dial", "agent.get", "agent.getState"]), "time order by default");

    // Resize: drag the Name column's edge 90 px to the right.
    let width = s
        .execute(
            "return (async () => {\
             const handle = document.querySelector('[data-testid=column-head][data-column=name] [data-testid=column-resize]');\
             const cell = handle.parentElement, w0 = cell.offsetWidth, r = handle.getBoundingClientRect();\
             const at = (x) => ({ bubbles: true, clientX: x, clientY: r.top + 2, button: 0 });\
             handle.dispatchEvent(new MouseEvent('mousedown', at(r.left + 2)));\
             window.dispatchEvent(new MouseEvent('mousemove', at(r.left + 92)));\
             window.dispatchEvent(new MouseEvent('mouseup', at(r.left + 92)));\
             await new Promise((ok) => requestAnimationFrame(() => setTimeout(ok, 50)));\
             return [w0, cell.offsetWidth]; })();",
            &[],
        )
        .unwrap();
    let (w0, w1) = (width[0].as_f64().unwrap(), width[1].as_f64().unwrap());
    assert!((w1 - (w0 + 90.0)).abs() <= 2.0, "the Name column grew by the drag: {w0} -> {w1}");

    // Hide: right-click the header, untick Size.
    s.execute(
        "const head = document.querySelector('[data-testid=grid-head]');\
         head.dispatchEvent(new MouseEvent('contextmenu', { bubbles: true, cancelable: true, clientX: 200, clientY: 60 }));\
         return null;",
        &[],
    )
    .unwrap();
    let toggle = s
        .wait_for("the columns menu", scaled(DEFAULT_TIMEOUT), || {
            s.find_all("[data-testid=column-menu] [data-testid=column-toggle][data-column=size]")
                .map_err(|e| e.to_string())?
                .into_iter()
                .next()
                .ok_or_else(|| "no menu".to_owned())
        })
        .unwrap();
    s.click(&toggle).unwrap();

    // Sort: click the Latency header (ascending).
    let latency = s.find_all("[data-testid=column-head][data-column=latency]").unwrap();
    s.click(&latency[0]).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(200));
    let after = state(&s);
    assert_eq!(after["sizeShown"], false, "{after}");
    assert_eq!(after["latencySort"], "ascending", "{after}");
    let cols = after["cols"].as_str().unwrap().to_owned();
    assert!(cols.contains(&format!("{}px", w1 as i64)) && !cols.contains("64px"), "{cols}");
    // A latency not known yet (an empty cell) sorts last.
    let latencies: Vec<f64> = after["latencies"].as_array().unwrap().iter().map(|l| l.as_f64().unwrap_or(f64::INFINITY)).collect();
    assert!(latencies.len() == 3 && latencies.windows(2).all(|w| w[0] <= w[1]), "sorted by latency: {after}");

    // The same after a reload: saved with the settings.
    s.wait_for("the settings to be saved", scaled(DEFAULT_TIMEOUT), || {
        s.open_extension_page(&panel).map_err(|e| e.to_string())?;
        wait_rows(&s, 3);
        let again = state(&s);
        let latencies: Vec<f64> = again["latencies"].as_array().unwrap().iter().map(|l| l.as_f64().unwrap_or(f64::INFINITY)).collect();
        let in_order = latencies.windows(2).all(|w| w[0] <= w[1]);
        if again["cols"] == after["cols"] && again["sizeShown"] == false && again["latencySort"] == "ascending" && in_order {
            Ok(())
        } else {
            Err(format!("after reload: {again}"))
        }
    })
    .unwrap();
}

/// Right-clicks the request row named `name` in the cell of class `cell`.
fn right_click(s: &Session, name: &str, cell: &str) {
    s.execute(
        &format!(
            "const row = [...document.querySelectorAll('[data-testid=message][data-kind=request]')].find((r) => r.dataset.name === {name:?});\
             const cell = row.querySelector({cell:?}), r = cell.getBoundingClientRect();\
             cell.dispatchEvent(new MouseEvent('contextmenu', {{ bubbles: true, cancelable: true, clientX: r.left + 4, clientY: r.top + 4, button: 2 }}));\
             return null;"
        ),
        &[],
    )
    .unwrap();
}

fn menu_item(s: &Session, testid: &str) -> wwe_e2e::Element {
    s.wait_for(&format!("the row menu's {testid}"), scaled(DEFAULT_TIMEOUT), || {
        s.find_all(&format!("[data-testid=row-menu] [data-testid={testid}]")).map_err(|e| e.to_string())?.into_iter().next().ok_or_else(|| "no menu".to_owned())
    })
    .unwrap()
}

fn row_menu(browser: Browser) {
    let (s, _server, _panel) = open(browser);
    let status = |s: &Session| -> String {
        s.execute("return document.querySelector('[data-testid=row-menu-status]')?.textContent ?? '';", &[]).unwrap().as_str().unwrap_or("").to_owned()
    };
    // Copy as call.
    right_click(&s, "voice.dial", ".c-time");
    let copy = menu_item(&s, "row-menu-copy-call");
    s.click(&copy).unwrap();
    s.wait_for("the copied call", scaled(DEFAULT_TIMEOUT), || {
        let text = status(&s);
        if text.contains("genesys.wwe.service.voice.dial(\"5001\")") { Ok(()) } else { Err(text) }
    })
    .unwrap();
    // Replay: a fourth request, a copy of the dial, answered.
    right_click(&s, "voice.dial", ".c-size");
    let replay = menu_item(&s, "row-menu-replay");
    s.click(&replay).unwrap();
    s.wait_for("the replayed dial", scaled(DEFAULT_TIMEOUT), || {
        let rows = s.snapshot("[data-testid=message][data-kind=request][data-name='voice.dial']", &["data-status"]).map_err(|e| e.to_string())?;
        let text = status(&s);
        if rows.len() == 2 && rows.iter().all(|r| wwe_e2e::field(r, "data-status") == "ok") && text.contains("replay: posted 1") {
            Ok(())
        } else {
            Err(format!("{rows:?} {text}"))
        }
    })
    .unwrap();
    // Filter by the value of the cell right-clicked.
    right_click(&s, "agent.get", ".c-name");
    let filter = menu_item(&s, "row-menu-filter");
    assert_eq!(s.text(&filter).unwrap(), "Filter by name:agent.get");
    s.click(&filter).unwrap();
    s.wait_for("the list filtered to agent.get", scaled(DEFAULT_TIMEOUT), || {
        let names: Vec<String> = s
            .snapshot("[data-testid=message]", &["data-name"])
            .map_err(|e| e.to_string())?
            .iter()
            .map(|r| wwe_e2e::field(r, "data-name"))
            .collect();
        // The term goes into the filter box, as an Alt+click on the cell
        // puts it (`name:` matches by prefix: agent.getState stays).
        let typed = s.execute("return document.querySelector('[data-testid=filter]').value;", &[]).map_err(|e| e.to_string())?;
        let shown = !names.is_empty() && names.iter().all(|n| n.starts_with("agent.get")) && names.iter().any(|n| n == "agent.get");
        if shown && typed.as_str().is_some_and(|t| t.contains("name:agent.get")) { Ok(()) } else { Err(format!("{names:?} filter {typed}")) }
    })
    .unwrap();
}

#[test]
fn row_menu_chromium() {
    row_menu(Browser::Chromium);
}

#[test]
fn row_menu_firefox() {
    row_menu(Browser::Firefox);
}

#[test]
fn columns_chromium() {
    columns(Browser::Chromium);
}

#[test]
fn columns_firefox() {
    columns(Browser::Firefox);
}
