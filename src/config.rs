//! Where things live, and which database and identity a command uses.
//!
//! Resolution order for both the database URL and the identity file:
//! command-line flag, environment variable (clap reads both), `config.toml`,
//! then the default. With nothing configured the default database is the
//! embedded SQLite file under the user's data directory.

use std::fmt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::secure_fs;

/// The directories vault uses, from `dirs` (so XDG variables are honoured).
#[derive(Clone, Debug)]
pub struct Paths {
    pub config_dir: PathBuf,
    pub data_dir: PathBuf,
}

impl Paths {
    pub fn from_env() -> Result<Paths> {
        let config = dirs::config_dir().ok_or_else(|| {
            Error::identity("cannot find your config directory").hint("set HOME or XDG_CONFIG_HOME")
        })?;
        let data = dirs::data_dir().ok_or_else(|| {
            Error::identity("cannot find your data directory").hint("set HOME or XDG_DATA_HOME")
        })?;
        Ok(Paths {
            config_dir: config.join("vault"),
            data_dir: data.join("vault"),
        })
    }

    pub fn config_file(&self) -> PathBuf {
        self.config_dir.join("config.toml")
    }

    pub fn default_identity(&self) -> PathBuf {
        self.config_dir.join("identity.txt")
    }

    /// The companion signing key `vault init` makes for a plugin identity.
    pub fn default_signing_key(&self) -> PathBuf {
        self.config_dir.join("signing-key")
    }

    pub fn default_database(&self) -> PathBuf {
        self.data_dir.join("vault.db")
    }
}

/// Where the database URL came from (init records flag/env URLs in the config).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Source {
    Given,
    Config,
    Default,
}

/// The database URL: the one given (flag or `VAULT_DATABASE_URL`), else
/// the config file's, else the embedded default. The one resolution used by
/// commands and by shell completion alike.
pub fn resolve_database_url(
    given: Option<&str>,
    config: &ConfigFile,
    paths: &Paths,
) -> Result<(DbUrl, Source)> {
    if let Some(raw) = given.filter(|s| !s.is_empty()) {
        return Ok((DbUrl::parse(raw)?, Source::Given));
    }
    if let Some(raw) = &config.database_url {
        return Ok((DbUrl::parse(raw)?, Source::Config));
    }
    Ok((DbUrl::sqlite(&paths.default_database()), Source::Default))
}

/// The PostgreSQL schema: the one given (flag or `VAULT_SCHEMA`), else the
/// config file's, else `vault`; checked to be a plain identifier. The one
/// resolution used by commands and by shell completion alike.
pub fn resolve_schema(given: Option<&str>, config: &ConfigFile) -> Result<String> {
    let schema = given
        .filter(|s| !s.is_empty())
        .or(config.schema.as_deref())
        .unwrap_or(DEFAULT_SCHEMA);
    check_schema(schema)?;
    Ok(schema.to_owned())
}

/// The contents of `config.toml`.
#[derive(Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub identity: Option<PathBuf>,
    /// A plugin identity's companion signing key: an OpenSSH private key
    /// file, or a public key (`.pub`) whose private half ssh-agent holds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signing_key: Option<PathBuf>,
    /// PostgreSQL: the schema holding vault's tables (default `vault`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub schema: Option<String>,
    /// Versions kept per secret, the current one included (default 10).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub keep_versions: Option<u64>,
    /// Days a removed secret is kept for `vault restore` (default 30).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub keep_removed_days: Option<u64>,
}

/// How much history writes keep: `VAULT_KEEP_VERSIONS` and
/// `VAULT_KEEP_REMOVED_DAYS`, else the config file, else the defaults. A
/// value that is not a number in range is an error, not a default: a typo
/// must not shorten anyone's history.
pub fn resolve_retention(config: &ConfigFile) -> Result<crate::model::Retention> {
    let pick =
        |env: &str, from_file: Option<u64>, range: std::ops::RangeInclusive<u64>| -> Result<Option<u64>> {
            match std::env::var(env) {
                Ok(text) if !text.is_empty() => match text.trim().parse::<u64>() {
                    Ok(n) if range.contains(&n) => Ok(Some(n)),
                    _ => Err(Error::usage(format!(
                        "{env} must be a whole number from {} to {}, not {:?}",
                        range.start(),
                        range.end(),
                        text
                    ))
                    .hint(format!("fix or unset {env}"))),
                },
                _ => match from_file {
                    Some(n) if !range.contains(&n) => Err(Error::usage(format!(
                        "the config file's {} must be from {} to {}, not {n}",
                        env.trim_start_matches("VAULT_").to_lowercase(),
                        range.start(),
                        range.end()
                    ))
                    .hint("fix config.toml")),
                    other => Ok(other),
                },
            }
        };
    let d = crate::store::DEFAULT_RETENTION;
    let versions = pick("VAULT_KEEP_VERSIONS", config.keep_versions, 1..=1_000_000)?.unwrap_or(d.versions);
    let days = pick("VAULT_KEEP_REMOVED_DAYS", config.keep_removed_days, 0..=36_500)?;
    Ok(crate::model::Retention {
        versions,
        removed_secs: days.map(|d| d as i64 * 24 * 3600).unwrap_or(d.removed_secs),
    })
}

impl ConfigFile {
    /// Reads the config file; a missing file is an empty config.
    ///
    /// Like ssh's StrictModes, a config directory or file owned by another
    /// user, or writable by group or others, is refused (exit 8): whoever can
    /// write it chooses the vault your next `put` goes to.
    pub fn load(path: &Path) -> Result<ConfigFile> {
        if let Some(dir) = path.parent() {
            secure_fs::check_not_writable_by_others(dir, "config directory")?;
        }
        secure_fs::check_not_writable_by_others(path, "config file")?;
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(ConfigFile::default()),
            Err(e) => return Err(Error::io("read config file", path, &e)),
        };
        let config: ConfigFile = toml::from_str(&text).map_err(|e| {
            let first = e.message().lines().next().unwrap_or("invalid TOML").to_owned();
            Error::usage(format!("config file {} is invalid: {first}", path.display()))
                .hint("fix it or remove it and run `vault init` again")
        })?;
        // A database password is a credential: like an identity, it may not
        // sit in a file others can read. Without one the mode is the user's business.
        if config.database_url.as_deref().is_some_and(has_password) {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(path)
                .map(|m| m.permissions().mode() & 0o777)
                .unwrap_or(0);
            if mode & 0o077 != 0 {
                return Err(Error::identity(format!(
                    "config file {} holds a database password and is too open (mode {mode:04o}); it was not used",
                    path.display()
                ))
                .hint(format!("run `chmod 600 {}`", path.display())));
            }
        }
        Ok(config)
    }

    /// Writes the config file (0600: the URL may hold a password).
    pub fn save(&self, path: &Path) -> Result<()> {
        let text =
            toml::to_string(self).map_err(|e| Error::internal(format!("cannot encode config: {e}")))?;
        let text = format!("# written by `vault init`\n{text}");
        if let Some(dir) = path.parent() {
            secure_fs::ensure_private_dir(dir)?;
        }
        secure_fs::replace_private_file(path, text.as_bytes())
    }
}

/// The schema vault uses on PostgreSQL unless told otherwise.
pub const DEFAULT_SCHEMA: &str = "vault";

/// Checks a schema name given with `--schema`, `VAULT_SCHEMA` or `schema =`:
/// a plain lower-case SQL identifier (so it needs no quoting in psql either),
/// not one PostgreSQL reserves.
pub fn check_schema(name: &str) -> Result<()> {
    let plain = name
        .bytes()
        .enumerate()
        .all(|(i, b)| b.is_ascii_lowercase() || b == b'_' || (i > 0 && b.is_ascii_digit()));
    if name.is_empty() || name.len() > 63 || !plain || name.starts_with("pg_") || name == "information_schema"
    {
        return Err(Error::usage(format!(
            "{:?} is not a schema name vault uses",
            name.chars().take(80).collect::<String>()
        ))
        .hint("use lower-case letters, digits and _ (at most 63, not starting with a digit or pg_), e.g. --schema secrets"));
    }
    Ok(())
}

/// Which storage backend a URL selects.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Postgres,
    Sqlite,
}

/// A database URL. Its `Display` hides any password, so it is safe in
/// messages and `--verbose` output; `expose()` gives the real URL to the driver.
#[derive(Clone)]
pub struct DbUrl {
    raw: String,
    backend: Backend,
}

impl DbUrl {
    pub fn parse(raw: &str) -> Result<DbUrl> {
        let raw = raw.trim();
        let scheme = raw.split_once(':').map(|(s, _)| s.to_ascii_lowercase());
        let backend = match scheme.as_deref() {
            Some("postgres" | "postgresql") => Backend::Postgres,
            Some("sqlite") => Backend::Sqlite,
            // libpq's keyword/value form: `host=db dbname=app user=me`.
            _ if is_keyword_value(raw) => Backend::Postgres,
            _ => {
                return Err(
                    Error::usage(format!("{} is not a database URL vault understands", redact(raw)))
                        .hint("use postgres://USER@HOST/DB or sqlite:///path/to/vault.db"),
                );
            }
        };
        // Multi-host URLs (`postgres://h1:5432,h2:5432/db`) and keyword/value
        // strings are not URLs to the url crate; the PostgreSQL store reads them.
        let multi_host = raw.split('?').next().is_some_and(|a| a.contains(','));
        if backend == Backend::Postgres
            && !multi_host
            && !is_keyword_value(raw)
            && url::Url::parse(raw).is_err()
        {
            return Err(Error::usage(format!("{} is not a valid URL", redact(raw)))
                .hint("use postgres://USER[:PASSWORD]@HOST[:PORT]/DB[?sslmode=require]"));
        }
        Ok(DbUrl {
            raw: raw.to_owned(),
            backend,
        })
    }

    /// The URL of the embedded database at `path`.
    pub fn sqlite(path: &Path) -> DbUrl {
        DbUrl {
            raw: format!("sqlite://{}", path.display()),
            backend: Backend::Sqlite,
        }
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The real URL, password included: only for the database driver.
    pub fn expose(&self) -> &str {
        &self.raw
    }

    /// For SQLite URLs, the file path.
    pub fn sqlite_path(&self) -> Option<PathBuf> {
        if self.backend != Backend::Sqlite {
            return None;
        }
        let rest = self.raw.split_once(':').map(|(_, r)| r).unwrap_or_default();
        let rest = rest.strip_prefix("//").unwrap_or(rest);
        let path = rest.split('?').next().unwrap_or_default();
        Some(PathBuf::from(path))
    }
}

impl fmt::Display for DbUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&redact(&self.raw))
    }
}

impl fmt::Debug for DbUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DbUrl({self})")
    }
}

/// Whether a query parameter's name, as the driver reads it, names a
/// password. sqlx reads parameters with `Url::query_pairs` (names
/// percent-decoded, `+` as a space, the last `password` winning); the same
/// decoding is used here, so `pass%77ord` is a password, and so is any
/// `…password` parameter such as `sslpassword` (a client key's passphrase).
fn is_password_param(raw_pair: &str) -> bool {
    url::form_urlencoded::parse(raw_pair.as_bytes())
        .next()
        .is_some_and(|(key, _)| key.to_lowercase().contains("password"))
}

/// Whether `raw` is libpq's keyword/value form (`host=db dbname=app`): no
/// scheme, and it starts with `word=`.
fn is_keyword_value(raw: &str) -> bool {
    !raw.contains("://")
        && raw.split_once('=').is_some_and(|(k, _)| {
            !k.trim().is_empty() && k.trim().bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        })
}

/// A keyword/value string with the value of `password` (quoted or not) as `***`.
fn redact_keyword_value(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(pos) = rest.find("password") {
        let after = &rest[pos + "password".len()..];
        let value = after.trim_start();
        let Some(value) = value.strip_prefix('=') else {
            out.push_str(&rest[..pos + "password".len()]);
            rest = after;
            continue;
        };
        let value = value.trim_start();
        let len = if let Some(q) = value.strip_prefix('\'') {
            let mut escaped = false;
            let close = q
                .char_indices()
                .find(|&(_, c)| {
                    let end = c == '\'' && !escaped;
                    escaped = c == '\\' && !escaped;
                    end
                })
                .map_or(q.len(), |(i, _)| i + 1);
            close + 1
        } else {
            value.find(char::is_whitespace).unwrap_or(value.len())
        };
        out.push_str(&rest[..pos]);
        out.push_str("password=***");
        rest = &value[len.min(value.len())..];
    }
    out.push_str(rest);
    out
}

/// The raw `key=value` pairs of a URL's query, as the driver splits them.
fn query_pairs(raw: &str) -> impl Iterator<Item = &str> {
    let query = raw.split_once('?').map(|(_, q)| q).unwrap_or("");
    let query = query.split_once('#').map(|(q, _)| q).unwrap_or(query);
    query.split('&').filter(|p| !p.is_empty())
}

/// Whether a database URL carries a password (in the authority or the query).
pub fn has_password(raw: &str) -> bool {
    if is_keyword_value(raw) {
        return redact_keyword_value(raw) != raw;
    }
    url::Url::parse(raw).is_ok_and(|u| u.password().is_some()) || query_pairs(raw).any(is_password_param)
}

/// Replaces a URL's password and the value of every password parameter
/// (however its name is percent-encoded, however often it is given) with
/// `***`. Everything else, case included, is kept as written.
pub fn redact(raw: &str) -> String {
    let base = match url::Url::parse(raw) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("***"));
            u.to_string()
        }
        Ok(_) => raw.to_owned(),
        // keyword/value: everything but the password.
        Err(_) if is_keyword_value(raw) => return redact_keyword_value(raw),
        // Not a URL: show at most the scheme so a mistyped password never leaks.
        Err(_) => {
            return match raw.split_once("://") {
                Some((scheme, _)) if !scheme.contains(['@', ':', '/', '?']) => format!("{scheme}://…"),
                _ => "the given value".to_owned(),
            };
        }
    };
    let Some((head, query)) = base.split_once('?') else {
        return base;
    };
    let (query, fragment) = match query.split_once('#') {
        Some((q, f)) => (q, Some(f)),
        None => (query, None),
    };
    let pairs: Vec<String> = query
        .split('&')
        .map(|pair| {
            if is_password_param(pair) {
                let key = pair.split_once('=').map(|(k, _)| k).unwrap_or(pair);
                format!("{key}=***")
            } else {
                pair.to_owned()
            }
        })
        .collect();
    let mut out = format!("{head}?{}", pairs.join("&"));
    if fragment.is_some() {
        out.push_str("#…"); // never sent to the server; not worth showing
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_passwords() {
        let u = DbUrl::parse("postgres://me:hunter2@db:5432/app").unwrap();
        assert_eq!(u.to_string(), "postgres://me:***@db:5432/app");
        assert_eq!(u.expose(), "postgres://me:hunter2@db:5432/app");
        assert!(!redact("postgres://h/db?password=hunter2&x=1").contains("hunter2"));
        assert!(!redact("postgres://me:hunt er2@").contains("hunt"));
        assert_eq!(
            redact("host=db password='a b\\' c' user=me"),
            "host=db password=*** user=me"
        );
        assert_eq!(redact("password = x dbname=app"), "password=*** dbname=app");
    }

    #[test]
    fn redacts_what_the_driver_reads() {
        // The driver decodes parameter names and keeps the last password.
        for url in [
            "postgres://h/db?password=decoy&password=S3CRET",
            "postgres://h/db?sslpassword=decoy&password=S3CRET",
            "postgres://h/db?pass%77ord=S3CRET",
            "postgres://h/db?PASSWORD=S3CRET",
            "postgres://h/db?sslmode=require&pass%77ord=S3CRET&x=1#frag",
            "postgres://u:S3CRET@h/db?password=S3CRET",
        ] {
            let shown = redact(url);
            assert!(!shown.contains("S3CRET"), "{url} -> {shown}");
            assert!(has_password(url), "{url}");
        }
        assert_eq!(
            redact("postgres://Me@Host/DB?sslMode=Require&pass%77ord=x"),
            "postgres://Me@Host/DB?sslMode=Require&pass%77ord=***"
        );
        assert!(!has_password("postgres://h/db?sslmode=require&passfile=x"));
        assert!(!has_password("sqlite:///tmp/x.db"));
    }

    #[test]
    fn selects_backend_and_path() {
        let u = DbUrl::parse("sqlite:///tmp/x.db").unwrap();
        assert_eq!(u.backend(), Backend::Sqlite);
        assert_eq!(u.sqlite_path().unwrap(), PathBuf::from("/tmp/x.db"));
        assert_eq!(
            DbUrl::parse("postgresql://h/d").unwrap().backend(),
            Backend::Postgres
        );
        assert!(DbUrl::parse("mysql://h/d").is_err());
        assert!(DbUrl::parse("not a url").is_err());
    }

    #[test]
    fn checks_schema_names() {
        for ok in ["vault", "secrets", "app_vault2", "_x"] {
            assert!(check_schema(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "Vault",
            "2x",
            "a-b",
            "a\"b",
            "pg_temp",
            "information_schema",
            &"x".repeat(64),
        ] {
            assert!(check_schema(bad).is_err(), "{bad}");
        }
    }
}
