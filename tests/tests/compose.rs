//! The composer (issue 8): in the panel's Send view, pick the console's
//! client frame and `voice.dial` from the catalog, fill its named
//! parameters, see the draft checked, and send it from the client frame;
//! the simulator dials and the panel shows the request answered. In
//! Chromium and Firefox, against the WWE simulator.

use serde_json::{json, Value};
use wwe_e2e::simulator::{serve, service_url, site_dir, App};
use wwe_e2e::{artifacts_dir, extension_dir, scaled, Browser, LaunchOptions, Session, DEFAULT_TIMEOUT};

fn texts(session: &Session, css: &str) -> Vec<String> {
    session
        .execute("return [...document.querySelectorAll(arguments[0])].map((e) => e.textContent);", &[json!(css)])
        .unwrap()
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).map(str::to_string).collect())
        .unwrap_or_default()
}

fn compose_and_send(browser: Browser) {
    let server = serve(site_dir(), false).expect("server");
    let origins = server.origins().clone();
    let options = format!("service-client-api.accepted-web-content-origins={}", origins.client);
    let app = App::hidden("Console", format!("{}/console.html?name=Console&subscribe=agent", origins.client));
    let url = service_url(&origins, &options, &[app]);
    let mut session = Session::launch(browser, &LaunchOptions::with_extension(extension_dir(browser).expect("extension"))).expect("browser");
    session.goto(&url).unwrap();
    let tab = session.tab_id_of(&origins.service).unwrap();
    session.open_extension_page(&format!("panel.html?tabId={tab}")).unwrap();

    // The console's subscribe teaches the panel the way from its frame to WWE.
    session
        .wait_for("the console's subscribe", scaled(DEFAULT_TIMEOUT), || {
            let rows = session.snapshot("[data-testid=message][data-kind=subscribe]", &["data-status"]).map_err(|e| e.to_string())?;
            if rows.iter().any(|r| r.get("data-status") == Some(&json!("ok"))) { Ok(()) } else { Err(format!("{rows:?}")) }
        })
        .unwrap();
    let tabs = session.find_all("[data-testid=view-send]").unwrap();
    session.click(&tabs[0]).unwrap();
    session
        .wait_for("the composer", scaled(DEFAULT_TIMEOUT), || {
            session.find_all("[data-testid=compose-request]").map_err(|e| e.to_string())?.into_iter().next().ok_or("absent".to_string())
        })
        .unwrap();

    // A dial without its destination: the draft says what is missing.
    session.set_value("[data-testid=compose-request]", "voice.dial").unwrap();
    let params = session.snapshot("[data-testid=compose-param]", &["data-name"]).unwrap();
    let names: Vec<&str> = params.iter().filter_map(|p| p.get("data-name").and_then(Value::as_str)).collect();
    assert_eq!(names, ["destination", "userData"], "the catalog's parameter names");
    let problems = session
        .wait_for("a problem for the missing destination", scaled(DEFAULT_TIMEOUT), || {
            let p = texts(&session, "[data-testid=compose-problem]");
            if p.is_empty() { Err("no problem shown".to_string()) } else { Ok(p) }
        })
        .unwrap();
    assert!(problems.iter().any(|p| p.contains("voice.dial")), "{problems:?}");

    session.set_value("[data-testid=compose-param][data-name=destination] input", "5001").unwrap();
    session
        .wait_for("the draft to be clean", scaled(DEFAULT_TIMEOUT), || {
            let p = texts(&session, "[data-testid=compose-problem]");
            if p.is_empty() { Ok(()) } else { Err(format!("{p:?}")) }
        })
        .unwrap();
    let preview = texts(&session, "[data-testid=compose-preview]").join("");
    let preview: Value = serde_json::from_str(&preview).unwrap();
    assert_eq!(preview["parameters"], json!(["5001"]), "an empty optional userData is left out");

    let send = session.find_all("[data-testid=compose-send]").unwrap();
    session.click(&send[0]).unwrap();
    session
        .wait_for("the composed dial sent", scaled(DEFAULT_TIMEOUT), || {
            let s = session.snapshot("[data-testid=compose-status]", &["data-ok"]).map_err(|e| e.to_string())?;
            match s.first().and_then(|r| r.get("data-ok")) {
                Some(v) if v == "true" => Ok(()),
                other => Err(format!("{other:?} {:?}", texts(&session, "[data-testid=compose-status]"))),
            }
        })
        .unwrap();

    // The dial came from the console's frame and WWE answered it.
    let tabs = session.find_all("[data-testid=view-messages]").unwrap();
    session.click(&tabs[0]).unwrap();
    session
        .wait_for("the composed voice.dial answered", scaled(DEFAULT_TIMEOUT), || {
            let rows = session
                .snapshot("[data-testid=message][data-name='voice.dial']", &["data-kind", "data-status", "data-origin"])
                .map_err(|e| e.to_string())?;
            let answered = rows.iter().any(|r| {
                r.get("data-kind") == Some(&json!("request"))
                    && r.get("data-status") == Some(&json!("ok"))
                    && r.get("data-origin") == Some(&json!(origins.client))
            });
            if answered { Ok(()) } else { Err(format!("{rows:?}")) }
        })
        .unwrap();
    session.screenshot(&artifacts_dir().join(format!("compose-{}.png", browser.name()))).unwrap();
}

#[test]
fn compose_and_send_chromium() {
    compose_and_send(Browser::Chromium);
}

#[test]
fn compose_and_send_firefox() {
    compose_and_send(Browser::Firefox);
}
