//! Every verification rule, accepted and refused (pins and the bench: [`pins`]).

use age::secrecy::SecretString;
use uuid::Uuid;

use super::*;
use crate::error::Kind;

/// Someone who can sign entries.
struct Actor {
    recipient: String,
    key: SigningKey,
    name: String,
}

fn age_actor(name: &str) -> Actor {
    let id = age::x25519::Identity::generate();
    Actor {
        recipient: id.to_public().to_string(),
        key: SigningKey::from_age_identity(&id),
        name: name.into(),
    }
}

fn ssh_actor(name: &str, pem: &str) -> Actor {
    let key = SigningKey::from_openssh(pem, None).unwrap();
    Actor {
        recipient: key.verifying_key().to_string(),
        key,
        name: name.into(),
    }
}

fn spec(a: &Actor) -> MemberSpec {
    MemberSpec {
        recipient: a.recipient.clone(),
        verifying_key: a.key.verifying_key(),
        name: a.name.clone(),
    }
}

fn new_key() -> KeySpec {
    KeySpec {
        id: Uuid::new_v4(),
        recipient: age::x25519::Identity::generate().to_public().to_string(),
    }
}

/// A log being built, with the state its entries give.
struct Log {
    entries: Vec<SignedEntry>,
    state: TrustState,
}

impl Log {
    fn genesis(founder: &Actor) -> Log {
        let first = Entry {
            seq: 0,
            prev: EntryHash::ZERO,
            author: founder.recipient.clone(),
            time: 1_700_000_000,
            body: Body::Genesis {
                vault_id: Uuid::new_v4(),
                founder: spec(founder),
                key: new_key(),
            },
        }
        .sign(&founder.key)
        .unwrap();
        let state = TrustState::genesis(&first).unwrap();
        Log {
            entries: vec![first],
            state,
        }
    }

    /// The next entry, signed by `by`, not applied.
    fn next(&self, by: &Actor, body: Body) -> SignedEntry {
        let time = 1_700_000_000 + self.entries.len() as i64;
        self.state
            .next_entry(&by.recipient, time, body)
            .sign(&by.key)
            .unwrap()
    }

    /// Signs and applies the next entry; keeps it only when accepted.
    fn push(&mut self, by: &Actor, body: Body) -> Result<(), TrustError> {
        let e = self.next(by, body);
        let before = self.state.clone();
        let result = self.state.apply(&e);
        match &result {
            Ok(()) => self.entries.push(e),
            Err(_) => assert_eq!(self.state, before, "a refused entry changed the state"),
        }
        result
    }

    fn ok(&mut self, by: &Actor, body: Body) {
        self.push(by, body).unwrap();
    }

    fn refused(&mut self, by: &Actor, body: Body) -> String {
        let e = self.push(by, body).unwrap_err();
        let shown = Error::from(e).to_string();
        assert!(shown.contains("altered"), "{shown}");
        shown
    }
}

fn removed(a: &Actor) -> Body {
    Body::MemberRemoved {
        recipient: a.recipient.clone(),
    }
}

const SSH_ED25519: &str = include_str!("../../../tests/data/trust/ssh-ed25519");
const SSH_ED25519_ENCRYPTED: &str = include_str!("../../../tests/data/trust/ssh-ed25519-encrypted");
const SSH_RSA: &str = include_str!("../../../tests/data/trust/ssh-rsa");

#[test]
fn a_whole_history_verifies_from_scratch_and_incrementally() {
    let alice = age_actor("alice");
    let bob = ssh_actor("bob", SSH_ED25519);
    let carol = ssh_actor("carol", SSH_RSA);
    let mut log = Log::genesis(&alice);
    let first_key = log.state.current.clone();
    log.ok(&alice, Body::MemberAdded(spec(&bob)));
    log.ok(&bob, Body::MemberAdded(spec(&carol)));
    let k2 = new_key();
    log.ok(
        &carol,
        Body::KeyCurrent {
            key: k2.clone(),
            epoch: 2,
        },
    );
    assert_eq!(log.state.retiring, vec![first_key.clone()]);
    assert!(log.state.usable_key(first_key.id).is_some());
    log.ok(&bob, Body::KeyRetired { key_id: first_key.id });
    log.ok(&carol, removed(&bob));
    log.ok(&alice, removed(&alice));

    let state = verify_chain(&log.entries, None).unwrap();
    assert_eq!(state, log.state);
    assert_eq!(state.head.seq, 6);
    assert_eq!(state.current.id, k2.id);
    assert_eq!(state.current.epoch, 2);
    assert!(state.retiring.is_empty());
    assert!(state.retired.contains(&first_key.id));
    assert!(state.usable_key(first_key.id).is_none());
    let names: Vec<&str> = state.members.values().map(|m| m.name.as_str()).collect();
    assert_eq!(names, ["carol"]);
    let c = state.member_named("carol").unwrap();
    assert_eq!(c.added_by, bob.recipient);
    assert_eq!(c.added_at, 2);

    // From stored bytes, through a pin at entry 3, then only the entries after it.
    let stored: Vec<Vec<u8>> = log.entries.iter().map(SignedEntry::to_bytes).collect();
    let decoded = decode_entries(stored.iter().map(Vec::as_slice), 0).unwrap();
    let at3 = verify_chain(&decoded[..4], None).unwrap();
    let pin = Pin::new("postgres://db/vault", at3);
    assert_eq!(pin.extend(&decoded[3..]).unwrap(), state);
    assert_eq!(verify_chain(&decoded, Some(&pin)).unwrap(), state);
}

#[test]
fn genesis_must_be_first_and_signed_by_its_founder() {
    let alice = age_actor("alice");
    let mallory = age_actor("mallory");
    assert!(matches!(verify_chain(&[], None), Err(TrustError::Empty)));
    let log = Log::genesis(&alice);
    // Signed by someone else, claiming alice as author and founder.
    let forged = log.entries[0].entry.clone().sign(&mallory.key).unwrap();
    assert!(matches!(
        verify_chain(&[forged], None),
        Err(TrustError::BadSignature { seq: 0 })
    ));
    // Authored by someone other than the founder it names.
    let mut other = log.entries[0].entry.clone();
    other.author = mallory.recipient.clone();
    let other = other.sign(&mallory.key).unwrap();
    assert!(matches!(
        verify_chain(&[other], None),
        Err(TrustError::Unauthorised { seq: 0, .. })
    ));
    // A later entry first.
    let mut log = Log::genesis(&alice);
    log.ok(&alice, Body::MemberAdded(spec(&mallory)));
    assert!(matches!(
        verify_chain(&log.entries[1..], None),
        Err(TrustError::NoGenesis { seq: 1 })
    ));
    // A second genesis later on.
    let mut log = Log::genesis(&alice);
    let again = log.entries[0].entry.body.clone();
    assert!(log.refused(&alice, again).contains("second genesis"));
}

#[test]
fn a_forged_signature_is_refused() {
    let alice = age_actor("alice");
    let bob = age_actor("bob");
    let mallory = age_actor("mallory");
    let mut log = Log::genesis(&alice);
    log.ok(&alice, Body::MemberAdded(spec(&bob)));
    // Alice's name on an entry mallory signed.
    let mut entry = log
        .state
        .next_entry(&alice.recipient, 0, Body::MemberAdded(spec(&mallory)));
    entry.author = alice.recipient.clone();
    let forged = entry.clone().sign(&mallory.key).unwrap();
    assert!(matches!(
        log.state.clone().apply(&forged),
        Err(TrustError::BadSignature { seq: 2 })
    ));
    // A valid signature by bob, claimed as alice's.
    let by_bob = entry.clone().sign(&bob.key).unwrap();
    assert!(matches!(
        log.state.clone().apply(&by_bob),
        Err(TrustError::BadSignature { .. })
    ));
    // A changed byte in an honest signature, and a changed body under it.
    let honest = entry.sign(&alice.key).unwrap();
    let mut bytes = honest.to_bytes();
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    let flipped = SignedEntry::from_bytes(&bytes).unwrap();
    assert!(matches!(
        log.state.clone().apply(&flipped),
        Err(TrustError::BadSignature { .. })
    ));
    let mut bytes = honest.to_bytes();
    let name_at = honest.canonical().len() - 1;
    bytes[name_at] ^= 1; // the last byte of mallory's name
    let tampered = SignedEntry::from_bytes(&bytes).unwrap();
    assert!(matches!(
        log.state.clone().apply(&tampered),
        Err(TrustError::BadSignature { .. })
    ));
    assert!(log.state.clone().apply(&honest).is_ok());
}

#[test]
fn whole_log_verification_checks_signatures_in_a_batch_and_names_the_bad_one() {
    let alice = age_actor("alice");
    let bob = age_actor("bob");
    let carol = ssh_actor("carol", SSH_ED25519);
    let mut log = Log::genesis(&alice);
    log.ok(&alice, Body::MemberAdded(spec(&bob)));
    log.ok(&bob, Body::MemberAdded(spec(&carol)));
    for i in 0..6 {
        let by = [&alice, &bob, &carol][i % 3];
        let epoch = log.state.current.epoch + 1;
        log.ok(
            by,
            Body::KeyCurrent {
                key: new_key(),
                epoch,
            },
        );
    }
    // The fast path accepts a valid log by itself (no fallback needed).
    assert_eq!(state::verify_batched(&log.entries).unwrap(), log.state);
    for bad in [1, 4, 5, 8] {
        let mut entries = log.entries.clone();
        let mut bytes = entries[bad].to_bytes();
        let last = bytes.len() - 1;
        bytes[last] ^= 0x40;
        entries[bad] = SignedEntry::from_bytes(&bytes).unwrap();
        assert!(state::verify_batched(&entries).is_none(), "entry {bad}");
        let e = verify_chain(&entries, None).unwrap_err();
        assert!(
            matches!(e, TrustError::BadSignature { seq } if seq == bad as u64),
            "{e:?}"
        );
    }
}

#[test]
fn a_forged_ssh_signature_is_refused() {
    let alice = ssh_actor("alice", SSH_ED25519);
    let carol = ssh_actor("carol", SSH_RSA);
    let mut log = Log::genesis(&alice);
    log.ok(&alice, Body::MemberAdded(spec(&carol)));
    let entry = log.state.next_entry(&carol.recipient, 0, removed(&alice));
    // carol's entry with alice's (valid, but not carol's) SSHSIG.
    let wrong_key = entry.clone().sign(&alice.key).unwrap();
    assert!(matches!(
        log.state.clone().apply(&wrong_key),
        Err(TrustError::BadSignature { .. })
    ));
    let honest = entry.sign(&carol.key).unwrap();
    let mut bytes = honest.to_bytes();
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    assert!(matches!(
        log.state.clone().apply(&SignedEntry::from_bytes(&bytes).unwrap()),
        Err(TrustError::BadSignature { .. })
    ));
    assert!(log.state.clone().apply(&honest).is_ok());
}

#[test]
fn a_wrong_prev_hash_or_order_is_refused() {
    let alice = age_actor("alice");
    let bob = age_actor("bob");
    let carol = age_actor("carol");
    let mut log = Log::genesis(&alice);
    log.ok(&alice, Body::MemberAdded(spec(&bob)));
    log.ok(&alice, Body::MemberAdded(spec(&carol)));

    let mut entry = log.state.next_entry(&alice.recipient, 0, removed(&bob));
    entry.prev = log.entries[1].hash();
    let e = entry.sign(&alice.key).unwrap();
    assert!(matches!(
        log.state.clone().apply(&e),
        Err(TrustError::BrokenChain { seq: 3 })
    ));

    let mut swapped = log.entries.clone();
    swapped.swap(1, 2);
    assert!(matches!(
        verify_chain(&swapped, None),
        Err(TrustError::OutOfOrder {
            expected: 1,
            found: 2
        })
    ));
    let mut dropped = log.entries.clone();
    dropped.remove(1);
    assert!(matches!(
        verify_chain(&dropped, None),
        Err(TrustError::OutOfOrder {
            expected: 1,
            found: 2
        })
    ));
    let mut repeated = log.entries.clone();
    repeated.push(log.entries[2].clone());
    assert!(matches!(
        verify_chain(&repeated, None),
        Err(TrustError::OutOfOrder {
            expected: 3,
            found: 2
        })
    ));
}

#[test]
fn only_a_current_member_may_sign() {
    let alice = age_actor("alice");
    let bob = age_actor("bob");
    let mallory = age_actor("mallory");
    let mut log = Log::genesis(&alice);
    // An outsider adding himself.
    let shown = log.refused(&mallory, Body::MemberAdded(spec(&mallory)));
    assert!(shown.contains("not a member at that point"), "{shown}");
    // A removed member re-adding himself with his old key.
    log.ok(&alice, Body::MemberAdded(spec(&bob)));
    log.ok(&alice, removed(&bob));
    assert!(matches!(
        log.push(&bob, Body::MemberAdded(spec(&bob))),
        Err(TrustError::Unauthorised { seq: 3, .. })
    ));
    // ...or making a key of his own current.
    assert!(matches!(
        log.push(
            &bob,
            Body::KeyCurrent {
                key: new_key(),
                epoch: 2
            }
        ),
        Err(TrustError::Unauthorised { .. })
    ));
    // A member may remove themselves; afterwards they sign nothing.
    log.ok(&alice, Body::MemberAdded(spec(&bob)));
    log.ok(&bob, removed(&bob));
    assert!(matches!(
        log.push(&bob, removed(&alice)),
        Err(TrustError::Unauthorised { .. })
    ));
}

#[test]
fn duplicate_members_are_refused() {
    let alice = age_actor("alice");
    let bob = age_actor("bob");
    let mut log = Log::genesis(&alice);
    log.ok(&alice, Body::MemberAdded(spec(&bob)));
    assert!(
        log.refused(&alice, Body::MemberAdded(spec(&bob)))
            .contains("already a member")
    );
    let bob2 = age_actor("bob");
    assert!(
        log.refused(&alice, Body::MemberAdded(spec(&bob2)))
            .contains("second member named \"bob\"")
    );
    // A new recipient with bob's signing key (and so his power to sign as the new member).
    let mut stolen = spec(&age_actor("eve"));
    stolen.verifying_key = bob.key.verifying_key();
    assert!(
        log.refused(&alice, Body::MemberAdded(stolen))
            .contains("another member's signing key")
    );
}

#[test]
fn malformed_members_and_keys_are_refused() {
    let alice = age_actor("alice");
    let bob = age_actor("bob");
    let ssh = ssh_actor("s", SSH_ED25519);
    let mut log = Log::genesis(&alice);
    let mut bad_name = spec(&bob);
    bad_name.name = "bad name".into();
    assert!(
        log.refused(&alice, Body::MemberAdded(bad_name))
            .contains("invalid name")
    );
    let mut bad_recipient = spec(&bob);
    bad_recipient.recipient = "age1notarecipient".into();
    assert!(
        log.refused(&alice, Body::MemberAdded(bad_recipient))
            .contains("not an age recipient")
    );
    // An SSH key as the verifying key of an age recipient, and the reverse.
    let mut mixed = spec(&bob);
    mixed.verifying_key = ssh.key.verifying_key();
    assert!(
        log.refused(&alice, Body::MemberAdded(mixed))
            .contains("key derived from its identity")
    );
    let mut mixed = spec(&ssh);
    mixed.verifying_key = bob.key.verifying_key();
    assert!(
        log.refused(&alice, Body::MemberAdded(mixed))
            .contains("verifying key must be its recipient")
    );
    let mut key = new_key();
    key.recipient = "ssh-ed25519 AAAA".into();
    assert!(
        log.refused(&alice, Body::KeyCurrent { key, epoch: 2 })
            .contains("invalid public half")
    );
}

#[test]
fn removing_the_last_member_or_a_stranger_is_refused() {
    let alice = age_actor("alice");
    let bob = age_actor("bob");
    let mut log = Log::genesis(&alice);
    assert!(log.refused(&alice, removed(&alice)).contains("last member"));
    assert!(log.refused(&alice, removed(&bob)).contains("not a member"));
    log.ok(&alice, Body::MemberAdded(spec(&bob)));
    log.ok(&bob, removed(&alice));
    assert!(log.refused(&bob, removed(&bob)).contains("last member"));
}

#[test]
fn key_epochs_advance_by_one() {
    let alice = age_actor("alice");
    let mut log = Log::genesis(&alice);
    assert_eq!(log.state.current.epoch, 1);
    for epoch in [1, 3, 0, u64::MAX] {
        let shown = log.refused(
            &alice,
            Body::KeyCurrent {
                key: new_key(),
                epoch,
            },
        );
        assert!(shown.contains(&format!("epoch {epoch}, not 2")), "{shown}");
    }
    log.ok(
        &alice,
        Body::KeyCurrent {
            key: new_key(),
            epoch: 2,
        },
    );
    log.ok(
        &alice,
        Body::KeyCurrent {
            key: new_key(),
            epoch: 3,
        },
    );
    assert_eq!(log.state.retiring.len(), 2);
}

#[test]
fn a_retired_key_never_comes_back() {
    let alice = age_actor("alice");
    let mut log = Log::genesis(&alice);
    let first = log.state.current.clone();
    // The current key cannot be retired, nor an unknown one.
    assert!(
        log.refused(&alice, Body::KeyRetired { key_id: first.id })
            .contains("is the current key")
    );
    assert!(
        log.refused(
            &alice,
            Body::KeyRetired {
                key_id: Uuid::new_v4()
            }
        )
        .contains("not a retiring key")
    );
    log.ok(
        &alice,
        Body::KeyCurrent {
            key: new_key(),
            epoch: 2,
        },
    );
    log.ok(&alice, Body::KeyRetired { key_id: first.id });
    assert!(
        log.refused(&alice, Body::KeyRetired { key_id: first.id })
            .contains("already retired")
    );
    // Back as current under its own id, or its public half under a new id.
    let same = KeySpec {
        id: first.id,
        recipient: first.recipient.clone(),
    };
    assert!(
        log.refused(&alice, Body::KeyCurrent { key: same, epoch: 3 })
            .contains("already used")
    );
    let disguised = KeySpec {
        id: Uuid::new_v4(),
        recipient: first.recipient.clone(),
    };
    assert!(
        log.refused(
            &alice,
            Body::KeyCurrent {
                key: disguised,
                epoch: 3
            }
        )
        .contains("already used")
    );
    // A retiring (not yet retired) key cannot be made current again either.
    let second = log.state.current.clone();
    log.ok(
        &alice,
        Body::KeyCurrent {
            key: new_key(),
            epoch: 3,
        },
    );
    let back = KeySpec {
        id: second.id,
        recipient: second.recipient,
    };
    assert!(
        log.refused(&alice, Body::KeyCurrent { key: back, epoch: 4 })
            .contains("already used")
    );
}

#[test]
fn ssh_keys_unlock_with_their_passphrase() {
    let e = SigningKey::from_openssh(SSH_ED25519_ENCRYPTED, None).unwrap_err();
    assert!(e.to_string().contains("protected by a passphrase"), "{e}");
    let wrong = SecretString::from("wrong horse".to_owned());
    let e = SigningKey::from_openssh(SSH_ED25519_ENCRYPTED, Some(&wrong)).unwrap_err();
    assert!(e.to_string().contains("wrong passphrase"), "{e}");
    let right = SecretString::from("correct horse".to_owned());
    let key = SigningKey::from_openssh(SSH_ED25519_ENCRYPTED, Some(&right)).unwrap();
    let public = include_str!("../../../tests/data/trust/ssh-ed25519-encrypted.pub");
    assert_eq!(
        MemberLine::parse(public).unwrap().verifying_key,
        key.verifying_key()
    );
    let e = SigningKey::from_openssh("-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n", None).unwrap_err();
    assert_eq!(e.kind, Kind::Identity);
}

#[test]
fn a_pkcs1_pem_rsa_key_signs_like_its_public_key_line() {
    let dave = ssh_actor("dave", include_str!("../../../tests/data/trust/ssh-rsa-pem"));
    let line = MemberLine::parse(include_str!("../../../tests/data/trust/ssh-rsa-pem.pub")).unwrap();
    assert_eq!(line.verifying_key, dave.key.verifying_key());
    let mut log = Log::genesis(&dave);
    log.ok(&dave, Body::MemberAdded(spec(&age_actor("erin"))));
    assert_eq!(verify_chain(&log.entries, None).unwrap(), log.state);
    let encrypted = "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\n";
    let e = SigningKey::from_openssh(encrypted, None).unwrap_err();
    assert!(e.to_string().contains("encrypted PEM"), "{e}");
}

mod pins;

/// Who was a member at each point of the log: removed members are kept
/// (with when), so a version signed while they were a member still
/// verifies as theirs, and one signed after removal does not.
#[test]
fn membership_at_each_point_of_the_log() {
    let alice = age_actor("alice");
    let bob = age_actor("bob");
    let mut log = Log::genesis(&alice);
    log.ok(&alice, Body::MemberAdded(spec(&bob))); // seq 1
    log.ok(&alice, removed(&bob)); // seq 2
    log.ok(&alice, Body::MemberAdded(spec(&bob))); // seq 3
    let s = &log.state;
    assert!(s.member_at(&bob.recipient, 0).is_none(), "before he was added");
    assert!(s.member_at(&bob.recipient, 1).is_some());
    assert!(s.member_at(&bob.recipient, 2).is_none(), "removed at 2");
    assert!(s.member_at(&bob.recipient, 3).is_some(), "added again");
    assert!(s.member_at(&bob.recipient, 4).is_none(), "past the head");
    assert!(s.member_at(&alice.recipient, 0).is_some());
    assert_eq!(s.departed.len(), 1);
    assert_eq!(s.departed[0].removed_at, 2);
    assert_eq!(s.known_member(&bob.recipient).count(), 2);
    // The same state, from scratch and from the pin's JSON.
    assert_eq!(&verify_chain(&log.entries, None).unwrap(), s);
    let json = serde_json::to_string(s).unwrap();
    assert_eq!(&serde_json::from_str::<TrustState>(&json).unwrap(), s);
}
