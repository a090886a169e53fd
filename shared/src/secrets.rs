//! Secrets at rest: what Settings stores that must not be readable from the database alone
//! (provider API keys) is sealed with ChaCha20-Poly1305 under a key from `WIKIMIND_SECRET_KEY`
//! or, without it, a key generated once into the data directory (`secret.key`, readable by
//! its owner only). Each sealed value is bound to the name it is stored under, so a value
//! copied to another setting does not open.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use ring::aead::{Aad, CHACHA20_POLY1305, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use ring::rand::{SecureRandom, SystemRandom};
use sha2::{Digest, Sha256};

use crate::config::Settings;

/// The file a generated key is kept in, under the data directory.
pub const KEY_FILE: &str = "secret.key";

/// Marks the sealing scheme, so another can follow.
const SCHEME: &str = "v1";

/// Why a secret could not be sealed or opened.
#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error("the key file {path} cannot be used: {message}")]
    KeyFile { path: PathBuf, message: String },
    #[error(
        "a stored secret cannot be opened with this key (was WIKIMIND_SECRET_KEY or {KEY_FILE} changed?)"
    )]
    Unreadable,
    #[error("no randomness is available to seal a secret")]
    Randomness,
}

/// Seals and opens secrets under one key.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretBox {
    key: [u8; 32],
}

impl std::fmt::Debug for SecretBox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretBox(***)")
    }
}

/// A 32-byte key for one `purpose` from `WIKIMIND_SECRET_KEY`: keys for different purposes
/// (sealing stored secrets, signing sessions) derived from the one variable are unrelated.
pub fn derive_key(purpose: &[u8], passphrase: &str) -> [u8; 32] {
    let mut hash = Sha256::new();
    hash.update(purpose);
    hash.update(b"\0");
    hash.update(passphrase.as_bytes());
    hash.finalize().into()
}

impl SecretBox {
    /// The key of this deployment: derived from `WIKIMIND_SECRET_KEY` when set, else read
    /// from (or, the first time, generated into) the data directory's key file. Every process
    /// of a deployment must see the same one: the same variable, or the shared data directory.
    pub fn for_settings(settings: &Settings) -> Result<Self, SecretError> {
        match &settings.secret_key {
            Some(secret) => Ok(Self::from_passphrase(secret.expose())),
            None => Self::from_key_file(&settings.data_dir.join(KEY_FILE)),
        }
    }

    /// A key derived from a passphrase (`WIKIMIND_SECRET_KEY` is required to be at least 32
    /// characters, so it is a random key rather than a word to guess).
    pub fn from_passphrase(passphrase: &str) -> Self {
        Self {
            key: derive_key(b"wikimind secret key v1", passphrase),
        }
    }

    /// The key in `path` (64 hex digits), generated there when the file does not exist.
    pub fn from_key_file(path: &Path) -> Result<Self, SecretError> {
        let fail = |message: String| SecretError::KeyFile {
            path: path.to_owned(),
            message,
        };
        match std::fs::read_to_string(path) {
            Ok(text) => {
                let bytes = hex::decode(text.trim()).map_err(|e| fail(e.to_string()))?;
                let key: [u8; 32] = bytes
                    .try_into()
                    .map_err(|_| fail("expected 64 hex digits".to_owned()))?;
                Ok(Self { key })
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let mut key = [0u8; 32];
                SystemRandom::new()
                    .fill(&mut key)
                    .map_err(|_| SecretError::Randomness)?;
                match create_private(path, hex::encode(key).as_bytes()) {
                    Ok(()) => Ok(Self { key }),
                    // Another process generated it first: that one is the key.
                    Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                        Self::from_key_file(path)
                    }
                    Err(e) => Err(fail(e.to_string())),
                }
            }
            Err(e) => Err(fail(e.to_string())),
        }
    }

    fn cipher(&self) -> LessSafeKey {
        LessSafeKey::new(
            UnboundKey::new(&CHACHA20_POLY1305, &self.key)
                .unwrap_or_else(|_| unreachable!("a 32-byte key fits ChaCha20-Poly1305")),
        )
    }

    /// Seals `plain` for storage under `name`: `v1:<nonce hex>:<sealed hex>`.
    pub fn seal(&self, name: &str, plain: &str) -> Result<String, SecretError> {
        let mut nonce = [0u8; NONCE_LEN];
        SystemRandom::new()
            .fill(&mut nonce)
            .map_err(|_| SecretError::Randomness)?;
        let mut sealed = plain.as_bytes().to_vec();
        self.cipher()
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(name.as_bytes()),
                &mut sealed,
            )
            .map_err(|_| SecretError::Randomness)?;
        Ok(format!(
            "{SCHEME}:{}:{}",
            hex::encode(nonce),
            hex::encode(sealed)
        ))
    }

    /// Opens what [`SecretBox::seal`] sealed under `name`.
    pub fn open(&self, name: &str, stored: &str) -> Result<String, SecretError> {
        let mut parts = stored.splitn(3, ':');
        let (Some(SCHEME), Some(nonce), Some(sealed)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(SecretError::Unreadable);
        };
        let nonce: [u8; NONCE_LEN] = hex::decode(nonce)
            .ok()
            .and_then(|n| n.try_into().ok())
            .ok_or(SecretError::Unreadable)?;
        let mut sealed = hex::decode(sealed).map_err(|_| SecretError::Unreadable)?;
        let plain = self
            .cipher()
            .open_in_place(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(name.as_bytes()),
                &mut sealed,
            )
            .map_err(|_| SecretError::Unreadable)?;
        String::from_utf8(plain.to_vec()).map_err(|_| SecretError::Unreadable)
    }
}

/// Creates `path` with `bytes`, readable and writable by its owner only; fails with
/// `AlreadyExists` if it exists. The file appears whole or not at all: it is written under a
/// temporary name and linked into place, so a process starting at the same moment (or after
/// a crash) never reads it half-written.
fn create_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or_else(|| Path::new("."));
    std::fs::create_dir_all(dir)?;
    let temp = dir.join(format!(".{KEY_FILE}.{}.tmp", std::process::id()));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let written = options.open(&temp).and_then(|mut file| {
        file.write_all(bytes)?;
        file.sync_all()
    });
    let linked = written.and_then(|()| std::fs::hard_link(&temp, path));
    let _ = std::fs::remove_file(&temp);
    linked
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_secret_opens_only_under_its_name_and_key() {
        let secrets = SecretBox::from_passphrase("correct horse");
        let sealed = secrets
            .seal("llm.openai.api_key", "sk-live-123")
            .expect("sealed");
        assert!(!sealed.contains("sk-live-123"));
        assert_ne!(
            sealed,
            secrets
                .seal("llm.openai.api_key", "sk-live-123")
                .expect("sealed"),
            "a fresh nonce each time"
        );
        assert_eq!(
            secrets.open("llm.openai.api_key", &sealed).expect("opens"),
            "sk-live-123"
        );
        assert!(secrets.open("llm.google.api_key", &sealed).is_err());
        assert!(
            SecretBox::from_passphrase("other")
                .open("llm.openai.api_key", &sealed)
                .is_err()
        );
        assert!(secrets.open("llm.openai.api_key", "v1:zz:zz").is_err());
        assert!(secrets.open("llm.openai.api_key", "plain text").is_err());
    }

    #[test]
    fn a_generated_key_file_is_private_and_kept() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join(KEY_FILE);
        let first = SecretBox::from_key_file(&path).expect("generated");
        let sealed = first.seal("n", "v").expect("sealed");
        let again = SecretBox::from_key_file(&path).expect("read");
        assert_eq!(again.open("n", &sealed).expect("same key"), "v");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).expect("meta").permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        std::fs::write(&path, "not hex").expect("write");
        assert!(matches!(
            SecretBox::from_key_file(&path),
            Err(SecretError::KeyFile { .. })
        ));
    }
}
