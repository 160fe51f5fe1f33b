//! The everyday commands (init, put, get, ls, rm), exit codes, bad input,
//! and tampering with the table: the foundation issue's contract.

use std::os::unix::fs::PermissionsExt;

use crate::both;
use crate::harness::{Backend, Env, skip};

both!(
    round_trip_is_byte_exact,
    replace_keeps_description,
    ls_piped_json_and_prefix,
    rm_is_all_or_nothing,
    no_overwrite_conflicts,
    init_twice_is_safe_and_private,
    bad_names_are_refused,
    value_size_limit,
    missing_secret_and_identity,
    identity_too_open_is_refused,
    copied_or_swapped_ciphertext_is_refused,
    tampered_bytes_and_key_ids_are_refused,
    forged_value_is_refused,
    updated_at_follows_updates,
    newer_schema_is_refused,
    older_schema_is_upgraded_by_init,
    dropped_log_is_not_re_recorded,
    closed_stdout_is_not_an_error,
    concurrent_no_overwrite_has_one_winner,
    concurrent_writers_of_different_names_all_succeed,
);

fn round_trip_is_byte_exact(env: &Env) {
    env.init();
    let values: [&[u8]; 5] = [
        b"s3cret",
        b"line\n",
        b"",
        b"\0\xff\xfe binary \x00",
        "ünïcødé ✓".as_bytes(),
    ];
    for (i, v) in values.iter().enumerate() {
        let name = format!("v/{i}");
        env.put(&name, v);
        assert_eq!(env.get(&name), *v, "value {i}");
    }
    // --file reads the same bytes.
    let f = env.home.path().join("value.bin");
    std::fs::write(&f, b"from\na file\n").unwrap();
    env.vault(&["put", "from/file", "--file", f.to_str().unwrap()])
        .ok();
    assert_eq!(env.get("from/file"), b"from\na file\n");
    // Nothing about the value reaches the database in clear.
    let all = env.db().rows();
    assert!(
        all.iter()
            .all(|r| r.secret.starts_with("-----BEGIN AGE ENCRYPTED FILE-----"))
    );
    assert!(all.iter().all(|r| !r.secret.contains("s3cret")));
}

fn replace_keeps_description(env: &Env) {
    env.init();
    env.vault(&["put", "db/password", "--description", "primary db"])
        .stdin(b"one")
        .ok();
    env.vault(&["put", "db/password"]).stdin(b"two").ok();
    assert_eq!(env.get("db/password"), b"two");
    let db = env.db();
    assert_eq!(db.row("db/password").description, "primary db");
    env.vault(&["put", "db/password", "-d", "replica"])
        .stdin(b"three")
        .ok();
    assert_eq!(db.row("db/password").description, "replica");
    assert_eq!(db.count(), 1);
}

fn ls_piped_json_and_prefix(env: &Env) {
    env.init();
    let empty = env.vault(&["ls"]).ok();
    assert!(empty.stdout.is_empty());
    assert_eq!(env.vault(&["ls", "--json"]).ok().stdout_str().trim(), "[]");
    for n in ["b/two", "a/one", "b/one", "Z"] {
        env.put(n, b"x");
    }
    // Sorted bytewise, one per line, no decoration when piped.
    assert_eq!(env.vault(&["ls"]).ok().stdout_str(), "Z\na/one\nb/one\nb/two\n");
    assert_eq!(env.vault(&["ls", "b/"]).ok().stdout_str(), "b/one\nb/two\n");
    let json: serde_json::Value = serde_json::from_slice(&env.vault(&["ls", "--json"]).ok().stdout).unwrap();
    let arr = json.as_array().unwrap();
    assert_eq!(arr.len(), 4);
    let first = arr[0].as_object().unwrap();
    let mut keys: Vec<&str> = first.keys().map(String::as_str).collect();
    keys.sort();
    assert_eq!(
        keys,
        ["created_at", "description", "id", "key_id", "name", "updated_at"]
    );
    assert_eq!(first["name"], "Z");
    assert!(
        !env.vault(&["ls", "--json"]).ok().stdout_str().contains("\"x\""),
        "no values in ls"
    );
}

fn rm_is_all_or_nothing(env: &Env) {
    env.init();
    env.put("a", b"1");
    env.put("b", b"2");
    env.vault(&["rm", "a", "missing", "b"])
        .fails(3, "no secret named \"missing\"");
    assert_eq!(env.get("a"), b"1");
    assert_eq!(env.get("b"), b"2");
    env.vault(&["rm", "a", "b"]).ok();
    env.vault(&["get", "a"]).fails(3, "no secret named \"a\"");
    assert_eq!(env.db().count(), 0);
}

fn no_overwrite_conflicts(env: &Env) {
    env.init();
    env.vault(&["put", "k", "--no-overwrite"]).stdin(b"first").ok();
    env.vault(&["put", "k", "--no-overwrite"])
        .stdin(b"second")
        .fails(4, "already exists");
    assert_eq!(env.get("k"), b"first");
}

fn concurrent_no_overwrite_has_one_winner(env: &Env) {
    env.init();
    let runs: Vec<_> = (0..20)
        .map(|i| {
            let run = env
                .vault(&["put", "race", "--no-overwrite"])
                .stdin(format!("writer-{i}").as_bytes());
            std::thread::spawn(move || run.run())
        })
        .collect();
    let outs: Vec<_> = runs.into_iter().map(|h| h.join().unwrap()).collect();
    let winners: Vec<usize> = outs
        .iter()
        .enumerate()
        .filter(|(_, o)| o.code == 0)
        .map(|(i, _)| i)
        .collect();
    assert_eq!(winners.len(), 1, "{outs:?}");
    assert!(outs.iter().all(|o| o.code == 0 || o.code == 4), "{outs:?}");
    assert_eq!(env.get("race"), format!("writer-{}", winners[0]).into_bytes());
}

fn concurrent_writers_of_different_names_all_succeed(env: &Env) {
    env.init();
    let runs: Vec<_> = (0..12)
        .map(|i| {
            let run = env
                .vault(&["put", &format!("w/{i}")])
                .stdin(format!("value-{i}").as_bytes());
            std::thread::spawn(move || run.run())
        })
        .collect();
    for (i, h) in runs.into_iter().enumerate() {
        let out = h.join().unwrap();
        assert_eq!(out.code, 0, "writer {i}: {}", out.stderr);
    }
    for i in 0..12 {
        assert_eq!(env.get(&format!("w/{i}")), format!("value-{i}").into_bytes());
    }
}

fn init_twice_is_safe_and_private(env: &Env) {
    let first = env.vault(&["init"]).ok();
    assert!(first.stderr.contains("created identity"), "{}", first.stderr);
    let identity = std::fs::read(env.identity_path()).unwrap();
    env.put("keep", b"me");
    let again = env.vault(&["init"]).ok();
    assert!(again.stderr.contains("you are a member"), "{}", again.stderr);
    assert_eq!(
        std::fs::read(env.identity_path()).unwrap(),
        identity,
        "identity never overwritten"
    );
    assert_eq!(env.get("keep"), b"me");
    assert_eq!(env.db().keys().len(), 1);
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&env.identity_path()), 0o600);
    assert_eq!(mode(&env.config_dir()), 0o700);
    assert_eq!(mode(&env.config_dir().join("config.toml")), 0o600);
    if env.backend == Backend::Sqlite {
        assert_eq!(mode(&env.data_dir()), 0o700);
        assert_eq!(mode(&env.data_dir().join("vault.db")), 0o600);
    }
}

fn bad_names_are_refused(env: &Env) {
    env.init();
    for bad in [
        "",
        "   ",
        "a b",
        "a\nb",
        "a\u{1b}[31m",
        "/lead",
        "trail/",
        "a//b",
        &"n".repeat(257),
    ] {
        env.vault(&["put", "--", bad])
            .stdin(b"v")
            .fails(2, "invalid secret name");
    }
    env.vault(&["put", "--", "-dash"])
        .stdin(b"v")
        .fails(2, "starts with '-'");
    // NFC and NFD spellings are one name.
    env.put("caf\u{e9}", b"nfc");
    env.vault(&["put", "cafe\u{301}"]).stdin(b"nfd").ok();
    assert_eq!(env.get("caf\u{e9}"), b"nfd");
    assert_eq!(env.db().count(), 1);
    // SQL metacharacters are just characters (quotes are refused in new names).
    env.put("x%_DROP_TABLE--", b"sql");
    assert_eq!(env.get("x%_DROP_TABLE--"), b"sql");
    env.vault(&["put", "x';DROP_TABLE--"])
        .stdin(b"sql")
        .fails(2, "which shells treat specially");
}

fn value_size_limit(env: &Env) {
    env.init();
    let limit = vec![b'a'; 1024 * 1024];
    env.put("big", &limit);
    assert_eq!(env.get("big").len(), limit.len());
    let over = vec![b'a'; 1024 * 1024 + 1];
    env.vault(&["put", "big"]).stdin(&over).fails(2, "over the limit");
    assert_eq!(env.get("big").len(), limit.len(), "nothing lost");
}

fn missing_secret_and_identity(env: &Env) {
    env.init();
    env.vault(&["get", "nope"]).fails(3, "no secret named \"nope\"");
    let other = env.home.path().join("nothere.txt");
    env.vault(&["get", "nope", "--identity", other.to_str().unwrap()])
        .fails(8, "does not exist");
    // Not an identity at all.
    let junk = env.home.path().join("junk.txt");
    std::fs::write(&junk, "hello").unwrap();
    std::fs::set_permissions(&junk, std::fs::Permissions::from_mode(0o600)).unwrap();
    env.vault(&["get", "nope", "--identity", junk.to_str().unwrap()])
        .fails(8, "not an age identity");
}

fn identity_too_open_is_refused(env: &Env) {
    env.init();
    env.put("k", b"v");
    for mode in [0o644, 0o640, 0o604] {
        std::fs::set_permissions(env.identity_path(), std::fs::Permissions::from_mode(mode)).unwrap();
        env.vault(&["get", "k"]).fails(8, "too open");
    }
    std::fs::set_permissions(env.identity_path(), std::fs::Permissions::from_mode(0o600)).unwrap();
    assert_eq!(env.get("k"), b"v");
}

fn copied_or_swapped_ciphertext_is_refused(env: &Env) {
    env.init();
    env.put("a", b"alpha");
    env.put("b", b"bravo");
    let db = env.db();
    // Copy a's ciphertext and nonce into b.
    let a = db.row("a");
    db.set_secret("b", &a.secret);
    db.set_nonce("b", a.nonce.as_deref());
    env.vault(&["get", "b"]).fails(6, "sealed for another row");
    assert_eq!(env.get("a"), b"alpha");
    // Swap the two names.
    env.put("b", b"bravo");
    db.rename("a", "tmp");
    db.rename("b", "a");
    db.rename("tmp", "b");
    env.vault(&["get", "a"]).fails(6, "refused");
    env.vault(&["get", "b"]).fails(6, "refused");
}

fn tampered_bytes_and_key_ids_are_refused(env: &Env) {
    env.init();
    env.put("k", b"value");
    let db = env.db();
    let original = db.row("k").secret;
    // Flip one base64 character in the middle of the armored body.
    let mut bytes = original.clone().into_bytes();
    let mid = bytes.len() / 2;
    bytes[mid] = if bytes[mid] == b'A' { b'B' } else { b'A' };
    let tampered = String::from_utf8(bytes).unwrap();
    db.set_secret("k", &tampered);
    env.vault(&["get", "k"]).fails(6, "refused");
    db.set_secret("k", &original);
    assert_eq!(env.get("k"), b"value");
    // Truncated.
    db.set_secret("k", &original[..original.len() / 2]);
    env.vault(&["get", "k"]).fails(6, "refused");
    db.set_secret("k", &original);
    // key_id NULL, or a uuid no key has.
    db.set_key_id("k", None);
    env.vault(&["get", "k"]).fails(6, "no key id");
    let random = uuid::Uuid::parse_str("00000000-0000-4000-8000-000000000001").unwrap();
    db.set_key_id("k", Some(random));
    env.vault(&["get", "k"])
        .fails(6, "which the vault's verified history never made");
    // Nonce changed.
    db.set_key_id("k", Some(db.current_key()));
    assert_eq!(env.get("k"), b"value");
    db.set_nonce("k", Some(&[0u8; 16]));
    env.vault(&["get", "k"]).fails(6, "nonce");
}

/// With only the public recipient, a well-formed value for a real row (right
/// id, name, key and nonce) is still refused: the MAC needs the private key.
fn forged_value_is_refused(env: &Env) {
    use std::str::FromStr;
    env.init();
    env.put("target", b"real");
    let db = env.db();
    let recipient = db.key(db.current_key()).recipient;
    let row = db.row("target");
    let (id, key_id, nonce) = (row.id, row.key_id.unwrap(), row.nonce.unwrap());
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD;
    let plain = format!(
        "vault-secret v1\nid {id}\nname target\nkey {key_id}\nnonce {}\nmac {}\n\nforged",
        b64.encode(&nonce),
        b64.encode([7u8; 32])
    );
    let r = age::x25519::Recipient::from_str(&recipient).unwrap();
    let forged = age::encrypt_and_armor(&r, plain.as_bytes()).unwrap();
    db.set_secret("target", &forged);
    env.vault(&["get", "target"]).fails(6, "forged");
}

fn updated_at_follows_updates(env: &Env) {
    env.init();
    env.put("k", b"v");
    let db = env.db();
    let before = db.row("k").updated_at;
    std::thread::sleep(std::time::Duration::from_millis(20));
    db.set_description("k", "changed by hand");
    let after = db.row("k");
    assert_ne!(before, after.updated_at, "the trigger keeps updated_at current");
    assert_eq!(after.created_at, before);
}

fn newer_schema_is_refused(env: &Env) {
    env.init();
    env.put("k", b"v");
    let db = env.db();
    db.add_migration(999);
    env.vault(&["get", "k"]).fails(7, "newer vault");
    env.vault(&["init"]).fails(7, "newer vault");
    db.delete_migration(999);
    assert_eq!(env.get("k"), b"v");
}

/// A vault made by the first release (schema version 1) is refused by other
/// commands until `vault init` upgrades it, and nothing is lost on the way.
fn older_schema_is_upgraded_by_init(env: &Env) {
    env.init();
    env.put("k", b"kept");
    let db = env.db();
    db.drop_index("secrets_key_id_idx");
    env.exec(&format!("DROP TABLE {}", env.table("rotation_lease")));
    // Back to version 1: the log goes too (kept aside, and restored below
    // as a backup would be: its keys name their vault, so init records no
    // new history over it).
    let log = db.log();
    // The versions too (kept aside like the log, restored below).
    let saved = env.table("saved_versions");
    env.exec(&format!(
        "CREATE TABLE {saved} AS SELECT * FROM {}",
        env.table("versions")
    ));
    env.exec(&format!("DROP TABLE {}", env.table("versions")));
    env.exec(&format!("DROP TABLE {}", env.table("log")));
    if env.backend == Backend::Postgres {
        env.exec(&format!("DROP INDEX {}", env.table("secrets_name_c_idx")));
    }
    db.delete_migration(6);
    db.delete_migration(5);
    db.delete_migration(4);
    db.delete_migration(3);
    db.delete_migration(2);
    env.vault(&["get", "k"]).fails(7, "older vault schema (version 1");
    // This client pinned the vault: an empty log is a rollback to it.
    env.vault(&["init"]).fails(6, "a rollback");
    assert_eq!(db.migrations().last(), Some(&6));
    env.exec(&format!(
        "INSERT INTO {} SELECT * FROM {saved}",
        env.table("versions")
    ));
    assert!(db.has_index("secrets_key_id_idx"));
    if env.backend == Backend::Postgres {
        assert!(db.has_index("secrets_name_c_idx"));
    }
    for (seq, entry) in &log {
        db.insert_log(*seq, entry);
    }
    env.vault(&["init"]).ok();
    assert_eq!(env.get("k"), b"kept");
    assert_eq!(db.log(), log, "the upgrade changed the history");
}

/// A vault whose signed log was dropped (with its migration, and no pin to
/// tell) is not "a vault of the first release": its keys name the vault they
/// belong to, so `vault init` refuses to record a new history over it.
fn dropped_log_is_not_re_recorded(env: &Env) {
    env.init();
    env.put("k", b"kept");
    let db = env.db();
    env.exec(&format!("DROP TABLE {}", env.table("versions")));
    env.exec(&format!("DROP TABLE {}", env.table("log")));
    if env.backend == Backend::Postgres {
        env.exec(&format!("DROP INDEX {}", env.table("secrets_name_c_idx")));
    }
    db.delete_migration(6);
    db.delete_migration(5);
    db.delete_migration(4);
    std::fs::remove_dir_all(env.data_dir().join("pins")).unwrap();
    env.vault(&["get", "k"]).fails(7, "older vault schema (version 3");
    env.vault(&["init"]).fails(6, "signed history (vault ");
    // The schema was upgraded; the history stays empty; reads are refused.
    assert_eq!(db.migrations().last(), Some(&6));
    assert!(db.log().is_empty());
    env.vault(&["get", "k"])
        .fails(6, "has no signed membership and key history");
}

fn closed_stdout_is_not_an_error(env: &Env) {
    env.init();
    for i in 0..200 {
        let _ = i;
    }
    let names: Vec<String> = (0..50).map(|i| format!("n/{i:03}")).collect();
    for n in &names[..3] {
        env.put(n, &vec![b'x'; 300_000]);
    }
    // `vault ls | head -1` and `vault get X | head -c1` through a real shell pipeline.
    let bin = env!("CARGO_BIN_EXE_vault");
    for pipeline in [
        format!("'{bin}' ls | head -1"),
        format!("'{bin}' get n/000 | head -c1"),
    ] {
        let out = env
            .vault(&[])
            .cmd
            .get_envs()
            .fold(std::process::Command::new("bash"), |mut c, (k, v)| {
                match v {
                    Some(v) => c.env(k, v),
                    None => c.env_remove(k),
                };
                c
            })
            .args(["-o", "pipefail", "-c", &pipeline])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{pipeline}: {stderr}");
        assert!(stderr.is_empty(), "{pipeline}: {stderr}");
    }
}

// ---- PostgreSQL-only contracts -------------------------------------------

fn pg() -> Env {
    Env::new(Backend::Postgres)
}

#[test]
fn pg_dump_holds_no_plaintext() {
    let env = pg();
    env.init();
    let marker = format!("MARKER-{}", uuid::Uuid::new_v4());
    env.put("dumped", marker.as_bytes());
    let Some(pg_dump) = crate::pg::tool("pg_dump") else {
        return skip("needs pg_dump (the postgresql package has it)");
    };
    let out = std::process::Command::new(pg_dump)
        .arg(env.url())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let dump = String::from_utf8_lossy(&out.stdout);
    assert!(dump.contains("BEGIN AGE ENCRYPTED FILE"));
    assert!(!dump.contains(&marker));
    assert!(!dump.contains("AGE-SECRET-KEY-"));
}

#[test]
fn unreachable_database_fails_fast_and_hides_password() {
    let env = Env::new(Backend::Sqlite);
    env.init();
    let start = std::time::Instant::now();
    let out = env
        .vault(&[
            "get",
            "k",
            "--database-url",
            "postgres://u:hunter2@127.0.0.1:1/db",
        ])
        .fails(7, "127.0.0.1:1");
    assert!(!out.stderr.contains("hunter2"));
    assert!(start.elapsed() < std::time::Duration::from_secs(10));
    env.vault(&["get", "k", "--database-url", "postgres://u:hunter2@[bad"])
        .fails(2, "not a valid URL");
    env.vault(&["get", "k", "--database-url", "mysql://x/y"])
        .fails(2, "not a database URL");
}

#[test]
fn foreign_vault_schema_is_refused_untouched() {
    let env = pg();
    let db = env.db();
    db.plant_foreign_secrets_table();
    env.vault(&["init"]).fails(7, "did not create");
    assert_eq!(db.tables(), ["secrets"]);
    assert_eq!(db.foreign_secrets(), ["theirs"]);
}

#[test]
fn tls_and_unix_socket_urls_work() {
    let cluster = crate::pg::cluster();
    let (Some(ca), Some(sock)) = (cluster.ca_cert_path(), cluster.socket_dir()) else {
        return skip("an external test server (VAULT_TEST_DATABASE_URL) has no known CA or socket");
    };
    let env = pg();
    env.init();
    env.put("tls", b"over tls");
    let name = env.url().rsplit('/').next().unwrap().to_owned();
    let port = cluster.port();
    let verify = format!(
        "postgres://postgres@localhost:{port}/{name}?sslmode=verify-full&sslrootcert={}",
        ca.display()
    );
    let got = env.vault(&["get", "tls", "--database-url", &verify]).ok();
    assert_eq!(got.stdout, b"over tls");
    let require = format!("postgres://postgres@127.0.0.1:{port}/{name}?sslmode=require");
    env.vault(&["get", "tls", "--database-url", &require]).ok();
    let socket = format!(
        "postgres://postgres@localhost:{port}/{name}?host={}",
        sock.display()
    );
    assert_eq!(
        env.vault(&["get", "tls", "--database-url", &socket]).ok().stdout,
        b"over tls"
    );
    // A wrong CA is refused.
    let wrong = format!(
        "postgres://postgres@localhost:{port}/{name}?sslmode=verify-full&sslrootcert={}",
        env.identity_path().display()
    );
    env.vault(&["get", "tls", "--database-url", &wrong]).fails(7, "");
}

#[test]
fn usage_errors_are_one_line_with_exit_2() {
    let env = Env::new(Backend::Sqlite);
    env.vault(&["get"])
        .fails(2, "required arguments were not provided: <NAME>");
    env.vault(&["put", "x", "--nope"])
        .fails(2, "unexpected argument '--nope'");
    env.vault(&["frobnicate"])
        .fails(2, "unrecognized subcommand 'frobnicate'");
    let help = env.vault(&["--help"]).ok();
    assert!(
        help.stdout_str().contains("Exit codes:"),
        "exit codes are documented in --help"
    );
}

#[test]
fn config_with_a_password_must_be_private() {
    let env = Env::new(Backend::Sqlite);
    env.init();
    let config = env.config_dir().join("config.toml");
    let original = std::fs::read_to_string(&config).unwrap();
    std::fs::write(
        &config,
        "database_url = \"postgres://u:hunter2@127.0.0.1:1/db\"\n",
    )
    .unwrap();
    std::fs::set_permissions(&config, std::fs::Permissions::from_mode(0o644)).unwrap();
    let out = env
        .vault(&["ls"])
        .fails(8, "holds a database password and is too open");
    assert!(!out.stderr.contains("hunter2"));
    // Without a password the mode is the user's choice.
    std::fs::write(&config, &original).unwrap();
    env.vault(&["ls"]).ok();
}

/// build.rs links the unwinder from the static libgcc_eh so that no command
/// pays for loading libgcc_s (its constructor's CPUID instructions trap on a
/// virtual machine): the binary must not name libgcc_s among the libraries
/// it needs. (Panics are still caught: see `pool`'s unit tests.)
#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[test]
fn the_binary_does_not_load_libgcc_s() {
    let bytes = std::fs::read(env!("CARGO_BIN_EXE_vault")).unwrap();
    let needle = b"libgcc_s.so";
    assert!(
        !bytes.windows(needle.len()).any(|w| w == needle),
        "vault names libgcc_s.so: build.rs no longer links libgcc_eh"
    );
}
