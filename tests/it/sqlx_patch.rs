//! The vendored sqlx-core (`vendor/sqlx-core`, see `vendor/README.md`) exists
//! for one reason: sqlx 0.9.0 stopped setting `TCP_NODELAY`, which costs
//! ~40 ms twice per TLS connect. These tests check the option really is set
//! on a live connection, and that `vendor/sqlx-core.patch` describes the
//! vendored tree.

use std::net::TcpStream;
use std::os::fd::OwnedFd;

use sqlx::{Connection, Row};

use crate::pg;

/// A duplicate of this process's descriptor `fd`, taken through a pidfd (a
/// safe way to hold a descriptor that some library owns).
fn duplicate_own_fd(fd: i32) -> Option<OwnedFd> {
    use rustix::process::{PidfdFlags, PidfdGetfdFlags, getpid, pidfd_getfd, pidfd_open};
    let me = pidfd_open(getpid(), PidfdFlags::empty()).expect("pidfd_open (Linux 5.3+)");
    pidfd_getfd(&me, fd, PidfdGetfdFlags::empty()).ok()
}

/// `TCP_NODELAY` of this process's TCP socket whose local port is `port`,
/// read back from the kernel (`getsockopt`). Panics if there is none.
fn nodelay_of_local_port(port: u16) -> bool {
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc/self/fd").unwrap().flatten() {
        let is_socket = std::fs::read_link(entry.path())
            .is_ok_and(|target| target.to_string_lossy().starts_with("socket:"));
        let Some(fd) = entry.file_name().to_str().and_then(|n| n.parse::<i32>().ok()) else {
            continue;
        };
        // Other tests open and close descriptors meanwhile: skip what vanished.
        let Some(dup) = is_socket.then(|| duplicate_own_fd(fd)).flatten() else {
            continue;
        };
        let stream = TcpStream::from(dup);
        if stream.local_addr().is_ok_and(|a| a.port() == port) {
            found.push(stream.nodelay().unwrap());
        }
    }
    assert!(
        !found.is_empty(),
        "no socket of this process has local port {port}"
    );
    found[0]
}

/// A PostgreSQL connection made by sqlx (vault's driver, so vault's own
/// connect path) has `TCP_NODELAY` on; a plain socket to the same server,
/// the control, has it off, so the probe can tell the difference.
#[test]
fn sqlx_connections_set_tcp_nodelay() {
    let db = pg::cluster().new_database();
    let url = db.url();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let mut conn = sqlx::PgConnection::connect(&url).await.unwrap();
        let row = sqlx::query("SELECT inet_client_port(), inet_server_port()")
            .fetch_one(&mut conn)
            .await
            .unwrap();
        let client_port: i32 = row.get(0);
        let server_port: i32 = row.get(1);
        assert!(
            nodelay_of_local_port(u16::try_from(client_port).unwrap()),
            "sqlx connected without TCP_NODELAY: is the vendored sqlx-core in use \
             (Cargo.toml [patch.crates-io]) and does it still set it? See vendor/README.md"
        );

        let host = pg::cluster().host();
        let plain = TcpStream::connect((host.as_str(), u16::try_from(server_port).unwrap())).unwrap();
        let control_port = plain.local_addr().unwrap().port();
        assert!(
            !nodelay_of_local_port(control_port),
            "a plain socket reports TCP_NODELAY: the probe cannot tell"
        );
        conn.close().await.unwrap();
    });
}

/// The new side of every hunk in `vendor/sqlx-core.patch` is in the vendored
/// file as one block, and the old side is not: the patch describes the tree
/// (vendor/README.md says how to re-derive the tree from it).
#[test]
fn the_patch_file_matches_the_vendored_tree() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let patch = std::fs::read_to_string(root.join("vendor/sqlx-core.patch")).unwrap();
    let mut file: Option<String> = None;
    let mut hunks = 0;
    let mut lines = patch.lines().peekable();
    while let Some(line) = lines.next() {
        if let Some(path) = line.strip_prefix("+++ b/") {
            let source = std::fs::read_to_string(root.join("vendor/sqlx-core").join(path))
                .unwrap_or_else(|e| panic!("vendor/sqlx-core/{path}: {e}"));
            file = Some(source);
            continue;
        }
        if !line.starts_with("@@ ") {
            continue;
        }
        let source = file.as_ref().expect("a hunk before any +++ line");
        let (mut new, mut old) = (String::new(), String::new());
        while let Some(body) =
            lines.next_if(|l| l.starts_with(' ') || l.starts_with('+') || l.starts_with('-') || l.is_empty())
        {
            if body.starts_with("--- ") {
                break;
            }
            let (sign, text) = body.split_at(body.len().min(1));
            if sign != "-" {
                new.push_str(text);
                new.push('\n');
            }
            if sign != "+" {
                old.push_str(text);
                old.push('\n');
            }
        }
        assert!(
            source.contains(&new),
            "hunk {} of vendor/sqlx-core.patch is not in the vendored source:\n{new}",
            hunks + 1
        );
        assert!(
            !source.contains(&old),
            "hunk {} of vendor/sqlx-core.patch is still unapplied in the vendored source",
            hunks + 1
        );
        hunks += 1;
    }
    assert_eq!(
        hunks, 8,
        "vendor/sqlx-core.patch changed: update this test and the README"
    );
    let socket = std::fs::read_to_string(root.join("vendor/sqlx-core/src/net/socket/mod.rs")).unwrap();
    assert_eq!(socket.matches("set_nodelay(true)?").count(), 3);
    let tls = std::fs::read_to_string(root.join("vendor/sqlx-core/src/net/tls/tls_rustls.rs")).unwrap();
    assert_eq!(
        tls.matches(".with_crls(crls)").count(),
        2,
        "both verifiers get the revocation lists"
    );
    assert!(
        tls.contains("overrides\n        .server_name"),
        "the name verified beside hostaddr"
    );
}
