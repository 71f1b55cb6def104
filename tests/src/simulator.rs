//! Helpers for scenarios on the WWE simulator (`simulator/`): where its
//! built site is, serving it on loopback origins, the service page's URL
//! with options and web-content apps, and entering an app once it is ready.

use std::path::PathBuf;

use serde_json::Value;
use wwe_simulator::{Origins, Port, Server, ServerConfig};

use crate::{repo_root, Browser, Element, LaunchOptions, Result, Session, DEFAULT_TIMEOUT};

/// `$WWE_SIMULATOR_SITE`, or `<repo>/target/xtask/simulator-site`: the
/// simulator site built by `cargo xtask run` (and `cargo xtask test`).
///
/// # Panics
///
/// When the folder lacks `service.html` or the service page's wasm, with a
/// message saying how to build it.
pub fn site_dir() -> PathBuf {
    let dir = std::env::var_os("WWE_SIMULATOR_SITE")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join("target/xtask/simulator-site"));
    assert!(
        dir.join("service.html").is_file() && dir.join("wwe_simulator_service_bg.wasm").is_file(),
        "no simulator site at {}: run `cargo xtask test` (or `cargo xtask run`) to build it",
        dir.display()
    );
    dir
}

/// Percent-encodes `text` for a URL query value: every byte but the
/// unreserved characters of RFC 3986 (`A-Z a-z 0-9 - _ . ~`) becomes `%XX`.
pub fn url_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Serves `root` on the service, client and same-site origins, and on the
/// third-party origin when `third`, all on ephemeral ports. The server
/// stops on drop.
pub fn serve(root: impl Into<PathBuf>, third: bool) -> Result<Server> {
    let mut config = ServerConfig::ephemeral(root).with_same_site(Port::Ephemeral);
    if third {
        config = config.with_third(Port::Ephemeral);
    }
    Ok(Server::start(config)?)
}

/// `text` with `{{CLIENT}}`, `{{THIRD}}` and `{{SAME_SITE}}` replaced by
/// the client, third-party and same-site origins (each left as it is
/// without its origin).
pub fn fill_origins(text: &str, origins: &Origins) -> String {
    let mut text = text.replace("{{CLIENT}}", &origins.client);
    if let Some(same_site) = &origins.same_site {
        text = text.replace("{{SAME_SITE}}", same_site);
    }
    match &origins.third {
        Some(third) => text.replace("{{THIRD}}", third),
        None => text,
    }
}

/// One embedded web application, like a WWE `interaction.web-content`
/// section: how it shows (`tab`, `popup`, `background`, `hidden`), its
/// label, and its URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct App {
    pub show: String,
    pub label: String,
    pub url: String,
}

impl App {
    pub fn new(show: &str, label: &str, url: impl Into<String>) -> App {
        App {
            show: show.to_owned(),
            label: label.to_owned(),
            url: url.into(),
        }
    }

    /// An app shown in a tab of WWE (an iframe): WWE lets it use the dial
    /// operation only (G70).
    pub fn tab(label: &str, url: impl Into<String>) -> App {
        App::new("tab", label, url)
    }

    /// A hidden app (an iframe WWE does not show, which the simulator lets
    /// the developer open): it keeps the whole API.
    pub fn hidden(label: &str, url: impl Into<String>) -> App {
        App::new("hidden", label, url)
    }

    /// An app opened with `window.open` from the service page's
    /// `open-popup` button.
    pub fn popup(label: &str, url: impl Into<String>) -> App {
        App::new("popup", label, url)
    }
}

/// The service page's URL on `origins.service`: no default apps
/// (`apps=none`), the Service Client API `options` (properties text, used
/// as given) and each of `apps` as an `app=show|label|url` parameter.
pub fn service_url(origins: &Origins, options: &str, apps: &[App]) -> String {
    let mut url = format!(
        "{}/service.html?apps=none&options={}",
        origins.service,
        url_encode(options)
    );
    for app in apps {
        url.push_str(&format!(
            "&app={}",
            url_encode(&format!("{}|{}|{}", app.show, app.label, app.url))
        ));
    }
    url
}

/// A browser launched on one page: its session, the page's window handle
/// and the page's tab id (as the extension knows it).
pub struct Opened {
    pub session: Session,
    pub window: String,
    pub tab: i64,
}

/// Launches `browser` with `options`, opens `url`, and looks up the tab id
/// of the tab whose URL starts with `tab_prefix` (say, the service origin).
/// The page's window is the current one on return.
pub fn launch_on(
    browser: Browser,
    options: &LaunchOptions,
    url: &str,
    tab_prefix: &str,
) -> Result<Opened> {
    let mut session = Session::launch(browser, options)?;
    session.goto(url)?;
    let window = session.current_window()?;
    let tab = session.tab_id_of(tab_prefix)?;
    session.switch_to_window(&window)?;
    Ok(Opened {
        session,
        window,
        tab,
    })
}

/// Waits until the current document says it is ready with
/// `data-ready="1"` on `<html>`: the sample console (and the CRM page) once
/// the catalog is loaded, the service page once its `message` listener is
/// installed. `label` names the page in the timeout message.
pub fn wait_ready(session: &Session, label: &str) -> Result<()> {
    session.wait_for(
        &format!("the {label} page to be ready"),
        DEFAULT_TIMEOUT,
        || {
            let ready: Value = session
                .execute(
                    "return document.documentElement.dataset.ready ?? null;",
                    &[],
                )
                .map_err(|e| e.to_string())?;
            if ready == "1" {
                Ok(())
            } else {
                Err(format!("data-ready = {ready}"))
            }
        },
    )
}

/// Switches to `window`'s top document, then into the service page's app
/// iframe labelled `label` once it is there and its app is ready.
pub fn enter_app(session: &Session, window: &str, label: &str) -> Result<()> {
    session.switch_to_window(window)?;
    session.switch_to_frame(None)?;
    let frame: Element =
        session.wait_for(&format!("the {label} app frame"), DEFAULT_TIMEOUT, || {
            let found = session
                .find_all(&format!("iframe[data-label='{label}']"))
                .map_err(|e| e.to_string())?;
            found.into_iter().next().ok_or_else(|| "not yet".to_owned())
        })?;
    session.switch_to_frame(Some(&frame))?;
    wait_ready(session, label)
}
