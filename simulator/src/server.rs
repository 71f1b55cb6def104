//! A small static-file server for loopback origins.
//!
//! The simulator and the end-to-end tests need the same files served on
//! several *origins* at once (the WWE service on `http://127.0.0.1:P1`, its
//! clients on `http://localhost:P2`, a third party on `http://[::1]:P3`,
//! and a client on the service's own site, `http://127.0.0.1:P4`),
//! because the whole point of the product is to show which origin talks to
//! which. Every listener serves the same directory; what differs is only the
//! origin the browser sees. Pages learn the other origins through
//! `{{SERVICE_ORIGIN}}`, `{{CLIENT_ORIGIN}}`, `{{THIRD_ORIGIN}}` and
//! `{{SAME_SITE_ORIGIN}}` placeholders, substituted in `.html` and `.js`
//! files, so fixtures never hard-code a port.
//!
//! Sites: a site is the scheme and registrable domain, and an IP address is
//! its own site, ports aside. So `localhost` and `[::1]` are other sites
//! than the service's `127.0.0.1` (Chromium gives their frames their own
//! process: a post with a wrong `targetOrigin` is dropped there without a
//! trace), while the same-site origin is another port of `127.0.0.1` (the
//! same process: Chromium logs the refusal where a debugger can read it;
//! shared/reference/browser-facts.md, "Undelivered posts").
//!
//! Only loopback addresses are ever bound. The server is std-only: one
//! accepting thread per listener, one short-lived thread per connection,
//! `Connection: close` on every response. That is plenty for a handful of
//! browser tabs and keeps the dependency list empty. Dropping the
//! [`Server`] stops every listener and joins the accepting threads.

use std::fmt;
use std::fs;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{Ipv4Addr, Ipv6Addr, Shutdown, SocketAddr, TcpListener, TcpStream};
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::Duration;

/// How a listener picks its port.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Port {
    /// Let the OS choose a free port (what tests use: runs never collide).
    Ephemeral,
    /// Use this port, or the next free one above it (up to 100 further), so a
    /// demo keeps stable URLs while tolerating a busy port.
    Preferred(u16),
}

/// Which listeners to start and what they serve.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// The directory served on every origin.
    pub root: PathBuf,
    /// The WWE service, on `http://127.0.0.1:P`.
    pub service: Port,
    /// The clients, on `http://localhost:P`.
    pub client: Port,
    /// A third origin on `http://[::1]:P`, when wanted.
    pub third: Option<Port>,
    /// A client on the service's own site, `http://127.0.0.1:P` (another
    /// port of the service's host), when wanted.
    pub same_site: Option<Port>,
}

impl ServerConfig {
    /// Service and client origins on ephemeral ports, no third origin.
    pub fn ephemeral(root: impl Into<PathBuf>) -> ServerConfig {
        ServerConfig {
            root: root.into(),
            service: Port::Ephemeral,
            client: Port::Ephemeral,
            third: None,
            same_site: None,
        }
    }

    /// Adds the third origin (`http://[::1]:P`) on the given port.
    pub fn with_third(mut self, port: Port) -> ServerConfig {
        self.third = Some(port);
        self
    }

    /// Adds the same-site client origin (`http://127.0.0.1:P`, the
    /// service's host on another port) on the given port.
    pub fn with_same_site(mut self, port: Port) -> ServerConfig {
        self.same_site = Some(port);
        self
    }
}

/// The origins a running server answers on, as a browser spells them
/// (`scheme://host:port`, no trailing slash), i.e. as `event.origin`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origins {
    /// `http://127.0.0.1:P1`
    pub service: String,
    /// `http://localhost:P2`
    pub client: String,
    /// `http://[::1]:P3`, if configured.
    pub third: Option<String>,
    /// `http://127.0.0.1:P4`, if configured: same site as the service.
    pub same_site: Option<String>,
}

impl Origins {
    /// The placeholder → value pairs substituted in served text files.
    fn substitutions(&self) -> Vec<(&'static str, &str)> {
        let mut subs = vec![
            ("{{SERVICE_ORIGIN}}", self.service.as_str()),
            ("{{CLIENT_ORIGIN}}", self.client.as_str()),
        ];
        if let Some(third) = &self.third {
            subs.push(("{{THIRD_ORIGIN}}", third.as_str()));
        }
        if let Some(same_site) = &self.same_site {
            subs.push(("{{SAME_SITE_ORIGIN}}", same_site.as_str()));
        }
        subs
    }
}

/// One line per request served, kept so a failing test can show what the
/// browser actually fetched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestLog {
    /// The address the request arrived on (tells the origin apart).
    pub local: SocketAddr,
    pub method: String,
    pub target: String,
    pub status: u16,
}

impl fmt::Display for RequestLog {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} {} -> {}", self.local, self.method, self.target, self.status)
    }
}

/// A running server. Dropping it stops all listeners.
pub struct Server {
    origins: Origins,
    shared: Arc<Shared>,
    /// Every bound address, to wake the blocking `accept` on shutdown.
    addresses: Vec<SocketAddr>,
    acceptors: Vec<JoinHandle<()>>,
}

struct Shared {
    root: PathBuf,
    substitutions: Vec<(String, String)>,
    stopping: AtomicBool,
    log: Mutex<Vec<RequestLog>>,
}

impl Server {
    /// Binds every listener and starts serving. Fails if the root is not a
    /// directory or a listener cannot be bound.
    pub fn start(config: ServerConfig) -> io::Result<Server> {
        let root = fs::canonicalize(&config.root).map_err(|e| {
            io::Error::new(e.kind(), format!("server root {}: {e}", config.root.display()))
        })?;
        if !root.is_dir() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("server root {} is not a directory", root.display()),
            ));
        }

        let service = bind_v4(config.service)?;
        let service_port = service.local_addr()?.port();
        // `localhost` may resolve to 127.0.0.1 or ::1 depending on the
        // browser's resolver, so the client origin listens on both with the
        // same port when IPv6 loopback exists.
        let client = bind_dual(config.client)?;
        let client_port = client[0].local_addr()?.port();
        let third = match config.third {
            Some(port) => Some(bind_v6(port).map_err(|e| {
                io::Error::new(
                    e.kind(),
                    format!("third origin http://[::1]: IPv6 loopback is unavailable here ({e})"),
                )
            })?),
            None => None,
        };
        let same_site = match config.same_site {
            Some(port) => Some(bind_v4(port)?),
            None => None,
        };

        let origins = Origins {
            service: format!("http://127.0.0.1:{service_port}"),
            client: format!("http://localhost:{client_port}"),
            third: match &third {
                Some(l) => Some(format!("http://[::1]:{}", l.local_addr()?.port())),
                None => None,
            },
            same_site: match &same_site {
                Some(l) => Some(format!("http://127.0.0.1:{}", l.local_addr()?.port())),
                None => None,
            },
        };
        let shared = Arc::new(Shared {
            root,
            substitutions: origins
                .substitutions()
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect(),
            stopping: AtomicBool::new(false),
            log: Mutex::new(Vec::new()),
        });

        let mut listeners = vec![service];
        listeners.extend(client);
        listeners.extend(third);
        listeners.extend(same_site);
        let mut addresses = Vec::new();
        let mut acceptors = Vec::new();
        for listener in listeners {
            addresses.push(listener.local_addr()?);
            let shared = Arc::clone(&shared);
            acceptors.push(
                thread::Builder::new()
                    .name(format!("serve {}", listener.local_addr()?))
                    .spawn(move || accept_loop(listener, shared))?,
            );
        }
        Ok(Server { origins, shared, addresses, acceptors })
    }

    pub fn origins(&self) -> &Origins {
        &self.origins
    }

    /// The requests served so far, oldest first.
    pub fn requests(&self) -> Vec<RequestLog> {
        self.shared.log.lock().map(|l| l.clone()).unwrap_or_default()
    }

    /// Stops the server now (the same as dropping it).
    pub fn stop(self) {}
}

impl Drop for Server {
    fn drop(&mut self) {
        self.shared.stopping.store(true, Ordering::SeqCst);
        // A blocking accept only returns on a connection: make one.
        for addr in &self.addresses {
            let _ = TcpStream::connect_timeout(addr, Duration::from_secs(1));
        }
        for handle in self.acceptors.drain(..) {
            let _ = handle.join();
        }
    }
}

fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    for stream in listener.incoming() {
        if shared.stopping.load(Ordering::SeqCst) {
            break;
        }
        let Ok(stream) = stream else { continue };
        let shared = Arc::clone(&shared);
        // Connection threads are not joined: each ends within its read
        // timeout, and none holds anything the caller needs back.
        let _ = thread::Builder::new()
            .name("serve connection".into())
            .spawn(move || {
                let _ = handle_connection(stream, &shared);
            });
    }
}

fn bind_v4(port: Port) -> io::Result<TcpListener> {
    bind_with(port, |p| TcpListener::bind((Ipv4Addr::LOCALHOST, p)))
}

fn bind_v6(port: Port) -> io::Result<TcpListener> {
    bind_with(port, |p| TcpListener::bind((Ipv6Addr::LOCALHOST, p)))
}

/// 127.0.0.1 and, if IPv6 loopback exists, ::1 on the same port.
fn bind_dual(port: Port) -> io::Result<Vec<TcpListener>> {
    let v6_available = TcpListener::bind((Ipv6Addr::LOCALHOST, 0)).is_ok();
    if !v6_available {
        return Ok(vec![bind_v4(port)?]);
    }
    let candidates: Box<dyn Iterator<Item = u16>> = match port {
        // An ephemeral v4 port may be taken on v6: retry a few times.
        Port::Ephemeral => Box::new(std::iter::repeat_n(0, 50)),
        Port::Preferred(p) => Box::new(p..=p.saturating_add(100)),
    };
    let mut last_err = None;
    for p in candidates {
        let v4 = match TcpListener::bind((Ipv4Addr::LOCALHOST, p)) {
            Ok(l) => l,
            Err(e) => {
                last_err = Some(e);
                continue;
            }
        };
        let actual = v4.local_addr()?.port();
        match TcpListener::bind((Ipv6Addr::LOCALHOST, actual)) {
            Ok(v6) => return Ok(vec![v4, v6]),
            Err(e) => last_err = Some(e),
        }
    }
    Err(last_err.unwrap_or_else(|| io::Error::other("no free port for localhost")))
}

fn bind_with(port: Port, bind: impl Fn(u16) -> io::Result<TcpListener>) -> io::Result<TcpListener> {
    match port {
        Port::Ephemeral => bind(0),
        Port::Preferred(first) => {
            let mut last_err = None;
            for p in first..=first.saturating_add(100) {
                match bind(p) {
                    Ok(l) => return Ok(l),
                    Err(e) => last_err = Some(e),
                }
            }
            Err(last_err.unwrap_or_else(|| io::Error::other("no free port")))
        }
    }
}

struct Response {
    status: u16,
    content_type: &'static str,
    body: Vec<u8>,
}

impl Response {
    fn text(status: u16, body: &str) -> Response {
        Response { status, content_type: "text/plain; charset=utf-8", body: body.as_bytes().to_vec() }
    }
}

fn handle_connection(stream: TcpStream, shared: &Shared) -> io::Result<()> {
    // Browsers open speculative connections that never send a request; the
    // timeout lets their threads end.
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    let local = stream.local_addr()?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request_line = String::new();
    if reader.read_line(&mut request_line)? == 0 {
        return Ok(());
    }
    // Headers are read and ignored; a bounded read keeps a bad client from
    // growing memory without limit.
    let mut header_bytes = 0usize;
    loop {
        let mut line = String::new();
        let n = (&mut reader).take(16 * 1024).read_line(&mut line)?;
        header_bytes += n;
        if n == 0 || line == "\r\n" || line == "\n" || header_bytes > 64 * 1024 {
            break;
        }
    }

    let mut parts = request_line.split_whitespace();
    let method = parts.next().unwrap_or("").to_owned();
    let target = parts.next().unwrap_or("").to_owned();
    let response = match method.as_str() {
        "GET" | "HEAD" => serve_path(shared, &target),
        _ => Response::text(405, "only GET and HEAD are served\n"),
    };
    if let Ok(mut log) = shared.log.lock() {
        log.push(RequestLog { local, method: method.clone(), target, status: response.status });
    }

    let mut out = stream;
    let head = format!(
        "HTTP/1.1 {} {}\r\nContent-Type: {}\r\nContent-Length: {}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n",
        response.status,
        reason(response.status),
        response.content_type,
        response.body.len()
    );
    out.write_all(head.as_bytes())?;
    if method != "HEAD" {
        out.write_all(&response.body)?;
    }
    out.flush()?;
    let _ = out.shutdown(Shutdown::Write);
    Ok(())
}

fn serve_path(shared: &Shared, target: &str) -> Response {
    let path = target.split(['?', '#']).next().unwrap_or("/");
    let Some(relative) = safe_relative(path) else {
        return Response::text(400, "bad path\n");
    };
    let mut file = shared.root.join(relative);
    if file.is_dir() {
        file.push("index.html");
    }
    let Ok(bytes) = fs::read(&file) else {
        return Response::text(404, &format!("not found: {path}\n"));
    };
    let content_type = content_type(&file);
    let body = if is_templated(&file) {
        match String::from_utf8(bytes) {
            Ok(mut text) => {
                for (placeholder, value) in &shared.substitutions {
                    text = text.replace(placeholder.as_str(), value);
                }
                text.into_bytes()
            }
            Err(e) => e.into_bytes(),
        }
    } else {
        bytes
    };
    Response { status: 200, content_type, body }
}

/// The request path as a path under the root, or `None` if it tries to
/// leave it (`..`, absolute components) or is not valid percent-free UTF-8.
fn safe_relative(path: &str) -> Option<PathBuf> {
    let decoded = percent_decode(path)?;
    let mut out = PathBuf::new();
    for component in Path::new(decoded.trim_start_matches('/')).components() {
        match component {
            Component::Normal(part) => out.push(part),
            Component::CurDir => {}
            _ => return None,
        }
    }
    Some(out)
}

fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

fn extension(path: &Path) -> &str {
    path.extension().and_then(|e| e.to_str()).unwrap_or("")
}

fn is_templated(path: &Path) -> bool {
    matches!(extension(path), "html" | "js")
}

fn content_type(path: &Path) -> &'static str {
    match extension(path) {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "json" | "har" => "application/json",
        "wasm" => "application/wasm",
        "png" => "image/png",
        "svg" => "image/svg+xml",
        "ico" => "image/x-icon",
        "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn get(origin_addr: SocketAddr, target: &str) -> String {
        let mut s = TcpStream::connect(origin_addr).unwrap();
        write!(s, "GET {target} HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
        let mut out = String::new();
        s.read_to_string(&mut out).unwrap();
        out
    }

    fn fixture_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("wwe-server-test-{}-{name}", std::process::id()));
        fs::create_dir_all(dir.join("sub")).unwrap();
        fs::write(dir.join("page.html"), "s={{SERVICE_ORIGIN}} c={{CLIENT_ORIGIN}} t={{THIRD_ORIGIN}} m={{SAME_SITE_ORIGIN}}").unwrap();
        fs::write(dir.join("data.json"), "{{SERVICE_ORIGIN}}").unwrap();
        fs::write(dir.join("sub/index.html"), "index").unwrap();
        dir
    }

    #[test]
    fn serves_substituted_files_on_every_origin_and_stops_on_drop() {
        let dir = fixture_dir("origins");
        let server =
            Server::start(ServerConfig::ephemeral(&dir).with_third(Port::Ephemeral).with_same_site(Port::Ephemeral)).unwrap();
        let origins = server.origins().clone();
        let third = origins.third.clone().unwrap();
        let same_site = origins.same_site.clone().unwrap();
        let addrs = server.addresses.clone();
        assert!(origins.service.starts_with("http://127.0.0.1:"));
        assert!(origins.client.starts_with("http://localhost:"));
        assert!(third.starts_with("http://[::1]:"));
        assert!(same_site.starts_with("http://127.0.0.1:") && same_site != origins.service, "another port of the service's host");

        for addr in &addrs {
            let page = get(*addr, "/page.html?x=1");
            assert!(page.starts_with("HTTP/1.1 200 OK\r\n"), "{page}");
            assert!(page.contains("Content-Type: text/html; charset=utf-8\r\n"));
            assert!(page.contains("Cache-Control: no-store\r\n"));
            let expected = format!("s={} c={} t={} m={same_site}", origins.service, origins.client, third);
            assert!(page.ends_with(&expected), "{page}");
        }
        let json = get(addrs[0], "/data.json");
        assert!(json.ends_with("{{SERVICE_ORIGIN}}"), "only .html and .js are templated: {json}");
        assert!(get(addrs[0], "/sub/").ends_with("index"));
        assert!(get(addrs[0], "/missing.html").starts_with("HTTP/1.1 404"));
        assert!(get(addrs[0], "/../etc/passwd").starts_with("HTTP/1.1 400"));
        assert!(get(addrs[0], "/%2e%2e/etc/passwd").starts_with("HTTP/1.1 400"));
        assert!(server.requests().iter().any(|r| r.target == "/missing.html" && r.status == 404));

        drop(server);
        for addr in &addrs {
            assert!(TcpStream::connect_timeout(addr, Duration::from_millis(500)).is_err(), "{addr} still open");
        }
        let _ = fs::remove_dir_all(dir);
    }

    #[test]
    fn preferred_port_falls_back_to_the_next_free_one() {
        let dir = fixture_dir("fallback");
        let taken = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
        let port = taken.local_addr().unwrap().port();
        let config = ServerConfig { service: Port::Preferred(port), ..ServerConfig::ephemeral(&dir) };
        let server = Server::start(config).unwrap();
        assert_ne!(server.origins().service, format!("http://127.0.0.1:{port}"));
        let _ = fs::remove_dir_all(dir);
    }
}
