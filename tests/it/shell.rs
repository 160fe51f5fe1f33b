//! Shell and script integration: env/run/import/export, JSON output,
//! generated values, completions (static files and live names in real
//! bash), and the man page.

use std::path::PathBuf;
use std::process::{Command, Stdio};

use crate::both;
use crate::harness::{Backend, Env, Out};

both!(
    env_shell_output_survives_eval,
    dotenv_round_trips_through_import,
    import_json_prefix_and_no_overwrite,
    malformed_import_changes_nothing,
    run_passes_secrets_and_exit_code,
    run_override_and_pristine,
    colliding_variables_name_both,
    non_text_values_are_refused_in_text_formats,
    get_json_utf8_and_binary,
    put_generate_and_json,
    bash_completes_live_names,
    completion_levels_in_bytewise_order,
    unreachable_vault_completes_nothing,
);

/// Values that break naive quoting.
const HOSTILE: [(&str, &str); 9] = [
    ("h/quote", "it's a \"quote\""),
    // `${X}` is refused by dotenv export (python-dotenv would expand it); see dotenv.rs.
    ("h/dollar", "$HOME ${PATH $(id) $1"),
    ("h/backtick", "`id` \\`x\\`"),
    ("h/newline", "line one\nline two\n"),
    ("h/spaces", "  lead and trail  "),
    ("h/unicode", "ünïcødé ✓ 日本"),
    ("h/backslash", "a\\b\\\\c\\n"),
    ("h/empty", ""),
    ("h/mixed", "'\"`$\\\n\t# not a comment ="),
];

fn put_hostile(env: &Env) {
    for (name, value) in HOSTILE {
        env.put(name, value.as_bytes());
    }
}

/// A process (not vault) with the same scrubbed environment as `env.vault`,
/// plus VAULT pointing at the binary.
pub(crate) fn tool(env: &Env, program: &str, args: &[&str]) -> Command {
    let base = env.vault(&[]).cmd;
    let mut c = Command::new(program);
    c.env_clear().args(args);
    for (k, v) in base.get_envs() {
        if let Some(v) = v {
            c.env(k, v);
        }
    }
    c.env("VAULT", env!("CARGO_BIN_EXE_vault"));
    c
}

pub(crate) fn output(mut c: Command) -> Out {
    let out = c.stdin(Stdio::null()).output().expect("spawn");
    Out {
        code: out.status.code().unwrap_or(-1),
        stdout: out.stdout,
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn have(program: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {program}")])
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn count(env: &Env) -> usize {
    env.db().count()
}

fn env_shell_output_survives_eval(env: &Env) {
    env.init();
    put_hostile(env);
    let mut shells = vec!["bash", "sh"];
    if have("zsh") {
        shells.push("zsh");
    }
    for shell in shells {
        for (name, value) in HOSTILE {
            let var = name.to_uppercase().replace('/', "_");
            let script =
                format!("eval \"$(\"$VAULT\" env --format shell h/)\" || exit 9; printf %s \"${var}\"");
            let out = output(tool(env, shell, &["-c", &script]));
            assert_eq!(out.code, 0, "{shell}: {}", out.stderr);
            assert_eq!(out.stdout_str(), value, "{shell} {name}");
            assert_eq!(out.stderr, "", "{shell}");
        }
    }
    // Selecting one name and a prefix; exported, so a child sees them.
    env.put("db/password", b"pw");
    let out = output(tool(
        env,
        "bash",
        &[
            "-c",
            "eval \"$(\"$VAULT\" env db/password h/quote)\"; sh -c 'printf %s \"$DB_PASSWORD|$H_QUOTE|${H_EMPTY-unset}\"'",
        ],
    ));
    assert_eq!(out.stdout_str(), "pw|it's a \"quote\"|unset", "{}", out.stderr);
    env.vault(&["env", "no/such"])
        .fails(3, "no secret named \"no/such\"");
}

fn dotenv_round_trips_through_import(env: &Env) {
    env.init();
    put_hostile(env);
    // export -> import into a second vault: the same names and bytes.
    let dump = env.vault(&["export"]).ok().stdout;
    let other = Env::new(env.backend);
    other.init();
    other.vault(&["import", "-"]).stdin(&dump).ok();
    for (name, value) in HOSTILE {
        assert_eq!(other.get(name), value.as_bytes(), "{name}");
    }
    assert_eq!(count(&other), HOSTILE.len());
    // env --format dotenv -> import: variable names become the secret names.
    let dotenv = env.vault(&["env", "--format", "dotenv"]).ok().stdout;
    let f = other.home.path().join("vars.env");
    std::fs::write(&f, &dotenv).unwrap();
    let out = other.vault(&["import", f.to_str().unwrap()]).ok();
    assert!(out.stderr.contains("9 created, 0 updated"), "{}", out.stderr);
    for (name, value) in HOSTILE {
        let var = name.to_uppercase().replace('/', "_");
        assert_eq!(other.get(&var), value.as_bytes(), "{var}");
    }
    // JSON export reads back too.
    let json = env.vault(&["export", "--format", "json", "h/"]).ok().stdout;
    let parsed: serde_json::Map<String, serde_json::Value> = serde_json::from_slice(&json).unwrap();
    assert_eq!(parsed.len(), HOSTILE.len());
    for (name, value) in HOSTILE {
        assert_eq!(parsed[name], value, "{name}");
    }
    // python-dotenv (optional) reads our dotenv output identically.
    if Command::new("python3")
        .args(["-c", "import dotenv"])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
    {
        let script = "import sys, json, io, dotenv; \
                      print(json.dumps(dotenv.dotenv_values(stream=io.StringIO(sys.stdin.read()))))";
        let mut py = Command::new("python3")
            .args(["-c", script])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        use std::io::Write;
        py.stdin.take().unwrap().write_all(&dump).unwrap();
        let out = py.wait_with_output().unwrap();
        let read: serde_json::Map<String, serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
        for (name, value) in HOSTILE {
            assert_eq!(read[name], value, "python-dotenv {name}");
        }
    }
}

fn import_json_prefix_and_no_overwrite(env: &Env) {
    env.init();
    env.vault(&["import", "--format", "json", "--prefix", "app/", "-"])
        .stdin(br#"{"FOO_BAR": "x", "db/url": "postgres://a\nb"}"#)
        .ok();
    assert_eq!(env.get("app/FOO_BAR"), b"x");
    assert_eq!(env.get("app/db/url"), b"postgres://a\nb");
    // Plain dotenv: the key as written is the name.
    env.vault(&["import", "-"]).stdin(b"FOO_BAR=y\n").ok();
    assert_eq!(env.get("FOO_BAR"), b"y");
    // --no-overwrite: one existing name, nothing written.
    env.vault(&["import", "--no-overwrite", "--prefix", "app/", "-"])
        .stdin(b"NEW=1\nFOO_BAR=2\n")
        .fails(4, "app/FOO_BAR");
    assert_eq!(env.get("app/FOO_BAR"), b"x");
    env.vault(&["get", "app/NEW"]).fails(3, "no secret");
    // Bad JSON shapes.
    env.vault(&["import", "--format", "json", "-"])
        .stdin(br#"{"a": 1}"#)
        .fails(2, "values are strings");
    env.vault(&["import", "--format", "json", "-"])
        .stdin(b"[\"a\"]")
        .fails(2, "line 1");
    assert_eq!(count(env), 3);
}

fn malformed_import_changes_nothing(env: &Env) {
    env.init();
    env.put("A", b"original");
    let stored = || {
        let rows = env.db().rows();
        rows.into_iter()
            .map(|r| (r.name, r.secret, r.updated_at))
            .collect::<Vec<_>>()
    };
    let before = stored();
    let cases: [(&[u8], &str); 6] = [
        (
            b"A=new\nB=2\nthis line is wrong\nC=3\n",
            "line 3: expected KEY=VALUE",
        ),
        (
            b"A=new\nB='never closed\nC=3\n",
            "line 2: the single quote is never closed",
        ),
        (
            b"A=new\n\n\nB=\"x\" junk\n",
            "line 4: unexpected text after the closing quote",
        ),
        (b"A=new\nbad name=1\n", "line 2"),
        (b"A=new\n-x=1\n", "line 2: invalid secret name"),
        (
            b"A=new\nB=1\nA=again\n",
            "line 3: \"A\" is given more than once (first line 1)",
        ),
    ];
    for (text, needle) in cases {
        env.vault(&["import", "-"]).stdin(text).fails(2, needle);
        assert_eq!(stored(), before, "{needle}");
    }
    env.vault(&["import", "-"])
        .stdin(b"A=1\nB=\xff\n")
        .fails(2, "line 2: not UTF-8");
    env.vault(&["import", "/no/such/file"]).fails(2, "/no/such/file");
    assert_eq!(env.get("A"), b"original");
    assert_eq!(count(env), 1);
}

fn run_passes_secrets_and_exit_code(env: &Env) {
    env.init();
    env.put("db/password", b"p'w $x");
    env.put("db/user", b"app");
    env.put("other", b"o");
    // Exit code passes through; the caller's environment stays.
    let out = env
        .vault(&[
            "run",
            "--",
            "sh",
            "-c",
            "printf '%s|%s|%s|%s' \"$DB_PASSWORD\" \"$DB_USER\" \"$OTHER\" \"$KEEP\"; exit 7",
        ])
        .env("KEEP", "kept")
        .run();
    assert_eq!(out.code, 7, "{}", out.stderr);
    assert_eq!(out.stdout_str(), "p'w $x|app|o|kept");
    // --only and --prefix select.
    let out = env
        .vault(&[
            "run",
            "--only",
            "db/user",
            "--",
            "sh",
            "-c",
            "printf %s \"$DB_USER|${DB_PASSWORD-no}|${OTHER-no}\"",
        ])
        .ok();
    assert_eq!(out.stdout_str(), "app|no|no");
    let out = env
        .vault(&[
            "run",
            "--prefix",
            "db/",
            "--",
            "sh",
            "-c",
            "printf %s \"$DB_USER|$DB_PASSWORD|${OTHER-no}\"",
        ])
        .ok();
    assert_eq!(out.stdout_str(), "app|p'w $x|no");
    let out = env
        .vault(&[
            "run",
            "--prefix",
            "db/",
            "--only",
            "other",
            "--",
            "sh",
            "-c",
            "printf %s \"$DB_USER|$OTHER\"",
        ])
        .ok();
    assert_eq!(out.stdout_str(), "app|o");
    env.vault(&["run", "--only", "nope", "--", "true"])
        .fails(3, "no secret named \"nope\"");
    env.vault(&["run", "--", "/no/such/program"])
        .fails(2, "cannot run /no/such/program");
    // A signal reaches the command directly: it dies of it, not vault.
    let out = env.vault(&["run", "--", "sh", "-c", "kill -TERM $$"]).run();
    assert_eq!(out.code, -1, "killed by a signal, so no exit code");
}

fn run_override_and_pristine(env: &Env) {
    env.init();
    env.put("db/password", b"secret");
    // An existing variable is not replaced silently.
    env.vault(&["run", "--", "true"])
        .env("DB_PASSWORD", "mine")
        .fails(4, "DB_PASSWORD is already set");
    let out = env
        .vault(&[
            "run",
            "--override",
            "--",
            "sh",
            "-c",
            "printf %s \"$DB_PASSWORD\"",
        ])
        .env("DB_PASSWORD", "mine")
        .ok();
    assert_eq!(out.stdout_str(), "secret");
    // --pristine: only the secrets (the program is still found on PATH).
    let out = env
        .vault(&["run", "--pristine", "--", "env"])
        .env("DB_PASSWORD", "mine")
        .env("KEEP", "x")
        .ok();
    assert_eq!(out.stdout_str(), "DB_PASSWORD=secret\n");
}

fn colliding_variables_name_both(env: &Env) {
    env.init();
    env.put("db/password", b"1");
    env.put("db-password", b"2");
    for args in [&["env"][..], &["run", "--", "true"][..]] {
        let out = env.vault(args).fails(4, "both become the variable DB_PASSWORD");
        assert!(
            out.stderr.contains("\"db-password\"") && out.stderr.contains("\"db/password\""),
            "{}",
            out.stderr
        );
    }
    // Selecting one of them works.
    let out = env.vault(&["env", "db/password"]).ok();
    assert_eq!(out.stdout_str(), "export DB_PASSWORD='1'\n");
}

fn non_text_values_are_refused_in_text_formats(env: &Env) {
    env.init();
    env.put("ok", b"fine");
    env.put("bin", b"\xff\xfe");
    env.put("nul", b"a\0b");
    env.vault(&["env", "bin"])
        .fails(2, "secret \"bin\" is not UTF-8 text");
    env.vault(&["env"]).fails(2, "secret \"bin\" is not UTF-8 text");
    env.vault(&["export", "--format", "json"]).fails(2, "not UTF-8");
    env.vault(&["run", "--only", "nul", "--", "true"])
        .fails(2, "secret \"nul\" holds a NUL byte");
    // run passes non-UTF-8 bytes through (the environment is bytes).
    let out = env
        .vault(&["run", "--only", "bin", "--", "sh", "-c", "printf %s \"$BIN\""])
        .ok();
    assert_eq!(out.stdout, b"\xff\xfe");
    // A name that cannot be a dotenv key: dotenv refuses, JSON works.
    env.vault(&["rm", "bin", "nul"]).ok();
    env.put("a=b", b"v");
    env.vault(&["export"]).fails(2, "cannot be a dotenv key");
    let out = env.vault(&["export", "--format", "json"]).ok();
    assert_eq!(out.stdout_str(), "{\n  \"a=b\": \"v\",\n  \"ok\": \"fine\"\n}\n");
}

fn get_json_utf8_and_binary(env: &Env) {
    env.init();
    env.put("t", "ünï \"q\"\n".as_bytes());
    env.put("b", b"\x00\xff\x10");
    env.put("b", b"\x00\xff\x11");
    let me = env.vault(&["whoami", "--json"]).ok();
    let me: serde_json::Value = serde_json::from_slice(&me.stdout).unwrap();
    let v: serde_json::Value =
        serde_json::from_slice(&env.vault(&["get", "t", "--json"]).ok().stdout).unwrap();
    assert_eq!(
        v,
        serde_json::json!({"name": "t", "value": "ünï \"q\"\n", "encoding": "utf-8",
            "version": 1, "author": "tester", "recipient": me["recipient"], "verified": true})
    );
    let v: serde_json::Value =
        serde_json::from_slice(&env.vault(&["get", "b", "--json"]).ok().stdout).unwrap();
    assert_eq!(v["value"], "AP8R");
    assert_eq!(v["encoding"], "base64");
    assert_eq!(v["version"], 2);
    let v: serde_json::Value =
        serde_json::from_slice(&env.vault(&["get", "b", "--version", "1", "--json"]).ok().stdout).unwrap();
    assert_eq!(
        v,
        serde_json::json!({"name": "b", "value": "AP8Q", "encoding": "base64",
            "version": 1, "author": "tester", "recipient": me["recipient"], "verified": true})
    );
    env.vault(&["get", "nope", "--json"]).fails(3, "no secret");
}

fn put_generate_and_json(env: &Env) {
    env.init();
    let cases = [
        (
            "alnum",
            32,
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
        ),
        ("hex", 64, "0123456789abcdef"),
        (
            "base64",
            7,
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/",
        ),
        (
            "ascii",
            100,
            "!\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~",
        ),
    ];
    for (charset, len, set) in cases {
        let name = format!("gen/{charset}");
        let out = env
            .vault(&[
                "put",
                &name,
                "--generate",
                "--charset",
                charset,
                "--length",
                &len.to_string(),
            ])
            .ok();
        assert!(out.stdout.is_empty(), "printed without --print");
        let v = env.get(&name);
        assert_eq!(v.len(), len, "{charset}");
        assert!(v.iter().all(|c| set.as_bytes().contains(c)), "{charset}: {v:?}");
    }
    // Default: 32 alphanumerics. --print prints what was stored.
    let out = env.vault(&["put", "gen/default", "--generate", "--print"]).ok();
    let printed = out.stdout_str();
    assert_eq!(printed.len(), 33);
    assert_eq!(env.get("gen/default"), printed.trim_end().as_bytes());
    assert_ne!(env.get("gen/default"), env.get("gen/alnum"));
    // --json says what happened.
    let out = env.vault(&["put", "gen/default", "--generate", "--json"]).ok();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["name"], "gen/default");
    assert_eq!(v["action"], "updated");
    assert!(v.get("value").is_none());
    assert_eq!(
        uuid::Uuid::parse_str(v["id"].as_str().unwrap()).unwrap(),
        env.db().row("gen/default").id
    );
    let out = env.vault(&["put", "j", "--json"]).stdin(b"v").ok();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["action"], "created");
    assert_eq!(v["key_id"].as_str().unwrap().len(), 36);
    // Bad combinations and bounds change nothing.
    // (clap's usage errors are several lines: code 2, the offending option named.)
    for (args, needle) in [
        (&["put", "x", "--length", "5"][..], "--generate"),
        (&["put", "x", "--print"][..], "--generate"),
        (&["put", "x", "--generate", "--length", "0"][..], "1..=65536"),
        (
            &["put", "x", "--generate", "--file", "/etc/hostname"][..],
            "cannot be used with",
        ),
        (
            &["put", "x", "--generate", "--charset", "emoji"][..],
            "alnum, ascii, hex, base64",
        ),
    ] {
        let out = env.vault(args).run();
        assert_eq!(out.code, 2, "{args:?}");
        assert!(out.stderr.contains(needle), "{args:?}: {}", out.stderr);
    }
    env.vault(&["get", "x"]).fails(3, "no secret");
}

/// Runs the bash completion function the binary registers, as bash would
/// for the command line `words` (the last word is being completed).
fn bash_complete(env: &Env, words: &[&str], extra_env: &[(&str, &str)]) -> Out {
    let quoted: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
    let cword = words.len() - 1;
    let script = format!(
        "source <(COMPLETE=bash \"$VAULT\") || exit 9\n\
         COMP_WORDS=({words}); COMP_CWORD={cword}; COMP_LINE=\"${{COMP_WORDS[*]}}\"; COMP_POINT=${{#COMP_LINE}}; COMP_TYPE=9\n\
         _clap_complete_vault vault '{cur}' '{prev}'\n\
         printf '%s\\n' \"${{COMPREPLY[@]}}\"",
        words = quoted.join(" "),
        cur = words[cword],
        prev = words[cword - 1],
    );
    let mut c = tool(env, "bash", &["-c", &script]);
    for (k, v) in extra_env {
        c.env(k, v);
    }
    output(c)
}

/// The offered words, without options (clap offers those for an empty word).
fn lines(out: &Out) -> Vec<String> {
    out.stdout_str()
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('-'))
        .map(str::to_owned)
        .collect()
}

fn bash_completes_live_names(env: &Env) {
    env.init();
    for n in ["db/password", "db/user", "dbx", "api/key"] {
        env.put(n, b"v");
    }
    let out = bash_complete(env, &["vault", "get", "db/"], &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.stderr, "");
    assert_eq!(lines(&out), ["db/password", "db/user"]);
    for (words, want) in [
        (&["vault", "rm", "api/k"][..], "api/key"),
        (&["vault", "put", "api/"][..], "api/key"),
        // One level at a time, like directories in pass.
        (&["vault", "env", "a"][..], "api/"),
        (&["vault", "run", "--only", "ap"][..], "api/"),
    ] {
        let out = bash_complete(env, words, &[]);
        assert_eq!(lines(&out), [want], "{words:?}: {}", out.stderr);
    }
    let out = bash_complete(env, &["vault", "get", ""], &[]);
    assert_eq!(lines(&out), ["api/", "db/", "dbx"]);
    // A wide prefix (more names under it than one read takes) is walked
    // level by level: each "directory" once, never every name.
    for i in 0..210 {
        env.put(&format!("wide/{}/n{i:03}", ["a", "b", "c"][i % 3]), b"v");
    }
    env.put("wide/leaf", b"v");
    let out = bash_complete(env, &["vault", "get", "wide/"], &[]);
    assert_eq!(lines(&out), ["wide/a/", "wide/b/", "wide/c/", "wide/leaf"]);
    let out = bash_complete(env, &["vault", "get", ""], &[]);
    assert_eq!(lines(&out), ["api/", "db/", "dbx", "wide/"]);
    // Subcommands complete from the same definition.
    let out = bash_complete(env, &["vault", "imp"], &[]);
    assert_eq!(lines(&out), ["import"]);
    // No identity is needed to list names.
    std::fs::remove_file(env.identity_path()).unwrap();
    let out = bash_complete(env, &["vault", "get", "db/p"], &[]);
    assert_eq!(lines(&out), ["db/password"]);
}

/// The level walk (one statement: seek, then jump past the level) next to
/// names that sort right after a name or a "directory", non-ASCII levels,
/// names written behind vault's back that cannot be typed, and the
/// screenful limit.
fn completion_levels_in_bytewise_order(env: &Env) {
    env.init();
    for n in [
        "a",
        "a+",
        "a/x",
        "a/y/z",
        "a/y/w",
        "a0",
        "caf\u{e9}/\u{e9}t\u{e9}",
        "caf\u{e9}s",
        "caf\u{e9}/x",
        "esc",
        "z\u{10ffff}/q",
        "z\u{10ffff}\u{10ffff}",
    ] {
        env.put(n, b"v");
    }
    // Sorts between "a" and "a+", and right after "a0" (a name after a
    // directory's `0` successor); neither can be typed, so neither is offered.
    env.db().rename("esc", "a\u{1}b");
    env.put("esc", b"v");
    env.db().rename("esc", "a0\u{1b}[31m");
    // Quotes and a backslash, in a name written behind vault's back and in
    // the prefix typed: matched as text, never read as SQL.
    env.put("esc", b"v");
    env.db().rename("esc", "q'u\\o\"te/x");
    // fish's protocol: the words offered, one a line, unquoted.
    let get = |prefix: &str| -> Vec<String> {
        let out = env
            .vault(&["--", "vault", "get", prefix])
            .env("COMPLETE", "fish")
            .ok();
        assert_eq!(out.stderr, "");
        let offered = out.stdout_str();
        offered
            .lines()
            .map(|l| l.split('\t').next().unwrap().to_owned())
            .filter(|l| !l.starts_with('-'))
            .collect()
    };
    assert_eq!(
        get(""),
        [
            "a",
            "a+",
            "a/",
            "a0",
            "caf\u{e9}/",
            "caf\u{e9}s",
            "q'u\\o\"te/",
            "z\u{10ffff}/",
            "z\u{10ffff}\u{10ffff}"
        ]
    );
    assert_eq!(get("q'"), ["q'u\\o\"te/"]);
    assert_eq!(get("q'u\\o\"te/"), ["q'u\\o\"te/x"]);
    assert!(get("q''").is_empty());
    assert!(get("q'u\\\\").is_empty());
    let listed = env.vault(&["ls", "q'u\\o"]).ok();
    // `ls` shows a name that is not plain text quoted and escaped.
    assert_eq!(listed.stdout_str(), "\"q'u\\\\o\\\"te/x\"\n");
    assert_eq!(get("a"), ["a", "a+", "a/", "a0"]);
    assert_eq!(get("a/"), ["a/x", "a/y/"]);
    assert_eq!(get("a/y"), ["a/y/"]);
    assert_eq!(get("a/y/"), ["a/y/w", "a/y/z"]);
    assert_eq!(get("caf\u{e9}"), ["caf\u{e9}/", "caf\u{e9}s"]);
    assert_eq!(get("caf\u{e9}/"), ["caf\u{e9}/x", "caf\u{e9}/\u{e9}t\u{e9}"]);
    assert_eq!(get("z\u{10ffff}"), ["z\u{10ffff}/", "z\u{10ffff}\u{10ffff}"]);
    assert!(get("b").is_empty());
    // A screenful at most: 210 levels under one prefix offer the first 100
    // (more names than one read of the range takes, already enough levels).
    for i in 0..210 {
        env.put(&format!("many/d{i:03}/x"), b"v");
    }
    let got = get("many/");
    assert_eq!(got.len(), 100, "{got:?}");
    assert_eq!((got[0].as_str(), got[99].as_str()), ("many/d000/", "many/d099/"));
}

fn unreachable_vault_completes_nothing(env: &Env) {
    // No vault yet: nothing offered, nothing printed, no file created.
    let out = bash_complete(env, &["vault", "get", "db/"], &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!((out.stdout_str().as_str(), out.stderr.as_str()), ("\n", ""));
    assert!(
        !env.data_dir().exists(),
        "completion created {}",
        env.data_dir().display()
    );
    if env.backend == Backend::Postgres {
        env.init(); // the database exists, but the server named below does not
    }
    let bad = match env.backend {
        Backend::Postgres => "postgres://nobody@127.0.0.1:1/none".to_owned(),
        Backend::Sqlite => format!("sqlite://{}", env.home.path().join("absent/vault.db").display()),
    };
    let out = bash_complete(env, &["vault", "get", ""], &[("VAULT_DATABASE_URL", &bad)]);
    assert_eq!((lines(&out), out.stderr.as_str()), (vec![], ""));
    assert!(out.stdout_str().contains("--json"), "options are still offered");
    assert!(!env.home.path().join("absent").exists());
    // A config file that does not parse: still silent.
    std::fs::create_dir_all(env.config_dir()).unwrap();
    std::fs::write(env.config_dir().join("config.toml"), "not toml [").unwrap();
    let out = bash_complete(env, &["vault", "get", ""], &[]);
    assert_eq!((lines(&out), out.stderr.as_str()), (vec![], ""));
}

// ---- generated files (not per backend) ----

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

const REFRESH: &str = "VAULT_BLESS=1 cargo test --test it generated_files_are_fresh";

/// The checked-in completion scripts and man pages (every page, see
/// `docs.rs`) match what the binary generates. `VAULT_BLESS=1` rewrites them
/// instead of failing.
#[test]
fn generated_files_are_fresh() {
    let env = Env::new(Backend::Sqlite);
    let files: [(&str, &[&str]); 6] = [
        ("completions/vault.bash", &["completions", "bash"]),
        ("completions/_vault", &["completions", "zsh"]),
        ("completions/vault.fish", &["completions", "fish"]),
        ("completions/vault.elv", &["completions", "elvish"]),
        ("completions/_vault.ps1", &["completions", "powershell"]),
        ("man/vault.1", &["man"]),
    ];
    let bless = std::env::var_os("VAULT_BLESS").is_some_and(|v| v == "1");
    let man_stale = crate::docs::check_man_dir(&env, bless);
    let mut stale = Vec::new();
    for (path, args) in files {
        let fresh = env.vault(args).ok().stdout;
        assert!(fresh.len() > 500, "{args:?} printed too little");
        let file = repo().join(path);
        if std::fs::read(&file).ok().as_deref() != Some(&fresh[..]) {
            if bless {
                std::fs::create_dir_all(file.parent().unwrap()).unwrap();
                std::fs::write(&file, &fresh).unwrap();
            } else {
                stale.push(path);
            }
        }
    }
    stale.extend(man_stale.iter().map(String::as_str));
    assert!(
        stale.is_empty(),
        "stale generated files {stale:?}; refresh them with: {REFRESH}"
    );
}

#[test]
fn man_page_describes_every_command() {
    let env = Env::new(Backend::Sqlite);
    let page = env.vault(&["man"]).ok().stdout_str();
    assert!(page.starts_with(".ie"), "{}", &page[..40.min(page.len())]);
    assert!(page.contains(".TH VAULT 1"));
    for cmd in [
        "init",
        "put",
        "get",
        "ls",
        "rm",
        "completions",
        "env",
        "run",
        "import",
        "export",
        "man",
    ] {
        assert!(
            page.contains(&format!("vault\\-{cmd}(1)")) || page.contains(&format!("\n{cmd}\n")),
            "{cmd}"
        );
    }
    assert!(page.contains("Exit codes"));
}

#[test]
fn zsh_loads_the_dynamic_registration() {
    if !have("zsh") {
        return; // CI installs zsh; a developer machine may not have it
    }
    let env = Env::new(Backend::Sqlite);
    let out = output(tool(
        &env,
        "zsh",
        &[
            "-fc",
            "autoload -U compinit && compinit -u && source <(COMPLETE=zsh \"$VAULT\") && print -r -- ${_comps[vault]}",
        ],
    ));
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.stderr, "");
    assert_eq!(out.stdout_str().trim(), "_clap_dynamic_completer_vault");
    // And the completer it registers answers like bash's.
    env.init();
    env.put("db/password", b"v");
    let mut c = tool(&env, env!("CARGO_BIN_EXE_vault"), &["--", "vault", "get", "db/"]);
    c.env("COMPLETE", "zsh")
        .env("_CLAP_COMPLETE_INDEX", "2")
        .env("_CLAP_IFS", "\n");
    let out = output(c);
    assert_eq!(out.stderr, "");
    assert_eq!(out.stdout_str().trim(), "db/password");
}

#[test]
fn help_is_plain_when_piped_or_no_color() {
    let env = Env::new(Backend::Sqlite);
    for (k, v) in [("NO_COLOR", "1"), ("TERM", "xterm-256color")] {
        let out = env.vault(&["run", "--help"]).env(k, v).ok();
        assert!(!out.stdout.contains(&0x1b), "escape codes in help");
        assert!(out.stdout_str().contains("--pristine"));
    }
}

#[test]
fn export_warns_only_on_a_terminal() {
    if !have("script") {
        return; // util-linux `script` gives the command a terminal
    }
    let env = Env::new(Backend::Sqlite);
    env.init();
    env.put("k", b"v");
    let out = output(tool(&env, "script", &["-qec", "\"$VAULT\" export", "/dev/null"]));
    assert_eq!(out.code, 0, "{}", out.stderr);
    let shown = out.stdout_str();
    assert!(
        shown.contains("vault: warning: printing secret values in plaintext"),
        "{shown}"
    );
    assert!(shown.contains("k='v'"), "{shown}");
    let piped = env.vault(&["export"]).ok();
    assert_eq!(
        (piped.stdout_str().as_str(), piped.stderr.as_str()),
        ("k='v'\n", "")
    );
}
