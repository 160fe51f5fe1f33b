//! A vault written by the first release (before the signed log), upgraded by
//! `vault init` of a member who holds the current key: the history is
//! recorded with them as founder, SSH members are recorded as they are, age
//! members (whose signing keys cannot be known without them) are removed and
//! added back with their member lines. The fixture (`tests/data/legacy/`,
//! made by `make.sh` with the release binary) holds v1 grants and values,
//! which still open.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use crate::both;
use crate::harness::{Backend, Env};

both!(
    first_release_vault_is_recorded_by_init,
    first_release_secrets_have_an_unsigned_first_version
);

fn fixture(file: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/legacy")
        .join(file)
}

/// Installs a fixture identity as `env`'s identity (0600, as vault wants).
fn install_identity(env: &Env, file: &str) -> PathBuf {
    let dir = env.config_dir();
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).unwrap();
    let to = if file.ends_with(".txt") {
        env.identity_path()
    } else {
        env.home.path().join(file)
    };
    std::fs::copy(fixture(file), &to).unwrap();
    std::fs::set_permissions(&to, std::fs::Permissions::from_mode(0o600)).unwrap();
    to
}

/// Puts the fixture's vault where `env` looks: the file itself for SQLite;
/// for PostgreSQL, its rows copied into a vault whose own rows (and log)
/// were cleared, and no pin, as the release kept none.
fn install_vault(env: &Env) {
    let data = env.data_dir();
    std::fs::create_dir_all(&data).unwrap();
    match env.backend {
        Backend::Sqlite => {
            std::fs::copy(fixture("vault.db"), data.join("vault.db")).unwrap();
            std::fs::set_permissions(data.join("vault.db"), std::fs::Permissions::from_mode(0o600)).unwrap();
        }
        Backend::Postgres => {
            let old = Env::new(Backend::Sqlite);
            std::fs::create_dir_all(old.data_dir()).unwrap();
            std::fs::copy(fixture("vault.db"), old.data_dir().join("vault.db")).unwrap();
            let from = old.db();
            env.init();
            for table in ["log", "key_grants", "members", "secrets", "keys"] {
                env.exec(&format!("DELETE FROM {}", env.table(table)));
            }
            let to = env.db();
            for k in from.keys() {
                to.insert_key(k.id, &k.recipient, &k.state);
            }
            for m in from.members() {
                to.insert_member(&m.recipient, &m.name, m.added_by.as_deref());
            }
            for g in from.grants() {
                to.insert_grant(g.key_id, &g.recipient, &g.sealed_key);
            }
            for r in from.rows() {
                to.insert_secret(&r);
            }
            std::fs::remove_dir_all(data.join("pins")).unwrap();
        }
    }
}

fn first_release_vault_is_recorded_by_init(alice: &Env) {
    install_identity(alice, "alice.txt");
    install_vault(alice);
    // Before: SQLite holds the release's schema (version 3); on PostgreSQL
    // the schema is current but the history is missing.
    match alice.backend {
        Backend::Sqlite => alice
            .vault(&["get", "k"])
            .fails(7, "older vault schema (version 3"),
        Backend::Postgres => alice
            .vault(&["get", "k"])
            .fails(6, "has no signed membership and key history"),
    };
    let out = alice.vault(&["init", "--database-url", &alice.url()]).ok();
    let said = &out.stderr;
    assert!(said.contains("recorded the signed history"), "{said}");
    assert!(
        said.contains("  alice  age1") && said.contains("  carol  ssh-ed25519"),
        "{said}"
    );
    assert!(
        said.contains("these members were removed") && said.contains("  bob  age1"),
        "{said}"
    );
    assert!(said.contains("vault fingerprint: SHA256:"), "{said}");
    // v1 values and grants still open.
    assert_eq!(alice.get("k"), b"kept");
    assert_eq!(alice.get("app/x"), b"ex");
    let db = alice.db();
    let names: Vec<String> = db.members().into_iter().map(|m| m.name).collect();
    assert_eq!(names, ["alice", "carol"]);
    assert_eq!(db.log().len(), 2, "genesis and carol's addition");

    // Carol (SSH) was recorded: she reads, and verifies the same history.
    let url = alice.url();
    let carol = alice.another_user();
    let key = install_identity(&carol, "carol_ed25519");
    let carol_run = |args: &[&str]| {
        let mut all = vec![
            "--database-url",
            url.as_str(),
            "--identity",
            key.to_str().unwrap(),
        ];
        all.extend_from_slice(args);
        carol.vault(&all)
    };
    assert_eq!(carol_run(&["get", "k"]).ok().stdout, b"kept");
    // Bob (age) was removed: no access until he is added back with his line.
    let bob = alice.another_user();
    install_identity(&bob, "bob.txt");
    let bob_run = |args: &[&str]| {
        let mut all = vec!["--database-url", url.as_str()];
        all.extend_from_slice(args);
        bob.vault(&all)
    };
    bob_run(&["-q", "get", "k"]).fails(5, "holds no copy");
    let line = bob_run(&["whoami"]).ok().stdout_str();
    let line = line.lines().next().unwrap().to_owned();
    alice.vault(&["member", "add", &line, "--name", "bob"]).ok();
    assert_eq!(bob_run(&["get", "app/x"]).ok().stdout, b"ex");
    // The rotation the README asks for: everything moves to a v2 key.
    alice.vault(&["rotate"]).ok();
    assert_eq!(bob_run(&["get", "k"]).ok().stdout, b"kept");
    assert_eq!(carol_run(&["get", "app/x"]).ok().stdout, b"ex");
    assert_eq!(db.log().len(), 5, "+ bob, key-current, key-retired");
    // A second init verifies what was recorded and changes nothing.
    alice.vault(&["init"]).ok();
    assert_eq!(db.log().len(), 5);
}

/// Secrets written by the first release have no version rows: each is one
/// unsigned version 1 (its value has no signed statement), and every
/// command that makes versions works on them: the first put archives the
/// old value as version 1, restore brings it back as version 3 (signed),
/// mv and cp carry the unsigned version along, and rotation re-seals it.
fn first_release_secrets_have_an_unsigned_first_version(alice: &Env) {
    install_identity(alice, "alice.txt");
    install_vault(alice);
    alice.vault(&["init", "--database-url", &alice.url()]).ok();
    let history = |name: &str| -> Vec<serde_json::Value> {
        let out = alice.vault(&["history", name, "--json"]).ok();
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let h = history("k");
    assert_eq!(h.len(), 1, "{h:?}");
    assert_eq!(h[0]["version"], 1);
    assert_eq!(h[0]["status"], "unsigned");
    assert_eq!(h[0]["current"], true);
    let got: serde_json::Value =
        serde_json::from_slice(&alice.vault(&["get", "k", "--json"]).ok().stdout).unwrap();
    assert_eq!(
        (got["version"].clone(), got["verified"].clone()),
        (1.into(), false.into())
    );
    // A check-and-set against the implicit version 1 works.
    alice
        .vault(&["put", "k", "--if-version", "2"])
        .stdin(b"no")
        .fails(4, "is at version 1, not 2");
    alice.vault(&["put", "k", "--if-version", "1"]).stdin(b"new").ok();
    let h = history("k");
    assert_eq!(h.len(), 2);
    assert_eq!(
        (h[0]["status"].as_str(), h[1]["status"].as_str()),
        (Some("verified"), Some("unsigned"))
    );
    assert_eq!(alice.vault(&["get", "k", "--version", "1"]).ok().stdout, b"kept");
    alice.vault(&["restore", "k", "--version", "1"]).ok();
    assert_eq!(alice.get("k"), b"kept");
    assert_eq!(history("k")[0]["op"], "restore");
    // mv and cp of a secret that never had a version row.
    alice.vault(&["mv", "app/x", "app/y"]).ok();
    let h = history("app/y");
    assert_eq!(h.len(), 2, "{h:?}");
    assert_eq!(
        (h[0]["op"].as_str(), h[1]["status"].as_str()),
        (Some("mv"), Some("unsigned"))
    );
    assert_eq!(
        alice.vault(&["get", "app/y", "--version", "1"]).ok().stdout,
        b"ex"
    );
    alice.vault(&["cp", "app/y", "app/z"]).ok();
    assert_eq!(alice.get("app/z"), b"ex");
    assert_eq!(history("app/z").len(), 3);
    // Rotation re-seals the unsigned earlier versions too; all still open.
    alice.vault(&["rotate"]).ok();
    assert_eq!(alice.vault(&["get", "k", "--version", "2"]).ok().stdout, b"new");
    assert_eq!(
        alice.vault(&["get", "app/z", "--version", "1"]).ok().stdout,
        b"ex"
    );
    alice.vault(&["get", "app/x"]).fails(3, "no secret");
}
