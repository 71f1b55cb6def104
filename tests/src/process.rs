//! Child processes that cannot outlive the harness, and temporary
//! directories that cannot outlive the session.
//!
//! Every browser session runs in its own process group. Its leader is a tiny
//! `sh` watchdog that kills the whole group when the harness process
//! disappears (a `kill -9`, a Ctrl-C, a CI timeout: cases where no `Drop`
//! runs). The driver joins that group, and the browser it starts inherits it,
//! so one `kill(-pgid, SIGKILL)` in `Drop` stops all of them, renderers and
//! GPU helpers included.

use std::fs;
use std::net::{Ipv4Addr, TcpListener};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::error::{Error, Result};

/// A process group led by a watchdog; dropping it kills every member.
pub struct ProcessGroup {
    watchdog: Child,
    members: Vec<Child>,
}

impl ProcessGroup {
    pub fn new() -> Result<ProcessGroup> {
        let parent = std::process::id();
        // `kill 0` signals the shell's own group, i.e. everything started
        // in this group, once the harness process is gone.
        let script = format!("while kill -0 {parent} 2>/dev/null; do sleep 1; done; kill -KILL 0");
        let watchdog = Command::new("sh")
            .arg("-c")
            .arg(script)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .map_err(|e| Error::new(format!("starting the watchdog shell: {e}")))?;
        Ok(ProcessGroup { watchdog, members: Vec::new() })
    }

    pub fn id(&self) -> u32 {
        self.watchdog.id()
    }

    /// Spawns `command` inside the group.
    pub fn spawn(&mut self, command: &mut Command) -> Result<u32> {
        let child = command.process_group(self.id() as i32).spawn()?;
        let pid = child.id();
        self.members.push(child);
        Ok(pid)
    }

    /// Whether the member with this pid has exited (and its status if so).
    pub fn exited(&mut self, pid: u32) -> Option<std::process::ExitStatus> {
        let child = self.members.iter_mut().find(|c| c.id() == pid)?;
        child.try_wait().ok().flatten()
    }
}

impl Drop for ProcessGroup {
    fn drop(&mut self) {
        // SAFETY: kill(2) with a negative pid signals a process group; the
        // group id is our watchdog's pid, which we have not reaped yet, so it
        // cannot have been reused by an unrelated group.
        unsafe {
            libc::kill(-(self.id() as i32), libc::SIGKILL);
        }
        for child in &mut self.members {
            let _ = child.wait();
        }
        let _ = self.watchdog.wait();
    }
}

/// A fresh directory under the system temp dir, removed on drop.
pub struct TempDir {
    path: PathBuf,
}

impl TempDir {
    /// `<tmp>/<prefix>-<pid>-<n>-<nanos>`. Also removes `wwe-e2e*`
    /// directories left by harness processes that no longer exist (a
    /// killed run cannot clean up after itself; the next one does).
    pub fn new(prefix: &str) -> Result<TempDir> {
        sweep_stale();
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or(0);
        let name = format!(
            "{prefix}-{}-{}-{nanos}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        );
        let path = std::env::temp_dir().join(name);
        fs::create_dir_all(&path).map_err(|e| Error::new(format!("creating {}: {e}", path.display())))?;
        Ok(TempDir { path })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        // A dying browser may still be writing into its profile for a moment.
        for _ in 0..10 {
            if fs::remove_dir_all(&self.path).is_ok() || !self.path.exists() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

/// Removes `<tmp>/wwe-e2e*-<pid>-<n>-<nanos>` directories (any prefix of
/// this harness, whichever browser) whose process is gone.
fn sweep_stale() {
    let Ok(entries) = fs::read_dir(std::env::temp_dir()) else { return };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if !name.starts_with("wwe-e2e") {
            continue;
        }
        let fields: Vec<&str> = name.rsplitn(4, '-').collect();
        let [_nanos, _n, pid, _prefix] = fields.as_slice() else { continue };
        let Ok(pid) = pid.parse::<i32>() else { continue };
        if pid as u32 == std::process::id() {
            continue;
        }
        // SAFETY: signal 0 only checks that the process exists.
        let alive = unsafe { libc::kill(pid, 0) } == 0
            || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM);
        if !alive {
            let _ = fs::remove_dir_all(entry.path());
        }
    }
}

/// A port that was free a moment ago on 127.0.0.1. Callers retry on the
/// (rare) race where something else takes it first.
pub fn free_port() -> Result<u16> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?;
    Ok(listener.local_addr()?.port())
}
