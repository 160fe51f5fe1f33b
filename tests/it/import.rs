//! `vault import` of files larger than one chunk (the import seals and
//! writes 512 entries at a time, in one transaction): everything arrives,
//! and a mistake anywhere, the last chunk included, stores nothing.

use crate::both;
use crate::harness::Env;

/// Twenty chunks of 512 entries (the last one partly filled).
const ENTRIES: usize = 10_000;

both!(
    a_file_of_many_chunks_imports_fully,
    a_mistake_in_the_last_chunk_stores_nothing,
    no_overwrite_in_a_later_chunk_stores_nothing,
    importing_again_replaces_every_chunk,
    the_first_problem_in_file_order_is_reported,
);

/// `KEY_i=value-i` lines, with a multi-line quoted value now and then.
fn dotenv(n: usize) -> String {
    let mut text = String::with_capacity(n * 24);
    for i in 0..n {
        if i % 1000 == 7 {
            text.push_str(&format!("K_{i}=\"multi\nline {i}\"\n"));
        } else {
            text.push_str(&format!("K_{i}=value-{i}\n"));
        }
    }
    text
}

fn versions(env: &Env) -> usize {
    env.scalar(&format!("SELECT count(*) FROM {}", env.table("versions")))
        .parse()
        .unwrap()
}

fn import(env: &Env, text: &str, extra: &[&str]) -> crate::harness::Run {
    let file = env.home.path().join("big.env");
    std::fs::write(&file, text).unwrap();
    let mut args = vec!["import"];
    args.extend_from_slice(extra);
    args.push(file.to_str().unwrap());
    env.vault(&args)
}

fn a_file_of_many_chunks_imports_fully(env: &Env) {
    env.init();
    env.put("K_5000", b"old");
    let out = import(env, &dotenv(ENTRIES), &[]).ok();
    assert!(
        out.stderr.contains(&format!(
            "imported {ENTRIES} secret(s): {} created, 1 updated",
            ENTRIES - 1
        )),
        "{}",
        out.stderr
    );
    assert_eq!(env.db().count(), ENTRIES);
    // One version per entry, plus the archived value of the one replaced.
    assert_eq!(versions(env), ENTRIES + 1);
    for i in [0, 511, 512, 1023, 1024, 5000, 8191, 8192, ENTRIES - 1] {
        assert_eq!(
            env.get(&format!("K_{i}")),
            format!("value-{i}").as_bytes(),
            "K_{i}"
        );
    }
    assert_eq!(env.get("K_9007"), b"multi\nline 9007");
    // Each is a signed version whose operation is "import".
    let h = env.vault(&["history", "K_9999", "--json"]).ok().stdout;
    let h: serde_json::Value = serde_json::from_slice(&h).unwrap();
    assert_eq!(h[0]["op"], "import", "{h}");
    assert_eq!(h[0]["verified"], true, "{h}");
    let h = env.vault(&["history", "K_5000", "--json"]).ok().stdout;
    let h: serde_json::Value = serde_json::from_slice(&h).unwrap();
    assert_eq!(h.as_array().unwrap().len(), 2, "{h}");
}

fn a_mistake_in_the_last_chunk_stores_nothing(env: &Env) {
    env.init();
    env.put("K_1", b"original");
    let (rows, kept) = (env.db().count(), versions(env));
    let good = dotenv(ENTRIES);
    // The line of an entry appended to `good`, and of entry K_i in it.
    let last = good.lines().count() + 1;
    let line_of = |i: usize| i + 1 + (0..i).filter(|j| j % 1000 == 7).count();
    let big = "x".repeat(1024 * 1024 + 1);
    let cases = [
        (
            format!("{good}this line is wrong\n"),
            format!("line {last}: expected KEY=VALUE"),
        ),
        (format!("{good}bad name=1\n"), format!("line {last}")),
        (
            format!("{good}-x=1\n"),
            format!("line {last}: invalid secret name"),
        ),
        (
            format!("{good}K_9000=again\n"),
            format!(
                "line {last}: \"K_9000\" is given more than once (first line {})",
                line_of(9000)
            ),
        ),
        (
            format!("{good}K_3=again\n"),
            format!(
                "line {last}: \"K_3\" is given more than once (first line {})",
                line_of(3)
            ),
        ),
        (
            format!("{good}B=\"never closed\n"),
            format!("line {last}: the double quote is never closed"),
        ),
        (
            format!("{good}BIG={big}\n"),
            format!("line {last}: the value is 1048577 bytes, over the limit"),
        ),
    ];
    for (text, needle) in &cases {
        import(env, text, &[]).fails(2, needle);
        assert_eq!((env.db().count(), versions(env)), (rows, kept), "{needle}");
    }
    let mut bytes = good.into_bytes();
    bytes.extend_from_slice(b"B=\xff\n");
    let file = env.home.path().join("bad.env");
    std::fs::write(&file, &bytes).unwrap();
    env.vault(&["import", file.to_str().unwrap()])
        .fails(2, &format!("line {last}: not UTF-8 text"));
    assert_eq!((env.db().count(), versions(env)), (rows, kept));
    assert_eq!(env.get("K_1"), b"original");
}

fn no_overwrite_in_a_later_chunk_stores_nothing(env: &Env) {
    env.init();
    env.put("K_9999", b"mine");
    let (rows, kept) = (env.db().count(), versions(env));
    import(env, &dotenv(ENTRIES), &["--no-overwrite"])
        .fails(4, "\"K_9999\" already exists; nothing was changed");
    assert_eq!((env.db().count(), versions(env)), (rows, kept));
    assert_eq!(env.get("K_9999"), b"mine");
}

/// The import seals the next chunk ahead as new secrets while it writes
/// the current one; a second import of the same names replaces them all,
/// so every value sealed ahead is sealed again for the existing row and its
/// next version, and must open as that (not as a new row's version 1).
fn importing_again_replaces_every_chunk(env: &Env) {
    const N: usize = 3_000;
    env.init();
    import(env, &dotenv(N), &[]).ok();
    // A description given once is kept by every later replace.
    env.vault(&["put", "K_700", "--description", "seven hundred"])
        .stdin(b"described")
        .ok();
    let again: String = (0..N).map(|i| format!("K_{i}=again-{i}\n")).collect();
    let out = import(env, &again, &[]).ok();
    assert!(
        out.stderr
            .contains(&format!("imported {N} secret(s): 0 created, {N} updated")),
        "{}",
        out.stderr
    );
    assert_eq!(env.db().count(), N);
    assert_eq!(versions(env), 2 * N + 1, "K_700 has three");
    for i in [0, 511, 512, 1023, 1024, 2047, 2048, N - 1] {
        assert_eq!(
            env.get(&format!("K_{i}")),
            format!("again-{i}").as_bytes(),
            "K_{i}"
        );
        let h = env.vault(&["history", &format!("K_{i}"), "--json"]).ok().stdout;
        let h: serde_json::Value = serde_json::from_slice(&h).unwrap();
        assert_eq!(h.as_array().unwrap().len(), 2, "{h}");
        assert_eq!(h[0]["verified"], true, "{h}");
    }
    assert_eq!(env.db().row("K_700").description, "seven hundred");
    // A third time, keeping two versions: every secret drops its first.
    let third: String = (0..N).map(|i| format!("K_{i}=third-{i}\n")).collect();
    import(env, &third, &[]).env("VAULT_KEEP_VERSIONS", "2").ok();
    assert_eq!(versions(env), 2 * N);
    for i in [0, 700, 1024, N - 1] {
        let name = format!("K_{i}");
        assert_eq!(env.get(&name), format!("third-{i}").as_bytes(), "{name}");
        let h = env.vault(&["history", &name, "--json"]).ok().stdout;
        let h: serde_json::Value = serde_json::from_slice(&h).unwrap();
        let kept: Vec<u64> = h
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["version"].as_u64().unwrap())
            .collect();
        let newest = if i == 700 { 4 } else { 3 };
        assert_eq!(kept, [newest, newest - 1], "{name}: {h}");
        assert_eq!(
            env.vault(&["get", &name, "--version", &(newest - 1).to_string()])
                .ok()
                .stdout,
            format!("again-{i}").into_bytes(),
            "{name}"
        );
    }
    assert_eq!(env.db().row("K_700").description, "seven hundred");
}

/// The import reads and seals chunks ahead of the one it writes; a problem
/// found ahead (a bad line in the next chunk) must not hide an
/// earlier one that only the database shows (a name that exists, with
/// --no-overwrite): the first in file order is reported.
fn the_first_problem_in_file_order_is_reported(env: &Env) {
    env.init();
    env.put("K_10", b"mine");
    let (rows, kept) = (env.db().count(), versions(env));
    // 1 KB values: the first chunk (512 entries) is read with the reader's
    // first three 256 KiB blocks; the bad line, 900 KB in, lies beyond them,
    // in the second chunk, which is read ahead while the first is written.
    let value = "v".repeat(1000);
    let good: String = (0..900).map(|i| format!("K_{i}={value}\n")).collect();
    let text = format!("{good}this line is wrong\n");
    import(env, &text, &["--no-overwrite"]).fails(4, "\"K_10\" already exists; nothing was changed");
    assert_eq!((env.db().count(), versions(env)), (rows, kept));
    // Without --no-overwrite, the bad line is the first problem.
    import(env, &text, &[]).fails(2, "line 901: expected KEY=VALUE");
    assert_eq!((env.db().count(), versions(env)), (rows, kept));
    assert_eq!(env.get("K_10"), b"mine");
}
