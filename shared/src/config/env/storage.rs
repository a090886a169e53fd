//! `WIKIMIND_STORAGE__URL`: an S3-compatible bucket for `raw/` and `wiki/`.
//!
//! `s3://<bucket>[/<prefix>]` puts the files under `<prefix>/` in the bucket; unset keeps
//! them in the data directory. The endpoint, region and credentials come from the standard
//! `AWS_*` variables every S3 client reads (`AWS_ENDPOINT_URL`, `AWS_REGION`,
//! `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_ALLOW_HTTP` for a local server), which
//! is what Fly sets for a Tigris bucket.

use super::{ConfigError, EnvSource};
use crate::config::{BucketSettings, Secret};

const URL: &str = "WIKIMIND_STORAGE__URL";

/// Reads the bucket settings; `None` when the files stay in the data directory.
pub(super) fn bucket_settings(src: &EnvSource) -> Result<Option<BucketSettings>, ConfigError> {
    let Some(raw) = src.get(URL) else {
        return Ok(None);
    };
    let invalid = |message: &str| ConfigError::Invalid {
        var: URL,
        value: raw.to_owned(),
        message: message.to_owned(),
    };
    let rest = raw
        .strip_prefix("s3://")
        .ok_or_else(|| invalid("expected s3://<bucket>[/<prefix>]"))?;
    let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
    let bucket_ok = (3..=63).contains(&bucket.len())
        && bucket
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.');
    if !bucket_ok {
        return Err(invalid(
            "the bucket name must be 3 to 63 lowercase letters, digits, dots and dashes",
        ));
    }
    let prefix = prefix.trim_matches('/');
    if prefix
        .split('/')
        .any(|part| part == "." || part == ".." || (part.is_empty() && !prefix.is_empty()))
    {
        return Err(invalid(
            "the prefix must be a plain path such as wiki/personal",
        ));
    }
    let options = src
        .with_prefix("AWS_")
        .map(|(name, value)| (name.to_owned(), Secret::new(value)))
        .collect();
    Ok(Some(BucketSettings {
        url: format!("s3://{bucket}"),
        prefix: prefix.to_owned(),
        options,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(pairs: &[(&str, &str)]) -> Result<Option<BucketSettings>, ConfigError> {
        bucket_settings(&EnvSource::from_pairs(pairs.iter().copied()))
    }

    #[test]
    fn a_bucket_url_names_the_bucket_and_a_prefix_and_takes_the_aws_variables() {
        assert!(load(&[]).expect("unset").is_none());
        let s = load(&[
            (URL, "s3://wiki-files/team/one/"),
            ("AWS_ENDPOINT_URL", "http://127.0.0.1:9000"),
            ("AWS_SECRET_ACCESS_KEY", "s3cret"),
            ("HOME", "/home/ada"),
        ])
        .expect("valid")
        .expect("set");
        assert_eq!(s.url, "s3://wiki-files");
        assert_eq!(s.prefix, "team/one");
        let mut names: Vec<_> = s.options.iter().map(|(n, _)| n.as_str()).collect();
        names.sort_unstable();
        assert_eq!(names, ["AWS_ENDPOINT_URL", "AWS_SECRET_ACCESS_KEY"]);
        assert!(
            !format!("{s:?}").contains("s3cret"),
            "credentials stay out of logs"
        );
        assert_eq!(
            load(&[(URL, "s3://wiki")])
                .expect("valid")
                .expect("set")
                .prefix,
            ""
        );
    }

    #[test]
    fn other_urls_and_bad_names_are_refused_naming_the_variable() {
        for bad in [
            "/var/lib/wikimind",
            "https://example.invalid/bucket",
            "s3://",
            "s3://Wiki_Files",
            "s3://ab",
            "s3://wiki/a/../b",
            "s3://wiki/a//b",
        ] {
            let e = load(&[(URL, bad)]).expect_err(bad).to_string();
            assert!(e.contains(URL), "{bad}: {e}");
        }
    }
}
