//! Browser sessions: the cookie the login page obtains in exchange for the token.
//!
//! A cookie is `<issued unix seconds>.<HMAC-SHA256(key, issued "." token digest)>`. The key is
//! derived from `WIKIMIND_SECRET_KEY` when it is set (so gateways on machines that share no
//! directory accept the same sessions), else random and kept in `<data dir>/session.key` (so
//! every gateway on a shared volume does, and a restart keeps them); it never leaves the
//! server: a stolen cookie does not let anyone test guesses of the token offline. The server
//! enforces the age limit itself, and changing the token, or the key (the variable, or deleting
//! the key file when the variable is unset), ends every session.

use std::io::Write as _;
use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use sha2::{Digest, Sha256};

use crate::auth::constant_time_eq;

/// How long a session lasts after login.
pub const SESSION_MAX_AGE: Duration = Duration::from_secs(30 * 24 * 3600);

/// A live session, as read from a valid cookie.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// The cookie's signature, which names the session (a logout records it).
    pub signature: String,
    /// When the cookie stops being accepted anyway.
    pub expires_at: SystemTime,
}

/// The server's secret for signing session cookies.
#[derive(Clone)]
pub struct SessionKey([u8; 32]);

impl std::fmt::Debug for SessionKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SessionKey(..)")
    }
}

impl SessionKey {
    /// The deployment's key: derived from `WIKIMIND_SECRET_KEY` when set (apart from the key
    /// that seals stored secrets), else the data directory's (see [`SessionKey::load_or_create`]).
    pub fn for_settings(settings: &shared::config::Settings) -> std::io::Result<Self> {
        match &settings.secret_key {
            Some(secret) => Ok(Self::from_passphrase(secret.expose())),
            None => Self::load_or_create(&settings.data_dir),
        }
    }

    fn from_passphrase(passphrase: &str) -> Self {
        Self(shared::secrets::derive_key(
            b"wikimind session key v1",
            passphrase,
        ))
    }

    /// Reads `<dir>/session.key`, creating it with a fresh random key (mode 0600) if absent.
    /// Two processes racing to create it both end up with the one that was written first.
    pub fn load_or_create(dir: &Path) -> std::io::Result<Self> {
        let path = dir.join("session.key");
        if let Some(key) = Self::read(&path)? {
            return Ok(key);
        }
        let key = Self::random();
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        match options.open(&path) {
            Ok(mut file) => {
                file.write_all(hex::encode(key.0).as_bytes())?;
                file.sync_all()?;
                Ok(key)
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Self::read(&path)?
                .ok_or_else(|| std::io::Error::other("session.key is empty or malformed")),
            Err(e) => Err(e),
        }
    }

    fn read(path: &Path) -> std::io::Result<Option<Self>> {
        match std::fs::read_to_string(path) {
            Ok(text) => Ok(hex::decode(text.trim())
                .ok()
                .and_then(|bytes| <[u8; 32]>::try_from(bytes).ok())
                .map(Self)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// 32 bytes from the operating system's generator (UUIDv4 draws them from `getrandom`;
    /// two of them carry 244 random bits).
    fn random() -> Self {
        let mut key = [0u8; 32];
        key[..16].copy_from_slice(uuid::Uuid::new_v4().as_bytes());
        key[16..].copy_from_slice(uuid::Uuid::new_v4().as_bytes());
        Self(key)
    }

    /// A key for tests.
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// HMAC-SHA256 (RFC 2104) of `message`.
    fn sign(&self, message: &[u8]) -> [u8; 32] {
        let mut ipad = [0x36u8; 64];
        let mut opad = [0x5cu8; 64];
        for (i, b) in self.0.iter().enumerate() {
            ipad[i] ^= b;
            opad[i] ^= b;
        }
        let inner = Sha256::new()
            .chain_update(ipad)
            .chain_update(message)
            .finalize();
        Sha256::new()
            .chain_update(opad)
            .chain_update(inner)
            .finalize()
            .into()
    }

    fn message(issued: u64, token: &str) -> Vec<u8> {
        // The token enters as a digest so that its length and bytes never shape the message.
        let token_digest = Sha256::digest(token.as_bytes());
        let mut m = issued.to_string().into_bytes();
        m.push(b'.');
        m.extend_from_slice(&token_digest);
        m
    }

    /// A cookie value for a session starting at `now` under `token`.
    pub fn mint(&self, token: &str, now: SystemTime) -> String {
        let issued = now.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
        format!(
            "{issued}.{}",
            hex::encode(self.sign(&Self::message(issued, token)))
        )
    }

    /// The session `cookie` stands for, when it was minted by this key under `token` and is not
    /// older than [`SESSION_MAX_AGE`] (nor from the future, beyond a minute of clock skew).
    /// Whether it was ended by a logout is for the caller to ask the database.
    pub fn verify(&self, cookie: &str, token: &str, now: SystemTime) -> Option<Session> {
        let (issued, mac) = cookie.split_once('.')?;
        let issued = issued.parse::<u64>().ok()?;
        let now = now.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
        if issued > now + 60 || now.saturating_sub(issued) > SESSION_MAX_AGE.as_secs() {
            return None;
        }
        let expected = hex::encode(self.sign(&Self::message(issued, token)));
        constant_time_eq(mac.as_bytes(), expected.as_bytes()).then(|| Session {
            signature: expected,
            expires_at: UNIX_EPOCH + Duration::from_secs(issued) + SESSION_MAX_AGE,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_matches_the_rfc_4231_vector() {
        // RFC 4231 test case 2 uses a 4-byte key; pad it the way HMAC does.
        let mut key = [0u8; 32];
        key[..4].copy_from_slice(b"Jefe");
        let mac = SessionKey(key).sign(b"what do ya want for nothing?");
        assert_eq!(
            hex::encode(mac),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn a_session_is_bound_to_the_key_the_token_and_its_age() {
        let key = SessionKey::from_bytes([7; 32]);
        let now = SystemTime::now();
        let cookie = key.mint("secret", now);
        let session = key.verify(&cookie, "secret", now).expect("valid");
        assert!(cookie.ends_with(&session.signature));
        assert!(session.expires_at > now + SESSION_MAX_AGE - Duration::from_secs(5));
        assert!(key.verify(&cookie, "rotated", now).is_none());
        assert!(
            SessionKey::from_bytes([8; 32])
                .verify(&cookie, "secret", now)
                .is_none()
        );
        let later = now + SESSION_MAX_AGE + Duration::from_secs(120);
        assert!(key.verify(&cookie, "secret", later).is_none());
        let (issued, mac) = cookie.split_once('.').expect("two parts");
        let forged = format!("{}.{mac}", issued.parse::<u64>().expect("n") + 1);
        assert!(key.verify(&forged, "secret", now).is_none());
        assert!(key.verify("garbage", "secret", now).is_none());
        assert!(!cookie.contains("secret"));
    }

    #[test]
    fn the_key_file_is_created_once_and_reused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let a = SessionKey::load_or_create(dir.path()).expect("create");
        let b = SessionKey::load_or_create(dir.path()).expect("reuse");
        assert_eq!(a.0, b.0);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(dir.path().join("session.key"))
                .expect("meta")
                .permissions()
                .mode();
            assert_eq!(mode & 0o077, 0, "only the owner can read the key");
        }
    }

    #[test]
    fn machines_sharing_the_secret_key_accept_each_others_sessions() {
        let settings = |secret: Option<&str>| {
            let dir = tempfile::tempdir().expect("tempdir");
            let mut s = shared::config::Settings::for_data_dir(dir.path());
            s.secret_key = secret.map(shared::config::Secret::new);
            (dir, s)
        };
        let shared_secret = "0123456789abcdef0123456789abcdef-shared";
        let (_a_dir, a) = settings(Some(shared_secret));
        let (_b_dir, b) = settings(Some(shared_secret));
        let (_c_dir, c) = settings(Some("another-deployment-0123456789abcdef"));
        let (_d_dir, d) = settings(None);
        let now = SystemTime::now();
        let cookie = SessionKey::for_settings(&a).expect("a").mint("token", now);
        let accepts = |s: &shared::config::Settings| {
            SessionKey::for_settings(s)
                .expect("key")
                .verify(&cookie, "token", now)
                .is_some()
        };
        assert!(accepts(&b), "another machine of the deployment");
        assert!(!accepts(&c), "another deployment");
        assert!(!accepts(&d), "a data directory's own key");
        assert!(
            d.data_dir.join("session.key").is_file(),
            "without the variable the key lives in the data directory"
        );
        assert!(!a.data_dir.join("session.key").exists());
    }
}
