//! Private files: reading identities safely and creating files nobody else can read.
//!
//! Like ssh, vault refuses to use a key file that others could read or swap:
//! the file is opened with `O_NOFOLLOW` and every check is made with `fstat`
//! on the opened descriptor, so the file checked is the file read. Files vault
//! creates are written to a temporary name in the same private directory and
//! linked into place, so a crash or a full disk never leaves half a key, and an
//! existing file is never overwritten.

use std::fs::{self, File, OpenOptions};
use std::io::{Read, Write};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use zeroize::Zeroizing;

use crate::error::{Error, Result};

/// Creates `dir` (and missing parents) and makes sure `dir` itself is 0700.
pub fn ensure_private_dir(dir: &Path) -> Result<()> {
    if !dir.is_dir() {
        fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(|e| Error::io("create directory", dir, &e))?;
    }
    let meta = fs::metadata(dir).map_err(|e| Error::io("inspect directory", dir, &e))?;
    if meta.permissions().mode() & 0o077 != 0 && meta.uid() == rustix::process::geteuid().as_raw() {
        fs::set_permissions(dir, fs::Permissions::from_mode(0o700))
            .map_err(|e| Error::io("restrict permissions of", dir, &e))?;
    }
    Ok(())
}

/// Writes `contents` to a new file at `path` with mode 0600, atomically and
/// without ever replacing an existing file. Returns false (and writes nothing)
/// when `path` already exists.
pub fn create_private_file(path: &Path, contents: &[u8]) -> Result<bool> {
    if fs::symlink_metadata(path).is_ok() {
        return Ok(false);
    }
    // link(2) fails when the target exists, so a racing `init` cannot be clobbered.
    let created = place_private_file(path, contents, |tmp| match fs::hard_link(tmp, path) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(false),
        Err(e) => Err(e),
    })?;
    if created {
        // Make the new directory entry durable too.
        if let Ok(d) = File::open(path.parent().unwrap_or(Path::new("."))) {
            let _ = d.sync_all();
        }
    }
    Ok(created)
}

/// Replaces the file at `path` with `contents` (mode 0600), atomically.
pub fn replace_private_file(path: &Path, contents: &[u8]) -> Result<()> {
    place_private_file(path, contents, |tmp| fs::rename(tmp, path))
}

/// Writes `contents` durably to a new 0600 file beside `path`, hands it to
/// `install` (which links or renames it into place), and never leaves the
/// temporary name behind.
fn place_private_file<T>(
    path: &Path,
    contents: &[u8],
    install: impl FnOnce(&Path) -> std::io::Result<T>,
) -> Result<T> {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(format!(".tmp-{}", std::process::id()));
    let tmp: PathBuf = path.with_file_name(name);
    let result = (|| {
        let mut file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&tmp)?;
        file.write_all(contents)?;
        file.sync_all()?;
        drop(file);
        install(&tmp)
    })();
    // After a link the temporary name is a second entry; after a rename it is gone.
    let _ = fs::remove_file(&tmp);
    result.map_err(|e| Error::io("write", path, &e))
}

/// Reads a key file, refusing it (before reading a byte) unless it is a
/// regular file owned by this user, not readable or writable by group or
/// others, not a symbolic link, and not in a world-writable directory.
pub fn read_private_file(path: &Path, what: &str) -> Result<Zeroizing<Vec<u8>>> {
    // O_NONBLOCK: opening a FIFO (or a device) must not hang; fstat below
    // refuses anything but a regular file, for which the flag has no effect.
    let file = OpenOptions::new()
        .read(true)
        .custom_flags((rustix::fs::OFlags::NOFOLLOW | rustix::fs::OFlags::NONBLOCK).bits() as i32)
        .open(path)
        .map_err(|e| match e.raw_os_error() {
            Some(code) if code == rustix::io::Errno::LOOP.raw_os_error() => Error::identity(format!(
                "{what} {} is a symbolic link; vault only reads {what}s from regular files",
                path.display()
            ))
            .hint("point to the real file instead of the link"),
            _ if e.kind() == std::io::ErrorKind::NotFound => {
                Error::identity(format!("{what} {} does not exist", path.display()))
                    .hint("run `vault init` to create one, or pass --identity FILE")
            }
            _ => Error::identity(format!("cannot open {what} {}: {e}", path.display()))
                .hint("check the path and its permissions"),
        })?;
    let meta = file.metadata().map_err(|e| Error::io("inspect", path, &e))?;
    check_private(path, &meta, what)?;
    read_secret(&file, meta.len() as usize, MAX_PRIVATE_FILE).map_err(|e| Error::io("read", path, &e))
}

/// How many bytes to expect from an open file or stdin: the size of a
/// regular file, else (a pipe, a terminal) `fallback`.
pub fn size_hint(f: impl std::os::fd::AsFd, fallback: usize) -> usize {
    match rustix::fs::fstat(f) {
        Ok(st) if rustix::fs::FileType::from_raw_mode(st.st_mode) == rustix::fs::FileType::RegularFile => {
            usize::try_from(st.st_size).unwrap_or(fallback)
        }
        _ => fallback,
    }
}

/// The most of a key or passphrase file that is read.
const MAX_PRIVATE_FILE: usize = 1024 * 1024;

/// Reads `r` to its end (at most `limit` bytes) into memory that is wiped
/// when dropped, leaving no unwiped copy behind on the way.
///
/// `Read::read_to_end` grows its vector by reallocation, which frees the old
/// block unwiped, and probes small reads through a stack buffer it does not
/// wipe. Here the buffer is sized once for `expected` bytes plus one (so a
/// source of the expected length, which then reports its end, needs no
/// growth), every read goes straight into it, and if the source is longer
/// the bytes are copied into a buffer twice the size and the old one is
/// wiped by its drop. Callers that refuse oversized input pass their limit
/// plus one and check the length.
pub fn read_secret(mut r: impl Read, expected: usize, limit: usize) -> std::io::Result<Zeroizing<Vec<u8>>> {
    let mut buf = Zeroizing::new(vec![0u8; expected.saturating_add(1).min(limit)]);
    let mut len = 0;
    while len < limit {
        if len == buf.len() {
            let mut bigger = Zeroizing::new(vec![0u8; len.saturating_mul(2).max(4096).min(limit)]);
            bigger[..len].copy_from_slice(&buf[..len]);
            buf = bigger;
        }
        match r.read(&mut buf[len..]) {
            Ok(0) => break,
            Ok(n) => len += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    // Shortening never reallocates; the tail is zeros and is wiped anyway.
    buf.truncate(len);
    Ok(buf)
}

fn check_private(path: &Path, meta: &fs::Metadata, what: &str) -> Result<()> {
    let too_open = |why: String| {
        Err(Error::identity(format!(
            "{what} {} is too open: {why}; it was not used",
            path.display()
        ))
        .hint(format!(
            "run `chmod 600 {}` (like ssh, vault refuses keys others can read)",
            path.display()
        )))
    };
    if !meta.is_file() {
        return Err(
            Error::identity(format!("{what} {} is not a regular file", path.display()))
                .hint("pass the path of an identity file"),
        );
    }
    let me = rustix::process::geteuid().as_raw();
    if meta.uid() != me {
        return too_open(format!(
            "it is owned by uid {}, not by you (uid {me})",
            meta.uid()
        ));
    }
    let mode = meta.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        return too_open(format!("its mode is {mode:04o}, readable or writable by others"));
    }
    let parent = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    if let Ok(dir) = fs::metadata(parent)
        && dir.permissions().mode() & 0o002 != 0
    {
        return too_open(format!(
            "its directory {} is writable by everyone",
            parent.display()
        ));
    }
    Ok(())
}

/// Refuses (exit 8, "too open") a file or directory that someone else could
/// change: owned by a user other than this one (or root), or writable by
/// group or others. A path that does not exist passes (nothing to trust yet).
/// Symbolic links are followed: what counts is what will be read.
pub fn check_not_writable_by_others(path: &Path, what: &str) -> Result<()> {
    let meta = match fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(Error::io("inspect", path, &e)),
    };
    let me = rustix::process::geteuid().as_raw();
    let why = if meta.uid() != me && meta.uid() != 0 {
        format!("it is owned by uid {}, not by you (uid {me})", meta.uid())
    } else if meta.permissions().mode() & 0o022 != 0 {
        format!(
            "its mode is {:04o}, writable by group or others",
            meta.permissions().mode() & 0o7777
        )
    } else {
        return Ok(());
    };
    let fix = if meta.is_dir() { "700" } else { "600" };
    Err(Error::identity(format!(
        "{what} {} is too open: {why}; it was not used",
        path.display()
    ))
    .hint(format!(
        "make it yours and run `chmod {fix} {}` (like ssh, vault refuses files others can change)",
        path.display()
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_group_readable_and_symlinks() {
        let dir = tempfile::tempdir().unwrap();
        fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o700)).unwrap();
        let p = dir.path().join("id");
        assert!(create_private_file(&p, b"key").unwrap());
        assert_eq!(&read_private_file(&p, "identity").unwrap()[..], b"key");
        assert!(!create_private_file(&p, b"other").unwrap(), "never overwrites");
        fs::set_permissions(&p, fs::Permissions::from_mode(0o640)).unwrap();
        let e = read_private_file(&p, "identity").unwrap_err();
        assert!(e.to_string().contains("too open"), "{e}");
        fs::set_permissions(&p, fs::Permissions::from_mode(0o600)).unwrap();
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(&p, &link).unwrap();
        let e = read_private_file(&link, "identity").unwrap_err();
        assert!(e.to_string().contains("symbolic link"), "{e}");
    }

    /// A reader that hands out at most `step` bytes per call and is
    /// interrupted once, like a pipe.
    struct Trickle<'a> {
        data: &'a [u8],
        step: usize,
        interrupted: bool,
    }

    impl Read for Trickle<'_> {
        fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
            if !self.interrupted {
                self.interrupted = true;
                return Err(std::io::ErrorKind::Interrupted.into());
            }
            let n = self.step.min(out.len()).min(self.data.len());
            out[..n].copy_from_slice(&self.data[..n]);
            self.data = &self.data[n..];
            Ok(n)
        }
    }

    #[test]
    fn read_secret_sized_up_front_never_grows() {
        let data: Vec<u8> = (0..10_000u32).map(|i| i as u8).collect();
        let buf = read_secret(
            Trickle {
                data: &data,
                step: 333,
                interrupted: false,
            },
            data.len(),
            usize::MAX,
        )
        .unwrap();
        assert_eq!(&buf[..], &data[..]);
        // One allocation of exactly expected + 1 bytes: nothing was reallocated.
        assert_eq!(buf.capacity(), data.len() + 1);
        let empty = read_secret(&b""[..], 0, 10).unwrap();
        assert!(empty.is_empty());
    }

    #[test]
    fn read_secret_grows_by_copying_and_stops_at_the_limit() {
        let data = vec![7u8; 100_000];
        let trickle = || Trickle {
            data: &data,
            step: 4000,
            interrupted: false,
        };
        let buf = read_secret(trickle(), 10, usize::MAX).unwrap();
        assert_eq!(&buf[..], &data[..]);
        let cut = read_secret(trickle(), 10, 50_001).unwrap();
        assert_eq!(cut.len(), 50_001, "reads exactly up to the limit");
        let exact = read_secret(&data[..], 0, 100_000).unwrap();
        assert_eq!(exact.len(), 100_000);
        let failing = read_secret(std::io::repeat(0).take(0).chain(Failing), 8, 100);
        assert!(failing.is_err());
    }

    struct Failing;
    impl Read for Failing {
        fn read(&mut self, _: &mut [u8]) -> std::io::Result<usize> {
            Err(std::io::Error::other("boom"))
        }
    }

    #[test]
    fn refuses_files_others_can_change() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("config.toml");
        assert!(
            check_not_writable_by_others(&p, "config file").is_ok(),
            "missing is fine"
        );
        fs::write(&p, "x").unwrap();
        for (mode, ok) in [
            (0o600, true),
            (0o644, true),
            (0o620, false),
            (0o602, false),
            (0o666, false),
        ] {
            fs::set_permissions(&p, fs::Permissions::from_mode(mode)).unwrap();
            let r = check_not_writable_by_others(&p, "config file");
            assert_eq!(r.is_ok(), ok, "{mode:o}");
            if let Err(e) = r {
                assert_eq!(e.kind, crate::error::Kind::Identity);
                assert!(e.to_string().contains("too open"), "{e}");
            }
        }
    }

    #[test]
    fn refuses_a_fifo_without_blocking() {
        let dir = tempfile::tempdir().unwrap();
        fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o700)).unwrap();
        let p = dir.path().join("fifo");
        rustix::fs::mknodat(
            rustix::fs::CWD,
            &p,
            rustix::fs::FileType::Fifo,
            rustix::fs::Mode::from_raw_mode(0o600),
            0,
        )
        .unwrap();
        let e = read_private_file(&p, "identity").unwrap_err();
        assert!(e.to_string().contains("not a regular file"), "{e}");
    }
}
