//! Collector configuration: command-line flags, an optional JSON file, and
//! their validation (errors name the flag or the field).

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::ops::RangeInclusive;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::store::MAX_STORED_BYTES;
use crate::CliError;

/// Days a session is kept after its last activity, by default. Short on
/// purpose: the CNIL's draft recommendation on session replay asks for a
/// short retention period, and a month is enough to investigate a bug report.
pub const DEFAULT_RETENTION_DAYS: u32 = 30;
/// Largest accepted request body (the compressed batch), by default.
pub const DEFAULT_MAX_BODY: usize = 1 << 20;
/// Largest accepted decompressed batch, by default.
pub const DEFAULT_MAX_DECOMPRESSED: usize = 16 << 20;
/// Where the collector listens by default (loopback only).
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8787";
/// Seconds to send a request's headers (and an idle connection's lifetime).
/// A browser sends its headers at once; 10 s leaves room for a slow mobile
/// link, and frees a connection a client holds without sending anything.
pub const DEFAULT_HEADER_TIMEOUT: u64 = 10;
/// Connections served at once. Each costs a task and a few KiB; decoding is
/// bounded separately (2 × cores at once, `http.rs`).
pub const DEFAULT_MAX_CONNECTIONS: usize = 1024;
/// The database file, by default (relative to the working directory).
pub const DEFAULT_DB: &str = "reticent.db";
/// The viewer's asset directory, by default (relative to the working directory).
pub const DEFAULT_VIEWER_DIR: &str = "viewer";
/// The script served at `/reticent.js` with `--demo-dir`, by default.
pub const DEFAULT_DEMO_SCRIPT: &str = "js/dist/reticent.js";

/// `reticent serve` flags. Flags override the `--config` file; `--site` flags
/// add to its sites.
#[derive(clap::Args, Debug, Default)]
pub struct ServeArgs {
    /// JSON configuration file (see docs/collector.md); flags override it.
    #[arg(long, value_name = "PATH")]
    config: Option<PathBuf>,
    /// Address to listen on [default: 127.0.0.1:8787]; port 0 picks a free port.
    #[arg(long, value_name = "ADDR")]
    listen: Option<String>,
    /// Accept a listen address that is not loopback (put TLS in front).
    #[arg(long)]
    allow_public: bool,
    /// The SQLite database [default: reticent.db].
    #[arg(long, value_name = "PATH")]
    db: Option<PathBuf>,
    /// A site: `NAME:KEY:ORIGIN[,ORIGIN…][:policy=DIGEST[,DIGEST…]]`. The origin
    /// `none` admits requests without an Origin header. Repeatable.
    #[arg(long = "site", value_name = "SPEC")]
    sites: Vec<String>,
    /// Largest request body in bytes [default: 1048576].
    #[arg(long, value_name = "BYTES")]
    max_body: Option<usize>,
    /// Largest decompressed batch in bytes [default: 16777216].
    #[arg(long, value_name = "BYTES")]
    max_decompressed: Option<usize>,
    /// Days a session is kept after its last activity [default: 30].
    #[arg(long, value_name = "N")]
    retention_days: Option<u32>,
    /// Seconds between retention purges [default: 3600].
    #[arg(long, value_name = "SECS")]
    purge_interval: Option<u64>,
    /// Seconds a client has to send a request's headers, from connecting or
    /// from the previous response; an idle connection is closed after it
    /// [default: 10].
    #[arg(long, value_name = "SECS")]
    header_timeout: Option<u64>,
    /// Connections served at once; more wait until one ends [default: 1024].
    #[arg(long, value_name = "N")]
    max_connections: Option<usize>,
    /// The replay viewer's access token (16 to 256 of [A-Za-z0-9_-]) [default:
    /// read from, or generated into, DB.viewer-token].
    #[arg(long, value_name = "TOKEN")]
    viewer_token: Option<String>,
    /// The viewer's asset directory (its package.json, static/ and
    /// node_modules/rrweb-player) [default: viewer].
    #[arg(long, value_name = "DIR")]
    viewer_dir: Option<PathBuf>,
    /// Do not serve the replay viewer (`/viewer/`).
    #[arg(long, conflicts_with_all = ["viewer_token", "viewer_dir"])]
    no_viewer: bool,
    /// Serve the static site in DIR under `/demo/` (and `--demo-script` at `/reticent.js`).
    #[arg(long, value_name = "DIR")]
    demo_dir: Option<PathBuf>,
    /// The script served at `/reticent.js` with `--demo-dir` [default: js/dist/reticent.js].
    #[arg(long, value_name = "PATH", requires = "demo_dir")]
    demo_script: Option<PathBuf>,
}

/// Where the viewer's token comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ViewerToken {
    /// `--viewer-token`.
    Given(String),
    /// Read from (or generated into) this file, next to the database.
    File(PathBuf),
}

/// The replay viewer's settings (`/viewer/`).
#[derive(Clone, Debug)]
pub struct ViewerSettings {
    /// The asset directory.
    pub dir: PathBuf,
    /// The access token's source.
    pub token: ViewerToken,
}

/// The demo site's settings (`/demo/`).
#[derive(Clone, Debug)]
pub struct DemoSettings {
    /// The site's files.
    pub dir: PathBuf,
    /// The recorder's script-tag build, served at `/reticent.js`.
    pub script: PathBuf,
}

/// One site allowed to send batches.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Site {
    /// Short name, used in the store and in reports.
    pub name: String,
    /// The value of `X-Reticent-Key` that identifies the site.
    pub key: String,
    /// Allowed `Origin` values, normalised (`https://host[:port]`).
    pub origins: Vec<String>,
    /// Whether a request without an `Origin` header is accepted.
    pub allow_no_origin: bool,
    /// Approved privacy-policy digests; empty means no pinning.
    pub approved_policies: Vec<String>,
}

/// The validated configuration of `reticent serve`.
#[derive(Clone, Debug)]
pub struct ServeConfig {
    /// Listen address.
    pub listen: SocketAddr,
    /// Database path.
    pub db: PathBuf,
    /// Sites, at least one.
    pub sites: Vec<Site>,
    /// Request body cap.
    pub max_body: usize,
    /// Decompression cap.
    pub max_decompressed: usize,
    /// Retention in days.
    pub retention_days: u32,
    /// Seconds between purges.
    pub purge_interval_secs: u64,
    /// Header timeout and connection cap.
    pub connections: crate::connections::Limits,
    /// The replay viewer, unless `--no-viewer`.
    pub viewer: Option<ViewerSettings>,
    /// The demo site, with `--demo-dir`.
    pub demo: Option<DemoSettings>,
}

/// The JSON configuration file.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct FileConfig {
    listen: Option<String>,
    allow_public: Option<bool>,
    db: Option<PathBuf>,
    max_body: Option<usize>,
    max_decompressed: Option<usize>,
    retention_days: Option<u32>,
    purge_interval: Option<u64>,
    header_timeout: Option<u64>,
    max_connections: Option<usize>,
    #[serde(default)]
    sites: Vec<FileSite>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct FileSite {
    name: String,
    key: String,
    origins: Vec<String>,
    #[serde(default)]
    allow_no_origin: bool,
    #[serde(default)]
    approved_policies: Vec<String>,
}

impl ServeArgs {
    /// Merges flags over the file and validates everything.
    pub fn resolve(self) -> Result<ServeConfig, CliError> {
        let file = match &self.config {
            Some(p) => read_file(p)?,
            None => FileConfig::default(),
        };
        let listen_s = self
            .listen
            .or(file.listen)
            .unwrap_or_else(|| DEFAULT_LISTEN.into());
        let listen: SocketAddr = listen_s.parse().map_err(|_| {
            CliError::usage(format!(
                "--listen: expected IP:PORT (e.g. 127.0.0.1:8787), got {listen_s:?}"
            ))
        })?;
        let allow_public = self.allow_public || file.allow_public.unwrap_or(false);
        if !listen.ip().is_loopback() && !allow_public {
            return Err(CliError::usage(format!(
                "--listen {listen} is not a loopback address; pass --allow-public to expose \
                 the collector (behind a TLS reverse proxy)"
            )));
        }
        let mut sites = Vec::new();
        for (i, s) in file.sites.into_iter().enumerate() {
            let field = format!("sites[{i}]");
            let mut allow_no_origin = s.allow_no_origin;
            let origins = normalise_origins(&s.origins, &mut allow_no_origin, &field)?;
            sites.push(check_site(
                Site {
                    name: s.name,
                    key: s.key,
                    origins,
                    allow_no_origin,
                    approved_policies: s.approved_policies,
                },
                &field,
            )?);
        }
        for spec in &self.sites {
            sites.push(parse_site(spec)?);
        }
        if sites.is_empty() {
            return Err(CliError::usage(
                "no site configured: pass --site NAME:KEY:ORIGIN or a --config file with sites"
                    .into(),
            ));
        }
        let mut names = BTreeSet::new();
        let mut keys = BTreeSet::new();
        for s in &sites {
            if !names.insert(s.name.as_str()) {
                return Err(CliError::usage(format!(
                    "site {:?} is defined twice",
                    s.name
                )));
            }
            if !keys.insert(s.key.as_str()) {
                return Err(CliError::usage(format!(
                    "site {:?} reuses another site's key; each site needs its own",
                    s.name
                )));
            }
        }
        let max_body = in_range(
            "--max-body",
            self.max_body.or(file.max_body).unwrap_or(DEFAULT_MAX_BODY),
            1024..=64 << 20,
            " bytes",
        )?;
        let max_decompressed = self
            .max_decompressed
            .or(file.max_decompressed)
            .unwrap_or(DEFAULT_MAX_DECOMPRESSED);
        // No more than the store reads back (`MAX_STORED_BYTES`).
        if !(max_body..=MAX_STORED_BYTES).contains(&max_decompressed) {
            return Err(CliError::usage(format!(
                "--max-decompressed: expected {max_body} (--max-body) to {MAX_STORED_BYTES} bytes, got {max_decompressed}"
            )));
        }
        let retention_days = in_range(
            "--retention-days",
            self.retention_days
                .or(file.retention_days)
                .unwrap_or(DEFAULT_RETENTION_DAYS),
            1..=3650,
            "",
        )?;
        let purge_interval_secs = in_range(
            "--purge-interval",
            self.purge_interval.or(file.purge_interval).unwrap_or(3600),
            1..=86_400,
            " seconds",
        )?;
        let header_timeout = in_range(
            "--header-timeout",
            self.header_timeout
                .or(file.header_timeout)
                .unwrap_or(DEFAULT_HEADER_TIMEOUT),
            1..=300,
            " seconds",
        )?;
        let max_connections = in_range(
            "--max-connections",
            self.max_connections
                .or(file.max_connections)
                .unwrap_or(DEFAULT_MAX_CONNECTIONS),
            1..=65_536,
            "",
        )?;
        let db = self
            .db
            .or(file.db)
            .unwrap_or_else(|| PathBuf::from(DEFAULT_DB));
        let viewer = if self.no_viewer {
            None
        } else {
            let token = match self.viewer_token {
                Some(t) => ViewerToken::Given(
                    crate::viewer::check_token(&t)
                        .map_err(|e| CliError::usage(format!("--viewer-token: {e}")))?,
                ),
                None => ViewerToken::File(crate::viewer::token_file_for(&db)),
            };
            Some(ViewerSettings {
                dir: self
                    .viewer_dir
                    .unwrap_or_else(|| PathBuf::from(DEFAULT_VIEWER_DIR)),
                token,
            })
        };
        let demo = match self.demo_dir {
            Some(dir) => {
                if !dir.is_dir() {
                    return Err(CliError::usage(format!(
                        "--demo-dir {}: not a directory",
                        dir.display()
                    )));
                }
                Some(DemoSettings {
                    dir,
                    script: self
                        .demo_script
                        .unwrap_or_else(|| PathBuf::from(DEFAULT_DEMO_SCRIPT)),
                })
            }
            None => None,
        };
        Ok(ServeConfig {
            listen,
            db,
            sites,
            max_body,
            max_decompressed,
            retention_days,
            purge_interval_secs,
            connections: crate::connections::Limits {
                header_timeout: std::time::Duration::from_secs(header_timeout),
                max_connections,
            },
            viewer,
            demo,
        })
    }
}

/// `value` if it is in `range`, else the usage error naming `flag`
/// (`--max-body: expected 1024 to 67108864 bytes, got 12`).
fn in_range<T>(flag: &str, value: T, range: RangeInclusive<T>, unit: &str) -> Result<T, CliError>
where
    T: PartialOrd + std::fmt::Display,
{
    if range.contains(&value) {
        return Ok(value);
    }
    Err(CliError::usage(format!(
        "{flag}: expected {} to {}{unit}, got {value}",
        range.start(),
        range.end()
    )))
}

fn read_file(path: &Path) -> Result<FileConfig, CliError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| CliError::usage(format!("--config {}: {e}", path.display())))?;
    serde_json::from_str(&text)
        .map_err(|e| CliError::usage(format!("--config {}: {e}", path.display())))
}

/// Parses `NAME:KEY:ORIGIN[,ORIGIN…][:policy=DIGEST[,DIGEST…]]`.
///
/// Origins contain colons (`https://a.example:8443`), so the spec is split on
/// the first two colons and on the literal `:policy=`, never elsewhere.
pub fn parse_site(spec: &str) -> Result<Site, CliError> {
    let field = format!("--site {spec:?}");
    let bad = || {
        CliError::usage(format!(
            "{field}: expected NAME:KEY:ORIGIN[,ORIGIN…][:policy=DIGEST[,DIGEST…]]"
        ))
    };
    let mut parts = spec.splitn(3, ':');
    let name = parts.next().ok_or_else(bad)?;
    let key = parts.next().ok_or_else(bad)?;
    let rest = parts.next().ok_or_else(bad)?;
    let (origins, policies) = match rest.split_once(":policy=") {
        Some((o, p)) => (o, Some(p)),
        None => (rest, None),
    };
    let origins: Vec<String> = origins.split(',').map(str::to_owned).collect();
    let mut allow_no_origin = false;
    let origins = normalise_origins(&origins, &mut allow_no_origin, &field)?;
    let approved_policies = policies
        .map(|p| p.split(',').map(str::to_owned).collect())
        .unwrap_or_default();
    check_site(
        Site {
            name: name.to_owned(),
            key: key.to_owned(),
            origins,
            allow_no_origin,
            approved_policies,
        },
        &field,
    )
}

fn check_site(mut site: Site, field: &str) -> Result<Site, CliError> {
    let id_like = |s: &str, chars: &[u8]| {
        s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || chars.contains(&b))
    };
    if site.name.is_empty() || site.name.len() > 64 || !id_like(&site.name, b"-_.") {
        return Err(CliError::usage(format!(
            "{field}: site name must be 1 to 64 characters of [A-Za-z0-9._-], got {:?}",
            site.name
        )));
    }
    if !(8..=128).contains(&site.key.len()) || !id_like(&site.key, b"-_") {
        return Err(CliError::usage(format!(
            "{field}: site key must be 8 to 128 characters of [A-Za-z0-9_-]"
        )));
    }
    if site.origins.is_empty() && !site.allow_no_origin {
        return Err(CliError::usage(format!(
            "{field}: at least one origin (or `none`) is needed"
        )));
    }
    for d in &mut site.approved_policies {
        *d = d.to_ascii_lowercase();
        if d.len() != 64 || !d.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(CliError::usage(format!(
                "{field}: a policy digest is 64 hex characters (SHA-256), got {d:?}"
            )));
        }
    }
    Ok(site)
}

/// Normalises origins to what browsers send (`scheme://host[:port]`, lower
/// case, no default port, no path); `none` sets `allow_no_origin`.
fn normalise_origins(
    raw: &[String],
    allow_no_origin: &mut bool,
    field: &str,
) -> Result<Vec<String>, CliError> {
    let mut out = Vec::new();
    for o in raw {
        if o == "none" {
            *allow_no_origin = true;
            continue;
        }
        let n = normalise_origin(o).ok_or_else(|| {
            CliError::usage(format!(
                "{field}: origin must be http(s)://HOST[:PORT] or `none`, got {o:?}"
            ))
        })?;
        if !out.contains(&n) {
            out.push(n);
        }
    }
    Ok(out)
}

/// `https://Shop.Example:443/` → `https://shop.example`; `None` if not an origin.
pub fn normalise_origin(o: &str) -> Option<String> {
    let lower = o.to_ascii_lowercase();
    let (scheme, rest) = lower.split_once("://")?;
    if scheme != "http" && scheme != "https" {
        return None;
    }
    let host_port = rest.strip_suffix('/').unwrap_or(rest);
    if host_port.is_empty()
        || !host_port
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-.:[]".contains(&b))
    {
        return None;
    }
    let default_port = if scheme == "https" { ":443" } else { ":80" };
    let host_port = host_port.strip_suffix(default_port).unwrap_or(host_port);
    if let Some((host, port)) = host_port.rsplit_once(':') {
        // IPv6 literals contain colons: only a `]` before the port ends the host.
        if (!host.contains(':') || host.ends_with(']'))
            && (host.is_empty() || port.parse::<u16>().is_err())
        {
            return None;
        }
    }
    Some(format!("{scheme}://{host_port}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const D: &str = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

    #[test]
    fn site_specs() {
        let s =
            parse_site("shop:k3y-0123:https://Shop.example:443/,http://localhost:3000").unwrap();
        assert_eq!(s.name, "shop");
        assert_eq!(s.key, "k3y-0123");
        assert_eq!(s.origins, ["https://shop.example", "http://localhost:3000"]);
        assert!(!s.allow_no_origin);
        assert!(s.approved_policies.is_empty());

        let s = parse_site(&format!(
            "a:abcdefgh:https://a.example:8443,none:policy={D},{D}"
        ))
        .unwrap();
        assert_eq!(s.origins, ["https://a.example:8443"]);
        assert!(s.allow_no_origin);
        assert_eq!(s.approved_policies.len(), 2);

        for bad in [
            "shop",
            "shop:key",
            "shop:short:https://a.example",
            "sh op:abcdefgh:https://a.example",
            "shop:abcdefgh:ftp://a.example",
            "shop:abcdefgh:https://a.example/path",
            "shop:abcdefgh:https://a.example:notaport",
            "shop:abcdefgh:https://a.example:policy=abc",
            "shop:abcdefgh:",
        ] {
            let e = parse_site(bad).unwrap_err();
            assert_eq!(e.exit_code, 2, "{bad}");
        }
    }

    #[test]
    fn listen_guard() {
        let args = |listen: &str, public: bool| ServeArgs {
            listen: Some(listen.into()),
            allow_public: public,
            sites: vec!["s:abcdefgh:https://a.example".into()],
            ..Default::default()
        };
        assert!(args("127.0.0.1:0", false).resolve().is_ok());
        assert!(args("[::1]:8787", false).resolve().is_ok());
        assert!(args("0.0.0.0:8787", false).resolve().is_err());
        assert!(args("192.168.1.2:8787", false).resolve().is_err());
        assert!(args("0.0.0.0:8787", true).resolve().is_ok());
    }

    /// The connection limits: defaults, the file's keys, flags over them.
    #[test]
    fn connection_limits() {
        let dir = std::env::temp_dir().join(format!("reticent-limits-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("c.json");
        std::fs::write(&file, r#"{"headerTimeout": 3, "maxConnections": 50}"#).unwrap();
        let args = |config: Option<&Path>, timeout: Option<u64>| ServeArgs {
            config: config.map(Path::to_path_buf),
            sites: vec!["s:abcdefgh:https://a.example".into()],
            header_timeout: timeout,
            ..Default::default()
        };
        let limits = |a: ServeArgs| a.resolve().unwrap().connections;
        let d = limits(args(None, None));
        assert_eq!(d.header_timeout.as_secs(), DEFAULT_HEADER_TIMEOUT);
        assert_eq!(d.max_connections, DEFAULT_MAX_CONNECTIONS);
        let f = limits(args(Some(&file), None));
        assert_eq!((f.header_timeout.as_secs(), f.max_connections), (3, 50));
        assert_eq!(
            limits(args(Some(&file), Some(7))).header_timeout.as_secs(),
            7
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
