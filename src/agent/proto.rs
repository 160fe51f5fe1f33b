//! The agent's wire format: length-prefixed binary frames on a Unix socket.
//!
//! A frame is a big-endian `u32` length and that many bytes; the first byte
//! names the message, the rest are fields: `u8`, `u32`, `i64`, and byte
//! strings as a `u32` length and the bytes. Binary rather than JSON so that
//! file keys and passphrases live only in buffers vault owns and wipes
//! ([`Zeroizing`]), never in a serializer's intermediate strings.
//!
//! Requests and their answers:
//! - `STATUS` -> `STATUS_OK`: whether an identity is held, its file path,
//!   the SHA-256 of the identity file, recipient, kind, verifying key, and
//!   when it expires; the agent's pid.
//! - `LOAD` (path, file bytes, passphrase or none, seconds) -> `STATUS_OK`.
//! - `UNWRAP` (age stanzas: tag, args, body) -> `FILE_KEY` (none, or 16 bytes).
//! - `SIGN` (purpose, messages) -> `SIGNATURES`.
//! - `LOCK` -> `DONE`; the agent forgets the identity and exits.
//!
//! Any request may be answered with `ERROR` (message, hint).

use std::io::{Read, Write};

use zeroize::Zeroizing;

pub const STATUS: u8 = 1;
pub const LOAD: u8 = 2;
pub const UNWRAP: u8 = 3;
pub const SIGN: u8 = 4;
pub const LOCK: u8 = 5;

pub const STATUS_OK: u8 = 0x80;
pub const FILE_KEY: u8 = 0x81;
pub const SIGNATURES: u8 = 0x82;
pub const DONE: u8 = 0x83;
pub const ERROR: u8 = 0xff;

/// The largest frame either side accepts (a batch of signatures is the
/// biggest message; clients send at most [`SIGN_BATCH`] messages at once).
pub const MAX_FRAME: usize = 16 << 20;
/// Messages per `SIGN` request.
pub const SIGN_BATCH: usize = 1024;

/// A frame that does not parse: the peer is not a vault agent (or client)
/// of this version, or the bytes were damaged.
#[derive(Debug)]
pub struct Malformed;

/// Builds one frame's body.
pub struct Writer(Zeroizing<Vec<u8>>);

impl Writer {
    pub fn new(kind: u8) -> Writer {
        let mut buf = Zeroizing::new(Vec::with_capacity(256));
        buf.push(kind);
        Writer(buf)
    }

    pub fn u8(mut self, v: u8) -> Writer {
        self.0.push(v);
        self
    }

    pub fn u32(mut self, v: u32) -> Writer {
        self.0.extend_from_slice(&v.to_be_bytes());
        self
    }

    pub fn i64(mut self, v: i64) -> Writer {
        self.0.extend_from_slice(&v.to_be_bytes());
        self
    }

    pub fn bytes(mut self, v: &[u8]) -> Writer {
        // Grown to the exact size first, so a secret is never left behind
        // in a buffer freed by reallocation.
        let need = self.0.len() + 4 + v.len();
        if need > self.0.capacity() {
            let mut bigger = Zeroizing::new(Vec::with_capacity(need.max(self.0.capacity() * 2)));
            bigger.extend_from_slice(&self.0);
            self.0 = bigger;
        }
        self.0.extend_from_slice(&(v.len() as u32).to_be_bytes());
        self.0.extend_from_slice(v);
        self
    }

    pub fn str(self, v: &str) -> Writer {
        self.bytes(v.as_bytes())
    }

    /// Writes the frame: its length, then its body, in one write.
    pub fn send(self, w: &mut impl Write) -> std::io::Result<()> {
        let mut frame = Zeroizing::new(Vec::with_capacity(4 + self.0.len()));
        frame.extend_from_slice(&(self.0.len() as u32).to_be_bytes());
        frame.extend_from_slice(&self.0);
        w.write_all(&frame)?;
        w.flush()
    }
}

/// Reads one frame; `Ok(None)` when the peer closed the connection cleanly
/// between frames.
pub fn receive(r: &mut impl Read) -> std::io::Result<Option<Zeroizing<Vec<u8>>>> {
    let mut len = [0u8; 4];
    let mut got = 0;
    while got < 4 {
        match r.read(&mut len[got..]) {
            Ok(0) if got == 0 => return Ok(None),
            Ok(0) => return Err(std::io::ErrorKind::UnexpectedEof.into()),
            Ok(n) => got += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    let len = u32::from_be_bytes(len) as usize;
    if len == 0 || len > MAX_FRAME {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            "a frame of an impossible size",
        ));
    }
    let mut body = Zeroizing::new(vec![0u8; len]);
    r.read_exact(&mut body)?;
    Ok(Some(body))
}

/// Reads fields off a frame's body.
pub struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    /// The message kind and a reader over its fields.
    pub fn new(body: &'a [u8]) -> Result<(u8, Reader<'a>), Malformed> {
        let (&kind, rest) = body.split_first().ok_or(Malformed)?;
        Ok((kind, Reader(rest)))
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], Malformed> {
        if self.0.len() < n {
            return Err(Malformed);
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Ok(head)
    }

    pub fn u8(&mut self) -> Result<u8, Malformed> {
        Ok(self.take(1)?[0])
    }

    pub fn u32(&mut self) -> Result<u32, Malformed> {
        Ok(u32::from_be_bytes(
            self.take(4)?.try_into().map_err(|_| Malformed)?,
        ))
    }

    pub fn i64(&mut self) -> Result<i64, Malformed> {
        Ok(i64::from_be_bytes(
            self.take(8)?.try_into().map_err(|_| Malformed)?,
        ))
    }

    pub fn bytes(&mut self) -> Result<&'a [u8], Malformed> {
        let n = self.u32()? as usize;
        self.take(n)
    }

    pub fn str(&mut self) -> Result<&'a str, Malformed> {
        std::str::from_utf8(self.bytes()?).map_err(|_| Malformed)
    }

    /// A count of items that follow, each at least `min` bytes long: a
    /// count the frame cannot hold is refused before anything is allocated.
    pub fn count(&mut self, min: usize) -> Result<usize, Malformed> {
        let n = self.u32()? as usize;
        if n.saturating_mul(min.max(1)) > self.0.len() {
            return Err(Malformed);
        }
        Ok(n)
    }

    /// Fails unless every byte was read.
    pub fn end(&self) -> Result<(), Malformed> {
        self.0.is_empty().then_some(()).ok_or(Malformed)
    }
}

/// An identity's description, as `STATUS_OK` carries it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Held {
    pub path: String,
    pub digest: [u8; 32],
    pub recipient: String,
    pub kind: String,
    pub verifying_key: String,
    /// Unix seconds.
    pub expires_at: i64,
}

/// `STATUS_OK`: what the agent holds, and its pid.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Status {
    pub held: Option<Held>,
    pub pid: u32,
}

impl Status {
    pub fn write(&self) -> Writer {
        let w = Writer::new(STATUS_OK).u32(self.pid);
        match &self.held {
            None => w.u8(0),
            Some(h) => w
                .u8(1)
                .str(&h.path)
                .bytes(&h.digest)
                .str(&h.recipient)
                .str(&h.kind)
                .str(&h.verifying_key)
                .i64(h.expires_at),
        }
    }

    pub fn read(r: &mut Reader<'_>) -> Result<Status, Malformed> {
        let pid = r.u32()?;
        let held = match r.u8()? {
            0 => None,
            1 => Some(Held {
                path: r.str()?.to_owned(),
                digest: r.bytes()?.try_into().map_err(|_| Malformed)?,
                recipient: r.str()?.to_owned(),
                kind: r.str()?.to_owned(),
                verifying_key: r.str()?.to_owned(),
                expires_at: r.i64()?,
            }),
            _ => return Err(Malformed),
        };
        r.end()?;
        Ok(Status { held, pid })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_round_trips_and_truncations_are_refused() {
        let s = Status {
            held: Some(Held {
                path: "/home/a/.config/vault/identity.txt".into(),
                digest: [7; 32],
                recipient: "age1xyz".into(),
                kind: "age-x25519-passphrase".into(),
                verifying_key: "vault-ed25519:AAAA".into(),
                expires_at: 1_800_000_000,
            }),
            pid: 42,
        };
        let mut wire = Vec::new();
        s.write().send(&mut wire).unwrap();
        let body = receive(&mut &wire[..]).unwrap().unwrap();
        let (kind, mut r) = Reader::new(&body).unwrap();
        assert_eq!(kind, STATUS_OK);
        assert_eq!(Status::read(&mut r).unwrap(), s);
        for cut in 1..body.len() {
            let (_, mut r) = Reader::new(&body[..cut]).unwrap();
            assert!(Status::read(&mut r).is_err(), "a frame cut at {cut} parsed");
        }
    }

    #[test]
    fn impossible_lengths_and_counts_are_refused_before_allocating() {
        let huge = (MAX_FRAME as u32 + 1).to_be_bytes();
        assert!(receive(&mut &huge[..]).is_err());
        assert!(receive(&mut &[0u8, 0, 0, 0][..]).is_err());
        assert!(receive(&mut &[][..]).unwrap().is_none());
        let body = Writer::new(SIGN).u8(0).u32(u32::MAX);
        let mut wire = Vec::new();
        body.send(&mut wire).unwrap();
        let body = receive(&mut &wire[..]).unwrap().unwrap();
        let (_, mut r) = Reader::new(&body).unwrap();
        r.u8().unwrap();
        assert!(r.count(4).is_err());
    }
}
