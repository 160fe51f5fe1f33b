//! Behaviour on a real terminal: the no-echo prompt (asked twice) and the
//! `ls` table. `script` (util-linux) gives the command a pseudo-terminal and
//! forwards what we type.

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::both;
use crate::harness::Env;

both!(prompt_asks_twice_without_echo, ls_on_a_terminal_is_a_table);

/// Runs `vault ARGS` on a pseudo-terminal, typing each of `lines` after a pause.
fn on_terminal(env: &Env, args: &str, lines: &[&str]) -> (i32, String) {
    let base = env.vault(&[]);
    let mut cmd = Command::new("script");
    cmd.env_clear();
    for (k, v) in base.cmd.get_envs() {
        if let Some(v) = v {
            cmd.env(k, v);
        }
    }
    let line = format!("stty cols 120; '{}' {args}", env!("CARGO_BIN_EXE_vault"));
    let mut child = cmd
        .args(["-qec", &line, "/dev/null"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("script(1) from util-linux");
    let mut stdin = child.stdin.take().unwrap();
    for l in lines {
        // The prompt turns echo off before reading; give it time to.
        std::thread::sleep(Duration::from_millis(400));
        stdin.write_all(format!("{l}\n").as_bytes()).unwrap();
    }
    std::thread::sleep(Duration::from_millis(200));
    drop(stdin);
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

fn prompt_asks_twice_without_echo(env: &Env) {
    env.init();
    let typed = "typed-S3CRET";
    let (code, screen) = on_terminal(env, "put db/password", &[typed, typed]);
    assert_eq!(code, 0, "{screen}");
    assert!(screen.contains("Value for db/password:"), "{screen}");
    assert!(screen.contains("Again, to confirm:"), "{screen}");
    assert!(!screen.contains(typed), "the value was echoed: {screen}");
    assert_eq!(env.get("db/password"), typed.as_bytes());

    let (code, screen) = on_terminal(env, "put db/password", &["one", "two"]);
    assert_eq!(code, 2, "{screen}");
    assert!(
        screen.contains("the two values differ; nothing was stored"),
        "{screen}"
    );
    assert_eq!(env.get("db/password"), typed.as_bytes(), "nothing lost");
}

fn ls_on_a_terminal_is_a_table(env: &Env) {
    env.init();
    env.vault(&["put", "db/password", "-d", "primary app database"])
        .stdin(b"x")
        .ok();
    let (code, screen) = on_terminal(env, "ls", &[]);
    assert_eq!(code, 0, "{screen}");
    for header in ["NAME", "DESCRIPTION", "KEY", "UPDATED"] {
        assert!(screen.contains(header), "{screen}");
    }
    assert!(
        screen.contains("db/password") && screen.contains("primary app database"),
        "{screen}"
    );
    // Names written into the database by other means cannot drive the terminal.
    env.db().rename("db/password", "evil\u{1b}[31m");
    let (_, screen) = on_terminal(env, "ls", &[]);
    assert!(
        !screen.contains('\u{1b}'),
        "raw escape reached the terminal: {screen:?}"
    );
    assert!(screen.contains("evil\\u{1b}[31m"), "{screen}");
}
