//! Whatever comes from the database or the server reaches the terminal
//! harmlessly, byte for byte as specified: names, descriptions, member names,
//! recipients, `added_by` and PostgreSQL's own error text have every Cc, Cf,
//! Zl and Zp character escaped (in tables on a pty, in piped output, in
//! errors), and `--json` writes them as `\u` escapes. Also here: a row naming
//! no key is integrity (exit 6) for every command that opens values, and
//! the local-file and URL checks that keep secrets out of messages.

use std::os::unix::fs::PermissionsExt;
use std::process::Command;

use crate::both;
use crate::harness::{Backend, Env};

both!(
    hostile_text_is_escaped_everywhere,
    a_row_naming_no_key_is_integrity_everywhere,
    config_others_can_change_is_refused
);

/// Every character class the rule covers: C0 (ESC), DEL, C1 (CSI), a bidi
/// isolate pair, the Arabic letter mark, a zero-width joiner, a tag
/// character, the line and paragraph separators.
const NASTY: &str =
    "\u{1b}]0;title\u{7}\u{1b}[2J\u{7f}\u{9b}\u{2067}\u{61c}\u{200d}\u{e0041}\u{2028}\u{2029}";
const NASTY_SHOWN: &str =
    "\\u{1b}]0;title\\u{7}\\u{1b}[2J\\u{7f}\\u{9b}\\u{2067}\\u{61c}\\u{200d}\\u{e0041}\\u{2028}\\u{2029}";
const NASTY_JSON: &str =
    "\\u001b]0;title\\u0007\\u001b[2J\\u007f\\u009b\\u2067\\u061c\\u200d\\udb40\\udc41\\u2028\\u2029";

fn unsafe_chars(text: &str) -> Vec<char> {
    text.chars()
        .filter(|c| {
            c.is_control()
                || matches!(
                    c,
                    '\u{2067}' | '\u{61c}' | '\u{200d}' | '\u{e0041}' | '\u{2028}' | '\u{2029}'
                )
        })
        .collect()
}

/// `vault ARGS` on a pseudo-terminal (util-linux `script`): what the screen got.
fn on_pty(env: &Env, args: &str) -> String {
    let base = env.vault(&[]);
    let mut cmd = Command::new("script");
    cmd.env_clear();
    for (k, v) in base.cmd.get_envs() {
        if let Some(v) = v {
            cmd.env(k, v);
        }
    }
    let line = format!("stty cols 500 rows 50; '{}' {args}", env!("CARGO_BIN_EXE_vault"));
    let out = cmd
        .args(["-qec", &line, "/dev/null"])
        .stdin(std::process::Stdio::null())
        .output()
        .expect("script(1) from util-linux");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn hostile_text_is_escaped_everywhere(env: &Env) {
    env.init();
    env.vault(&["put", "plain", "-d", "desc"]).stdin(b"v").ok();
    let name = format!("invoice{NASTY}fdp.exe");
    env.db().set_description("plain", &format!("about{NASTY}"));
    env.db().rename("plain", &name);
    // Piped: one name per line, byte for byte.
    let piped = env.vault(&["ls"]).ok();
    assert_eq!(piped.stdout_str(), format!("\"invoice{NASTY_SHOWN}fdp.exe\"\n"));
    // JSON: the same strings, every such character as a \u escape.
    let json = env.vault(&["ls", "--json"]).ok().stdout_str();
    assert!(unsafe_chars(&json).iter().all(|c| *c == '\n'), "{json:?}");
    assert!(
        json.contains(&format!("\"name\":\"invoice{NASTY_JSON}fdp.exe\"")),
        "{json}"
    );
    assert!(
        json.contains(&format!("\"description\":\"about{NASTY_JSON}\"")),
        "{json}"
    );
    let parsed: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(parsed[0]["name"], name.as_str());
    // On a terminal: the table shows the escapes, never the characters.
    let screen = on_pty(env, "ls");
    assert_eq!(
        unsafe_chars(&screen.replace("\r\n", "")),
        Vec::<char>::new(),
        "{screen:?}"
    );
    assert!(
        screen.contains(&format!("invoice{NASTY_SHOWN}fdp.exe")),
        "{screen}"
    );
    assert!(screen.contains(&format!("about{NASTY_SHOWN}")), "{screen}");
    // An error quoting the name: one escaped line, on a pty too.
    env.vault(&["put", &name])
        .stdin(b"x")
        .fails(2, &format!("invalid secret name \"invoice{NASTY_SHOWN}fdp.exe\""));

    // Members: a planted name, recipient and added_by.
    let db = env.db();
    let me = db.members()[0].recipient.clone();
    db.insert_member(
        &format!("age1planted{NASTY}"),
        &format!("mallory{NASTY}"),
        Some(&format!("age1gone{NASTY}")),
    );
    db.set_added_by(&me, &format!("age1gone{NASTY}"));
    // The list is the verified log's: the planted row is not in it, but is
    // named (escaped, on one line) in the exit-6 error that follows it.
    let out = env.vault(&["member", "ls"]).run();
    assert_eq!(out.code, 6, "{out:?}");
    let piped = out.stdout_str();
    assert_eq!(piped.lines().count(), 1, "{piped}");
    assert!(
        !piped.contains("mallory") && !piped.contains("age1gone"),
        "{piped}"
    );
    assert!(
        out.stderr
            .contains(&format!("member row \"mallory{NASTY_SHOWN}\"")),
        "{}",
        out.stderr
    );
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
    for text in [&piped, &out.stderr] {
        assert_eq!(
            unsafe_chars(text)
                .iter()
                .filter(|c| **c != '\n' && **c != '\t')
                .count(),
            0,
            "{text:?}"
        );
    }
    let json = env.vault(&["member", "ls", "--json"]).run();
    assert_eq!(json.code, 6, "{json:?}");
    assert!(!json.stdout_str().contains("planted"), "{}", json.stdout_str());
    let screen = on_pty(env, "member ls");
    assert_eq!(
        unsafe_chars(&screen.replace("\r\n", "")),
        Vec::<char>::new(),
        "{screen:?}"
    );
    assert!(screen.contains(&format!("mallory{NASTY_SHOWN}")), "{screen}");
    // whoami says who we are from the log (no planted "added by"), then
    // exits 6 naming the planted row.
    let who = env.vault(&["whoami"]).run();
    assert_eq!(who.code, 6, "{who:?}");
    let text = who.stdout_str();
    assert!(!text.contains("age1gone"), "{text}");
    assert!(text.contains("(founder)"), "{text}");
    assert_eq!(
        unsafe_chars(&text).iter().filter(|c| **c != '\n').count(),
        0,
        "{text:?}"
    );
    assert_eq!(text.lines().count(), 7, "{text}");
    assert!(text.starts_with(&format!("{me} vault-ed25519:")), "{text}");
    assert!(
        who.stderr.contains(&format!("mallory{NASTY_SHOWN}")),
        "{}",
        who.stderr
    );
    let json = env.vault(&["whoami", "--json"]).run();
    assert_eq!(json.code, 6, "{json:?}");
    let parsed: serde_json::Value = serde_json::from_str(&json.stdout_str()).unwrap();
    assert_eq!(parsed["added_by"], serde_json::Value::Null);
}

/// A trigger's RAISE EXCEPTION text reaches vault's error line escaped: it
/// can neither erase the line nor print a fake "stored" line.
#[test]
fn server_error_text_is_escaped() {
    let env = Env::new(Backend::Postgres);
    env.init();
    env.exec(
        "CREATE FUNCTION vault.evil() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
         RAISE EXCEPTION E'nope\\r\\x1b[2Kstored db/x\\n\\u2066ok\\u2069'; END $$; \
         CREATE TRIGGER evil BEFORE INSERT ON vault.secrets FOR EACH ROW EXECUTE FUNCTION vault.evil()",
    );
    let out = env.vault(&["put", "db/x"]).stdin(b"v").fails(7, "nope");
    let line = out.stderr.strip_suffix('\n').unwrap();
    assert!(
        line.contains("nope\\u{d}\\u{1b}[2Kstored db/x\\u{a}\\u{2066}ok\\u{2069}"),
        "{line:?}"
    );
    assert!(
        !line.chars().any(|c| c.is_control() || c == '\u{2066}'),
        "{line:?}"
    );
    // On a terminal: the same bytes (the pty only turns LF into CR LF).
    let screen = on_pty(&env, "put db/x < /dev/null");
    assert_eq!(screen, out.stderr.replace('\n', "\r\n"));
}

fn a_row_naming_no_key_is_integrity_everywhere(env: &Env) {
    env.init();
    env.put("a/one", b"1");
    env.put("a/two", b"2");
    let ghost = uuid::Uuid::parse_str("00000000-0000-4000-8000-000000000042").unwrap();
    env.db().set_key_id("a/two", Some(ghost));
    let needle = "secret \"a/two\" was refused: it is sealed to key 00000000-0000-4000-8000-000000000042";
    env.vault(&["get", "a/two"]).fails(6, needle);
    env.vault(&["env"]).fails(6, needle);
    env.vault(&["env", "a/"]).fails(6, needle);
    env.vault(&["export"]).fails(6, needle);
    env.vault(&["run", "--", "true"]).fails(6, needle);
    env.vault(&["run", "--only", "a/two", "--", "true"])
        .fails(6, needle);
    // The untouched row still opens alone.
    assert_eq!(
        env.vault(&["env", "a/one"]).ok().stdout_str(),
        "export A_ONE='1'\n"
    );
}

/// Passwords in URLs: redacted the way the driver parses them (names
/// percent-decoded, the last one wins), case kept in `-v` output.
#[test]
fn passwords_in_urls_are_redacted_as_the_driver_reads_them() {
    let env = Env::new(Backend::Sqlite);
    for url in [
        "postgres://Me@127.0.0.1:1/DB?password=decoy&password=S3CRET",
        "postgres://Me@127.0.0.1:1/DB?sslpassword=decoy&password=S3CRET",
        "postgres://Me@127.0.0.1:1/DB?pass%77ord=S3CRET",
        "postgres://Me:S3CRET@127.0.0.1:1/DB?PassWord=S3CRET",
    ] {
        let out = env
            .vault(&["-v", "ls"])
            .env("VAULT_DATABASE_URL", url)
            .env("VAULT_CONNECT_TIMEOUT", "2")
            .run();
        assert_eq!(out.code, 7, "{url}: {}", out.stderr);
        assert!(!out.stderr.contains("S3CRET"), "{url}: {}", out.stderr);
        assert!(
            !out.stderr.to_lowercase().contains("s3cret"),
            "{url}: {}",
            out.stderr
        );
        assert!(out.stderr.contains("postgres://Me"), "case kept: {}", out.stderr);
        assert!(out.stderr.contains("/DB?"), "case kept: {}", out.stderr);
    }
    let out = env
        .vault(&["-v", "ls"])
        .env(
            "VAULT_DATABASE_URL",
            "postgres://Me@127.0.0.1:1/DB?sslMode=Disable&pass%77ord=S3CRET",
        )
        .env("VAULT_CONNECT_TIMEOUT", "2")
        .run();
    assert!(
        out.stderr.starts_with(
            "vault: database postgres://Me@127.0.0.1:1/DB?sslMode=Disable&pass%77ord=*** (from given)\n"
        ),
        "{}",
        out.stderr
    );
    // A config file readable by others is refused when the driver would find a password in it.
    std::fs::create_dir_all(env.config_dir()).unwrap();
    let config = env.config_dir().join("config.toml");
    for url in [
        "postgres://h/db?pass%77ord=S3CRET",
        "postgres://h/db?password=&password=S3CRET",
        "postgres://h/db?sslpassword=S3CRET",
    ] {
        std::fs::write(&config, format!("database_url = \"{url}\"\n")).unwrap();
        std::fs::set_permissions(&config, std::fs::Permissions::from_mode(0o644)).unwrap();
        let out = env
            .vault(&["ls"])
            .fails(8, "holds a database password and is too open");
        assert!(!out.stderr.contains("S3CRET"), "{}", out.stderr);
    }
}

fn config_others_can_change_is_refused(env: &Env) {
    env.init();
    env.put("k", b"v");
    let dir = env.config_dir();
    let file = dir.join("config.toml");
    if !file.exists() {
        std::fs::write(&file, "").unwrap();
    }
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
    for (path, mode, what) in [
        (&dir, 0o770, "config directory"),
        (&dir, 0o707, "config directory"),
        (&file, 0o620, "config file"),
        (&file, 0o606, "config file"),
    ] {
        let keep = std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
        let out = env.vault(&["get", "k"]).fails(8, "is too open");
        assert!(
            out.stderr.starts_with(&format!(
                "vault: {what} {} is too open: its mode is {mode:04o}, writable by group or others; it was not used",
                path.display()
            )),
            "{}",
            out.stderr
        );
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(keep)).unwrap();
    }
    assert_eq!(env.get("k"), b"v");
    // Owned by another user (needs root to arrange): refused, and `init`
    // does not use it either.
    if rustix::process::geteuid().is_root() {
        let other = Env::new(env.backend);
        let odir = other.config_dir();
        std::fs::create_dir_all(&odir).unwrap();
        std::fs::set_permissions(&odir, std::fs::Permissions::from_mode(0o755)).unwrap();
        std::fs::write(
            odir.join("config.toml"),
            "database_url = \"sqlite:///tmp/attacker.db\"\n",
        )
        .unwrap();
        let nobody = 65534;
        for p in [odir.join("config.toml"), odir.clone()] {
            rustix::fs::chown(&p, Some(rustix::fs::Uid::from_raw(nobody)), None).unwrap();
        }
        let out = other.vault(&["init"]).fails(8, "is owned by uid 65534");
        assert!(out.stderr.contains("config directory"), "{}", out.stderr);
        assert!(
            !other.identity_path().exists(),
            "init used a directory owned by another user"
        );
    } else {
        eprintln!("config_others_can_change_is_refused: not root; ownership case skipped");
    }
}
