//! A private PostgreSQL cluster for when no `DATABASE_URL` is given: the service's
//! default and the test harness's fallback.
//!
//! It uses the machine's PostgreSQL server binaries (nothing is downloaded), runs
//! `initdb` once under the data directory, and starts the server on a free loopback port
//! with its socket inside the data directory; the service connects through the socket.
//! PostgreSQL refuses to run as root, so when we are root the cluster belongs to, and
//! runs as, the `postgres` user. A small watchdog process stops the cluster if this
//! process dies without stopping it.
//!
//! Nobody else on the machine gets in: every connection (socket and TCP) needs the
//! `postgres` password (`scram-sha-256`), which is generated at `initdb` and kept in
//! `data_dir/postgres-password` (mode 0600, the service's user); the socket folder and
//! the cluster are 0700 and belong to the cluster's user. A cluster made by an older
//! version with `trust` is switched to passwords on its next start (it must be stopped
//! for that; a running one is refused with a message saying so).

use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// What went wrong, with what to do about it.
#[derive(Debug, thiserror::Error)]
pub enum EmbeddedPgError {
    #[error(
        "no PostgreSQL server binaries found (looked for initdb via pg_config --bindir, /usr/lib/postgresql/*/bin, /usr/local/pgsql/bin and Homebrew). \
Install them (Debian/Ubuntu: apt-get install postgresql; macOS: brew install postgresql@16) \
or set DATABASE_URL=postgres://user:password@host:5432/dbname to use an existing server"
    )]
    NoBinaries,
    #[error("running as root, but there is no 'postgres' user to run PostgreSQL as (PostgreSQL refuses to run as root). Install the postgresql package, which creates it, or set DATABASE_URL")]
    NoPostgresUser,
    #[error("{step} failed: {detail}")]
    Step { step: String, detail: String },
}

fn step(step: &str, detail: impl std::fmt::Display) -> EmbeddedPgError {
    EmbeddedPgError::Step {
        step: step.to_string(),
        detail: detail.to_string(),
    }
}

/// The password file, under the data directory.
pub const PASSWORD_FILE: &str = "postgres-password";

/// Password authentication for the socket and loopback TCP, nothing else.
const PG_HBA: &str =
    "# Written by hrdd-survey: every connection needs the password (see postgres-password).
local all all scram-sha-256
host all all 127.0.0.1/32 scram-sha-256
host all all ::1/128 scram-sha-256
";

/// A running private cluster.
#[derive(Debug)]
pub struct EmbeddedPostgres {
    bindir: PathBuf,
    cluster_dir: PathBuf,
    /// Where the server's Unix socket (`.s.PGSQL.<port>`) is: `postgres/run` under the
    /// data directory, 0700 and the cluster user's.
    socket_dir: PathBuf,
    port: u16,
    /// The `postgres` role's password (from [`PASSWORD_FILE`]).
    password: String,
    run_as: Option<(u32, u32)>,
    /// False when the cluster was already running (started by another process): then
    /// we leave it running on shutdown.
    owned: bool,
}

impl EmbeddedPostgres {
    /// Finds the directory holding `initdb`, `pg_ctl` and `postgres`.
    pub fn find_bindir() -> Result<PathBuf, EmbeddedPgError> {
        let mut candidates: Vec<PathBuf> = Vec::new();
        if let Ok(dir) = std::env::var("PG_BINDIR") {
            candidates.push(dir.into());
        }
        if let Ok(out) = Command::new("pg_config").arg("--bindir").output() {
            if out.status.success() {
                candidates.push(String::from_utf8_lossy(&out.stdout).trim().into());
            }
        }
        for pattern_dir in ["/usr/lib/postgresql", "/opt/homebrew/opt", "/usr/local/opt"] {
            let Ok(entries) = std::fs::read_dir(pattern_dir) else {
                continue;
            };
            let mut found: Vec<PathBuf> = entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| {
                    pattern_dir == "/usr/lib/postgresql"
                        || p.file_name()
                            .and_then(|n| n.to_str())
                            .is_some_and(|n| n.starts_with("postgresql"))
                })
                .map(|p| p.join("bin"))
                .collect();
            // Newest version first (directory names end in the major version).
            found.sort_by_key(|p| {
                std::cmp::Reverse(
                    p.parent()
                        .and_then(|d| d.file_name())
                        .and_then(|n| n.to_str())
                        .and_then(|n| {
                            n.rsplit(['@', '-', '/'])
                                .next()
                                .and_then(|v| v.parse::<u32>().ok())
                                .or_else(|| n.parse().ok())
                        })
                        .unwrap_or(0),
                )
            });
            candidates.extend(found);
        }
        candidates.push("/usr/local/pgsql/bin".into());
        candidates
            .into_iter()
            .find(|dir| dir.join("initdb").is_file() && dir.join("pg_ctl").is_file())
            .ok_or(EmbeddedPgError::NoBinaries)
    }

    /// Starts (after `initdb` on first use) the cluster kept in `data_dir/postgres`.
    pub fn start(data_dir: &Path) -> Result<EmbeddedPostgres, EmbeddedPgError> {
        Self::start_inner(data_dir, true, "")
    }

    fn start_inner(
        data_dir: &Path,
        watchdog: bool,
        extra_options: &str,
    ) -> Result<EmbeddedPostgres, EmbeddedPgError> {
        let bindir = Self::find_bindir()?;
        let run_as = if nix::unistd::geteuid().is_root() {
            let user = nix::unistd::User::from_name("postgres")
                .ok()
                .flatten()
                .ok_or(EmbeddedPgError::NoPostgresUser)?;
            Some((user.uid.as_raw(), user.gid.as_raw()))
        } else {
            None
        };
        std::fs::create_dir_all(data_dir).map_err(|e| step("creating the data directory", e))?;
        let data_dir = data_dir
            .canonicalize()
            .map_err(|e| step("resolving the data directory", e))?;
        // Private to the service's user; as root, others may only pass through (0711) so
        // that the postgres user reaches its own 0700 folder inside.
        set_mode(&data_dir, if run_as.is_some() { 0o711 } else { 0o700 })?;
        if let Some((uid, _)) = run_as {
            reachable_by(&data_dir, uid)?;
        }
        let root = data_dir.join("postgres");
        let cluster_dir = root.join("cluster");
        let socket_dir = root.join("run");
        for dir in [&root, &socket_dir] {
            std::fs::create_dir_all(dir).map_err(|e| step("creating the cluster directory", e))?;
            chown(dir, run_as)?;
            set_mode(dir, 0o700)?;
        }
        let password_file = data_dir.join(PASSWORD_FILE);
        let stored_password = std::fs::read_to_string(&password_file)
            .ok()
            .map(|p| p.trim().to_string())
            .filter(|p| !p.is_empty());
        let mut pg = EmbeddedPostgres {
            bindir,
            cluster_dir,
            socket_dir: socket_dir.clone(),
            port: 0,
            password: stored_password.clone().unwrap_or_else(new_password),
            run_as,
            owned: true,
        };
        let fresh = !pg.cluster_dir.join("PG_VERSION").exists();
        if fresh || stored_password.is_none() {
            write_private(&password_file, &pg.password)?;
        }
        if fresh {
            pg.initdb(&root)?;
        } else if stored_password.is_none() || pg.trusts_anyone() {
            // Made by an older version with `trust`: switch it to passwords. That needs
            // the server stopped (we change pg_hba.conf and set the password offline).
            if pg.running_port().is_some() {
                return Err(step(
                    "checking the embedded cluster",
                    format!(
                        "the cluster in {} lets every local user in (trust authentication, from an older version) and is running. Stop it (pg_ctl -D {} stop, as its owner), then start the service again to switch it to password authentication",
                        pg.cluster_dir.display(),
                        pg.cluster_dir.display()
                    ),
                ));
            }
            pg.require_passwords()?;
            tracing::warn!(cluster = %pg.cluster_dir.display(), "the embedded cluster used trust authentication; it now requires the password in {}", password_file.display());
        }
        if let Some(port) = pg.running_port() {
            pg.port = port;
            pg.owned = false;
            return Ok(pg);
        }
        pg.port = free_port()?;
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c unix_socket_permissions=0700 -c fsync=on -c max_connections=200 {extra_options}",
            pg.port,
            socket_dir.display()
        );
        let log = root.join("postgres.log");
        let out = pg
            .command("pg_ctl")
            .arg("-D")
            .arg(&pg.cluster_dir)
            .arg("-l")
            .arg(&log)
            .args(["-w", "-t", "60", "-o", &options, "start"])
            .stdin(Stdio::null())
            .process_group(0)
            .output()
            .map_err(|e| step("running pg_ctl start", e))?;
        if !out.status.success() {
            let tail = std::fs::read_to_string(&log).unwrap_or_default();
            let tail: Vec<&str> = tail.lines().rev().take(10).collect();
            return Err(step(
                "starting PostgreSQL",
                format!(
                    "{}{}\nlast lines of {}:\n{}",
                    String::from_utf8_lossy(&out.stdout),
                    String::from_utf8_lossy(&out.stderr),
                    log.display(),
                    tail.into_iter().rev().collect::<Vec<_>>().join("\n")
                ),
            ));
        }
        if watchdog {
            pg.spawn_watchdog(None);
        }
        Ok(pg)
    }

    /// Starts a throw-away cluster in `dir`, removed with its data when this process
    /// exits (the test harness's fallback when no server is reachable).
    pub fn start_ephemeral(dir: &Path) -> Result<EmbeddedPostgres, EmbeddedPgError> {
        Self::start_ephemeral_with(dir, "")
    }

    /// [`Self::start_ephemeral`] with more server options (`-c name=value …`), for
    /// benchmarks that need, say, `shared_preload_libraries=pg_stat_statements`.
    pub fn start_ephemeral_with(
        dir: &Path,
        extra_options: &str,
    ) -> Result<EmbeddedPostgres, EmbeddedPgError> {
        let pg = Self::start_inner(dir, false, extra_options)?;
        pg.spawn_watchdog(Some(dir));
        Ok(pg)
    }

    /// A connection URL for `database` as the `postgres` superuser (with its password):
    /// through the cluster's Unix socket when it is there, else loopback TCP.
    ///
    /// The socket is the service's own way in: only the cluster's user (and root) can
    /// reach its 0700 folder, and a socket costs both sides less CPU a round trip than
    /// TCP on loopback, where the sender also runs the receiver's TCP processing (the
    /// respondent flow's PostgreSQL statements are most of the kernel's share of the
    /// service's profile).
    pub fn url(&self, database: &str) -> String {
        match self.socket_host() {
            Some(host) => format!(
                "postgres://postgres:{}@{host}:{}/{database}",
                self.password, self.port
            ),
            None => self.tcp_url(database),
        }
    }

    /// [`Self::url`] through loopback TCP, whether or not there is a socket (for
    /// programs that take a host and port, and for comparing the two in benchmarks).
    pub fn tcp_url(&self, database: &str) -> String {
        format!(
            "postgres://postgres:{}@127.0.0.1:{}/{database}",
            self.password, self.port
        )
    }

    /// The socket folder, percent-encoded as a URL's host (a host that starts with `/`
    /// is a socket folder to libpq and tokio-postgres alike), when the socket exists and
    /// its path fits a socket address (104 bytes with the final NUL on macOS, 108 on
    /// Linux: the smaller).
    fn socket_host(&self) -> Option<String> {
        let socket = self.socket_dir.join(format!(".s.PGSQL.{}", self.port));
        if socket.as_os_str().len() >= 104 || !socket.exists() {
            return None;
        }
        let dir = self.socket_dir.to_str()?;
        Some(
            percent_encoding::utf8_percent_encode(dir, percent_encoding::NON_ALPHANUMERIC)
                .to_string(),
        )
    }

    /// The server's main process (from `postmaster.pid`), for measuring what the
    /// cluster uses.
    pub fn postmaster_pid(&self) -> Option<u32> {
        std::fs::read_to_string(self.cluster_dir.join("postmaster.pid"))
            .ok()
            .and_then(|s| s.lines().next().and_then(|l| l.trim().parse().ok()))
    }

    /// The TCP port the cluster listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Stops the cluster if this process started it.
    pub fn stop(&self) {
        if !self.owned {
            return;
        }
        let _ = self
            .command("pg_ctl")
            .arg("-D")
            .arg(&self.cluster_dir)
            .args(["-m", "fast", "-w", "stop"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }

    fn command(&self, program: &str) -> Command {
        let mut cmd = Command::new(self.bindir.join(program));
        if let Some((uid, gid)) = self.run_as {
            cmd.uid(uid).gid(gid).env("HOME", "/tmp");
        }
        cmd
    }

    /// `initdb` with the C.UTF-8 locale (Unicode-aware `lower()`), or the plain C locale
    /// where C.UTF-8 does not exist (macOS). Every connection needs the password
    /// (`scram-sha-256`), handed to initdb in a file only the cluster's user can read,
    /// deleted right after.
    fn initdb(&self, root: &Path) -> Result<(), EmbeddedPgError> {
        let pwfile = root.join("initdb-password");
        write_private(&pwfile, &self.password)?;
        chown(&pwfile, self.run_as)?;
        let result = self.initdb_with(&pwfile);
        let _ = std::fs::remove_file(&pwfile);
        result?;
        self.write_hba()
    }

    fn initdb_with(&self, pwfile: &Path) -> Result<(), EmbeddedPgError> {
        let mut last_error = String::new();
        for locale in ["--locale=C.UTF-8", "--no-locale"] {
            // A failed attempt can leave a partial folder behind; initdb wants it empty.
            let _ = std::fs::remove_dir_all(&self.cluster_dir);
            let out = self
                .command("initdb")
                .arg("-D")
                .arg(&self.cluster_dir)
                .args(["-U", "postgres", "--auth=scram-sha-256"])
                .arg(format!("--pwfile={}", pwfile.display()))
                .args(["-E", "UTF8", locale, "--no-sync"])
                .stdin(Stdio::null())
                .output()
                .map_err(|e| step("running initdb", e))?;
            if out.status.success() {
                return Ok(());
            }
            last_error = String::from_utf8_lossy(&out.stderr).into_owned();
        }
        Err(step("initdb", last_error))
    }

    /// Replaces `pg_hba.conf` with password-only rules (as the cluster's user).
    fn write_hba(&self) -> Result<(), EmbeddedPgError> {
        let path = self.cluster_dir.join("pg_hba.conf");
        write_private(&path, PG_HBA)?;
        chown(&path, self.run_as)
    }

    /// Whether `pg_hba.conf` lets anyone in without a password (`trust`).
    fn trusts_anyone(&self) -> bool {
        std::fs::read_to_string(self.cluster_dir.join("pg_hba.conf"))
            .map(|hba| {
                hba.lines()
                    .map(|l| l.split('#').next().unwrap_or(""))
                    .any(|l| l.split_whitespace().any(|w| w == "trust"))
            })
            .unwrap_or(true)
    }

    /// Switches a stopped `trust` cluster to passwords: sets the `postgres` role's
    /// password in single-user mode (no network, the password only on stdin), then
    /// replaces `pg_hba.conf`.
    fn require_passwords(&self) -> Result<(), EmbeddedPgError> {
        use std::io::Write;
        let mut child = self
            .command("postgres")
            .arg("--single")
            .arg("-D")
            .arg(&self.cluster_dir)
            .args(["-c", "password_encryption=scram-sha-256", "postgres"])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| step("setting the postgres password", e))?;
        let sql = format!("ALTER ROLE postgres PASSWORD '{}';\n", self.password);
        child
            .stdin
            .take()
            .expect("stdin is piped")
            .write_all(sql.as_bytes())
            .map_err(|e| step("setting the postgres password", e))?;
        let out = child
            .wait_with_output()
            .map_err(|e| step("setting the postgres password", e))?;
        let stderr = String::from_utf8_lossy(&out.stderr);
        if !out.status.success() || stderr.contains("ERROR") {
            return Err(step("setting the postgres password", stderr));
        }
        self.write_hba()
    }

    /// The port of a server already running on this cluster, from `postmaster.pid`.
    fn running_port(&self) -> Option<u16> {
        let status = self
            .command("pg_ctl")
            .arg("-D")
            .arg(&self.cluster_dir)
            .arg("status")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .ok()?;
        if !status.success() {
            return None;
        }
        let pid_file = std::fs::read_to_string(self.cluster_dir.join("postmaster.pid")).ok()?;
        pid_file.lines().nth(3)?.trim().parse().ok()
    }

    /// Stops the cluster when this process disappears, even after `kill -9`; with
    /// `remove`, also deletes that folder afterwards (for throw-away test clusters).
    ///
    /// The watchdog signals the postmaster it saw at start (not whatever runs there
    /// later), so it cannot stop a cluster that a newer process started.
    fn spawn_watchdog(&self, remove: Option<&Path>) {
        let Some(postmaster) = self.postmaster_pid() else {
            return;
        };
        let cleanup = remove
            .map(|dir| format!("; rm -rf '{}'", dir.display()))
            .unwrap_or_default();
        let script = format!(
            "while [ -d /proc/{pid} ]; do sleep 1; done; kill -INT {pm} 2>/dev/null; \
             while [ -d /proc/{pm} ]; do sleep 0.2; done{cleanup}",
            pid = std::process::id(),
            pm = postmaster,
        );
        // If it cannot start, the cluster simply keeps running after a crash and is
        // reused (or stopped) by the next start.
        let _ = Command::new("/bin/sh")
            .arg("-c")
            .arg(script)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn();
    }
}

/// The `postgres` user must be able to walk down to the data directory; a folder under
/// `/root` (mode 700) is the usual trap.
fn reachable_by(dir: &Path, uid: u32) -> Result<(), EmbeddedPgError> {
    use std::os::unix::fs::MetadataExt;
    for ancestor in dir.ancestors() {
        let Ok(meta) = std::fs::metadata(ancestor) else {
            continue;
        };
        if meta.uid() != uid && meta.mode() & 0o001 == 0 {
            return Err(step(
                "checking the data directory",
                format!(
                    "the postgres user cannot reach {} because {} is not accessible to other users. Set HRDD_DATA_DIR to a folder outside it (for example /var/lib/hrdd), or set DATABASE_URL",
                    dir.display(),
                    ancestor.display()
                ),
            ));
        }
    }
    Ok(())
}

fn chown(path: &Path, run_as: Option<(u32, u32)>) -> Result<(), EmbeddedPgError> {
    if let Some((uid, gid)) = run_as {
        std::os::unix::fs::chown(path, Some(uid), Some(gid)).map_err(|e| {
            step(
                &format!("giving {} to the postgres user", path.display()),
                e,
            )
        })?;
    }
    Ok(())
}

fn set_mode(path: &Path, mode: u32) -> Result<(), EmbeddedPgError> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
        .map_err(|e| step(&format!("making {} private", path.display()), e))
}

/// Writes `content` to a new file of mode 0600 (replacing any file there).
fn write_private(path: &Path, content: &str) -> Result<(), EmbeddedPgError> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let _ = std::fs::remove_file(path);
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .and_then(|mut f| f.write_all(content.as_bytes()))
        .map_err(|e| step(&format!("writing {}", path.display()), e))
}

/// A password of 43 letters and digits (256 bits; safe in a URL without escaping).
fn new_password() -> String {
    crate::auth::new_token()
}

fn free_port() -> Result<u16, EmbeddedPgError> {
    let listener =
        std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| step("finding a free port", e))?;
    listener
        .local_addr()
        .map(|a| a.port())
        .map_err(|e| step("finding a free port", e))
}
