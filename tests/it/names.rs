//! Names and values at their edges, and names written into the table by
//! other means (control characters) as `ls` shows them. Simple bad names and
//! the size limit by stdin are in basics.rs.

use crate::attack_util::*;
use crate::both;
use crate::harness::Env;

both!(
    edge_names,
    edge_values,
    prefix_is_not_a_pattern,
    control_characters_from_sql_are_escaped,
    many_names_list_whole_and_in_order
);

/// Many names (once more than SQLite's chunks of 10,000, and the keyset
/// paging between them): `ls` and `ls PREFIX` list every one, once, in
/// bytewise order.
fn many_names_list_whole_and_in_order(env: &Env) {
    env.init();
    let file = env.home.path().join("many.env");
    let mut text = String::new();
    for i in (0..25_003).rev() {
        text.push_str(&format!("K{i:05}=v\n"));
    }
    std::fs::write(&file, text).unwrap();
    env.vault(&["import", file.to_str().unwrap()]).ok();
    env.put("K1:odd/\u{e9}", b"v");
    let all = env.vault(&["ls"]).ok().stdout_str();
    let names: Vec<&str> = all.lines().collect();
    assert_eq!(names.len(), 25_004);
    let mut sorted = names.clone();
    sorted.sort_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
    sorted.dedup();
    assert_eq!(names, sorted, "not bytewise, or repeated");
    assert_eq!(names[0], "K00000");
    assert!(names.contains(&"K1:odd/\u{e9}"));
    let under = env.vault(&["ls", "K1"]).ok().stdout_str();
    assert_eq!(under.lines().count(), 10_001, "K10000..K19999 and the odd one");
    assert!(under.lines().all(|n| n.starts_with("K1")));
}

fn count(env: &Env) -> usize {
    env.db().count()
}

fn edge_names(env: &Env) {
    env.init();
    env.vault(&["put", "--", &"é".repeat(512)])
        .stdin(b"v")
        .fails(2, "longer than 256 bytes");
    env.vault(&["put", "--", "\t"])
        .stdin(b"v")
        .fails(2, "invalid secret name");
    env.vault(&["put", "--", "a\u{7f}b"])
        .stdin(b"v")
        .fails(2, "control character");
    env.vault(&["put", "--", "a\u{202e}b"])
        .stdin(b"v")
        .fails(2, "invisible formatting character");
    let out = env
        .vault(&["get", "--", "\u{1b}]0;pwned\u{7}"])
        .fails(2, "invalid secret name");
    assert!(
        !out.stderr.contains('\u{1b}'),
        "escape sequences are escaped: {:?}",
        out.stderr
    );
    env.vault(&["get", "--", "-x"]).fails(2, "starts with '-'");
    env.vault(&["rm", "--", "-x"]).fails(2, "starts with '-'");
    // A NUL cannot even reach vault through argv (execve strings end at NUL).
    assert!(std::process::Command::new("true").arg("a\0b").status().is_err());
    // NFD/NFC and compatibility look-alikes: one row for one visible name.
    for (a, b) in [
        ("caf\u{e9}", "cafe\u{301}"),
        ("\u{c5}ngstr\u{f6}m", "\u{212b}ngstro\u{308}m"),
        ("\u{d55c}", "\u{1112}\u{1161}\u{11ab}"),
    ] {
        env.vault(&["put", a]).stdin(b"1").ok();
        env.vault(&["put", b]).stdin(b"2").ok();
        assert_eq!(env.vault(&["get", a]).ok().stdout, b"2");
        env.vault(&["rm", b]).ok();
        env.vault(&["get", a]).fails(3, "no secret named");
    }
    assert_eq!(count(env), 0);
    // Quotes, backslashes and shell metacharacters are refused in new names
    // (they can still be read and removed when written by other means).
    for n in [
        "o'brien",
        "a\"b",
        "x;DROP_TABLE_secrets;--",
        "back\\slash",
        "$1",
        "a|b",
        "$(id)",
        "`id`",
    ] {
        env.vault(&["put", n])
            .stdin(b"v")
            .fails(2, "which shells treat specially");
    }
    // SQL and LIKE metacharacters that remain are characters.
    let names = [
        "100%",
        "a_b",
        "{}",
        "x--DROP_TABLE_secrets",
        "a:b=c",
        "star*",
        "q?mark",
        "[x]",
    ];
    for (i, n) in names.iter().enumerate() {
        env.vault(&["put", n]).stdin(format!("v{i}").as_bytes()).ok();
    }
    for (i, n) in names.iter().enumerate() {
        assert_eq!(
            env.vault(&["get", n]).ok().stdout,
            format!("v{i}").into_bytes(),
            "{n}"
        );
    }
    assert_eq!(count(env), names.len());
    let max = "n".repeat(256);
    env.vault(&["put", &max]).stdin(b"max").ok();
    assert_eq!(env.get(&max), b"max");
}

fn edge_values(env: &Env) {
    env.init();
    let all_bytes: Vec<u8> = (0..=255u8).cycle().take(4096).collect();
    let values: Vec<(&str, Vec<u8>)> = vec![
        ("empty", vec![]),
        ("newline", b"\n".to_vec()),
        ("crlf", b"a\r\n".to_vec()),
        ("nul", b"\0".to_vec()),
        ("nuls", vec![0; 1000]),
        ("bad-utf8", b"\xc3\x28\xff\xfe".to_vec()),
        ("all-bytes", all_bytes),
        ("header-lookalike", b"vault-secret v1\nid x\n\n".to_vec()),
    ];
    for (n, v) in &values {
        env.put(n, v);
    }
    for (n, v) in &values {
        assert_eq!(&env.get(n), v, "{n}");
    }
    // The limit through --file as well: exactly 1 MiB is stored, one more byte is refused.
    let f = env.home.path().join("v.bin");
    std::fs::write(&f, vec![b'\0'; 1024 * 1024]).unwrap();
    env.vault(&["put", "limit", "--file", f.to_str().unwrap()]).ok();
    std::fs::write(&f, vec![b'\0'; 1024 * 1024 + 1]).unwrap();
    env.vault(&["put", "limit", "--file", f.to_str().unwrap()])
        .fails(2, "over the limit");
    env.vault(&["put", "over", "--file", f.to_str().unwrap()])
        .fails(2, "over the limit");
    assert_eq!(env.get("limit"), vec![0; 1024 * 1024]);
    env.vault(&["get", "over"]).fails(3, "no secret named");
    // Much more than the limit on stdin is refused without reading it all.
    env.vault(&["put", "over"])
        .stdin(&vec![b'x'; 8 * 1024 * 1024])
        .fails(2, "over the limit");
    assert_eq!(count(env), values.len() + 1);
}

fn prefix_is_not_a_pattern(env: &Env) {
    env.init();
    for n in ["abc", "a%c", "a_c", "ab", "A"] {
        env.put(n, b"v");
    }
    assert_eq!(env.vault(&["ls", "a%"]).ok().stdout_str(), "a%c\n");
    assert_eq!(env.vault(&["ls", "a_"]).ok().stdout_str(), "a_c\n");
    assert_eq!(env.vault(&["ls", "a"]).ok().stdout_str(), "a%c\na_c\nab\nabc\n");
    assert_eq!(env.vault(&["ls", "'"]).ok().stdout_str(), "");
}

/// Names written by SQL (not through vault) with control characters: piped
/// `ls` shows them escaped, `--json` keeps them raw but JSON-escaped, and the
/// terminal table escapes them (run under `script` for a pty).
fn control_characters_from_sql_are_escaped(env: &Env) {
    env.init();
    env.put("plain", b"v");
    env.db().rename("plain", "red\u{1b}[31m\nx");
    let piped = env.vault(&["ls"]).ok().stdout_str();
    assert_eq!(piped, "\"red\\u{1b}[31m\\u{a}x\"\n");
    let json: serde_json::Value = serde_json::from_slice(&env.vault(&["ls", "--json"]).ok().stdout).unwrap();
    assert_eq!(json[0]["name"], "red\u{1b}[31m\nx");
    let raw = env.vault(&["ls", "--json"]).ok().stdout;
    assert!(!raw.contains(&0x1b), "JSON escapes the control character");
    // A terminal table.
    let out = shell(
        env,
        "script -qec 'stty cols 200 rows 50; \"$VAULT\" ls' /dev/null",
    )
    .output()
    .unwrap();
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{table}");
    assert!(table.contains("NAME"), "{table}");
    assert!(table.contains("red\\u{1b}[31m\\u{a}x"), "{table}");
    assert!(!table.contains("\u{1b}[31m"), "{table}");
    // The row cannot be reached by its name, but it cannot hide either.
    env.vault(&["get", "red\u{1b}[31m\nx"])
        .fails(2, "invalid secret name");
}
