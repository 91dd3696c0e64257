//! The challenge/response handshake of `multiprocessing.connection`.
//!
//! The side that delivers a challenge sends `#CHALLENGE#` and a random
//! message, the other side answers with an HMAC of it keyed with the
//! authkey, and the deliverer replies `#WELCOME#` or `#FAILURE#`. A
//! Listener delivers then answers; a Client answers then delivers.
//!
//! Python ≤ 3.11 sends 20 random bytes and expects the raw 16-byte
//! HMAC-MD5. Python ≥ 3.12 sends `{sha256}` and 40 random bytes and expects
//! `{sha256}` and the HMAC-SHA256 of the whole message, while still
//! accepting a raw 16-byte HMAC-MD5 from an old client, and answers a
//! 20-byte challenge of an old server with a raw HMAC-MD5.

use hmac::{Hmac, Mac};

use crate::connection::Connection;
use crate::error::{Error, ErrorKind, Result};

const CHALLENGE: &[u8] = b"#CHALLENGE#";
const WELCOME: &[u8] = b"#WELCOME#";
const FAILURE: &[u8] = b"#FAILURE#";
/// Random bytes after the `{digest}` prefix in a modern challenge.
const MESSAGE_LENGTH: usize = 40;
/// The whole (unprefixed) challenge of Python ≤ 3.11.
const MD5ONLY_MESSAGE_LENGTH: usize = 20;
const MD5_DIGEST_LEN: usize = 16;
/// Longest digest name ("sha3_256").
const MAX_DIGEST_NAME: usize = 8;
/// Handshake messages longer than this are refused (Python's `recv_bytes(256)`).
const HANDSHAKE_MAX: u64 = 256;

/// An HMAC digest of the handshake, by its Python name.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum Digest {
    /// `md5`
    Md5,
    /// `sha256` (what Python ≥ 3.12 asks for)
    Sha256,
    /// `sha384`
    Sha384,
    /// `sha3_256`
    Sha3_256,
    /// `sha3_384`
    Sha3_384,
}

impl Digest {
    /// Every digest Python's `_ALLOWED_DIGESTS` accepts.
    pub const ALL: [Digest; 5] = [
        Digest::Md5,
        Digest::Sha256,
        Digest::Sha384,
        Digest::Sha3_256,
        Digest::Sha3_384,
    ];

    /// The name Python's `hmac` knows it by, as written in a `{name}` prefix.
    pub fn name(self) -> &'static str {
        match self {
            Digest::Md5 => "md5",
            Digest::Sha256 => "sha256",
            Digest::Sha384 => "sha384",
            Digest::Sha3_256 => "sha3_256",
            Digest::Sha3_384 => "sha3_384",
        }
    }

    /// The digest of a name in a `{name}` prefix.
    pub fn from_name(name: &[u8]) -> Option<Digest> {
        Digest::ALL
            .into_iter()
            .find(|d| d.name().as_bytes() == name)
    }

    /// HMAC of `message` keyed with `key`.
    pub(crate) fn mac(self, key: &[u8], message: &[u8]) -> Vec<u8> {
        fn run<M: Mac + hmac::digest::KeyInit>(key: &[u8], message: &[u8]) -> Vec<u8> {
            // HMAC takes keys of any length: new_from_slice cannot fail.
            match <M as hmac::digest::KeyInit>::new_from_slice(key) {
                Ok(mut m) => {
                    m.update(message);
                    m.finalize().into_bytes().to_vec()
                }
                Err(_) => Vec::new(),
            }
        }
        match self {
            Digest::Md5 => run::<Hmac<md5::Md5>>(key, message),
            Digest::Sha256 => run::<Hmac<sha2::Sha256>>(key, message),
            Digest::Sha384 => run::<Hmac<sha2::Sha384>>(key, message),
            Digest::Sha3_256 => run::<Hmac<sha3::Sha3_256>>(key, message),
            Digest::Sha3_384 => run::<Hmac<sha3::Sha3_384>>(key, message),
        }
    }

    /// Constant-time check of `tag` against the HMAC of `message`.
    pub(crate) fn verify(self, key: &[u8], message: &[u8], tag: &[u8]) -> bool {
        let expected = self.mac(key, message);
        if expected.is_empty() || expected.len() != tag.len() {
            return false;
        }
        expected
            .iter()
            .zip(tag)
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
    }
}

/// What a completed handshake used, from [`Connection::auth`](crate::Connection::auth).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct AuthInfo {
    /// The digest of the peer's answer to our challenge.
    pub peer_answer: Digest,
    /// The digest of our answer to the peer's challenge.
    pub our_answer: Digest,
}

/// Which handshake a side speaks.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum Handshake {
    /// Python ≥ 3.12: challenges carry a `{digest}` prefix (this digest),
    /// answers name their digest; legacy raw HMAC-MD5 answers and 20-byte
    /// challenges from Python ≤ 3.11 are still understood. The default,
    /// with [`Digest::Sha256`].
    Negotiate(Digest),
    /// Python ≤ 3.11 exactly: 20-byte challenges, raw HMAC-MD5 answers,
    /// nothing else accepted. A modern peer still talks to it (it falls
    /// back), which is what this mode is for: testing that fallback, or
    /// matching an old deployment bit for bit.
    LegacyMd5,
}

impl Default for Handshake {
    fn default() -> Self {
        Handshake::Negotiate(Digest::Sha256)
    }
}

fn auth_error(message: impl Into<String>) -> Error {
    Error::new(ErrorKind::Authentication, message)
}

fn random_bytes(n: usize) -> Result<Vec<u8>> {
    let mut buf = vec![0u8; n];
    getrandom::fill(&mut buf).map_err(|e| {
        Error::new(
            ErrorKind::Io,
            format!("no randomness for the challenge: {e}"),
        )
    })?;
    Ok(buf)
}

/// Split a modern message into its digest and payload; `None` as digest
/// for the legacy (16- or 20-byte, unprefixed) forms.
fn digest_and_payload(message: &[u8]) -> Result<(Option<Digest>, &[u8])> {
    if message.len() == MD5ONLY_MESSAGE_LENGTH || message.len() == MD5_DIGEST_LEN {
        return Ok((None, message));
    }
    if message.first() == Some(&b'{') {
        let window = &message[1..message.len().min(MAX_DIGEST_NAME + 2)];
        if let Some(end) = window.iter().position(|&b| b == b'}') {
            if let Some(d) = Digest::from_name(&window[..end]) {
                return Ok((Some(d), &message[end + 2..]));
            }
        }
    }
    Err(auth_error(format!(
        "unsupported message length ({}), missing digest prefix, or unsupported digest",
        message.len()
    )))
}

/// Receive one handshake message (at most 256 bytes).
fn recv_small(conn: &mut Connection) -> Result<Vec<u8>> {
    conn.recv_bytes_max(HANDSHAKE_MAX)
}

/// Send a challenge, check the answer, reply `#WELCOME#` or `#FAILURE#`.
pub(crate) fn deliver_challenge(
    conn: &mut Connection,
    authkey: &[u8],
    handshake: Handshake,
) -> Result<Digest> {
    let message = match handshake {
        Handshake::Negotiate(d) => {
            let mut m = format!("{{{}}}", d.name()).into_bytes();
            m.extend_from_slice(&random_bytes(MESSAGE_LENGTH)?);
            m
        }
        Handshake::LegacyMd5 => random_bytes(MD5ONLY_MESSAGE_LENGTH)?,
    };
    let mut out = CHALLENGE.to_vec();
    out.extend_from_slice(&message);
    conn.send_bytes(&out)?;
    let response = recv_small(conn)?;
    let verdict = match handshake {
        Handshake::LegacyMd5 => {
            if Digest::Md5.verify(authkey, &message, &response) {
                Ok(Digest::Md5)
            } else {
                Err(auth_error("digest received was wrong"))
            }
        }
        Handshake::Negotiate(_) => match digest_and_payload(&response) {
            Err(e) => Err(e),
            Ok((digest, mac)) => {
                let digest = digest.unwrap_or(Digest::Md5);
                if Digest::verify(digest, authkey, &message, mac) {
                    Ok(digest)
                } else {
                    Err(auth_error(format!(
                        "digest received was wrong ({} answer of {} bytes)",
                        digest.name(),
                        mac.len()
                    )))
                }
            }
        },
    };
    match verdict {
        Ok(d) => conn.send_bytes(WELCOME).map(|()| d),
        Err(e) => {
            // The peer learns it failed; the error is ours either way.
            let _ = conn.send_bytes(FAILURE);
            Err(e)
        }
    }
}

/// Receive a challenge, answer it, expect `#WELCOME#`.
pub(crate) fn answer_challenge(
    conn: &mut Connection,
    authkey: &[u8],
    handshake: Handshake,
) -> Result<Digest> {
    let message = recv_small(conn)?;
    let Some(message) = message.strip_prefix(CHALLENGE) else {
        return Err(auth_error(format!(
            "protocol error, expected a challenge, got {} bytes starting {:?}",
            message.len(),
            String::from_utf8_lossy(&message[..message.len().min(16)])
        )));
    };
    let (used, response) = match handshake {
        Handshake::LegacyMd5 => (Digest::Md5, Digest::Md5.mac(authkey, message)),
        Handshake::Negotiate(_) => {
            if message.len() < MD5ONLY_MESSAGE_LENGTH {
                return Err(auth_error(format!(
                    "challenge too short: {} bytes",
                    message.len()
                )));
            }
            match digest_and_payload(message)? {
                (None, _) => (Digest::Md5, Digest::Md5.mac(authkey, message)),
                (Some(d), _) => {
                    let mut r = format!("{{{}}}", d.name()).into_bytes();
                    r.extend_from_slice(&d.mac(authkey, message));
                    (d, r)
                }
            }
        }
    };
    conn.send_bytes(&response)?;
    let reply = recv_small(conn)?;
    if reply != WELCOME {
        return Err(auth_error("digest sent was rejected"));
    }
    Ok(used)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc2104_md5_vector() {
        // RFC 2104 test vector 2.
        let mac = Digest::Md5.mac(b"Jefe", b"what do ya want for nothing?");
        let hex: String = mac.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(hex, "750c783e6ab0b503eaa86e310a5db738");
        assert!(Digest::Md5.verify(b"Jefe", b"what do ya want for nothing?", &mac));
        assert!(!Digest::Md5.verify(b"Jeff", b"what do ya want for nothing?", &mac));
        assert!(!Digest::Md5.verify(b"Jefe", b"what do ya want for nothing?", &mac[..15]));
    }

    #[test]
    fn prefixes() {
        let (d, p) =
            digest_and_payload(b"{sha256}0123456789012345678901234567890123456789").unwrap();
        assert_eq!(d, Some(Digest::Sha256));
        assert_eq!(p.len(), 40);
        let (d, p) = digest_and_payload(&[7u8; 16]).unwrap();
        assert_eq!((d, p.len()), (None, 16));
        let (d, _) = digest_and_payload(b"{sha3_384}xxxxxxxxxxxxxxxxxxxxxxxx").unwrap();
        assert_eq!(d, Some(Digest::Sha3_384));
        for (bad, why) in [
            (
                &b"{sha1}xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"[..],
                "a digest not accepted",
            ),
            (b"sha256}xxxxxxxxxxxxxxxxxxxxxxxx", "no opening brace"),
            (b"{sha256xxxxxxxxxxxxxxxxxxxxxxxxx", "no closing brace"),
            (b"", "empty"),
            (b"{", "a lone brace"),
            (b"{}", "an empty name"),
            (b"{md5", "an unclosed name"),
        ] {
            let e = digest_and_payload(bad).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::Authentication, "{why}: {bad:?}");
        }
    }
}
