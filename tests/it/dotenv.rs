//! dotenv import and export against other parsers.
//!
//! `parse_cases` is a table: each input as `vault import` reads it, with what
//! the peers read beside it (python-dotenv 1.2, motdotla/dotenv, dotenvy,
//! bkeepers/dotenv; from their test suites and documentation). The
//! python-dotenv column is checked against python-dotenv itself, run for
//! real, so the table cannot drift from the peer it quotes. `export_*` write
//! hostile values and read them back with vault and python-dotenv.
//!
//! CI installs python-dotenv (`pip install python-dotenv`); without it the
//! tests fail rather than skip.

use std::io::Write;
use std::process::{Command, Stdio};

use serde_json::{Map, Value};

use crate::both;
use crate::harness::{Backend, Env};

both!(export_reads_back_in_vault_and_python_dotenv);

/// What vault reads from one input: the entries, or an import error (exit 2)
/// containing the text.
enum Vault {
    Reads(&'static [(&'static str, &'static str)]),
    Refuses(&'static str),
}
use Vault::*;

/// One input, vault's reading, python-dotenv's (`None` for a key without a
/// value), and a note on the other peers.
struct Case {
    input: &'static str,
    vault: Vault,
    python: &'static [(&'static str, Option<&'static str>)],
    peers: &'static str,
}

const CASES: &[Case] = &[
    Case {
        input: "a=b",
        vault: Reads(&[("a", "b")]),
        python: &[("a", Some("b"))],
        peers: "all: b",
    },
    Case {
        input: "a = b",
        vault: Reads(&[("a", "b")]),
        python: &[("a", Some("b"))],
        peers: "all: b",
    },
    Case {
        input: "export a=b",
        vault: Reads(&[("a", "b")]),
        python: &[("a", Some("b"))],
        peers: "all: b",
    },
    Case {
        input: " a=b",
        vault: Reads(&[("a", "b")]),
        python: &[("a", Some("b"))],
        peers: "all: b",
    },
    Case {
        input: "a=b # comment",
        vault: Reads(&[("a", "b")]),
        python: &[("a", Some("b"))],
        peers: "all: b",
    },
    Case {
        input: "a=b#c",
        vault: Reads(&[("a", "b#c")]),
        python: &[("a", Some("b#c"))],
        peers: "dotenvy, bkeepers: b#c; motdotla: b",
    },
    Case {
        input: "a=x \t# c",
        vault: Reads(&[("a", "x")]),
        python: &[("a", Some("x"))],
        peers: "all: x",
    },
    Case {
        input: "a=b space ",
        vault: Reads(&[("a", "b space")]),
        python: &[("a", Some("b space"))],
        peers: "all: trimmed",
    },
    Case {
        input: "a='b c'",
        vault: Reads(&[("a", "b c")]),
        python: &[("a", Some("b c"))],
        peers: "all: b c",
    },
    Case {
        input: "a=\"b c\"",
        vault: Reads(&[("a", "b c")]),
        python: &[("a", Some("b c"))],
        peers: "all: b c",
    },
    Case {
        input: "a=\"b\\nc\"",
        vault: Reads(&[("a", "b\nc")]),
        python: &[("a", Some("b\nc"))],
        peers: "all: a line break",
    },
    Case {
        input: "a='b\\nc'",
        vault: Reads(&[("a", "b\\nc")]),
        python: &[("a", Some("b\\nc"))],
        peers: "motdotla, dotenvy, bkeepers: literal",
    },
    Case {
        input: "a=\"\\t\"",
        vault: Reads(&[("a", "\t")]),
        python: &[("a", Some("\t"))],
        peers: "dotenvy: tab",
    },
    Case {
        input: "a=\"x\\\"y\"",
        vault: Reads(&[("a", "x\"y")]),
        python: &[("a", Some("x\"y"))],
        peers: "all: x\"y",
    },
    Case {
        input: "# c\na=1",
        vault: Reads(&[("a", "1")]),
        python: &[("a", Some("1"))],
        peers: "all: comment skipped",
    },
    Case {
        input: "a=\"multi\nline\"",
        vault: Reads(&[("a", "multi\nline")]),
        python: &[("a", Some("multi\nline"))],
        peers: "motdotla, dotenvy: multi-line",
    },
    Case {
        input: "a='multi\nline'",
        vault: Reads(&[("a", "multi\nline")]),
        python: &[("a", Some("multi\nline"))],
        peers: "motdotla, dotenvy: multi-line",
    },
    Case {
        input: "a=",
        vault: Reads(&[("a", "")]),
        python: &[("a", Some(""))],
        peers: "all: empty",
    },
    Case {
        input: "a='x' # c",
        vault: Reads(&[("a", "x")]),
        python: &[("a", Some("x"))],
        peers: "all: x",
    },
    Case {
        input: "a=b\\",
        vault: Reads(&[("a", "b\\")]),
        python: &[("a", Some("b\\"))],
        peers: "unquoted: no escapes",
    },
    // Line endings: a bare CR ends a line, CRLF inside quotes is LF (issue 13).
    Case {
        input: "a=b\rc=d",
        vault: Reads(&[("a", "b"), ("c", "d")]),
        python: &[("a", Some("b")), ("c", Some("d"))],
        peers: "all split",
    },
    Case {
        input: "a=b\r\nc=d",
        vault: Reads(&[("a", "b"), ("c", "d")]),
        python: &[("a", Some("b")), ("c", Some("d"))],
        peers: "all split",
    },
    Case {
        input: "a='b\r\nc'",
        vault: Reads(&[("a", "b\nc")]),
        python: &[("a", Some("b\nc"))],
        peers: "motdotla: b\\nc (normalises first)",
    },
    Case {
        input: "a=\"b\r\nc\"",
        vault: Reads(&[("a", "b\nc")]),
        python: &[("a", Some("b\nc"))],
        peers: "motdotla: b\\nc",
    },
    Case {
        input: "a=\"b\rc\"",
        vault: Reads(&[("a", "b\nc")]),
        python: &[("a", Some("b\nc"))],
        peers: "motdotla: b\\nc",
    },
    // A byte-order mark is not part of the first key (python-dotenv keeps it: a peer quirk).
    Case {
        input: "\u{feff}a=b",
        vault: Reads(&[("a", "b")]),
        python: &[("\u{feff}a", Some("b"))],
        peers: "motdotla, dotenvy: a=b",
    },
    // `KEY=   # note` is empty by the comment rule (python-dotenv: "# note", a peer quirk).
    Case {
        input: "a=   # note",
        vault: Reads(&[("a", "")]),
        python: &[("a", Some("# note"))],
        peers: "motdotla, dotenvy: empty",
    },
    Case {
        input: "a=#x",
        vault: Reads(&[("a", "#x")]),
        python: &[("a", Some("#x"))],
        peers: "dotenvy: #x; motdotla: empty",
    },
    // Dialect differences: vault never expands, and refuses what it cannot read.
    Case {
        input: "a=${HOME}x",
        vault: Reads(&[("a", "${HOME}x")]),
        python: &[("a", Some("/nonexistent-home/x"))],
        peers: "python-dotenv, dotenvy expand",
    },
    Case {
        input: "a='${X}'",
        vault: Reads(&[("a", "${X}")]),
        python: &[("a", Some(""))],
        peers: "python-dotenv expands in single quotes too",
    },
    Case {
        input: "a",
        vault: Refuses("line 1: expected KEY=VALUE"),
        python: &[("a", None)],
        peers: "python-dotenv: a key without value",
    },
    Case {
        input: "a#b=c",
        vault: Reads(&[("a#b", "c")]),
        python: &[("a", None)],
        peers: "python-dotenv: key a, no value (so export refuses such keys)",
    },
    Case {
        input: "a='open",
        vault: Refuses("line 1: the single quote is never closed"),
        python: &[],
        peers: "python-dotenv: warns, skips",
    },
];

/// What python-dotenv (default settings) reads from each input, as written
/// to a file (it opens files with universal newlines).
fn python_dotenv(inputs: &[&str]) -> Vec<Map<String, Value>> {
    let script = r#"
import json, os, sys, tempfile, dotenv
out = []
for text in json.load(sys.stdin):
    fd, path = tempfile.mkstemp()
    with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
        f.write(text)
    out.append(dict(dotenv.dotenv_values(path)))
    os.unlink(path)
json.dump(out, sys.stdout)
"#;
    let mut py = Command::new("python3")
        .args(["-c", script])
        .env("HOME", "/nonexistent-home/")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python3");
    let input = serde_json::to_vec(inputs).unwrap();
    py.stdin.take().unwrap().write_all(&input).unwrap();
    let out = py.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "python-dotenv is not installed (CI: pip install python-dotenv): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn parse_cases() {
    let env = Env::new(Backend::Sqlite);
    env.init();
    let inputs: Vec<&str> = CASES.iter().map(|c| c.input).collect();
    let python = python_dotenv(&inputs);
    for (i, case) in CASES.iter().enumerate() {
        // The python-dotenv column is what python-dotenv really reads.
        let expected: Map<String, Value> = case
            .python
            .iter()
            .map(|(k, v)| (k.to_string(), v.map(Value::from).unwrap_or(Value::Null)))
            .collect();
        assert_eq!(
            python[i], expected,
            "python-dotenv column of {:?} ({})",
            case.input, case.peers
        );
        // And vault's.
        let prefix = format!("c{i}/");
        match case.vault {
            Reads(pairs) => {
                env.vault(&["import", "-", "--prefix", &prefix])
                    .stdin(case.input.as_bytes())
                    .ok();
                let json = env.vault(&["export", "--format", "json", &prefix]).ok().stdout;
                let got: Map<String, Value> = serde_json::from_slice(&json).unwrap();
                let want: Map<String, Value> = pairs
                    .iter()
                    .map(|(k, v)| (format!("{prefix}{k}"), Value::from(*v)))
                    .collect();
                assert_eq!(got, want, "vault reading {:?}", case.input);
            }
            Refuses(needle) => {
                env.vault(&["import", "-", "--prefix", &prefix])
                    .stdin(case.input.as_bytes())
                    .fails(2, &format!("stdin {needle}"));
            }
        }
    }
}

/// Values that python-dotenv and vault both read back exactly once written
/// by `export`, each next to a double-quoted value (a value ending in a
/// backslash used to swallow the next one in python-dotenv).
const EXACT: &[(&str, &str)] = &[
    ("e/01", "C:\\dir\\"),
    ("e/02", "say \"hi\""),
    ("e/03", "it's"),
    ("e/04", "back\\slash"),
    ("e/05", "a\nb\r\nc\rd"),
    ("e/06", "$HOME `id` $(x) ${X ${X:y} $"),
    ("e/07", " spaces "),
    ("e/08", "# hash"),
    ("e/09", "x #y"),
    ("e/10", "ünï ✓ \u{a0}nbsp\u{a0}"),
    ("e/11", "tab\there"),
    ("e/12", "'quoted'"),
    ("e/13", "\"dq\""),
    ("e/14", "\\'\\\"\\\\"),
    ("e/15", ""),
    ("e/16", "ends\\"),
    ("e/17", "it's \\"),
    ("e/18", "\\a\\b\\f\\v\\x41\\u0041"),
    ("e/19", "say \"hi\""),
];

fn export_reads_back_in_vault_and_python_dotenv(env: &Env) {
    env.init();
    for (name, value) in EXACT {
        env.put(name, value.as_bytes());
    }
    let dump = env.vault(&["export", "e/"]).ok().stdout;
    // python-dotenv reads every value byte for byte.
    let dumped = String::from_utf8(dump.clone()).unwrap();
    let python = python_dotenv(&[dumped.as_str()]);
    for (name, value) in EXACT {
        assert_eq!(
            python[0].get(*name),
            Some(&Value::from(*value)),
            "python-dotenv {name} in\n{dumped}"
        );
    }
    assert_eq!(python[0].len(), EXACT.len());
    // So does vault, into another vault.
    let other = Env::new(env.backend);
    other.init();
    other.vault(&["import", "-"]).stdin(&dump).ok();
    for (name, value) in EXACT {
        assert_eq!(other.get(name), value.as_bytes(), "{name}");
    }
    // What no quoting can carry through python-dotenv is refused by name, before any output.
    for (name, value, why) in [
        (
            "r/expands",
            "${X}",
            "holds ${…}, which python-dotenv would expand",
        ),
        ("r/default", "a${X:-d}b", "holds ${…}"),
        ("r/empty", "${}", "holds ${…}"),
        ("r/lead", " x\\", "ends in a backslash"),
        ("r/multi", "a\nb\\", "ends in a backslash"),
    ] {
        env.put(name, value.as_bytes());
        env.vault(&["export", "r/"])
            .fails(2, &format!("the value of secret \"{name}\" {why}"));
        env.vault(&["env", "--format", "dotenv", name])
            .fails(2, &format!("the value of secret \"{name}\" {why}"));
        // JSON carries it.
        let json = env.vault(&["export", "--format", "json", "r/"]).ok().stdout;
        let map: Map<String, Value> = serde_json::from_slice(&json).unwrap();
        assert_eq!(map[name], *value);
        env.vault(&["rm", name]).ok();
    }
    // Keys python-dotenv would cut short.
    env.put("k#1", b"v");
    env.vault(&["export", "k"])
        .fails(2, "secret \"k#1\" cannot be a dotenv key");
}
