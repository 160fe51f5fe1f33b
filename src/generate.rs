//! Random values for `vault put --generate`: characters drawn uniformly from
//! a charset with bytes from the OS random generator (getrandom).
//!
//! Uniform by rejection sampling: a byte is used only if it falls below the
//! largest multiple of the charset's size that fits in a byte, so no
//! character is more likely than another (no modulo bias).

use zeroize::Zeroizing;

use crate::error::{Error, Result};
use crate::model::Value;

/// The characters a generated value is drawn from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Charset {
    /// A-Z a-z 0-9 (62 characters)
    Alnum,
    /// Printable ASCII without space: '!' to '~' (94 characters)
    Ascii,
    /// 0-9 a-f
    Hex,
    /// The base64 alphabet: A-Z a-z 0-9 + /
    Base64,
}

pub fn alphabet(charset: Charset) -> Vec<u8> {
    match charset {
        Charset::Alnum => (b'A'..=b'Z').chain(b'a'..=b'z').chain(b'0'..=b'9').collect(),
        Charset::Ascii => (b'!'..=b'~').collect(),
        Charset::Hex => (b'0'..=b'9').chain(b'a'..=b'f').collect(),
        Charset::Base64 => (b'A'..=b'Z')
            .chain(b'a'..=b'z')
            .chain(b'0'..=b'9')
            .chain([b'+', b'/'])
            .collect(),
    }
}

/// `length` characters from `charset`.
pub fn generate(length: usize, charset: Charset) -> Result<Value> {
    let set = alphabet(charset);
    let n = set.len();
    // Bytes >= limit would make the first (256 % n) characters likelier.
    let limit = 256 - (256 % n);
    let mut out = Zeroizing::new(Vec::with_capacity(length));
    let mut pool = Zeroizing::new([0u8; 256]);
    while out.len() < length {
        getrandom::fill(&mut pool[..]).map_err(|e| {
            Error::internal(format!("the OS random generator failed: {e}"))
                .hint("try again; check /dev/urandom")
        })?;
        for &b in pool.iter() {
            if (b as usize) < limit {
                out.push(set[b as usize % n]);
                if out.len() == length {
                    break;
                }
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_and_charsets() {
        for (cs, size) in [
            (Charset::Alnum, 62),
            (Charset::Ascii, 94),
            (Charset::Hex, 16),
            (Charset::Base64, 64),
        ] {
            let set = alphabet(cs);
            assert_eq!(set.len(), size);
            let v = generate(1000, cs).unwrap();
            assert_eq!(v.len(), 1000);
            assert!(v.iter().all(|c| set.contains(c)));
        }
        assert_eq!(generate(1, Charset::Hex).unwrap().len(), 1);
    }

    #[test]
    fn roughly_uniform() {
        // 62,000 draws over 62 characters: each expected 1,000 times. A
        // modulo-biased generator would give the first 8 about 1,250.
        let v = generate(62_000, Charset::Alnum).unwrap();
        let set = alphabet(Charset::Alnum);
        for c in set {
            let k = v.iter().filter(|&&x| x == c).count();
            assert!((800..1200).contains(&k), "{} seen {k} times", c as char);
        }
    }
}
