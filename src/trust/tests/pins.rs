//! Pins (rollback, fork, a replaced vault, fingerprints, pin files),
//! incremental verification, and the bench.

use std::os::unix::fs::PermissionsExt;

use super::*;

fn three_entry_log() -> (Actor, Log) {
    let alice = age_actor("alice");
    let mut log = Log::genesis(&alice);
    log.ok(&alice, Body::MemberAdded(spec(&age_actor("bob"))));
    log.ok(
        &alice,
        Body::KeyCurrent {
            key: new_key(),
            epoch: 2,
        },
    );
    (alice, log)
}

#[test]
fn a_rollback_against_the_pin_is_refused() {
    let (_, log) = three_entry_log();
    let pin = Pin::new("loc", log.state.clone());
    // Whole log, cut short.
    let e = verify_chain(&log.entries[..2], Some(&pin)).unwrap_err();
    assert!(matches!(e, TrustError::Rollback { pinned: 2, last: 1 }), "{e:?}");
    assert!(Error::from(e).to_string().contains("rollback"));
    // Incremental: the head is missing (nothing at or after it, or only later entries).
    assert!(matches!(pin.extend(&[]), Err(TrustError::Rollback { .. })));
    let pin1 = Pin::new("loc", verify_chain(&log.entries[..2], None).unwrap());
    assert!(matches!(
        pin1.extend(&log.entries[2..]),
        Err(TrustError::Rollback { .. })
    ));
    // The same head again is fine ("nothing new").
    assert_eq!(pin.extend(&log.entries[2..]).unwrap(), log.state);
}

#[test]
fn a_fork_against_the_pin_is_refused() {
    let (alice, log) = three_entry_log();
    let pin = Pin::new("loc", log.state.clone());
    // Another, equally valid entry 2 signed by a member.
    let mut other = Log {
        entries: log.entries[..2].to_vec(),
        state: verify_chain(&log.entries[..2], None).unwrap(),
    };
    other.ok(&alice, Body::MemberAdded(spec(&age_actor("carol"))));
    assert!(matches!(
        verify_chain(&other.entries, Some(&pin)),
        Err(TrustError::Fork { seq: 2 })
    ));
    assert!(matches!(
        pin.extend(&other.entries[2..]),
        Err(TrustError::Fork { seq: 2 })
    ));
    // A client pinned before the fork point cannot tell the branches apart:
    // it accepts whichever one it is shown first (see the threat model).
    let old_pin = Pin::new("loc", verify_chain(&log.entries[..2], None).unwrap());
    other.ok(&alice, removed(&alice));
    assert!(old_pin.extend(&other.entries[1..]).is_ok());
    assert!(old_pin.extend(&log.entries[1..]).is_ok());
}

#[test]
fn a_replaced_vault_and_a_wrong_fingerprint_are_refused() {
    let (_, log) = three_entry_log();
    let pin = Pin::new("loc", log.state.clone());
    let (_, fresh) = three_entry_log();
    let e = verify_chain(&fresh.entries, Some(&pin)).unwrap_err();
    assert!(matches!(e, TrustError::OtherVault { .. }), "{e:?}");
    let shown = Error::from(e).to_string();
    assert!(
        shown.contains("different vault") && shown.contains("remove"),
        "{shown}"
    );

    let expected = log.state.fingerprint();
    assert!(expected.expect(&log.state).is_ok());
    let e = expected.expect(&fresh.state).unwrap_err();
    let err = Error::from(e);
    assert_eq!(err.kind, Kind::Integrity);
    assert_eq!(err.kind.exit_code(), 6);
    assert!(err.to_string().contains("VAULT_FINGERPRINT"), "{err}");
}

#[test]
fn fingerprints_parse_and_print_like_ssh() {
    let (_, log) = three_entry_log();
    let fp = log.state.fingerprint();
    let text = fp.to_string();
    assert!(text.starts_with("SHA256:") && text.len() == 7 + 43, "{text}");
    assert_eq!(fp.0, log.entries[0].hash().0);
    assert_eq!(Fingerprint::parse(&format!(" {text}\n")).unwrap(), fp);
    for bad in [
        "",
        "SHA256:",
        "sha256:abc",
        &text[7..],
        &format!("{text}A"),
        "SHA256:\u{1b}[2J",
    ] {
        let e = Fingerprint::parse(bad).unwrap_err();
        assert_eq!(e.kind, Kind::Usage);
        assert!(!e.to_string().contains('\u{1b}'));
    }
}

#[test]
fn pins_are_private_files_that_only_move_forward() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o700)).unwrap();
    let store = PinStore::new(dir.path());
    let loc = "postgres://alice@db.example/vault";
    assert!(store.load(loc).unwrap().is_none());
    let (alice, mut log) = three_entry_log();
    let path = store.save(&Pin::new(loc, log.state.clone())).unwrap();
    assert_eq!(path, store.path_for(loc));
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let loaded = store.load(loc).unwrap().unwrap();
    assert_eq!(loaded.state, log.state);
    assert_eq!(loaded.path, path);
    assert!(store.load("sqlite:///other.db").unwrap().is_none());

    // Forward: saved. Backward (an older state): the newer pin is kept.
    let older = verify_chain(&log.entries[..2], None).unwrap();
    log.ok(&alice, Body::MemberAdded(spec(&age_actor("dave"))));
    store.save(&Pin::new(loc, log.state.clone())).unwrap();
    store.save(&Pin::new(loc, older)).unwrap();
    assert_eq!(store.load(loc).unwrap().unwrap().head().seq, 3);

    // A pin copied from another location, or damaged, is refused.
    let other = store.path_for("elsewhere");
    std::fs::copy(&path, &other).unwrap();
    std::fs::set_permissions(&other, std::fs::Permissions::from_mode(0o600)).unwrap();
    let e = store.load("elsewhere").unwrap_err();
    assert!(e.to_string().contains("another database"), "{e}");
    std::fs::write(&path, b"{\"format\":1}").unwrap();
    let e = store.load(loc).unwrap_err();
    assert!(e.to_string().contains("damaged"), "{e}");
}

#[test]
fn incremental_verification_checks_every_rule() {
    let (_, log) = three_entry_log();
    let pin = Pin::new("loc", verify_chain(&log.entries[..2], None).unwrap());
    let mallory = age_actor("mallory");
    let forged = Entry {
        seq: 2,
        prev: log.entries[1].hash(),
        author: mallory.recipient.clone(),
        time: 0,
        body: Body::MemberAdded(spec(&mallory)),
    }
    .sign(&mallory.key)
    .unwrap();
    let entries = [log.entries[1].clone(), forged];
    assert!(matches!(
        pin.extend(&entries),
        Err(TrustError::Unauthorised { seq: 2, .. })
    ));
}

#[test]
fn unreadable_entries_are_named_by_position() {
    let (_, log) = three_entry_log();
    let mut rows: Vec<Vec<u8>> = log.entries.iter().map(SignedEntry::to_bytes).collect();
    rows[1].truncate(10);
    let e = decode_entries(rows.iter().map(Vec::as_slice), 5).unwrap_err();
    assert!(matches!(e, TrustError::Malformed { position: 6, .. }), "{e:?}");
    let shown = Error::from(e).to_string();
    assert!(
        shown.starts_with("the vault's membership or key history was altered (entry 6"),
        "{shown}"
    );
    assert!(!shown.contains('\n'));
}

/// `cargo test --lib trust::tests::pins::bench -- --ignored --nocapture`: the dev
/// profile already builds dependencies (where the time goes) with opt-level 2.
#[test]
#[ignore = "a measurement: run with --ignored --nocapture"]
fn bench_verify_1000_entries() {
    let alice = age_actor("alice");
    let bob = age_actor("bob");
    let mut log = Log::genesis(&alice);
    log.ok(&alice, Body::MemberAdded(spec(&bob)));
    while log.entries.len() < 1000 {
        let epoch = log.state.current.epoch + 1;
        let by = if epoch.is_multiple_of(2) { &alice } else { &bob };
        log.ok(
            by,
            Body::KeyCurrent {
                key: new_key(),
                epoch,
            },
        );
        let old = log.state.retiring[0].id;
        log.ok(by, Body::KeyRetired { key_id: old });
    }
    let rows: Vec<Vec<u8>> = log.entries.iter().map(SignedEntry::to_bytes).collect();
    // Wall time suffers when the machine is shared; the thread's CPU time
    // (from /proc, 10 ms ticks, so averaged over all runs) does not.
    let cpu_ticks = || {
        let stat = std::fs::read_to_string("/proc/thread-self/stat").unwrap();
        let fields: Vec<&str> = stat.rsplit_once(") ").unwrap().1.split(' ').collect();
        fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap()
    };
    let runs = 15;
    let cpu_before = cpu_ticks();
    let mut times = Vec::new();
    for _ in 0..runs {
        let start = std::time::Instant::now();
        let entries = decode_entries(rows.iter().map(Vec::as_slice), 0).unwrap();
        let state = verify_chain(&entries, None).unwrap();
        times.push(start.elapsed());
        assert_eq!(state.head.seq as usize, rows.len() - 1);
    }
    let cpu_ms = (cpu_ticks() - cpu_before) as f64 * 10.0 / runs as f64;
    times.sort();
    // The signatures checked one by one (no batch), for comparison.
    let entries = decode_entries(rows.iter().map(Vec::as_slice), 0).unwrap();
    let alice_vk = alice.key.verifying_key();
    let bob_vk = bob.key.verifying_key();
    let start = std::time::Instant::now();
    for e in &entries {
        let vk = if e.entry.author == alice.recipient {
            &alice_vk
        } else {
            &bob_vk
        };
        assert!(vk.verify_log(e.canonical(), &e.signature));
    }
    let signatures = start.elapsed();
    let bytes: usize = rows.iter().map(Vec::len).sum();
    println!("CPU time per verification of the whole log: {cpu_ms:.1} ms");
    println!(
        "the signatures alone, checked one by one: {:.1} ms",
        signatures.as_secs_f64() * 1e3
    );
    println!(
        "verify {} entries ({} bytes) from scratch: median {:.1} ms, min {:.1} ms, max {:.1} ms",
        rows.len(),
        bytes,
        times[times.len() / 2].as_secs_f64() * 1e3,
        times[0].as_secs_f64() * 1e3,
        times[times.len() - 1].as_secs_f64() * 1e3
    );
}

/// A pin written by the previous release (format 1, no removed members in
/// its state) still loads, marked to be verified again from genesis: its
/// head is resumed from 0, not trusted for what it lacks.
#[test]
fn a_format_1_pin_loads_and_asks_for_a_full_verification() {
    let (_, log) = three_entry_log();
    let dir = tempfile::tempdir().unwrap();
    let store = PinStore::new(dir.path());
    let pin = Pin::new("loc", log.state.clone());
    let path = store.save(&pin).unwrap();
    assert!(!store.load("loc").unwrap().unwrap().is_outdated());
    let mut json: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    json["format"] = 1.into();
    json["state"].as_object_mut().unwrap().remove("departed");
    std::fs::write(&path, serde_json::to_vec(&json).unwrap()).unwrap();
    let old = store.load("loc").unwrap().unwrap();
    assert!(old.is_outdated());
    assert_eq!(old.resume_seq(), 0);
    // Verifying the whole log against it still catches a rollback.
    assert!(verify_chain(&log.entries[..2], Some(&old)).is_err());
    assert_eq!(verify_chain(&log.entries, Some(&old)).unwrap(), log.state);
    json["format"] = 3.into();
    std::fs::write(&path, serde_json::to_vec(&json).unwrap()).unwrap();
    assert!(store.load("loc").is_err(), "a format from the future");
}
