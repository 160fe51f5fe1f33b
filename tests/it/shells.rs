//! Real shells, typed into through tmux (a pseudo-terminal): live completion
//! in bash (with bash-completion), zsh (compinit) and fish, asserting the
//! command that actually runs; the static bash script; shellcheck; `vault
//! env` output evaluated by dash, bash, zsh, busybox sh and fish; and the
//! variables `run` and `env` refuse to set unless named.
//!
//! CI installs every tool used here (see the README's Testing section); a
//! missing one fails the test rather than skipping it.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::both;
use crate::harness::{Backend, Env, Out};
use crate::shell::{output, tool};

both!(
    dangerous_variables_need_their_secret_named,
    env_output_survives_every_shell
);

/// Fails (rather than skips) when a tool CI installs is missing.
fn need(program: &str) {
    let found = Command::new("sh")
        .args(["-c", &format!("command -v {program}")])
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    assert!(
        found,
        "{program} is not installed; CI installs it (apt-get install fish tmux shellcheck bash-completion busybox dash zsh)"
    );
}

// ---- completion through a terminal ----

/// One interactive shell in a private tmux server, 200x50.
struct Term {
    socket: PathBuf,
}

impl Term {
    fn start(env: &Env, cwd: &Path, argv: &[&str], extra: &[(&str, &str)]) -> Term {
        need("tmux");
        let socket = env.home.path().join("tmux.sock");
        let mut c = tool(env, "tmux", &["-S", socket.to_str().unwrap(), "-f", "/dev/null"]);
        c.args(["new-session", "-d", "-x", "200", "-y", "50", "-s", "t"])
            .args(argv)
            .current_dir(cwd)
            .env("TERM", "xterm-256color")
            // The shells find the binary as `vault` for completion.
            .env(
                "PATH",
                format!(
                    "{}:{}",
                    Path::new(env!("CARGO_BIN_EXE_vault")).parent().unwrap().display(),
                    std::env::var("PATH").unwrap_or_default()
                ),
            );
        for (k, v) in extra {
            c.env(k, v);
        }
        let out = output(c);
        assert_eq!(out.code, 0, "tmux: {}", out.stderr);
        Term { socket }
    }

    fn tmux(&self, args: &[&str]) -> Out {
        let mut c = Command::new("tmux");
        c.arg("-S").arg(&self.socket).args(args);
        output(c)
    }

    fn screen(&self) -> String {
        self.tmux(&["capture-pane", "-p", "-t", "t"]).stdout_str()
    }

    /// Waits until the screen shows `needle` (a prompt, typed text).
    fn wait_for(&self, needle: &str) {
        let start = Instant::now();
        while !self.screen().contains(needle) {
            assert!(
                start.elapsed() < Duration::from_secs(15),
                "never saw {needle:?} on the screen:\n{}",
                self.screen()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Types `text`, presses TAB, waits for the completion to settle, presses
    /// Enter, and returns what the `vault` stand-in recorded: each argument
    /// of the command that ran, in `<…>`.
    fn complete_and_run(&self, text: &str, record: &Path) -> String {
        let _ = std::fs::remove_file(record);
        self.tmux(&["send-keys", "-t", "t", "-l", text]);
        self.wait_for(text);
        let before = self.screen();
        self.tmux(&["send-keys", "-t", "t", "Tab"]);
        let start = Instant::now();
        while self.screen() == before && start.elapsed() < Duration::from_secs(5) {
            std::thread::sleep(Duration::from_millis(50));
        }
        std::thread::sleep(Duration::from_millis(300));
        let completed = self.screen();
        self.tmux(&["send-keys", "-t", "t", "Enter"]);
        let start = Instant::now();
        while !record.exists() {
            assert!(
                start.elapsed() < Duration::from_secs(10),
                "{text:?} + TAB + Enter ran nothing:\n{completed}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        // Let the stand-in finish writing and the prompt come back.
        std::thread::sleep(Duration::from_millis(250));
        std::fs::read_to_string(record).unwrap()
    }
}

impl Drop for Term {
    fn drop(&mut self) {
        let _ = self.tmux(&["kill-server"]);
    }
}

/// A vault holding names that shells mangle, and a directory with files
/// that glob patterns in those names would match.
fn hostile_names(env: &Env) -> PathBuf {
    env.init();
    for n in ["a:b", "x=y", "star*", "q?mark", "only/one"] {
        env.put(n, b"v");
    }
    // vault refuses to create this name; an attacker writes it with SQL.
    env.put("db/placeholder", b"v");
    env.db().rename("db/placeholder", "db/password;touch F");
    // And one no shell could type back: never offered.
    env.put("db/other", b"v");
    env.db().rename("db/other", "db/passw\u{1b}[2K");
    let work = env.home.path().join("work");
    std::fs::create_dir_all(&work).unwrap();
    for f in ["starfish", "qxmark", "my file.txt"] {
        std::fs::write(work.join(f), "").unwrap();
    }
    work
}

/// The completions every shell must get right: (typed, what runs).
const CASES: [(&str, &str); 6] = [
    ("vault get db/passw", "<get><db/password;touch F>"),
    ("vault get a:", "<get><a:b>"),
    ("vault get x=", "<get><x=y>"),
    ("vault get star", "<get><star*>"),
    ("vault rm q", "<rm><q?mark>"),
    ("vault put k --file my", "<put><k><--file><my file.txt>"),
];

fn check_cases(term: &Term, work: &Path, record: &Path, shell: &str) {
    for (typed, expected) in CASES {
        let got = term.complete_and_run(typed, record);
        assert_eq!(got, expected, "{shell}: {typed:?} + TAB");
    }
    assert!(!work.join("F").exists(), "{shell}: completion ran `touch F`");
}

#[test]
fn bash_live_completion_types_names_literally() {
    need("bash");
    assert!(
        Path::new("/usr/share/bash-completion/bash_completion").exists(),
        "the bash-completion package is not installed"
    );
    let env = Env::new(Backend::Sqlite);
    let work = hostile_names(&env);
    let record = env.home.path().join("ran");
    let rc = env.home.path().join("bashrc");
    std::fs::write(
        &rc,
        "source /usr/share/bash-completion/bash_completion\n\
         source <(COMPLETE=bash vault)\n\
         vault() { printf '<%s>' \"$@\" > \"$RECORD\"; }\n\
         PS1='ready$ '\n",
    )
    .unwrap();
    let term = Term::start(
        &env,
        &work,
        &["bash", "--noprofile", "--rcfile", rc.to_str().unwrap(), "-i"],
        &[("RECORD", record.to_str().unwrap())],
    );
    term.wait_for("ready$");
    check_cases(&term, &work, &record, "bash");
}

#[test]
fn bash_static_script_quotes_file_names() {
    need("bash");
    let env = Env::new(Backend::Sqlite);
    let work = hostile_names(&env);
    let record = env.home.path().join("ran");
    let rc = env.home.path().join("bashrc");
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("completions/vault.bash");
    std::fs::write(
        &rc,
        format!(
            "source /usr/share/bash-completion/bash_completion\n\
             source '{}'\n\
             vault() {{ printf '<%s>' \"$@\" > \"$RECORD\"; }}\n\
             PS1='ready$ '\n",
            script.display()
        ),
    )
    .unwrap();
    let term = Term::start(
        &env,
        &work,
        &["bash", "--noprofile", "--rcfile", rc.to_str().unwrap(), "-i"],
        &[("RECORD", record.to_str().unwrap())],
    );
    term.wait_for("ready$");
    let got = term.complete_and_run("vault put k --file my", &record);
    assert_eq!(got, "<put><k><--file><my file.txt>");
    let got = term.complete_and_run("vault imp", &record);
    assert_eq!(got, "<import>");
}

#[test]
fn zsh_live_completion_types_names_literally() {
    need("zsh");
    let env = Env::new(Backend::Sqlite);
    let work = hostile_names(&env);
    let record = env.home.path().join("ran");
    let zdot = env.home.path().join("zdot");
    std::fs::create_dir_all(&zdot).unwrap();
    std::fs::write(
        zdot.join(".zshrc"),
        "autoload -U compinit && compinit -u\n\
         source <(COMPLETE=zsh vault)\n\
         vault() { printf '<%s>' \"$@\" > \"$RECORD\" }\n\
         PS1='ready$ '\n",
    )
    .unwrap();
    let term = Term::start(
        &env,
        &work,
        &["zsh", "-i"],
        &[
            ("RECORD", record.to_str().unwrap()),
            ("ZDOTDIR", zdot.to_str().unwrap()),
        ],
    );
    term.wait_for("ready$");
    check_cases(&term, &work, &record, "zsh");
}

#[test]
fn fish_live_completion_types_names_literally() {
    need("fish");
    let env = Env::new(Backend::Sqlite);
    let work = hostile_names(&env);
    let record = env.home.path().join("ran");
    let init = "set -g fish_greeting; \
                function fish_prompt; echo -n 'ready$ '; end; \
                COMPLETE=fish vault | source; \
                function vault; printf '<%s>' $argv > $RECORD; end";
    let term = Term::start(
        &env,
        &work,
        &["fish", "--no-config", "-i", "-C", init],
        &[("RECORD", record.to_str().unwrap())],
    );
    term.wait_for("ready$");
    check_cases(&term, &work, &record, "fish");
}

#[test]
fn bash_scripts_are_shellcheck_clean() {
    need("shellcheck");
    let env = Env::new(Backend::Sqlite);
    let static_script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("completions/vault.bash");
    let live = env.home.path().join("live.bash");
    let registration = env.vault(&[]).env("COMPLETE", "bash").ok().stdout;
    std::fs::write(&live, &registration).unwrap();
    for script in [&static_script, &live] {
        let out = output(tool(
            &env,
            "shellcheck",
            &["--shell=bash", "--severity=style", script.to_str().unwrap()],
        ));
        assert_eq!(
            (out.code, out.stdout_str().as_str()),
            (0, ""),
            "shellcheck {}",
            script.display()
        );
    }
}

// ---- vault env in every shell ----

/// Values that break naive quoting in some shell.
const VALUES: [(&str, &str); 10] = [
    ("h/quote", "it's a \"quote\""),
    ("h/dollar", "$HOME ${PATH} $(id) $1"),
    ("h/backtick", "`id` \\`x\\`"),
    ("h/newline", "line one\nline two\n"),
    ("h/spaces", "  lead and trail  "),
    ("h/unicode", "ünïcødé ✓ 日本"),
    ("h/backslash", "a\\b\\\\c\\n\\"),
    ("h/empty", ""),
    ("h/fish", "\\'; touch X; #"),
    ("h/mixed", "'\"`$\\\n\t# not a comment = %s"),
];

fn env_output_survives_every_shell(env: &Env) {
    env.init();
    for (name, value) in VALUES {
        env.put(name, value.as_bytes());
    }
    let dir = env.home.path().join("evalwork");
    std::fs::create_dir_all(&dir).unwrap();
    let posix: [(&str, &[&str]); 4] = [
        ("dash", &["dash", "-c"]),
        ("bash", &["bash", "-c"]),
        ("zsh", &["zsh", "-fc"]),
        ("busybox sh", &["busybox", "sh", "-c"]),
    ];
    for (shell, argv) in posix {
        need(argv[0]);
        for (name, value) in VALUES {
            let var = name.to_uppercase().replace('/', "_");
            let script = format!("eval \"$(\"$VAULT\" env h/)\" || exit 9; printf %s \"${var}\"");
            let mut c = tool(env, argv[0], &argv[1..]);
            c.arg(&script).current_dir(&dir);
            let out = output(c);
            assert_eq!((out.code, out.stderr.as_str()), (0, ""), "{shell}");
            assert_eq!(out.stdout_str(), value, "{shell} {name}");
        }
    }
    need("fish");
    for (name, value) in VALUES {
        let var = name.to_uppercase().replace('/', "_");
        let script = format!(
            "$VAULT env --format fish h/ | source; or exit 9; printf %s \"${var}\"; and printenv {var} >/dev/null"
        );
        let mut c = tool(env, "fish", &["--no-config", "-c", &script]);
        c.current_dir(&dir);
        let out = output(c);
        assert_eq!((out.code, out.stderr.as_str()), (0, ""), "fish {name}");
        assert_eq!(out.stdout_str(), value, "fish {name}");
    }
    assert!(!dir.join("X").exists(), "a value ran code in fish");
    // The fish format is exact text, byte for byte.
    let out = env
        .vault(&["env", "--format", "fish", "h/fish", "h/backslash"])
        .ok();
    assert_eq!(
        out.stdout_str(),
        "set -gx H_BACKSLASH 'a\\\\b\\\\\\\\c\\\\n\\\\'\nset -gx H_FISH '\\\\\\'; touch X; #'\n"
    );
}

fn dangerous_variables_need_their_secret_named(env: &Env) {
    env.init();
    env.put("app/token", b"t");
    env.put("bash_env", b"$(touch pwned)");
    let dir = env.home.path().join("runwork");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("deploy.sh"), "printf 'deployed %s' \"$APP_TOKEN\"\n").unwrap();
    // Selected by "everything": refused, naming secret and variable; nothing runs.
    let mut c = tool(
        env,
        env!("CARGO_BIN_EXE_vault"),
        &["run", "--", "bash", "./deploy.sh"],
    );
    c.current_dir(&dir);
    let out = output(c);
    assert_eq!(out.code, 4, "{}", out.stderr);
    assert_eq!(out.stdout_str(), "");
    assert_eq!(
        out.stderr,
        "vault: secret \"bash_env\" would set BASH_ENV, a variable that decides what programs run or load; \
         nothing was set; name that secret explicitly (vault run --only bash_env) if you mean it, or rename it\n"
    );
    assert!(!dir.join("pwned").exists());
    env.vault(&["env"]).fails(4, "would set BASH_ENV");
    env.vault(&["env", "--format", "json"])
        .fails(4, "would set BASH_ENV");
    // Other secrets are unaffected; the named secret is the user's choice.
    let out = env
        .vault(&["run", "--only", "app/token", "--", "printenv", "APP_TOKEN"])
        .ok();
    assert_eq!(out.stdout_str(), "t\n");
    let out = env.vault(&["env", "bash_env"]).ok();
    assert_eq!(out.stdout_str(), "export BASH_ENV='$(touch pwned)'\n");
    let out = env
        .vault(&["run", "--only", "bash_env", "--", "printenv", "BASH_ENV"])
        .ok();
    assert_eq!(out.stdout_str(), "$(touch pwned)\n");
    env.vault(&["rm", "bash_env"]).ok();
    // The rest of the class, each by its own secret, selected by a prefix.
    for (secret, var) in [
        ("env", "ENV"),
        ("ld_preload", "LD_PRELOAD"),
        ("ld-library-path", "LD_LIBRARY_PATH"),
        ("dyld_insert_libraries", "DYLD_INSERT_LIBRARIES"),
        ("node_options", "NODE_OPTIONS"),
        ("pythonstartup", "PYTHONSTARTUP"),
        ("perl5opt", "PERL5OPT"),
        ("git_ssh_command", "GIT_SSH_COMMAND"),
        ("prompt_command", "PROMPT_COMMAND"),
        ("ifs", "IFS"),
        ("path", "PATH"),
        ("shellopts", "SHELLOPTS"),
        ("ps4", "PS4"),
        ("rubyopt", "RUBYOPT"),
        ("java_tool_options", "JAVA_TOOL_OPTIONS"),
        ("git_config_key_0", "GIT_CONFIG_KEY_0"),
    ] {
        env.put(secret, b"v");
        env.vault(&["env"]).fails(4, &format!("would set {var},"));
        env.vault(&["run", "--", "true"])
            .fails(4, &format!("secret \"{secret}\" would set {var},"));
        env.vault(&["env", secret]).ok();
        env.vault(&["rm", secret]).ok();
    }
}
