//! `raw/` and `wiki/` in an S3-compatible bucket (AWS S3, R2, Tigris, MinIO), so machines
//! that share nothing else share them. A key is an object under the configured prefix; a
//! put replaces an object whole, so readers never see one half written, and the log is
//! appended to by compare-and-swap on the object's ETag, so two machines appending at once
//! both keep their entry.

use object_store::aws::{AmazonS3Builder, AmazonS3ConfigKey};
use object_store::path::Path;
use object_store::{
    ObjectStore, ObjectStoreExt, PutMode, PutOptions, PutPayload, RetryConfig, UpdateVersion,
};

use futures::TryStreamExt;

use super::{StorageError, StorageResult};
use crate::config::BucketSettings;

/// Attempts at appending to the log while others append to it too.
const APPEND_ATTEMPTS: u32 = 20;

/// How long a readiness check's write to the bucket stands for the next ones: readiness is
/// polled often and answered without authentication, and each write is a paid request. A
/// failure stands for less, so a bucket that is back is seen soon.
const CHECK_INTERVAL: std::time::Duration = std::time::Duration::from_secs(30);
const FAILED_CHECK_INTERVAL: std::time::Duration = std::time::Duration::from_secs(5);

/// A bucket and the prefix the wiki's files live under in it.
#[derive(Debug)]
pub(super) struct Bucket {
    store: Box<dyn ObjectStore>,
    prefix: String,
    url: String,
    /// When the last readiness probe was sent, and whether the bucket took it. Held while a
    /// probe is out, so readiness calls at once send one probe between them.
    checked: tokio::sync::Mutex<Option<(std::time::Instant, bool)>>,
}

fn bucket_err(key: &str) -> impl FnOnce(object_store::Error) -> StorageError + '_ {
    move |source| StorageError::Bucket {
        key: key.to_owned(),
        source,
    }
}

impl Bucket {
    /// Builds the client (no request is sent): the URL names the bucket, the options
    /// (`AWS_*` variables) the endpoint, region and credentials.
    pub(super) fn connect(settings: &BucketSettings) -> StorageResult<Self> {
        let mut builder = AmazonS3Builder::new()
            .with_url(settings.url.as_str())
            // A bucket that refuses connections fails a request within seconds, not after the
            // default three minutes of retries (one that accepts and never answers still
            // takes the client's 30 s timeout per attempt).
            .with_retry(RetryConfig {
                max_retries: 3,
                retry_timeout: std::time::Duration::from_secs(15),
                ..RetryConfig::default()
            });
        for (name, value) in &settings.options {
            // Other tools' AWS_* variables (AWS_CA_BUNDLE, AWS_PROFILE) may be set too: only
            // the ones an S3 client takes are given to it, as every AWS client does.
            match name.to_ascii_lowercase().parse::<AmazonS3ConfigKey>() {
                Ok(key) => builder = builder.with_config(key, value.expose()),
                Err(_) => tracing::debug!(variable = %name, "not an S3 client setting; ignored"),
            }
        }
        let store = builder.build().map_err(bucket_err(&settings.url))?;
        Ok(Self {
            store: Box::new(store),
            prefix: settings.prefix.clone(),
            checked: tokio::sync::Mutex::new(None),
            url: match settings.prefix.as_str() {
                "" => settings.url.clone(),
                prefix => format!("{}/{prefix}", settings.url),
            },
        })
    }

    pub(super) fn url(&self) -> &str {
        &self.url
    }

    fn path(&self, key: &str) -> StorageResult<Path> {
        let full = if self.prefix.is_empty() {
            key.to_owned()
        } else {
            format!("{}/{key}", self.prefix)
        };
        Path::parse(&full).map_err(|e| StorageError::Bucket {
            key: key.to_owned(),
            source: e.into(),
        })
    }

    pub(super) async fn put(&self, key: &str, bytes: Vec<u8>) -> StorageResult<()> {
        self.store
            .put(&self.path(key)?, PutPayload::from(bytes))
            .await
            .map_err(bucket_err(key))?;
        Ok(())
    }

    pub(super) async fn get(&self, key: &str) -> StorageResult<Option<Vec<u8>>> {
        match self.store.get(&self.path(key)?).await {
            Ok(found) => Ok(Some(found.bytes().await.map_err(bucket_err(key))?.to_vec())),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(bucket_err(key)(e)),
        }
    }

    pub(super) async fn len(&self, key: &str) -> StorageResult<Option<u64>> {
        match self.store.head(&self.path(key)?).await {
            Ok(meta) => Ok(Some(meta.size)),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(bucket_err(key)(e)),
        }
    }

    pub(super) async fn delete(&self, key: &str) -> StorageResult<()> {
        match self.store.delete(&self.path(key)?).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(bucket_err(key)(e)),
        }
    }

    /// Keys under `dir`, sorted.
    pub(super) async fn list(&self, dir: &str) -> StorageResult<Vec<String>> {
        let prefix = self.path(dir)?;
        let strip = if self.prefix.is_empty() {
            0
        } else {
            self.prefix.len() + 1
        };
        let mut keys: Vec<String> = self
            .store
            .list(Some(&prefix))
            .map_ok(|meta| meta.location.as_ref()[strip..].to_owned())
            .try_collect()
            .await
            .map_err(bucket_err(dir))?;
        keys.sort();
        Ok(keys)
    }

    /// Writes and removes `probe`, unless the last probe is recent enough to stand.
    pub(super) async fn check_writable(&self, probe: &str) -> StorageResult<()> {
        let mut checked = self.checked.lock().await;
        match *checked {
            Some((at, true)) if at.elapsed() < CHECK_INTERVAL => return Ok(()),
            Some((at, false)) if at.elapsed() < FAILED_CHECK_INTERVAL => {
                return Err(bucket_err(probe)(object_store::Error::Generic {
                    store: "S3",
                    source: format!(
                        "the bucket refused a write {} s ago",
                        at.elapsed().as_secs()
                    )
                    .into(),
                }));
            }
            _ => {}
        }
        let outcome = match self.put(probe, b"ok".to_vec()).await {
            Ok(()) => self.delete(probe).await,
            Err(e) => Err(e),
        };
        *checked = Some((std::time::Instant::now(), outcome.is_ok()));
        outcome
    }

    /// Appends `text` to the object at `key` (creating it with `header` first): read it with
    /// its ETag, put it back only if nobody changed it meanwhile, else read again.
    pub(super) async fn append(&self, key: &str, header: &str, text: &str) -> StorageResult<()> {
        let path = self.path(key)?;
        let mut last = None;
        for attempt in 0..APPEND_ATTEMPTS {
            if attempt > 0 {
                // Writers that collided do not collide again at once.
                let jitter = u64::from(uuid::Uuid::new_v4().as_bytes()[0]) % 20;
                tokio::time::sleep(std::time::Duration::from_millis(
                    u64::from(attempt) * 10 + jitter,
                ))
                .await;
            }
            let (mut content, mode) = match self.store.get(&path).await {
                Ok(found) => {
                    let version = UpdateVersion {
                        e_tag: found.meta.e_tag.clone(),
                        version: found.meta.version.clone(),
                    };
                    let bytes = found.bytes().await.map_err(bucket_err(key))?;
                    (bytes.to_vec(), PutMode::Update(version))
                }
                Err(object_store::Error::NotFound { .. }) => {
                    (header.as_bytes().to_vec(), PutMode::Create)
                }
                Err(e) => return Err(bucket_err(key)(e)),
            };
            content.extend_from_slice(text.as_bytes());
            let options = PutOptions {
                mode,
                ..PutOptions::default()
            };
            match self
                .store
                .put_opts(&path, PutPayload::from(content), options)
                .await
            {
                Ok(_) => return Ok(()),
                Err(
                    e @ (object_store::Error::Precondition { .. }
                    | object_store::Error::AlreadyExists { .. }),
                ) => last = Some(e),
                Err(e) => return Err(bucket_err(key)(e)),
            }
        }
        Err(bucket_err(key)(last.unwrap_or_else(|| {
            object_store::Error::Generic {
                store: "S3",
                source: "the log kept changing while it was appended to".into(),
            }
        })))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Secret;

    fn settings(options: &[(&str, &str)]) -> BucketSettings {
        BucketSettings {
            url: "s3://wiki-files".to_owned(),
            prefix: "team".to_owned(),
            options: options
                .iter()
                .map(|(k, v)| ((*k).to_owned(), Secret::new(*v)))
                .collect(),
        }
    }

    #[test]
    fn other_tools_aws_variables_do_not_stop_the_client() {
        // Building sends nothing.
        let bucket = Bucket::connect(&settings(&[
            ("AWS_ENDPOINT_URL", "http://127.0.0.1:9"),
            ("AWS_ALLOW_HTTP", "true"),
            ("AWS_CA_BUNDLE", "/etc/ssl/certs/ca-certificates.crt"),
            ("AWS_PROFILE", "default"),
        ]))
        .expect("built");
        assert_eq!(bucket.url(), "s3://wiki-files/team");
        assert_eq!(
            bucket.path("wiki/heapq.md").expect("path").as_ref(),
            "team/wiki/heapq.md"
        );
    }
}
