//! Real PostgreSQL deployments: vault in a schema of the user's choice,
//! beside Supabase Vault (a faithful stand-in: the seed's table and a
//! `decrypted_secrets` view in a schema `vault` owned by another role), and
//! importing from it.

use crate::harness::{Backend, Env, Run};

/// Runs `vault` with `--schema secrets` given in the environment.
fn in_secrets(env: &Env, args: &[&str]) -> Run {
    env.vault(args).env("VAULT_SCHEMA", "secrets")
}

/// A unique role name (roles are cluster-wide; tests run in parallel).
fn role() -> String {
    format!("sb_{}", uuid::Uuid::new_v4().simple())
}

/// Supabase Vault's schema as the extension leaves it: `vault.secrets` (the
/// seed table) and `vault.decrypted_secrets`, owned by another role. The
/// stand-in "decrypts" by showing `secret` as is.
fn supabase_vault(env: &Env) {
    let owner = role();
    env.exec(&format!(
        "CREATE ROLE {owner} NOLOGIN;
         CREATE SCHEMA vault AUTHORIZATION {owner};
         CREATE TABLE vault.secrets (
             id uuid NOT NULL DEFAULT gen_random_uuid(),
             name text,
             description text NOT NULL DEFAULT '',
             secret text NOT NULL,
             key_id uuid,
             nonce bytea,
             created_at timestamp with time zone NOT NULL DEFAULT now(),
             updated_at timestamp with time zone NOT NULL DEFAULT now(),
             CONSTRAINT secrets_pkey PRIMARY KEY (id));
         CREATE UNIQUE INDEX secrets_name_idx ON vault.secrets USING btree (name) WHERE (name IS NOT NULL);
         CREATE VIEW vault.decrypted_secrets AS
             SELECT id, name, description, secret, secret AS decrypted_secret, key_id, nonce,
                    created_at, updated_at FROM vault.secrets;
         ALTER TABLE vault.secrets OWNER TO {owner};
         ALTER VIEW vault.decrypted_secrets OWNER TO {owner};
         INSERT INTO vault.secrets (name, description, secret, key_id, nonce) VALUES
             ('stripe_key', 'Stripe live key', 'sk_live_123', gen_random_uuid(), '\\x0102'),
             ('db/url', '', 'postgres://app:pw@db/app', gen_random_uuid(), '\\x0304'),
             (NULL, 'an unnamed one', 'anonymous value', gen_random_uuid(), NULL);"
    ));
}

fn source_rows(env: &Env) -> Vec<Vec<String>> {
    env.query("SELECT id::text, name, description, secret, updated_at::text FROM vault.secrets ORDER BY id")
}

#[test]
fn vault_in_another_schema() {
    let env = Env::new(Backend::Postgres);
    in_secrets(&env, &["init"]).ok();
    // Recorded by init: later commands need no flag.
    let config = std::fs::read_to_string(env.config_dir().join("config.toml")).unwrap();
    assert!(config.contains("schema = \"secrets\""), "{config}");
    env.put("a/b", b"one");
    env.put("a/c", b"two");
    assert_eq!(env.get("a/b"), b"one");
    assert_eq!(env.vault(&["ls"]).ok().stdout_str(), "a/b\na/c\n");
    env.vault(&["rotate"]).ok();
    env.vault(&["rm", "a/c"]).ok();
    assert_eq!(env.scalar("SELECT count(*) FROM secrets.secrets"), "1");
    assert_eq!(
        env.scalar("SELECT count(*) FROM secrets.keys WHERE state = 'current'"),
        "1"
    );
    assert_eq!(
        env.scalar("SELECT max(version)::text FROM secrets._sqlx_migrations"),
        "6"
    );
    // Nothing was made in the default schema.
    assert_eq!(
        env.scalar("SELECT count(*) FROM pg_namespace WHERE nspname = 'vault'"),
        "0"
    );
    // The default schema holds no vault: said so, not a crash.
    env.vault(&["--schema", "vault", "ls"]).fails(7, "holds no vault");
    // A schema name that is not a plain identifier is refused before connecting.
    env.vault(&["--schema", "x\"; DROP", "ls"])
        .fails(2, "not a schema name");
}

#[test]
fn refuses_supabase_vaults_schema_and_says_what_to_do() {
    let env = Env::new(Backend::Postgres);
    supabase_vault(&env);
    let before = source_rows(&env);
    let out = env.vault(&["init"]).fails(7, "that vault did not create");
    assert!(out.stderr.contains("--schema"), "{}", out.stderr);
    assert_eq!(source_rows(&env), before);
    // And importing into vault's default schema is refused up front.
    env.vault(&["import", "--from-supabase-vault"])
        .fails(2, "Supabase Vault's");
}

#[test]
fn imports_from_supabase_vault_beside_it() {
    let env = Env::new(Backend::Postgres);
    supabase_vault(&env);
    let before = source_rows(&env);
    in_secrets(&env, &["init"]).ok();
    let unnamed_id = env.scalar("SELECT id::text FROM vault.secrets WHERE name IS NULL");
    let out = env
        .vault(&["import", "--from-supabase-vault", "--prefix", "sb/"])
        .ok();
    assert!(
        out.stderr
            .contains("imported 3 secret(s) from Supabase Vault: 3 created"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains(&format!(
            "{unnamed_id} has no name: stored as \"sb/supabase-{unnamed_id}\""
        )),
        "{}",
        out.stderr
    );
    assert_eq!(env.get("sb/stripe_key"), b"sk_live_123");
    assert_eq!(env.get("sb/db/url"), b"postgres://app:pw@db/app");
    assert_eq!(env.get(&format!("sb/supabase-{unnamed_id}")), b"anonymous value");
    assert_eq!(
        env.scalar("SELECT description FROM secrets.secrets WHERE name = 'sb/stripe_key'"),
        "Stripe live key"
    );
    // Sealed on the client: no plaintext in vault's table.
    assert_eq!(
        env.scalar("SELECT count(*) FROM secrets.secrets WHERE secret LIKE '%sk_live%'"),
        "0"
    );
    // The source is untouched.
    assert_eq!(source_rows(&env), before);
    // --no-overwrite: one name exists, so nothing is stored (all or nothing).
    env.exec("INSERT INTO vault.secrets (name, secret) VALUES ('new_one', 'n')");
    env.vault(&[
        "import",
        "--from-supabase-vault",
        "--prefix",
        "sb/",
        "--no-overwrite",
    ])
    .fails(4, "already exists");
    env.vault(&["get", "sb/new_one"]).fails(3, "no secret named");
    // Without it, existing names are updated and the new one created.
    let out = env
        .vault(&["import", "--from-supabase-vault", "--prefix", "sb/"])
        .ok();
    assert!(out.stderr.contains("1 created, 3 updated"), "{}", out.stderr);
    assert_eq!(env.get("sb/new_one"), b"n");
}

#[test]
fn import_from_supabase_vault_needs_one() {
    let env = Env::new(Backend::Postgres);
    in_secrets(&env, &["init"]).ok();
    env.vault(&["import", "--from-supabase-vault"])
        .fails(2, "has no Supabase Vault");
    // A file and --from-supabase-vault together are a usage error.
    let out = env.vault(&["import", "x.env", "--from-supabase-vault"]).run();
    assert_eq!(out.code, 2, "{}", out.stderr);
}

/// `env`'s database name and the cluster's port.
fn db_and_port(env: &Env) -> (String, u16) {
    (
        env.scalar("SELECT current_database()"),
        crate::pg::cluster().port(),
    )
}

fn with_url(env: &Env, url: &str, args: &[&str]) -> Run {
    env.vault(args).env("VAULT_DATABASE_URL", url)
}

#[test]
fn libpq_connection_strings() {
    let env = Env::new(Backend::Postgres);
    env.init();
    env.put("k", b"v");
    let (db, port) = db_and_port(&env);
    // keyword/value, quoted values included.
    let kv = format!("host=127.0.0.1 port={port} dbname='{db}' user=postgres sslmode=disable");
    assert_eq!(with_url(&env, &kv, &["get", "k"]).ok().stdout, b"v");
    // service=NAME from ~/.pg_service.conf, and PGSERVICEFILE / PGSERVICE.
    std::fs::write(
        env.home.path().join(".pg_service.conf"),
        format!("# test\n[vaultdb]\nhost=127.0.0.1\nport={port}\ndbname={db}\nuser=postgres\n"),
    )
    .unwrap();
    assert_eq!(
        with_url(&env, "postgres://?service=vaultdb", &["get", "k"])
            .ok()
            .stdout,
        b"v"
    );
    assert_eq!(with_url(&env, "service=vaultdb", &["get", "k"]).ok().stdout, b"v");
    let elsewhere = env.home.path().join("services.conf");
    std::fs::rename(env.home.path().join(".pg_service.conf"), &elsewhere).unwrap();
    with_url(&env, "service=vaultdb", &["get", "k"]).fails(2, "service \"vaultdb\" is not defined");
    let out = with_url(&env, "postgres://", &["get", "k"])
        .env("PGSERVICEFILE", &elsewhere)
        .env("PGSERVICE", "vaultdb")
        .ok();
    assert_eq!(out.stdout, b"v");
    // The string's own settings win over the service's.
    with_url(&env, "service=vaultdb dbname=nosuchdb", &["get", "k"])
        .env("PGSERVICEFILE", &elsewhere)
        .fails(7, "nosuchdb");
}

#[test]
fn unix_sockets_ignore_sslmode_and_are_named() {
    let env = Env::new(Backend::Postgres);
    env.init();
    env.put("k", b"v");
    let (db, port) = db_and_port(&env);
    let dir = crate::pg::cluster().socket_dir().unwrap().display().to_string();
    let socket = format!(
        "postgres://postgres@{}:{port}/{db}?sslmode=require",
        dir.replace('/', "%2F")
    );
    assert_eq!(with_url(&env, &socket, &["get", "k"]).ok().stdout, b"v");
    let plain = format!("postgres://postgres@{}:{port}/{db}", dir.replace('/', "%2F"));
    assert_eq!(
        with_url(&env, &plain, &["get", "k"])
            .env("PGSSLMODE", "require")
            .ok()
            .stdout,
        b"v"
    );
    // A missing socket is named by its path.
    let missing = format!("postgres://postgres@%2Fnonexistent-dir:{port}/{db}");
    with_url(&env, &missing, &["get", "k"]).fails(7, &format!("/nonexistent-dir/.s.PGSQL.{port}"));
}

#[test]
fn connect_timeout_is_honoured() {
    let env = Env::new(Backend::Postgres);
    // A server that accepts the TCP connection and never answers.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = silent.local_addr().unwrap().port();
    let url = format!("postgres://postgres@127.0.0.1:{port}/x?connect_timeout=2");
    let started = std::time::Instant::now();
    with_url(&env, &url, &["ls"])
        .env("VAULT_CONNECT_TIMEOUT", "60")
        .fails(7, "no answer within 2 s");
    assert!(started.elapsed() < std::time::Duration::from_secs(20));
}

#[test]
fn verify_full_uses_the_default_root_certificate() {
    let env = Env::new(Backend::Postgres);
    env.init();
    env.put("k", b"v");
    let (db, port) = db_and_port(&env);
    let url = format!("postgres://postgres@localhost:{port}/{db}?sslmode=verify-full");
    // No CA anywhere libpq looks: the certificate is the problem, and said so.
    let out = with_url(&env, &url, &["get", "k"]).fails(7, "certificate");
    assert!(out.stderr.contains("unknown issuer"), "{}", out.stderr);
    assert!(out.stderr.contains("sslrootcert"), "{}", out.stderr);
    // ~/.postgresql/root.crt, libpq's default place for it.
    let dot = env.home.path().join(".postgresql");
    std::fs::create_dir_all(&dot).unwrap();
    std::fs::copy(crate::pg::cluster().ca_cert_path().unwrap(), dot.join("root.crt")).unwrap();
    assert_eq!(with_url(&env, &url, &["get", "k"]).ok().stdout, b"v");
    let verify_ca = url.replace("verify-full", "verify-ca");
    assert_eq!(with_url(&env, &verify_ca, &["get", "k"]).ok().stdout, b"v");
}

/// The password roles the test cluster's pg_hba.conf asks a password of
/// (scram-sha-256 and md5), made once per process.
fn password_roles() {
    static MADE: std::sync::OnceLock<()> = std::sync::OnceLock::new();
    MADE.get_or_init(|| {
        let env = Env::new(Backend::Postgres);
        env.exec(
            "DO $$ BEGIN
               IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'pw_scram') THEN
                 SET password_encryption = 'scram-sha-256';
                 CREATE ROLE pw_scram LOGIN SUPERUSER PASSWORD 'sc ram:p@ss';
               END IF;
               IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'pw_md5') THEN
                 SET password_encryption = 'md5';
                 CREATE ROLE pw_md5 LOGIN SUPERUSER PASSWORD 'md5-pass';
               END IF;
             END $$",
        );
    });
}

#[test]
fn passwords_the_libpq_ways() {
    password_roles();
    let env = Env::new(Backend::Postgres);
    let (db, port) = db_and_port(&env);
    // scram-sha-256, the password in the URL (percent-encoded).
    let with_pw = format!("postgres://pw_scram:sc%20ram%3Ap%40ss@127.0.0.1:{port}/{db}");
    with_url(&env, &with_pw, &["init"]).ok();
    with_url(&env, &with_pw, &["put", "k"]).stdin(b"v").ok();
    let bare = format!("postgres://pw_scram@127.0.0.1:{port}/{db}");
    // No password anywhere: refused, and the message says what to check.
    with_url(&env, &bare, &["get", "k"]).fails(7, "check the user and password");
    let wrong = format!("postgres://pw_scram:nope@127.0.0.1:{port}/{db}");
    let out = with_url(&env, &wrong, &["get", "k"]).fails(7, "check the user and password");
    assert!(!out.stderr.contains("nope"), "{}", out.stderr);
    // PGPASSWORD.
    let out = with_url(&env, &bare, &["get", "k"])
        .env("PGPASSWORD", "sc ram:p@ss")
        .ok();
    assert_eq!(out.stdout, b"v");
    // ~/.pgpass (0600), and PGPASSFILE.
    let pgpass = env.home.path().join(".pgpass");
    std::fs::write(&pgpass, format!("127.0.0.1:{port}:*:pw_scram:sc ram\\:p@ss\n")).unwrap();
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&pgpass, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    assert_eq!(with_url(&env, &bare, &["get", "k"]).ok().stdout, b"v");
    let elsewhere = env.home.path().join("passfile");
    std::fs::rename(&pgpass, &elsewhere).unwrap();
    with_url(&env, &bare, &["get", "k"]).fails(7, "check the user and password");
    let out = with_url(&env, &bare, &["get", "k"])
        .env("PGPASSFILE", &elsewhere)
        .ok();
    assert_eq!(out.stdout, b"v");
    // PGHOST/PGPORT/PGUSER/PGDATABASE fill a partial URL.
    let out = with_url(&env, "postgres://", &["get", "k"])
        .env("PGHOST", "127.0.0.1")
        .env("PGPORT", port.to_string())
        .env("PGUSER", "pw_scram")
        .env("PGDATABASE", &db)
        .env("PGPASSWORD", "sc ram:p@ss")
        .ok();
    assert_eq!(out.stdout, b"v");
    // md5.
    let md5 = format!("postgres://pw_md5:md5-pass@127.0.0.1:{port}/{db}");
    with_url(&env, &md5, &["init"]).ok();
    assert_eq!(with_url(&env, &md5, &["ls"]).ok().stdout_str(), "k\n");
    let md5_wrong = format!("postgres://pw_md5:bad@127.0.0.1:{port}/{db}");
    with_url(&env, &md5_wrong, &["ls"]).fails(7, "check the user and password");
}

/// Revocation lists signed by the test CA in `dir`: `empty.crl`, and
/// `revoked.crl` listing the server's certificate.
fn make_crls(ca_dir: &std::path::Path, dir: &std::path::Path) {
    std::fs::write(dir.join("index.txt"), "").unwrap();
    std::fs::write(dir.join("crlnumber"), "01\n").unwrap();
    std::fs::write(
        dir.join("ca.cnf"),
        "[ca]\ndefault_ca = d\n[d]\ndatabase = index.txt\ncrlnumber = crlnumber\n\
         default_md = sha256\ndefault_crl_days = 3650\n",
    )
    .unwrap();
    let openssl = |args: &[&str]| {
        let out = std::process::Command::new("openssl")
            .args(args)
            .args(["-config", "ca.cnf", "-keyfile"])
            .arg(ca_dir.join("ca.key"))
            .arg("-cert")
            .arg(ca_dir.join("ca.pem"))
            .current_dir(dir)
            .output()
            .expect("openssl");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    };
    openssl(&["ca", "-gencrl", "-out", "empty.crl"]);
    let server = ca_dir.join("server.crt");
    openssl(&["ca", "-revoke", server.to_str().unwrap()]);
    openssl(&["ca", "-gencrl", "-out", "revoked.crl"]);
}

#[test]
fn revocation_lists_and_hostaddr_are_honoured() {
    let env = Env::new(Backend::Postgres);
    env.init();
    env.put("k", b"v");
    let (db, port) = db_and_port(&env);
    let ca = crate::pg::cluster().ca_cert_path().unwrap().to_owned();
    let crls = tempfile::tempdir().unwrap();
    make_crls(ca.parent().unwrap(), crls.path());
    let (empty, revoked) = (crls.path().join("empty.crl"), crls.path().join("revoked.crl"));
    let base = format!(
        "postgres://postgres@localhost:{port}/{db}?sslmode=verify-full&sslrootcert={}",
        ca.display()
    );
    let get = |url: &str| with_url(&env, url, &["-q", "get", "k"]);
    // A list that revokes nothing: connected as before.
    assert_eq!(
        get(&format!("{base}&sslcrl={}", empty.display())).ok().stdout,
        b"v"
    );
    // The server's certificate revoked: refused, and said so.
    let out = get(&format!("{base}&sslcrl={}", revoked.display())).fails(7, "was revoked");
    assert!(out.stderr.contains("localhost:"), "{}", out.stderr);
    get(&base).env("PGSSLCRL", &revoked).fails(7, "was revoked");
    // ~/.postgresql/root.crl, libpq's default place, in the verify modes only.
    let dot = env.home.path().join(".postgresql");
    std::fs::create_dir_all(&dot).unwrap();
    std::fs::copy(&revoked, dot.join("root.crl")).unwrap();
    get(&base).fails(7, "was revoked");
    get(&base.replace("verify-full", "verify-ca")).fails(7, "was revoked");
    assert_eq!(get(&base.replace("verify-full", "require")).ok().stdout, b"v");
    std::fs::remove_file(dot.join("root.crl")).unwrap();
    // Every file of sslcrldir (DER as well as PEM).
    let der = tempfile::tempdir().unwrap();
    let converted = std::process::Command::new("openssl")
        .args(["crl", "-outform", "DER", "-in"])
        .arg(&revoked)
        .arg("-out")
        .arg(der.path().join("revoked.der"))
        .status()
        .unwrap();
    assert!(converted.success());
    get(&format!("{base}&sslcrldir={}", der.path().display())).fails(7, "was revoked");
    // A list named but missing: the string is wrong, nothing is tried.
    get(&format!("{base}&sslcrl=/nonexistent/root.crl")).fails(2, "cannot be read");

    // hostaddr: connect to the address, verify the certificate for host.
    let kv = |host: &str, addr: &str| {
        format!(
            "host={host} hostaddr={addr} port={port} dbname={db} user=postgres sslmode=verify-full sslrootcert={}",
            ca.display()
        )
    };
    assert_eq!(get(&kv("localhost", "127.0.0.1")).ok().stdout, b"v");
    let out = get(&kv("db.example", "127.0.0.1")).fails(7, "is not valid for that host name");
    assert!(out.stderr.contains("db.example (127.0.0.1:"), "{}", out.stderr);
    // The certificate names 127.0.0.1 too: without host, the address is verified.
    let bare = format!(
        "hostaddr=127.0.0.1 port={port} dbname={db} user=postgres sslmode=verify-full sslrootcert={}",
        ca.display()
    );
    assert_eq!(get(&bare).ok().stdout, b"v");
    get(&kv("localhost", "localhost")).fails(2, "is not a numeric IP address");
}

/// Out of connections (SQLSTATE 53300; here a role limited to none): the
/// server is full, not the URL wrong, and a pooler is the way out.
#[test]
fn a_full_server_says_so() {
    let env = Env::new(Backend::Postgres);
    env.init();
    let role = format!("full_{}", uuid::Uuid::new_v4().simple());
    env.exec(&format!("CREATE ROLE {role} LOGIN CONNECTION LIMIT 0"));
    let (db, port) = db_and_port(&env);
    let url = format!("postgres://{role}@127.0.0.1:{port}/{db}?sslmode=disable");
    let out = with_url(&env, &url, &["ls"]).fails(7, "has no free connection");
    assert!(out.stderr.contains("pooler"), "{}", out.stderr);
    assert!(!out.stderr.contains("check --database-url"), "{}", out.stderr);
    env.exec(&format!("DROP ROLE {role}"));
}
