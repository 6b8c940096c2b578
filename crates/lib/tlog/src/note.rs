//! C2SP signed notes (c2sp.org/signed-note): text signed by one or more keys, verifier keys
//! (`vkey`), signer keys (`skey`, Go's `PRIVATE+KEY+…` form) and the key ID.
//!
//! Parsing is strict: a note that is not valid UTF-8, holds a control character other than newline,
//! does not end in a newline, has no signature, has a line after the signatures that is not a
//! signature, a key name with a space or `+`, non-canonical base64, or more than
//! [`MAX_SIGNATURES`] signatures is malformed and rejected before any signature is looked at.
//!
//! Verification follows the spec: signatures by unknown keys are ignored (that is what lets a log
//! rotate keys and witnesses add cosignatures), a signature by a known key that fails rejects the
//! whole note, and at least one known key must have signed.
//!
//! Two key types are supported: Ed25519 note signatures (type 0x01, the log's own key) and
//! Ed25519 `cosignature/v1` (type 0x04, witnesses; see [`crate::cosignature`]).

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};

use crate::cosignature::cosigned_message;

/// Go's `sumdb/note` refuses notes with more signatures than this; the spec asks verifiers to
/// accept at least 16.
pub const MAX_SIGNATURES: usize = 100;

/// The signature algorithms this crate signs and verifies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyType {
    /// Ed25519 over the note text (signature type 0x01).
    Ed25519,
    /// Timestamped Ed25519 checkpoint cosignature, c2sp.org/tlog-cosignature (type 0x04).
    CosignatureV1,
}

impl KeyType {
    /// The signature type identifier byte of c2sp.org/signed-note.
    pub fn type_byte(self) -> u8 {
        match self {
            KeyType::Ed25519 => 0x01,
            KeyType::CosignatureV1 => 0x04,
        }
    }

    fn from_byte(byte: u8) -> Option<KeyType> {
        match byte {
            0x01 => Some(KeyType::Ed25519),
            0x04 => Some(KeyType::CosignatureV1),
            _ => None,
        }
    }

    /// Length of the signature bytes after the 4-byte key ID.
    fn signature_len(self) -> usize {
        match self {
            KeyType::Ed25519 => 64,
            KeyType::CosignatureV1 => 8 + 64,
        }
    }
}

/// Everything that can be wrong with a note or a key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NoteError {
    #[error("malformed note: {0}")]
    Malformed(String),
    #[error("malformed verifier key {key:?}: {reason}")]
    BadVerifierKey { key: String, reason: String },
    #[error("malformed signer key: {0}")]
    BadSignerKey(String),
    #[error("invalid key name {0:?}: a key name must be non-empty with no spaces and no '+'")]
    BadKeyName(String),
    #[error(
        "the signature by {name} (key ID {key_id:08x}) does not verify: the note was altered or signed by another key"
    )]
    BadSignature { name: String, key_id: u32 },
    #[error("the note has no valid signature by a trusted key (it is signed by: {signed_by})")]
    NoTrustedSignature { signed_by: String },
    #[error("a {0:?} key cannot make this kind of signature")]
    WrongKeyType(KeyType),
    #[error("a cosignature timestamp must be below 2^63, found {0}")]
    TimestampTooLarge(u64),
}

/// `SHA-256(name || 0x0A || type || public key)[:4]` as a big-endian integer (c2sp.org/signed-note,
/// "Signatures"; tlog-cosignature uses the same with type 0x04).
pub fn key_id(name: &str, key_type: KeyType, public_key: &[u8; 32]) -> u32 {
    let mut hasher = Sha256::new();
    hasher.update(name.as_bytes());
    hasher.update([b'\n', key_type.type_byte()]);
    hasher.update(public_key);
    let digest = hasher.finalize();
    u32::from_be_bytes([digest[0], digest[1], digest[2], digest[3]])
}

/// A key name is non-empty and has no Unicode space and no `+` (c2sp.org/signed-note, "Format").
pub fn is_valid_key_name(name: &str) -> bool {
    !name.is_empty() && !name.chars().any(|c| c.is_whitespace() || c == '+')
}

fn check_key_name(name: &str) -> Result<(), NoteError> {
    if is_valid_key_name(name) {
        Ok(())
    } else {
        Err(NoteError::BadKeyName(name.to_owned()))
    }
}

fn parse_key_id_hex(text: &str) -> Option<u32> {
    if text.len() != 8
        || !text
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    {
        return None;
    }
    u32::from_str_radix(text, 16).ok()
}

/// A public key that checks signatures: the `vkey` form is `name+hex(keyID)+base64(type||key)`.
#[derive(Clone, PartialEq, Eq)]
pub struct VerifierKey {
    name: String,
    key_id: u32,
    key_type: KeyType,
    public: VerifyingKey,
}

impl VerifierKey {
    /// Parses a vkey. The name ends at the first `+`, the key ID at the second; the rest is base64,
    /// which may itself contain `+` (LEDGER-AND-ROLL.md §4.2). The key ID must match the key.
    pub fn parse(vkey: &str) -> Result<VerifierKey, NoteError> {
        let bad = |reason: &str| NoteError::BadVerifierKey {
            key: vkey.to_owned(),
            reason: reason.to_owned(),
        };
        let (name, rest) = vkey
            .split_once('+')
            .ok_or_else(|| bad("expected NAME+KEYID+KEY"))?;
        let (id_hex, key_b64) = rest
            .split_once('+')
            .ok_or_else(|| bad("expected NAME+KEYID+KEY"))?;
        if !is_valid_key_name(name) {
            return Err(bad("the key name is empty or has a space or '+'"));
        }
        let key_id = parse_key_id_hex(id_hex)
            .ok_or_else(|| bad("the key ID must be 8 lowercase hex digits"))?;
        let material = STANDARD
            .decode(key_b64)
            .map_err(|_| bad("the key is not standard base64"))?;
        let (&type_byte, public) = material
            .split_first()
            .ok_or_else(|| bad("the key is empty"))?;
        let key_type =
            KeyType::from_byte(type_byte).ok_or_else(|| bad("unknown signature type"))?;
        let public: [u8; 32] = public
            .try_into()
            .map_err(|_| bad("an Ed25519 public key must be 32 bytes"))?;
        if key_id != self::key_id(name, key_type, &public) {
            return Err(bad("the key ID does not match the name and key"));
        }
        let public =
            VerifyingKey::from_bytes(&public).map_err(|_| bad("not a valid Ed25519 public key"))?;
        Ok(VerifierKey {
            name: name.to_owned(),
            key_id,
            key_type,
            public,
        })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn key_id(&self) -> u32 {
        self.key_id
    }

    pub fn key_type(&self) -> KeyType {
        self.key_type
    }

    /// The raw 32-byte Ed25519 public key.
    pub fn public_key(&self) -> [u8; 32] {
        self.public.to_bytes()
    }

    /// Whether the signature bytes (after the key ID) verify over `text`. For a cosignature key the
    /// bytes are `u64 BE timestamp || signature` over the `cosignature/v1` message; the timestamp is
    /// returned.
    fn check(&self, text: &str, signature: &[u8]) -> Result<Option<u64>, ()> {
        if signature.len() != self.key_type.signature_len() {
            return Err(());
        }
        match self.key_type {
            KeyType::Ed25519 => {
                let sig = Signature::from_slice(signature).map_err(|_| ())?;
                self.public
                    .verify_strict(text.as_bytes(), &sig)
                    .map_err(|_| ())?;
                Ok(None)
            }
            KeyType::CosignatureV1 => {
                let (time, sig) = signature.split_at(8);
                let time = u64::from_be_bytes(time.try_into().map_err(|_| ())?);
                let message = cosigned_message(text, time).map_err(|_| ())?;
                let sig = Signature::from_slice(sig).map_err(|_| ())?;
                self.public
                    .verify_strict(message.as_bytes(), &sig)
                    .map_err(|_| ())?;
                Ok(Some(time))
            }
        }
    }
}

impl fmt::Display for VerifierKey {
    /// The vkey text.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut material = vec![self.key_type.type_byte()];
        material.extend_from_slice(self.public.as_bytes());
        write!(
            f,
            "{}+{:08x}+{}",
            self.name,
            self.key_id,
            STANDARD.encode(material)
        )
    }
}

impl fmt::Debug for VerifierKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "VerifierKey({self})")
    }
}

/// A private key that signs notes. Its `Debug` output never shows the secret.
#[derive(Clone)]
pub struct SignerKey {
    name: String,
    key_id: u32,
    key_type: KeyType,
    secret: SigningKey,
}

const SKEY_PREFIX: &str = "PRIVATE+KEY+";

impl SignerKey {
    /// A signer from a 32-byte Ed25519 seed (RFC 8032 private key). The caller supplies the seed
    /// from the operating system's random source; this crate has no randomness of its own.
    pub fn from_seed(
        name: &str,
        key_type: KeyType,
        seed: [u8; 32],
    ) -> Result<SignerKey, NoteError> {
        check_key_name(name)?;
        let secret = SigningKey::from_bytes(&seed);
        let key_id = key_id(name, key_type, secret.verifying_key().as_bytes());
        Ok(SignerKey {
            name: name.to_owned(),
            key_id,
            key_type,
            secret,
        })
    }

    /// Parses `PRIVATE+KEY+name+hex(keyID)+base64(type||seed)`, the form Go's `note.NewSigner`
    /// reads. The key ID must match the key.
    pub fn parse(skey: &str) -> Result<SignerKey, NoteError> {
        let skey = skey.trim_end_matches('\n');
        let bad = |reason: &str| NoteError::BadSignerKey(reason.to_owned());
        let rest = skey
            .strip_prefix(SKEY_PREFIX)
            .ok_or_else(|| bad("it must start with PRIVATE+KEY+"))?;
        let (name, rest) = rest
            .split_once('+')
            .ok_or_else(|| bad("expected PRIVATE+KEY+NAME+KEYID+KEY"))?;
        let (id_hex, key_b64) = rest
            .split_once('+')
            .ok_or_else(|| bad("expected PRIVATE+KEY+NAME+KEYID+KEY"))?;
        check_key_name(name)?;
        let key_id = parse_key_id_hex(id_hex)
            .ok_or_else(|| bad("the key ID must be 8 lowercase hex digits"))?;
        let material = STANDARD
            .decode(key_b64)
            .map_err(|_| bad("the key is not standard base64"))?;
        let (&type_byte, seed) = material
            .split_first()
            .ok_or_else(|| bad("the key is empty"))?;
        let key_type =
            KeyType::from_byte(type_byte).ok_or_else(|| bad("unknown signature type"))?;
        let seed: [u8; 32] = seed
            .try_into()
            .map_err(|_| bad("an Ed25519 private key must be 32 bytes"))?;
        let signer = SignerKey::from_seed(name, key_type, seed)?;
        if signer.key_id != key_id {
            return Err(bad("the key ID does not match the name and key"));
        }
        Ok(signer)
    }

    /// The skey text. Whoever holds it can sign as this key: keep it in a file only its owner can
    /// read.
    pub fn to_skey(&self) -> String {
        let mut material = vec![self.key_type.type_byte()];
        material.extend_from_slice(self.secret.as_bytes());
        format!(
            "{SKEY_PREFIX}{}+{:08x}+{}",
            self.name,
            self.key_id,
            STANDARD.encode(material)
        )
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn key_id(&self) -> u32 {
        self.key_id
    }

    pub fn key_type(&self) -> KeyType {
        self.key_type
    }

    /// The matching public key.
    pub fn verifier(&self) -> VerifierKey {
        VerifierKey {
            name: self.name.clone(),
            key_id: self.key_id,
            key_type: self.key_type,
            public: self.secret.verifying_key(),
        }
    }

    /// A note signature line over `text` with an Ed25519 (type 0x01) key.
    pub fn sign(&self, text: &str) -> Result<NoteSignature, NoteError> {
        if self.key_type != KeyType::Ed25519 {
            return Err(NoteError::WrongKeyType(self.key_type));
        }
        check_text(text)?;
        let sig = self.secret.sign(text.as_bytes());
        Ok(NoteSignature {
            name: self.name.clone(),
            key_id: self.key_id,
            signature: sig.to_bytes().to_vec(),
        })
    }

    /// A `cosignature/v1` line over checkpoint `text` at POSIX time `timestamp` with a type 0x04 key.
    /// Witnesses call this through [`crate::cosignature::Witness`], after checking consistency.
    pub fn cosign(&self, text: &str, timestamp: u64) -> Result<NoteSignature, NoteError> {
        if self.key_type != KeyType::CosignatureV1 {
            return Err(NoteError::WrongKeyType(self.key_type));
        }
        check_text(text)?;
        let message = cosigned_message(text, timestamp)?;
        let sig = self.secret.sign(message.as_bytes());
        let mut signature = timestamp.to_be_bytes().to_vec();
        signature.extend_from_slice(&sig.to_bytes());
        Ok(NoteSignature {
            name: self.name.clone(),
            key_id: self.key_id,
            signature,
        })
    }
}

impl fmt::Debug for SignerKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "SignerKey({}+{:08x}, {:?}, secret redacted)",
            self.name, self.key_id, self.key_type
        )
    }
}

/// One signature line: `— name base64(keyID || signature)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteSignature {
    pub name: String,
    pub key_id: u32,
    /// The signature bytes after the key ID.
    pub signature: Vec<u8>,
}

impl NoteSignature {
    /// The line, with its final newline.
    pub fn to_line(&self) -> String {
        let mut bytes = self.key_id.to_be_bytes().to_vec();
        bytes.extend_from_slice(&self.signature);
        format!("\u{2014} {} {}\n", self.name, STANDARD.encode(bytes))
    }
}

/// A parsed (not yet verified) signed note.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    /// The text, including its final newline, without the blank separator line.
    pub text: String,
    pub signatures: Vec<NoteSignature>,
}

/// A signature that verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedSignature {
    pub name: String,
    pub key_id: u32,
    pub key_type: KeyType,
    /// The cosignature's timestamp (type 0x04 only).
    pub timestamp: Option<u64>,
}

/// Checks what the spec requires of note text: valid UTF-8 (a `&str` is), no control characters
/// other than newline, non-empty and ending in a newline.
fn check_text(text: &str) -> Result<(), NoteError> {
    if !text.ends_with('\n') {
        return Err(NoteError::Malformed(
            "the text must end with a newline".into(),
        ));
    }
    check_no_control_characters(text)
}

fn check_no_control_characters(text: &str) -> Result<(), NoteError> {
    if let Some(offset) = text.bytes().position(|b| b < 0x20 && b != b'\n') {
        return Err(NoteError::Malformed(format!(
            "control character at byte {offset} (only newlines are allowed)"
        )));
    }
    Ok(())
}

const SIGNATURE_PREFIX: &str = "\u{2014} ";

impl Note {
    /// Parses a signed note. Rejects every malformation listed in the module docs.
    pub fn parse(bytes: &[u8]) -> Result<Note, NoteError> {
        let text = std::str::from_utf8(bytes).map_err(|e| {
            NoteError::Malformed(format!("not valid UTF-8 at byte {}", e.valid_up_to()))
        })?;
        check_no_control_characters(text)?;
        if !text.ends_with('\n') {
            return Err(NoteError::Malformed(
                "the note must end with a newline".into(),
            ));
        }
        // The text ends at the last blank line; signature lines cannot be empty, so no later one.
        let split = text.rfind("\n\n").ok_or_else(|| {
            NoteError::Malformed("no blank line separating the text from the signatures".into())
        })?;
        let (body, signature_block) = (&text[..=split], &text[split + 2..]);
        if signature_block.is_empty() {
            return Err(NoteError::Malformed("the note has no signature".into()));
        }
        let mut signatures = Vec::new();
        for line in signature_block.split_terminator('\n') {
            if signatures.len() == MAX_SIGNATURES {
                return Err(NoteError::Malformed(format!(
                    "more than {MAX_SIGNATURES} signatures"
                )));
            }
            signatures.push(parse_signature_line(line)?);
        }
        Ok(Note {
            text: body.to_owned(),
            signatures,
        })
    }

    /// The note's text form: text, blank line, signature lines.
    pub fn to_text(&self) -> String {
        let mut out = self.text.clone();
        out.push('\n');
        for signature in &self.signatures {
            out.push_str(&signature.to_line());
        }
        out
    }

    /// Verifies the note against trusted `keys`: ignores signatures by other keys, rejects the
    /// note if a trusted key's signature fails, and requires at least one trusted signature.
    /// Returns the trusted signatures that verified (each key once).
    pub fn verify(&self, keys: &[VerifierKey]) -> Result<Vec<VerifiedSignature>, NoteError> {
        let mut verified: Vec<VerifiedSignature> = Vec::new();
        for signature in &self.signatures {
            let Some(key) = keys
                .iter()
                .find(|k| k.name == signature.name && k.key_id == signature.key_id)
            else {
                continue;
            };
            let timestamp = key.check(&self.text, &signature.signature).map_err(|()| {
                NoteError::BadSignature {
                    name: signature.name.clone(),
                    key_id: signature.key_id,
                }
            })?;
            if !verified
                .iter()
                .any(|v| v.name == key.name && v.key_id == key.key_id)
            {
                verified.push(VerifiedSignature {
                    name: key.name.clone(),
                    key_id: key.key_id,
                    key_type: key.key_type,
                    timestamp,
                });
            }
        }
        if verified.is_empty() {
            let signed_by: Vec<String> = self
                .signatures
                .iter()
                .map(|s| format!("{}+{:08x}", s.name, s.key_id))
                .collect();
            return Err(NoteError::NoTrustedSignature {
                signed_by: signed_by.join(", "),
            });
        }
        Ok(verified)
    }

    /// Signs `text` with each signer (Ed25519 type 0x01 keys).
    pub fn sign(text: &str, signers: &[&SignerKey]) -> Result<Note, NoteError> {
        let signatures = signers
            .iter()
            .map(|s| s.sign(text))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Note {
            text: text.to_owned(),
            signatures,
        })
    }
}

fn parse_signature_line(line: &str) -> Result<NoteSignature, NoteError> {
    let rest = line.strip_prefix(SIGNATURE_PREFIX).ok_or_else(|| {
        NoteError::Malformed(format!(
            "line {line:?} after the blank line is not a signature (\u{2014} NAME SIGNATURE)"
        ))
    })?;
    let (name, b64) = rest
        .split_once(' ')
        .ok_or_else(|| NoteError::Malformed(format!("signature line {line:?} has no signature")))?;
    if !is_valid_key_name(name) {
        return Err(NoteError::Malformed(format!(
            "signature line {line:?}: invalid key name"
        )));
    }
    let bytes = STANDARD.decode(b64).map_err(|_| {
        NoteError::Malformed(format!(
            "signature line {line:?}: the signature is not standard base64"
        ))
    })?;
    if bytes.len() < 5 {
        return Err(NoteError::Malformed(format!(
            "signature line {line:?}: the signature is too short"
        )));
    }
    let (id, signature) = bytes.split_at(4);
    let key_id = u32::from_be_bytes([id[0], id[1], id[2], id[3]]);
    Ok(NoteSignature {
        name: name.to_owned(),
        key_id,
        signature: signature.to_vec(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signer() -> SignerKey {
        SignerKey::from_seed("example.org/log", KeyType::Ed25519, [7; 32])
            .unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn sign_parse_verify_round_trip() {
        let key = signer();
        let note = Note::sign("hello\n", &[&key]).unwrap_or_else(|e| panic!("{e}"));
        let text = note.to_text();
        let parsed = Note::parse(text.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(parsed, note);
        assert_eq!(parsed.verify(&[key.verifier()]).map(|v| v.len()), Ok(1));
        assert_eq!(
            SignerKey::parse(&key.to_skey()).map(|k| k.verifier()),
            Ok(key.verifier())
        );
        assert_eq!(
            VerifierKey::parse(&key.verifier().to_string()),
            Ok(key.verifier())
        );
    }

    #[test]
    fn unknown_keys_are_ignored_but_a_bad_known_signature_rejects() {
        let key = signer();
        let other = SignerKey::from_seed("other", KeyType::Ed25519, [8; 32])
            .unwrap_or_else(|e| panic!("{e}"));
        let mut note = Note::sign("hello\n", &[&key, &other]).unwrap_or_else(|e| panic!("{e}"));
        assert!(note.verify(&[key.verifier()]).is_ok());
        assert!(matches!(
            note.verify(&[]),
            Err(NoteError::NoTrustedSignature { .. })
        ));
        note.signatures[0].signature[0] ^= 1;
        assert!(matches!(
            note.verify(&[key.verifier(), other.verifier()]),
            Err(NoteError::BadSignature { .. })
        ));
    }
}
