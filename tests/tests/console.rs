//! A clean console (issue 18): the panel page logs nothing in normal use,
//! in Chromium and Firefox. The browser's own log of console messages is
//! read from the driver log (`Session::console_messages`); a probe message
//! logged first proves the reading works, so the test can fail.

use std::time::Duration;

use serde_json::json;
use wwe_e2e::simulator::{enter_app, fill_origins, launch_on, serve, service_url, site_dir, App, Opened};
use wwe_e2e::{extension_dir, scaled, Browser, LaunchOptions, DEFAULT_TIMEOUT};

const PROBE: &str = "wwe-devtools console probe";

fn clean_console(browser: Browser) {
    let server = serve(site_dir(), true).expect("server");
    let origins = server.origins().clone();
    let options = fill_origins(
        "service-client-api.accepted-web-content-origins={{CLIENT}}\nservice-client-api.rate-limit.voice.dial=2\n",
        &origins,
    );
    let apps = [App::hidden("Console", format!("{}/console.html?name=Console", origins.client))];
    let url = service_url(&origins, &options, &apps);
    let launch = LaunchOptions::with_extension(extension_dir(browser).expect("extension"));
    let Opened { session, window, tab } = launch_on(browser, &launch, &url, &origins.service).expect("browser");
    enter_app(&session, &window, "Console").unwrap();
    // Traffic of every kind: subscriptions, requests, replies, events, an
    // error, a rate-limit hit.
    session
        .execute(
            "return (async () => { const c = window.wweConsole; await c.ready;\
               await c.subscribe(['agent', 'interaction']);\
               await c.call('agent.get', []);\
               await c.call('voice.pauseRecording', ['1']);\
               for (let i = 0; i < 3; i++) await c.call('voice.dial', ['500' + i]);\
               return null; })();",
            &[],
        )
        .unwrap();
    session.switch_to_frame(None).unwrap();
    let base = browser.extension_base();
    // What the browser logged of its own before the panel opened (Firefox
    // reports its command line flags) is not the panel's.
    let before = session.console_messages(&base).len();
    session.open_extension_page(&format!("panel.html?tabId={tab}")).unwrap();
    session.execute(&format!("console.warn({PROBE:?}); return null;"), &[]).unwrap();
    session
        .wait_for("the probe in the browser's console log", scaled(DEFAULT_TIMEOUT), || {
            let seen = session.console_messages(&base);
            if seen.iter().any(|l| l.contains(PROBE)) { Ok(()) } else { Err(format!("{seen:?}")) }
        })
        .unwrap();
    session
        .wait_for("the captured messages", scaled(DEFAULT_TIMEOUT), || {
            let rows = session.find_all("[data-testid=message]").map_err(|e| e.to_string())?;
            if rows.len() >= 10 { Ok(()) } else { Err(format!("{} rows", rows.len())) }
        })
        .unwrap();
    // Normal use: every view, a selected message, a filter, grouping.
    let click = |css: &str| {
        let found = session.find_all(css).unwrap();
        session.click(found.first().unwrap_or_else(|| panic!("no {css}"))).unwrap();
    };
    for view in ["ratelimits", "findings", "policy", "interactions", "send", "messages"] {
        click(&format!("[data-testid=view-{view}]"));
    }
    click("[data-testid=message]");
    let filter = session.find_all("[data-testid=filter]").unwrap();
    if let Some(filter) = filter.first() {
        session.click(filter).unwrap();
        session.send_keys(filter, "name:voice.*").unwrap();
    }
    std::thread::sleep(Duration::from_millis(1500));
    let logged: Vec<String> = session.console_messages(&base).into_iter().skip(before).filter(|l| !l.contains(PROBE)).collect();
    assert_eq!(logged, Vec::<String>::new(), "the panel page logged in normal use");
    assert_eq!(session.execute("return 1;", &[]).unwrap(), json!(1));
}

#[test]
fn clean_console_chromium() {
    clean_console(Browser::Chromium);
}

#[test]
fn clean_console_firefox() {
    clean_console(Browser::Firefox);
}
