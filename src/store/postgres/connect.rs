//! Connecting to PostgreSQL the way libpq users expect, through poolers.
//!
//! The connection string (a `postgres://` URL, multi-host ones included, or
//! libpq's `key=value` form) is read into libpq keywords, on top of a
//! service's settings (`service=NAME` in `PGSERVICEFILE` or
//! `~/.pg_service.conf`); then each host is handed to the driver as a
//! single-host URL, so the driver adds the `PG*` environment and `~/.pgpass`
//! as before. Hosts are tried in order until one matches
//! `target_session_attrs`.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgConnection};
use sqlx::{Connection, Row as _};
use sqlx_core::net::tls::overrides::TlsOverrides;

use super::first_line;
use crate::config::DbUrl;
use crate::error::{Error, Result};

/// Which server a connection must reach (libpq's `target_session_attrs`).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Attrs {
    Any,
    ReadWrite,
    ReadOnly,
    Primary,
    Standby,
    PreferStandby,
}

impl Attrs {
    fn parse(s: &str) -> Result<Attrs> {
        Ok(match s {
            "any" => Attrs::Any,
            "read-write" => Attrs::ReadWrite,
            "read-only" => Attrs::ReadOnly,
            "primary" => Attrs::Primary,
            "standby" => Attrs::Standby,
            "prefer-standby" => Attrs::PreferStandby,
            other => {
                return Err(
                    Error::usage(format!("target_session_attrs={other:?} is not one libpq knows"))
                        .hint("use any, read-write, read-only, primary, standby or prefer-standby"),
                );
            }
        })
    }

    /// Whether a server (in recovery or not, read-only or not) matches.
    fn accepts(self, standby: bool, read_only: bool) -> bool {
        match self {
            Attrs::Any | Attrs::PreferStandby => true,
            Attrs::ReadWrite => !read_only,
            Attrs::ReadOnly => read_only,
            Attrs::Primary => !standby,
            Attrs::Standby => standby,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Attrs::Any => "any",
            Attrs::ReadWrite => "read-write",
            Attrs::ReadOnly => "read-only",
            Attrs::Primary => "primary",
            Attrs::Standby => "standby",
            Attrs::PreferStandby => "prefer-standby",
        }
    }
}

/// One host to try: the driver's options, how messages name it, and the
/// TLS settings sqlx's options cannot carry (revocation lists, the name to
/// verify when `hostaddr` is what is connected to).
struct Host {
    opts: PgConnectOptions,
    target: String,
    tls: Option<TlsOverrides>,
}

/// Everything a connection string says.
struct Plan {
    hosts: Vec<Host>,
    attrs: Attrs,
    timeout: Option<Duration>,
}

/// Connects to the database `url` names, giving up on each host after
/// `timeout` (or the string's `connect_timeout`). Returns the connection and
/// the host (`host:port` or socket path) it reached.
pub(super) async fn connect(url: &DbUrl, timeout: Duration) -> Result<(PgConnection, String)> {
    let plan = plan(url)?;
    let timeout = plan.timeout.unwrap_or(timeout);
    let single = plan.hosts.len() == 1 && plan.attrs == Attrs::Any;
    let mut refused = Vec::new();
    // prefer-standby: a standby if any answers, else the first server that did.
    let mut fallback: Option<(PgConnection, String)> = None;
    for host in &plan.hosts {
        // Read by the (vendored) TLS handshake of this attempt only.
        sqlx_core::net::tls::overrides::set(host.tls.clone());
        let attempt = tokio::time::timeout(timeout, PgConnection::connect_with(&host.opts)).await;
        sqlx_core::net::tls::overrides::set(None);
        let conn = match attempt {
            Err(_) => Err(Error::database(format!(
                "cannot reach the database at {}: no answer within {:.0} s",
                host.target,
                timeout.as_secs_f64()
            ))
            .hint("check the host and port in --database-url, and that the server is running")),
            Ok(Err(e)) => Err(connect_error(&host.target, url, e)),
            Ok(Ok(c)) => Ok(c),
        };
        let mut conn = match conn {
            Ok(c) => c,
            Err(e) if single => return Err(e),
            Err(e) => {
                refused.push(format!("{} ({})", host.target, e.message()));
                continue;
            }
        };
        if plan.attrs == Attrs::Any {
            return Ok((conn, host.target.clone()));
        }
        let (standby, read_only) = match session_kind(&mut conn).await {
            Ok(k) => k,
            Err(e) => {
                refused.push(format!("{} ({})", host.target, first_line(&e.to_string())));
                continue;
            }
        };
        let kind = if standby {
            "a standby"
        } else if read_only {
            "read-only"
        } else {
            "a primary"
        };
        if plan.attrs == Attrs::PreferStandby {
            if standby {
                return Ok((conn, host.target.clone()));
            }
            if fallback.is_none() {
                fallback = Some((conn, host.target.clone()));
            } else {
                let _ = conn.close().await;
            }
            refused.push(format!("{} (is {kind})", host.target));
            continue;
        }
        if plan.attrs.accepts(standby, read_only) {
            return Ok((conn, host.target.clone()));
        }
        let _ = conn.close().await;
        refused.push(format!("{} (is {kind})", host.target));
    }
    if let Some(found) = fallback {
        return Ok(found);
    }
    Err(Error::database(format!(
        "no server in {url} accepted a {} session: {}",
        plan.attrs.name(),
        refused.join("; ")
    ))
    .hint("check the hosts and target_session_attrs in --database-url"))
}

/// Whether the server is a standby (in recovery) and whether sessions are read-only.
async fn session_kind(conn: &mut PgConnection) -> std::result::Result<(bool, bool), sqlx::Error> {
    let row = sqlx::raw_sql("SELECT pg_is_in_recovery(), current_setting('transaction_read_only') = 'on'")
        .fetch_one(&mut *conn)
        .await?;
    Ok((row.try_get(0)?, row.try_get(1)?))
}

fn invalid(url: &DbUrl, why: &str) -> Error {
    Error::usage(format!("{url} is not a valid PostgreSQL connection string: {why}"))
        .hint("use postgres://USER[:PASSWORD]@HOST[:PORT][,HOST2[:PORT2]]/DB[?sslmode=require] or host=… dbname=… user=…")
}

/// Reads the connection string into a plan (see the module docs).
fn plan(url: &DbUrl) -> Result<Plan> {
    let raw = url.expose().trim();
    let mut kw = if raw.contains("://") {
        parse_url(raw).map_err(|why| invalid(url, &why))?
    } else {
        parse_keywords(raw).map_err(|why| invalid(url, &why))?
    };
    let service = kw
        .get("service")
        .cloned()
        .or_else(|| std::env::var("PGSERVICE").ok());
    if let Some(name) = service.filter(|s| !s.is_empty()) {
        // The string's own settings win over the service's.
        for (k, v) in service_settings(&name)? {
            kw.entry(k).or_insert(v);
        }
    }
    let attrs = match kw
        .get("target_session_attrs")
        .cloned()
        .or_else(|| std::env::var("PGTARGETSESSIONATTRS").ok())
    {
        Some(a) => Attrs::parse(&a)?,
        None => Attrs::Any,
    };
    let timeout = match kw
        .get("connect_timeout")
        .cloned()
        .or_else(|| std::env::var("PGCONNECT_TIMEOUT").ok())
    {
        // libpq: zero or less waits forever; less than 2 s means 2 s.
        Some(t) => match t.trim().parse::<i64>() {
            Ok(n) if n <= 0 => None,
            Ok(n) => Some(Duration::from_secs(n.max(2) as u64)),
            Err(_) => {
                return Err(invalid(
                    url,
                    &format!("connect_timeout={t:?} is not a number of seconds"),
                ));
            }
        },
        None => None,
    };
    let names: Vec<String> = kw
        .get("host")
        .map(|h| h.split(',').map(str::to_owned).collect())
        .unwrap_or_default();
    // libpq: hostaddr is where to connect (numeric, no name lookup); host,
    // when given too, is the name the certificate is verified against.
    let addrs: Vec<String> = kw
        .get("hostaddr")
        .map(|h| h.split(',').map(str::to_owned).collect())
        .unwrap_or_default();
    if !addrs.is_empty() && !names.is_empty() && addrs.len() != names.len() {
        return Err(invalid(
            url,
            &format!("{} hosts but {} hostaddrs", names.len(), addrs.len()),
        ));
    }
    for a in addrs.iter().filter(|a| !a.is_empty()) {
        if a.parse::<std::net::IpAddr>().is_err() {
            return Err(invalid(
                url,
                &format!("hostaddr {a:?} is not a numeric IP address"),
            ));
        }
    }
    let hosts: Vec<String> = match (addrs.is_empty(), names.is_empty()) {
        (true, true) => vec![String::new()],
        (true, false) => names.clone(),
        (false, _) => addrs.clone(),
    };
    let crls = revocation_lists(&kw, url)?;
    let ports: Vec<String> = kw
        .get("port")
        .map(|p| p.split(',').map(str::to_owned).collect())
        .unwrap_or_default();
    if ports.len() > 1 && ports.len() != hosts.len() {
        return Err(invalid(
            url,
            &format!("{} hosts but {} ports", hosts.len(), ports.len()),
        ));
    }
    let home = std::env::var_os("HOME").map(PathBuf::from);
    let dot = |f: &str| {
        home.as_ref()
            .map(|h| h.join(".postgresql").join(f))
            .filter(|p| p.is_file())
    };
    let mut list = Vec::with_capacity(hosts.len());
    for (i, host) in hosts.iter().enumerate() {
        let port = ports
            .get(if ports.len() == 1 { 0 } else { i })
            .filter(|p| !p.is_empty());
        let mut q = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in &kw {
            if !matches!(
                k.as_str(),
                "host"
                    | "hostaddr"
                    | "port"
                    | "service"
                    | "connect_timeout"
                    | "target_session_attrs"
                    | "application_name"
                    | "sslcrl"
                    | "sslcrldir"
            ) {
                q.append_pair(k, v);
            }
        }
        if !host.is_empty() {
            q.append_pair("host", host);
        }
        if let Some(p) = port {
            q.append_pair("port", p);
        }
        let socket = host.starts_with('/')
            || (host.is_empty() && std::env::var("PGHOST").is_ok_and(|h| h.starts_with('/')));
        let mode = kw
            .get("sslmode")
            .cloned()
            .or_else(|| std::env::var("PGSSLMODE").ok())
            .unwrap_or_default();
        if socket {
            // libpq ignores sslmode on Unix sockets: there is no TLS there.
            q.append_pair("sslmode", "disable");
        } else {
            // libpq's default files, when nothing else names one.
            if mode.starts_with("verify")
                && !kw.contains_key("sslrootcert")
                && std::env::var_os("PGSSLROOTCERT").is_none()
                && let Some(ca) = dot("root.crt")
            {
                q.append_pair("sslrootcert", &ca.to_string_lossy());
            }
            if !kw.contains_key("sslcert")
                && std::env::var_os("PGSSLCERT").is_none()
                && let (Some(cert), Some(key)) = (dot("postgresql.crt"), dot("postgresql.key"))
            {
                q.append_pair("sslcert", &cert.to_string_lossy());
                q.append_pair("sslkey", &key.to_string_lossy());
            }
        }
        let verify = mode.starts_with("verify");
        let crls = if verify && !socket {
            crls.clone()
        } else {
            Vec::new()
        };
        // The name to verify, when what is connected to is a hostaddr.
        let server_name = (!addrs.is_empty())
            .then(|| {
                names
                    .get(i)
                    .filter(|n| !n.is_empty() && !n.starts_with('/'))
                    .cloned()
            })
            .flatten();
        let tls = (!crls.is_empty() || server_name.is_some()).then_some(TlsOverrides { crls, server_name });
        let single = format!("postgres:///?{}", q.finish());
        let opts = PgConnectOptions::from_str(&single)
            .map_err(|e| invalid(url, first_line(&e.to_string())))?
            .application_name("vault")
            // PgBouncer (without ignore_startup_parameters) refuses a
            // connection that sets extra_float_digits; vault stores no floats.
            .extra_float_digits(None);
        let mut target = target_of(&opts);
        if let Some(name) = tls.as_ref().and_then(|t| t.server_name.as_deref()) {
            target = format!("{name} ({target})");
        }
        list.push(Host { target, opts, tls });
    }
    Ok(Plan {
        hosts: list,
        attrs,
        timeout,
    })
}

/// The certificate revocation lists libpq would use: `sslcrl` (else
/// `PGSSLCRL`, else `~/.postgresql/root.crl` if it exists) and every file of
/// `sslcrldir` (else `PGSSLCRLDIR`). A list named explicitly that cannot be
/// read is an error, as in libpq. Applied in the verify modes.
fn revocation_lists(kw: &BTreeMap<String, String>, url: &DbUrl) -> Result<Vec<Vec<u8>>> {
    let setting = |key: &str, env: &str| {
        kw.get(key)
            .cloned()
            .or_else(|| std::env::var(env).ok())
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    let unreadable = |what: &str, path: &std::path::Path, e: std::io::Error| {
        Error::usage(format!(
            "{url}: the {what} {} cannot be read: {e}",
            path.display()
        ))
        .hint("fix or remove sslcrl/sslcrldir (or PGSSLCRL/PGSSLCRLDIR)")
    };
    let mut out = Vec::new();
    match setting("sslcrl", "PGSSLCRL") {
        Some(file) => out.push(std::fs::read(&file).map_err(|e| unreadable("sslcrl file", &file, e))?),
        None => {
            let default = std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".postgresql/root.crl"));
            if let Some(file) = default.filter(|p| p.is_file()) {
                out.push(std::fs::read(&file).map_err(|e| unreadable("revocation list", &file, e))?);
            }
        }
    }
    if let Some(dir) = setting("sslcrldir", "PGSSLCRLDIR") {
        let entries = std::fs::read_dir(&dir).map_err(|e| unreadable("sslcrldir", &dir, e))?;
        let mut files: Vec<PathBuf> = entries
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.is_file())
            .collect();
        files.sort();
        for file in files {
            out.push(std::fs::read(&file).map_err(|e| unreadable("revocation list", &file, e))?);
        }
    }
    Ok(out)
}

/// `%XX` sequences decoded (invalid ones kept as they are).
fn percent_decode(s: &str) -> std::result::Result<String, String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && i + 2 < b.len()
            && b[i + 1].is_ascii_hexdigit()
            && b[i + 2].is_ascii_hexdigit()
            && let Ok(v) = u8::from_str_radix(&s[i + 1..i + 3], 16)
        {
            out.push(v);
            i += 3;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8(out).map_err(|_| "it is not UTF-8 once decoded".to_owned())
}

/// A `postgres://` URL as libpq keywords, multi-host authorities included.
fn parse_url(raw: &str) -> std::result::Result<BTreeMap<String, String>, String> {
    let rest = raw.split_once("://").map(|(_, r)| r).ok_or("no scheme")?;
    let (before, query) = rest.split_once('?').unwrap_or((rest, ""));
    let (authority, path) = before.split_once('/').unwrap_or((before, ""));
    let (userinfo, hostlist) = match authority.rsplit_once('@') {
        Some((u, h)) => (Some(u), h),
        None => (None, authority),
    };
    let mut kw = BTreeMap::new();
    if let Some(u) = userinfo {
        let (user, password) = match u.split_once(':') {
            Some((user, pw)) => (user, Some(pw)),
            None => (u, None),
        };
        if !user.is_empty() {
            kw.insert("user".into(), percent_decode(user)?);
        }
        if let Some(pw) = password {
            kw.insert("password".into(), percent_decode(pw)?);
        }
    }
    if !hostlist.is_empty() {
        let (mut hosts, mut ports) = (Vec::new(), Vec::new());
        for item in hostlist.split(',') {
            let (host, port) = if let Some(v6) = item.strip_prefix('[') {
                let (h, after) = v6.split_once(']').ok_or("an IPv6 host lacks its ]")?;
                (h.to_owned(), after.strip_prefix(':').unwrap_or(""))
            } else {
                match item.rsplit_once(':') {
                    Some((h, p)) => (h.to_owned(), p),
                    None => (item.to_owned(), ""),
                }
            };
            if !port.is_empty() && port.parse::<u16>().is_err() {
                return Err(format!("port {port:?} is not a number"));
            }
            hosts.push(percent_decode(&host)?);
            ports.push(port.to_owned());
        }
        kw.insert("host".into(), hosts.join(","));
        if ports.iter().any(|p| !p.is_empty()) {
            kw.insert("port".into(), ports.join(","));
        }
    }
    if !path.is_empty() {
        kw.insert("dbname".into(), percent_decode(path)?);
    }
    for (k, v) in url::form_urlencoded::parse(query.as_bytes()) {
        kw.insert(k.into_owned(), v.into_owned());
    }
    Ok(kw)
}

/// libpq's `key=value key='quoted value'` form.
fn parse_keywords(raw: &str) -> std::result::Result<BTreeMap<String, String>, String> {
    let mut kw = BTreeMap::new();
    let mut chars = raw.chars().peekable();
    loop {
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        if chars.peek().is_none() {
            break;
        }
        let key: String = std::iter::from_fn(|| chars.next_if(|c| *c != '=' && !c.is_whitespace())).collect();
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        if chars.next() != Some('=') {
            return Err(format!("{key:?} has no = after it"));
        }
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        let mut value = String::new();
        if chars.next_if_eq(&'\'').is_some() {
            loop {
                match chars.next() {
                    None => return Err(format!("the value of {key} lacks its closing quote")),
                    Some('\'') => break,
                    Some('\\') => value.extend(chars.next()),
                    Some(c) => value.push(c),
                }
            }
        } else {
            while let Some(c) = chars.next_if(|c| !c.is_whitespace()) {
                if c == '\\' {
                    value.extend(chars.next());
                } else {
                    value.push(c);
                }
            }
        }
        if key.is_empty() {
            return Err("a value has no key".into());
        }
        kw.insert(key, value);
    }
    if kw.is_empty() {
        return Err("it is empty".into());
    }
    Ok(kw)
}

/// The settings of service `name`: `PGSERVICEFILE` (else `~/.pg_service.conf`),
/// then the system file (`PGSYSCONFDIR/pg_service.conf`, else
/// `/etc/postgresql-common/pg_service.conf`), the first that has it.
fn service_settings(name: &str) -> Result<Vec<(String, String)>> {
    let user = std::env::var_os("PGSERVICEFILE")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".pg_service.conf")));
    let system = std::env::var_os("PGSYSCONFDIR")
        .map(|d| PathBuf::from(d).join("pg_service.conf"))
        .unwrap_or_else(|| PathBuf::from("/etc/postgresql-common/pg_service.conf"));
    let mut looked = Vec::new();
    for file in user.into_iter().chain([system]) {
        let text = match std::fs::read_to_string(&file) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                looked.push(file.display().to_string());
                continue;
            }
            Err(e) => return Err(Error::io("read service file", &file, &e)),
        };
        looked.push(file.display().to_string());
        let mut inside = false;
        let mut found = None;
        for line in text.lines().map(str::trim) {
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            if let Some(section) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
                inside = section.trim() == name;
                if inside {
                    found.get_or_insert_with(Vec::new);
                }
                continue;
            }
            if inside && let Some((k, v)) = line.split_once('=') {
                found
                    .get_or_insert_with(Vec::new)
                    .push((k.trim().to_owned(), v.trim().to_owned()));
            }
        }
        if let Some(settings) = found {
            return Ok(settings);
        }
    }
    Err(Error::usage(format!(
        "service {name:?} is not defined in {}",
        looked.join(" or ")
    ))
    .hint("add a [NAME] section to ~/.pg_service.conf (or PGSERVICEFILE), or fix service="))
}

/// Where `opts` connects: `host:port`, or the Unix socket's path.
fn target_of(opts: &PgConnectOptions) -> String {
    match opts.get_socket() {
        Some(dir) => dir
            .join(format!(".s.PGSQL.{}", opts.get_port()))
            .display()
            .to_string(),
        None if opts.get_host().starts_with('/') => {
            format!("{}/.s.PGSQL.{}", opts.get_host(), opts.get_port())
        }
        None => format!("{}:{}", opts.get_host(), opts.get_port()),
    }
}

/// Connection failures name the host (or socket) and never the password.
fn connect_error(target: &str, url: &DbUrl, e: sqlx::Error) -> Error {
    match &e {
        // 53300 too_many_connections: the server (or its reserved slots) is
        // full; the URL is fine.
        sqlx::Error::Database(db) if db.code().as_deref() == Some("53300") => Error::database(format!(
            "the database at {target} has no free connection (max_connections reached): {}",
            db.message()
        ))
        .hint("try again in a moment; for many clients at once, put a pooler such as PgBouncer in front (README: Deployments)"),
        sqlx::Error::Database(db) => {
            let code = db.code().unwrap_or_default();
            let hint = match code.as_ref() {
                "3D000" => "create the database first, or fix its name in --database-url",
                "28P01" | "28000" => "check the user and password in --database-url",
                _ => "check --database-url",
            };
            Error::database(format!(
                "the database at {target} refused the connection: {}",
                db.message()
            ))
            .hint(hint)
        }
        sqlx::Error::Tls(t) => tls_error(target, &t.to_string()),
        sqlx::Error::Io(io) => {
            // rustls reports a bad certificate as an I/O error (InvalidData).
            let text = io.to_string();
            if text.contains("certificate") {
                return tls_error(target, &text);
            }
            Error::database(format!("cannot reach the database at {target}: {io}"))
                .hint("check the host and port in --database-url, and that the server is running")
        }
        _ => Error::database(format!(
            "cannot connect to the database at {target} ({url}): {}",
            first_line(&e.to_string())
        ))
        .hint("check --database-url"),
    }
}

/// A TLS failure, said plainly when it is the server's certificate.
fn tls_error(target: &str, text: &str) -> Error {
    if text.contains("UnknownIssuer") || text.contains("unknown issuer") {
        Error::database(format!(
            "the certificate of the database at {target} is signed by an unknown issuer: {text}"
        ))
        .hint("put the server's CA in ~/.postgresql/root.crt or give sslrootcert=PATH in --database-url")
    } else if text.contains("NotValidForName") || text.contains("not valid for name") {
        Error::database(format!(
            "the certificate of the database at {target} is not valid for that host name: {text}"
        ))
        .hint(
            "connect with a host name the certificate names, or use sslmode=verify-ca (and sslrootcert=PATH)",
        )
    } else if text.contains("Revoked") || text.contains("revoked") {
        Error::database(format!(
            "the certificate of the database at {target} was revoked: {text}"
        ))
        .hint("the server's certificate is on the revocation list (sslcrl, sslcrldir or ~/.postgresql/root.crl); the server needs a new one")
    } else if text.contains("certificate") {
        Error::database(format!(
            "the certificate of the database at {target} was refused: {text}"
        ))
        .hint("check sslrootcert (or ~/.postgresql/root.crt) and sslmode in --database-url")
    } else {
        Error::database(format!("TLS with the database at {target} failed: {text}"))
            .hint("check sslmode and sslrootcert in --database-url")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_multi_host_urls() {
        let kw = parse_url("postgres://me:p%40ss@h1:5432,[::1]:6543,h3/app?target_session_attrs=read-write")
            .unwrap();
        assert_eq!(kw["user"], "me");
        assert_eq!(kw["password"], "p@ss");
        assert_eq!(kw["host"], "h1,::1,h3");
        assert_eq!(kw["port"], "5432,6543,");
        assert_eq!(kw["dbname"], "app");
        assert_eq!(kw["target_session_attrs"], "read-write");
        let kw = parse_url("postgresql://%2Frun%2Fpg/db").unwrap();
        assert_eq!(kw["host"], "/run/pg");
    }

    #[test]
    fn reads_keyword_value_strings() {
        let kw = parse_keywords("host=db dbname = app user=me password='it''s \\' x' sslmode=require")
            .unwrap_err();
        assert!(kw.contains("no = after"), "{kw}");
        let kw = parse_keywords("host=db dbname = app user=me password='a \\'b' sslmode=require").unwrap();
        assert_eq!(kw["host"], "db");
        assert_eq!(kw["dbname"], "app");
        assert_eq!(kw["password"], "a 'b");
        assert_eq!(kw["sslmode"], "require");
        assert!(parse_keywords("host").is_err());
        assert!(parse_keywords("password='open").is_err());
    }

    #[test]
    fn session_attrs() {
        assert!(Attrs::parse("read-write").unwrap().accepts(false, false));
        assert!(!Attrs::ReadWrite.accepts(true, true));
        assert!(Attrs::Standby.accepts(true, true));
        assert!(!Attrs::Primary.accepts(true, true));
        assert!(Attrs::parse("master").is_err());
    }
}
