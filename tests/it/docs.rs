//! The documentation generated from one source: the man pages under `man/`
//! (one per command, rendered by `vault man [SUBCOMMAND...]`), their
//! ENVIRONMENT and EXIT STATUS sections, and what `mandoc` thinks of them.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::harness::{Backend, Env};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn have(program: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {program}")])
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Every man page as the binary prints it, by file name: `vault man` and,
/// following each `vault-a-b(1)` it refers to, `vault man a b`. A page that
/// is referred to but cannot be printed fails the test.
pub fn generated_man_pages(env: &Env) -> BTreeMap<String, Vec<u8>> {
    let mut pages = BTreeMap::new();
    let mut todo = vec![Vec::<String>::new()];
    while let Some(words) = todo.pop() {
        let mut args = vec!["man"];
        args.extend(words.iter().map(String::as_str));
        let page = env.vault(&args).ok().stdout;
        let name = std::iter::once("vault")
            .chain(words.iter().map(String::as_str))
            .collect::<Vec<_>>()
            .join("-");
        let text = String::from_utf8(page.clone()).unwrap();
        let prefix = format!("{}\\-", name.replace('-', "\\-"));
        for reference in text.split(&prefix).skip(1) {
            // "put(1)" in a SUBCOMMANDS list: a page one level down.
            let Some((sub, _)) = reference.split_once("(1)") else {
                continue;
            };
            if !sub.is_empty() && sub.chars().all(|c| c.is_ascii_lowercase()) {
                let mut next = words.clone();
                next.push(sub.to_owned());
                if !todo.contains(&next) {
                    todo.push(next);
                }
            }
        }
        pages.insert(format!("{name}.1"), page);
    }
    pages
}

/// Compares `man/` with the generated pages (every page, and nothing else);
/// with `bless`, rewrites it instead. Returns the stale file names.
pub fn check_man_dir(env: &Env, bless: bool) -> Vec<String> {
    let pages = generated_man_pages(env);
    assert!(pages.len() > 10, "too few man pages: {:?}", pages.keys());
    let dir = repo().join("man");
    let mut stale = Vec::new();
    for (name, page) in &pages {
        let file = dir.join(name);
        if std::fs::read(&file).ok().as_deref() != Some(&page[..]) {
            if bless {
                std::fs::create_dir_all(&dir).unwrap();
                std::fs::write(&file, page).unwrap();
            } else {
                stale.push(format!("man/{name}"));
            }
        }
    }
    for entry in std::fs::read_dir(&dir).unwrap().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if !pages.contains_key(&name) {
            if bless {
                std::fs::remove_file(entry.path()).unwrap();
            } else {
                stale.push(format!("man/{name} (no such page any more)"));
            }
        }
    }
    stale
}

fn checked_in_pages() -> Vec<PathBuf> {
    let mut pages: Vec<PathBuf> = std::fs::read_dir(repo().join("man"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    pages.sort();
    pages
}

fn skip_without(tool: &str) -> bool {
    if have(tool) {
        return false;
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "{tool} is missing (scripts/test installs it)"
    );
    eprintln!("skipped: {tool} is not installed (scripts/test installs it)");
    true
}

/// `mandoc -T lint` (every level, style included) has nothing to say about
/// any checked-in page.
#[test]
fn man_pages_pass_mandoc_lint() {
    if skip_without("mandoc") {
        return;
    }
    let pages = checked_in_pages();
    assert!(pages.len() > 10);
    let out = Command::new("mandoc")
        .args(["-T", "lint", "-W", "style"])
        .args(&pages)
        .output()
        .unwrap();
    let report = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(report.is_empty() && out.status.success(), "{report}");
}

/// What `man -l man/vault.1` shows: `mandoc -T ascii` renders it.
fn rendered(page: &Path) -> String {
    let out = Command::new("mandoc")
        .args(["-T", "ascii", "-O", "width=80"])
        .arg(page)
        .output()
        .unwrap();
    assert!(out.status.success());
    // Drop overstrike (bold/underline) sequences: "c\x08c" and "_\x08c".
    let mut text = String::new();
    for c in String::from_utf8(out.stdout).unwrap().chars() {
        if c == '\u{8}' {
            text.pop();
        } else {
            text.push(c);
        }
    }
    text
}

/// The exit codes render as a list, one tagged paragraph per code in order,
/// each starting on its own line (not filled into one another), with the
/// conflicts that `vault run` raises among the situations of code 4.
#[test]
fn man_page_lists_exit_codes_and_environment() {
    if skip_without("mandoc") {
        return;
    }
    let text = rendered(&repo().join("man/vault.1"));
    let section = |name: &str| -> String {
        let start = text
            .find(&format!("\n{name}\n"))
            .unwrap_or_else(|| panic!("no {name} section:\n{text}"));
        let body = &text[start + name.len() + 2..];
        // Up to the next heading: a line starting in column 0.
        body.lines()
            .take_while(|l| !l.starts_with(|c: char| c.is_ascii_alphabetic()))
            .collect::<Vec<_>>()
            .join("\n")
    };
    let exit = section("EXIT STATUS");
    let tags: Vec<&str> = exit
        .lines()
        .filter_map(|l| l.strip_prefix("       "))
        .filter(|l| l.len() > 1 && l.as_bytes()[0].is_ascii_digit() && l.as_bytes()[1] == b' ')
        .collect();
    let codes: Vec<u8> = tags.iter().map(|l| l.as_bytes()[0] - b'0').collect();
    assert_eq!(codes, [0, 1, 2, 3, 4, 5, 6, 7, 8], "{exit}");
    assert!(
        tags[4]
            .trim_start_matches("4 ")
            .trim_start()
            .starts_with("conflict:"),
        "{exit}"
    );
    let flat = exit.split_whitespace().collect::<Vec<_>>().join(" ");
    for needle in [
        "already set in the environment (run without --override or --pristine)",
        "two selected secrets become the same variable (env, run)",
        "another vault rotate is running",
    ] {
        assert!(flat.contains(needle), "{needle:?} not in:\n{exit}");
    }

    let environment = section("ENVIRONMENT");
    for var in read_variables()
        .iter()
        .map(String::as_str)
        .chain(["COMPLETE", "NO_COLOR"])
    {
        assert!(
            environment.lines().any(|l| l.trim_start().starts_with(var)),
            "{var} is read by vault but not in vault(1)'s ENVIRONMENT:\n{environment}"
        );
    }
    let files = section("FILES");
    for file in ["identity.txt", "config.toml", "vault.db"] {
        assert!(files.contains(file), "{file}:\n{files}");
    }
}

/// Every `VAULT_*` name that appears as a string literal in `src/`, outside
/// unit tests.
fn read_variables() -> Vec<String> {
    fn walk(dir: &Path, out: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let source = std::fs::read_to_string(&path).unwrap();
                // Unit tests have knobs of their own (VAULT_BLESS).
                let code = source.split("#[cfg(test)]\nmod tests").next().unwrap();
                for piece in code.split("\"VAULT_").skip(1) {
                    let name: String = piece
                        .chars()
                        .take_while(|c| c.is_ascii_uppercase() || *c == '_')
                        .collect();
                    if piece[name.len()..].starts_with('"') {
                        out.push(format!("VAULT_{name}"));
                    }
                }
            }
        }
    }
    let mut names = Vec::new();
    walk(&repo().join("src"), &mut names);
    names.sort();
    names.dedup();
    assert!(names.len() >= 6, "{names:?}");
    names
}

/// `vault man` prints vault(1), a subcommand's page by its words, and
/// refuses an unknown one with a usage error.
#[test]
fn man_prints_a_page_per_command() {
    let env = Env::new(Backend::Sqlite);
    let root = env.vault(&["man"]).ok().stdout_str();
    assert!(root.contains(".TH VAULT 1 "), "{}", &root[..200.min(root.len())]);
    let add = env.vault(&["man", "member", "add"]).ok().stdout_str();
    assert!(add.contains(".TH VAULT-MEMBER-ADD 1 "), "{add}");
    assert!(add.contains("vault member add"), "{add}");
    assert!(add.contains("\\-\\-name"), "{add}");
    let out = env
        .vault(&["man", "member", "frobnicate"])
        .fails(2, "no man page");
    assert!(out.stderr.contains("vault member frobnicate"), "{}", out.stderr);
}
