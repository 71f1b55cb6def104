//! End-to-end tests of the interactions view on WWE simulator scenarios, in
//! Chromium and Firefox with the built extension: an outbound call whose
//! recording is paused and resumed, attached data set by one client frame
//! and read by another through a read filter (with the policy explained),
//! a toast whose button is clicked, and a blocked mark-done. Each drives
//! the sample console in the client frames (and the service page's toast
//! button), then asserts what the panel's interactions view shows.
//!
//! Needs the extension (`WWE_DIST`) and the simulator site
//! (`WWE_SIMULATOR_SITE`, else `<repo>/target/xtask/simulator-site`); both
//! are built by `cargo xtask test`.

use serde_json::Value;
use wwe_e2e::simulator::{enter_app, fill_origins, launch_on, serve, service_url, site_dir, App, Opened};
use wwe_e2e::{extension_dir, field, scaled, Browser, LaunchOptions, Row, Session, DEFAULT_TIMEOUT};
use wwe_simulator::{Origins, Server};

/// One browser on the simulator's service page with console apps.
struct Sim {
    session: Session,
    origins: Origins,
    service_window: String,
    tab: i64,
    _server: Server,
}

impl Sim {
    /// Opens the service page with `options` (`{{CLIENT}}`, `{{THIRD}}`
    /// replaced by the origins) and console apps `(label, on third origin)`.
    fn open(browser: Browser, options: &str, apps: &[(&str, bool)]) -> Sim {
        let server = serve(site_dir(), true).expect("server");
        let origins = server.origins().clone();
        let third = origins.third.clone().expect("third origin");
        let apps: Vec<App> = apps
            .iter()
            .map(|(label, on_third)| {
                let origin = if *on_third { &third } else { &origins.client };
                App::hidden(label, format!("{origin}/console.html?name={label}"))
            })
            .collect();
        let url = service_url(&origins, &fill_origins(options, &origins), &apps);
        let options = LaunchOptions::with_extension(extension_dir(browser).expect("extension"));
        let Opened { session, window, tab } = launch_on(browser, &options, &url, &origins.service).expect("browser");
        Sim { session, origins, service_window: window, tab, _server: server }
    }

    /// Switches to the service page's top document.
    fn service(&self) {
        self.session.switch_to_window(&self.service_window).unwrap();
        self.session.switch_to_frame(None).unwrap();
    }

    /// Switches into the app iframe labelled `label` once its console is ready.
    fn enter(&self, label: &str) {
        enter_app(&self.session, &self.service_window, label).unwrap();
    }

    /// Runs `body` (async JS, `c` = the console's scripting door) in the
    /// current frame and returns its value.
    fn js(&self, body: &str) -> Value {
        self.session
            .execute(&format!("return (async () => {{ const c = window.wweConsole; await c.ready;\n{UNTIL}\n{body}\n}})();"), &[])
            .unwrap_or_else(|e| panic!("script failed: {e}\n{body}"))
    }

    /// Opens the panel on the simulator's tab, optionally sets WWE options
    /// in its settings, and shows the interactions view.
    fn panel(&self, options: Option<&str>) {
        let s = &self.session;
        s.switch_to_frame(None).unwrap();
        s.open_extension_page(&format!("panel.html?tabId={}", self.tab)).unwrap();
        if let Some(text) = options {
            let text = fill_origins(text, &self.origins);
            set_options(s, &text);
        }
        click(s, "[data-testid=view-interactions]");
        self.wait_view("the interactions view", |_| Ok(()));
    }

    /// Waits until `ready` accepts the view's rows, markers and strips.
    fn wait_view<T>(&self, what: &str, ready: impl Fn(&View) -> Result<T, String>) -> T {
        let s = &self.session;
        let found = s.wait_for(what, scaled(DEFAULT_TIMEOUT), || {
            let view = View {
                interactions: s
                    .snapshot(
                        "[data-testid=interaction]",
                        &["data-interaction-id", "data-media", "data-state", "data-recording", "data-markdone-blocked", "data-created-by"],
                    )
                    .map_err(|e| e.to_string())?,
                markers: s
                    .snapshot("[data-testid=interaction] [data-testid=marker], [data-testid=toast-lane] [data-testid=marker]", &["data-kind", "data-message", "data-request", "title"])
                    .map_err(|e| e.to_string())?,
                agent: s.snapshot("[data-testid=agent-strip]", &["data-state"]).map_err(|e| e.to_string())?,
                toasts: s.snapshot("[data-testid=toast-lane] [data-testid=toast]", &["data-toast-id", "data-steps"]).map_err(|e| e.to_string())?,
                policies: s
                    .snapshot("[data-testid=key-policy]", &["data-key", "data-read", "data-write", "data-written"])
                    .map_err(|e| e.to_string())?,
                causes: s.snapshot("[data-testid=cause]", &["data-message", "data-interaction-id", "data-created"]).map_err(|e| e.to_string())?,
                findings: s.snapshot("[data-testid=interaction-finding]", &["data-code"]).map_err(|e| e.to_string())?,
            };
            if view.agent.is_empty() {
                return Err("no [data-testid=agent-strip]".into());
            }
            ready(&view).map_err(|e| format!("{e}; view: {view:?}"))
        });
        let shot = wwe_e2e::artifacts_dir().join(format!("interactions-{}-{}.png", s.browser(), what.replace(' ', "-")));
        let _ = s.screenshot(&shot);
        found.unwrap()
    }
}

/// What the interactions view shows, as attribute rows.
#[derive(Debug)]
struct View {
    interactions: Vec<Row>,
    markers: Vec<Row>,
    agent: Vec<Row>,
    toasts: Vec<Row>,
    policies: Vec<Row>,
    causes: Vec<Row>,
    findings: Vec<Row>,
}

impl View {
    fn kinds(&self, kind: &str) -> Vec<&Row> {
        self.markers.iter().filter(|m| field(m, "data-kind") == kind).collect()
    }
}

/// A JS helper in every script: waits until the console received an event
/// of `eventType` `t` (the nth, if given).
const UNTIL: &str = "const until = (t, n = 1) => new Promise((ok, fail) => { const start = Date.now(); const i = setInterval(() => {\
    if (c.events.filter((e) => e.data && e.data.eventType === t).length >= n) { clearInterval(i); ok(); }\
    else if (Date.now() - start > 15000) { clearInterval(i); fail(new Error('no ' + t)); } }, 50); });";

fn click(session: &Session, css: &str) {
    let element = session
        .wait_for(&format!("{css} to show"), scaled(DEFAULT_TIMEOUT), || {
            session.find_all(css).map_err(|e| e.to_string())?.into_iter().next().ok_or_else(|| format!("no {css}"))
        })
        .unwrap();
    session.click(&element).unwrap();
}

/// Types WWE options into the panel's settings drawer and closes it.
fn set_options(session: &Session, text: &str) {
    click(session, "[data-testid=settings]");
    let input = session
        .wait_for("the options box", scaled(DEFAULT_TIMEOUT), || {
            session
                .find_all("[data-testid=settings-drawer] [data-testid=options-input]")
                .map_err(|e| e.to_string())?
                .into_iter()
                .next()
                .ok_or_else(|| "no options box".to_owned())
        })
        .unwrap();
    session.click(&input).unwrap();
    session.send_keys(&input, "\u{E009}a\u{E000}\u{E003}").unwrap();
    session.send_keys(&input, text).unwrap();
    // Leaving the box fires `change`; closing the drawer leaves it.
    click(session, "[data-testid=settings]");
    session
        .wait_for("the drawer to close", scaled(DEFAULT_TIMEOUT), || {
            match session.find_all("[data-testid=settings-drawer]").map_err(|e| e.to_string())?.len() {
                0 => Ok(()),
                n => Err(format!("{n} drawers")),
            }
        })
        .unwrap();
    assert!(session.find_all("[data-testid=options-error]").unwrap().is_empty(), "the panel refused the options {text:?}");
}

// ---------------------------------------------------------------- scenarios

/// Click-to-dial, recording started, paused and resumed, hang-up: the
/// call's lane ends RELEASED, was created by the dial, and carries three
/// recording markers each caused by its request; selecting one lists its
/// messages and jumps to the message. In the message list, the dial's
/// detail links to the call it caused, and the call's message back to the
/// dial; the findings view holds the interaction findings the
/// interactions view shows (none, for this clean flow).
fn outbound_call_with_recording(browser: Browser) {
    let sim = Sim::open(browser, "service-client-api.accepted-web-content-origins={{CLIENT}}\n", &[("Console", false)]);
    sim.enter("Console");
    let id = sim.js(
        "await c.subscribe(['interaction', 'agent']);\
         const dial = await c.call('voice.dial', ['5001', {Key1: 'a'}]);\
         const id = dial.reply.data.interactionId;\
         await until('ESTABLISHED');\
         for (const r of ['start', 'pause', 'resume']) {\
           const n = c.events.filter((e) => e.data.eventType === 'CALL_RECORDING_STATE_CHANGED').length;\
           const out = await c.call('voice.' + r + 'CallRecording', [id]);\
           if (out.outcome !== 'ok') throw new Error(r + ': ' + JSON.stringify(out));\
           await until('CALL_RECORDING_STATE_CHANGED', n + 1);\
         }\
         await c.call('voice.hangUp', [id]);\
         await until('RELEASED');\
         return id;",
    );
    let id = id.as_str().expect("an interaction id").to_owned();
    sim.panel(None);
    let view = sim.wait_view("the recorded call", |v| {
        let row = v.interactions.iter().find(|r| field(r, "data-interaction-id") == id).ok_or("no lane for the call")?;
        if field(row, "data-state") != "RELEASED" {
            return Err(format!("state {}", field(row, "data-state")));
        }
        if v.kinds("recording").len() < 3 {
            return Err("fewer than 3 recording markers".into());
        }
        if !v.findings.is_empty() {
            return Err("a clean call flow shows interaction findings".into());
        }
        // The client frame's batch (events, replies) may reach the panel
        // before the service frame's (the requests): wait for the links
        // only the requests make.
        if field(row, "data-created-by").is_empty() || v.kinds("recording").iter().take(3).any(|m| field(m, "data-request").is_empty()) {
            return Err("the requests are not linked yet".into());
        }
        Ok((row.clone(), v.kinds("recording").into_iter().cloned().collect::<Vec<_>>(), v.causes.clone(), v.findings.clone()))
    });
    let (row, recording, causes, interaction_findings) = view;
    assert_eq!(field(&row, "data-media"), "voice");
    assert!(!field(&row, "data-created-by").is_empty(), "the call names the dial that created it: {row:?}");
    let titles: Vec<String> = recording.iter().map(|m| field(m, "title")).collect();
    assert!(titles[0].contains("STOPPED → RECORDING"), "{titles:?}");
    assert!(titles[1].contains("RECORDING → PAUSED"), "{titles:?}");
    assert!(titles[2].contains("PAUSED → RECORDING"), "{titles:?}");
    for m in &recording[..3] {
        assert!(!field(m, "data-request").is_empty(), "every recording change names its request: {m:?}");
        assert!(!field(m, "data-message").is_empty());
    }
    assert!(
        causes.iter().any(|c| field(c, "data-created") == "true" && field(c, "data-interaction-id") == id
            && field(c, "data-message") == field(&row, "data-created-by")),
        "the causes list links the dial to the call: {causes:?}"
    );

    // Selecting the pause marker lists its messages; a jump opens the message.
    let s = &sim.session;
    let pause = field(&recording[1], "data-message");
    click(s, &format!("[data-testid=marker][data-kind=recording][data-message='{pause}']"));
    let summary = s
        .wait_for("the marker's detail", scaled(DEFAULT_TIMEOUT), || {
            let found = s.find_all("[data-testid=marker-summary]").map_err(|e| e.to_string())?;
            let el = found.first().ok_or("no summary")?;
            s.text(el).map_err(|e| e.to_string())
        })
        .unwrap();
    assert!(summary.contains("RECORDING → PAUSED"), "{summary}");
    let caused = s.find_all("[data-testid=caused-by]").unwrap();
    assert!(s.text(&caused[0]).unwrap().contains("voice.pauseCallRecording"), "the side box names the request");
    click(s, &format!("[data-testid=marker-detail] [data-testid=jump][data-message='{pause}']"));
    s.wait_for("the detail pane on the pause event", scaled(DEFAULT_TIMEOUT), || {
        let detail = s.snapshot("[data-testid=detail]", &["data-id"]).map_err(|e| e.to_string())?;
        match detail.first() {
            Some(d) if field(d, "data-id") == pause => Ok(()),
            other => Err(format!("detail {other:?}")),
        }
    })
    .unwrap();

    // The dial, selected in the message list, links to the call it
    // created; that link selects the call's message, which links back.
    let dial = field(&row, "data-created-by");
    let filter = s
        .wait_for("the filter box", scaled(DEFAULT_TIMEOUT), || {
            s.find_all("[data-testid=filter]").map_err(|e| e.to_string())?.into_iter().next().ok_or_else(|| "no filter box".to_owned())
        })
        .unwrap();
    s.click(&filter).unwrap();
    s.send_keys(&filter, "name:voice.dial").unwrap();
    click(s, &format!("[data-testid=message][data-id='{dial}']"));
    let caused = wait_detail(s, &dial, "[data-testid=detail-caused]", &["data-interaction-id", "data-created", "data-message"]);
    let caused = caused.iter().find(|c| field(c, "data-interaction-id") == id).unwrap_or_else(|| panic!("no caused link to {id}: {caused:?}"));
    assert_eq!(field(caused, "data-created"), "true", "{caused:?}");
    assert!(field(caused, "text").contains(&format!("interaction {id} (voice)")), "{caused:?}");
    let shown = field(caused, "data-message");
    assert!(!shown.is_empty(), "the link names the message that shows the call: {caused:?}");
    click(s, &format!("[data-testid=detail-caused][data-interaction-id='{id}']"));
    let created = wait_detail(s, &shown, "[data-testid=detail-created-by]", &["data-message"]);
    assert_eq!(field(&created[0], "data-message"), dial, "{created:?}");
    assert!(field(&created[0], "text").contains("voice.dial"), "{created:?}");

    // The findings view: a group per interaction finding code the
    // interactions view showed (none here: no X group), next to the
    // lints; the empty state only without any group; the badge counts all.
    let mut expected: Vec<String> = interaction_findings.iter().map(|f| field(f, "data-code")).collect();
    expected.sort();
    expected.dedup();
    click(s, "[data-testid=view-findings]");
    s.wait_for("the findings view", scaled(DEFAULT_TIMEOUT), || {
        let groups = s.snapshot("[data-testid=finding-group]", &["data-code"]).map_err(|e| e.to_string())?;
        let findings = s.snapshot("[data-testid=finding]", &["data-code"]).map_err(|e| e.to_string())?;
        let empty = s.snapshot("[data-testid=findings-empty]", &[]).map_err(|e| e.to_string())?;
        let badge = s.snapshot("[data-testid=count-findings]", &[]).map_err(|e| e.to_string())?;
        let view = s.snapshot("[data-testid=findings-view]", &[]).map_err(|e| e.to_string())?;
        let x_codes: Vec<String> = groups.iter().map(|g| field(g, "data-code")).filter(|c| c.starts_with('X')).collect();
        let state = format!("groups {groups:?}, {} findings, empty {empty:?}, badge {badge:?}", findings.len());
        if view.is_empty() {
            return Err("no findings view".into());
        }
        if x_codes != expected {
            return Err(format!("interaction finding groups {x_codes:?}, expected {expected:?}; {state}"));
        }
        if groups.is_empty() == empty.is_empty() {
            return Err(format!("the empty state shows only without findings; {state}"));
        }
        if badge.first().map(|b| field(b, "text")) != Some(findings.len().to_string()) {
            return Err(format!("the badge counts every finding; {state}"));
        }
        Ok(())
    })
    .unwrap();
}

/// Waits until the detail pane shows message `id` with an element `css`,
/// and returns the matching elements.
fn wait_detail(s: &Session, id: &str, css: &str, attrs: &[&str]) -> Vec<Row> {
    s.wait_for(&format!("the detail pane on #{id} with {css}"), scaled(DEFAULT_TIMEOUT), || {
        let detail = s.snapshot("[data-testid=detail]", &["data-id"]).map_err(|e| e.to_string())?;
        match detail.first() {
            Some(d) if field(d, "data-id") == id => {}
            other => return Err(format!("detail {other:?}")),
        }
        let found = s.snapshot(&format!("[data-testid=detail] {css}"), attrs).map_err(|e| e.to_string())?;
        if found.is_empty() {
            Err(format!("no {css}"))
        } else {
            Ok(found)
        }
    })
    .unwrap()
}

const POLICY: &str = "service-client-api.accepted-web-content-origins={{CLIENT}},{{THIRD}}\n\
     service-client-api.user-data.read-allowed=Key1\n\
     service-client-api.user-data.write-allowed=Key1,Secret\n";

/// One client frame sets attached data (one key it may write but no client
/// may read); another, on another origin, reads the interaction through
/// the read filter. The view shows the change linked to the request, the
/// read, and — with the same options in the panel — which key clients
/// could not see and why.
fn attached_data_across_frames(browser: Browser) {
    let sim = Sim::open(browser, POLICY, &[("Console", false), ("Third", true)]);
    sim.enter("Console");
    let id = sim.js(
        "await c.subscribe(['interaction']);\
         const dial = await c.call('voice.dial', ['5001', {Key1: 'a'}]);\
         const id = dial.reply.data.interactionId;\
         await until('DIALING');\
         const set = await c.call('interaction.setUserData', [id, {Key1: 'b', Secret: 's'}]);\
         if (set.outcome !== 'ok') throw new Error(JSON.stringify(set));\
         await until('ATTACHED_DATA_CHANGED');\
         return id;",
    );
    let id = id.as_str().unwrap().to_owned();
    sim.enter("Third");
    let read = sim.js(&format!("const r = await c.call('interaction.getByInteractionId', ['{id}']); return r.reply.data.userData;"));
    assert_eq!(read, serde_json::json!({"Key1": "b"}), "the read filter hides Secret from the other frame");
    sim.service();
    sim.panel(Some(POLICY));
    let view = sim.wait_view("the attached data", |v| {
        v.interactions.iter().find(|r| field(r, "data-interaction-id") == id).ok_or("no lane")?;
        let changed = v.kinds("user-data").into_iter().find(|m| field(m, "title").contains("Key1: a → b")).ok_or("no Key1 change")?;
        // Linked once the service frame's batch (the request) is in too.
        if field(changed, "data-request").is_empty() {
            return Err("the change names no request yet".into());
        }
        v.kinds("read").first().ok_or("no read marker")?;
        let secret = v.policies.iter().find(|p| field(p, "data-key") == "Secret").ok_or("no policy row for Secret")?;
        Ok((changed.clone(), secret.clone(), v.kinds("read")[0].clone(), format!("{:?} {:?}", v.markers, v.causes)))
    });
    let (changed, secret, read, all) = view;
    assert!(!field(&changed, "data-request").is_empty(), "the change names the setUserData request: {changed:?}; {all}");
    assert!(field(&changed, "title").contains("Secret"), "the written but unreadable key is listed: {changed:?}");
    assert_eq!((field(&secret, "data-read").as_str(), field(&secret, "data-write").as_str()), ("denied", "allowed"));
    assert_eq!(field(&secret, "data-written"), "true");
    assert!(field(&read, "title").contains(sim.origins.third.as_deref().unwrap()), "the read names the reading client: {read:?}");
    let s = &sim.session;
    let text = s.text(&s.find_all("[data-testid=key-policy][data-key=Secret]").unwrap()[0]).unwrap();
    assert!(text.contains("not in service-client-api.user-data.read-allowed (Key1)"), "{text}");
}

/// A toast popped by the client, its button clicked on the agent desktop
/// (the service page), then closed: one toast with its four steps.
fn toast_with_button_click(browser: Browser) {
    let sim = Sim::open(browser, "service-client-api.accepted-web-content-origins={{CLIENT}}\n", &[("Console", false)]);
    sim.enter("Console");
    let toast = sim.js(
        "await c.subscribe(['system']);\
         const t = await c.call('system.popupToast', [{title: 'Callback', message: 'Call Jo?', buttons: ['Call', 'Later']}]);\
         await c.call('system.updateToast', [t.reply.data, {title: 'Callback now'}]);\
         return t.reply.data;",
    );
    let toast = toast.as_str().unwrap().to_owned();
    sim.service();
    click(&sim.session, &format!("[data-testid=toast][data-toast-id='{toast}'] [data-testid=toast-button]"));
    sim.enter("Console");
    sim.js(&format!("await until('CUSTOM_TOAST_BUTTON_CLICK'); await c.call('system.closeToast', ['{toast}']); return null;"));
    sim.service();
    sim.panel(None);
    let steps = sim.wait_view("the toast", |v| {
        let t = v.toasts.iter().find(|t| field(t, "data-toast-id") == toast).ok_or("no toast")?;
        let steps = field(t, "data-steps");
        if steps.split(',').count() < 4 {
            return Err(format!("steps {steps}"));
        }
        if v.kinds("toast").len() < 4 {
            return Err("fewer than 4 toast markers".into());
        }
        Ok((steps, v.kinds("toast").into_iter().map(|m| field(m, "title")).collect::<Vec<_>>()))
    });
    assert_eq!(steps.0, "popup,update,click,close");
    assert!(steps.1.iter().any(|t| t.contains("button 0 clicked (Call)")), "{:?}", steps.1);
}

/// Mark-done blocked with a warning, a mark-done refused because of it:
/// the lane says blocked and shows both as mark-done markers.
fn blocked_markdone(browser: Browser) {
    let sim = Sim::open(browser, "service-client-api.accepted-web-content-origins={{CLIENT}}\n", &[("Console", false)]);
    sim.enter("Console");
    let id = sim.js(
        "await c.subscribe(['interaction', 'markdone']);\
         const dial = await c.call('voice.dial', ['5001']);\
         const id = dial.reply.data.interactionId;\
         await c.call('voice.hangUp', [id]);\
         await until('RELEASED');\
         const b = await c.call('interaction.blockMarkdone', [id, 'Fill in the disposition first']);\
         if (b.outcome !== 'ok') throw new Error(JSON.stringify(b));\
         const m = await c.call('interaction.markdone', [id]);\
         if (m.outcome !== 'error') throw new Error('mark-done went through: ' + JSON.stringify(m));\
         return id;",
    );
    let id = id.as_str().unwrap().to_owned();
    sim.panel(None);
    let (row, titles) = sim.wait_view("the blocked mark-done", |v| {
        let row = v.interactions.iter().find(|r| field(r, "data-interaction-id") == id).ok_or("no lane")?;
        let titles: Vec<String> = v.kinds("markdone").into_iter().map(|m| field(m, "title")).collect();
        // Both frames' batches: the block request and the refused reply.
        if titles.len() < 2 || !titles[0].contains("mark-done blocked") || !titles[1].contains("interaction.markdone refused") {
            return Err(format!("markdone markers {titles:?}"));
        }
        Ok((row.clone(), titles))
    });
    assert_eq!(field(&row, "data-markdone-blocked"), "true");
    assert_eq!(field(&row, "data-state"), "RELEASED");
    assert!(titles[0].contains("mark-done blocked: Fill in the disposition first"), "{titles:?}");
    assert!(titles[1].contains("interaction.markdone refused"), "{titles:?}");
    let s = &sim.session;
    let text = s.text(&s.find_all("[data-testid=markdone-blocked]").unwrap()[0]).unwrap();
    assert!(text.contains("Fill in the disposition first"), "{text}");
}

#[test]
fn outbound_call_with_recording_in_chromium() {
    outbound_call_with_recording(Browser::Chromium);
}

#[test]
fn outbound_call_with_recording_in_firefox() {
    outbound_call_with_recording(Browser::Firefox);
}

#[test]
fn attached_data_across_frames_in_chromium() {
    attached_data_across_frames(Browser::Chromium);
}

#[test]
fn attached_data_across_frames_in_firefox() {
    attached_data_across_frames(Browser::Firefox);
}

#[test]
fn toast_with_button_click_in_chromium() {
    toast_with_button_click(Browser::Chromium);
}

#[test]
fn toast_with_button_click_in_firefox() {
    toast_with_button_click(Browser::Firefox);
}

#[test]
fn blocked_markdone_in_chromium() {
    blocked_markdone(Browser::Chromium);
}

#[test]
fn blocked_markdone_in_firefox() {
    blocked_markdone(Browser::Firefox);
}
