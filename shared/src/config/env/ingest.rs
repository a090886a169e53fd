//! `WIKIMIND_INGEST__*`: what may be fetched and uploaded, how large it may be, how often
//! feeds are read, and where video transcripts come from.

use super::{ConfigError, EnvSource, positive};
use crate::config::{IngestSettings, YoutubeSettings};

/// Reads the ingest settings.
pub(super) fn ingest_settings(src: &EnvSource) -> Result<IngestSettings, ConfigError> {
    const MB: usize = 1024 * 1024;
    Ok(IngestSettings {
        allow_private_urls: src.flag("WIKIMIND_INGEST__ALLOW_PRIVATE_URLS", false)?,
        feed_poll_secs: feed_poll_secs(src)?,
        youtube: youtube_settings(src)?,
        max_upload_bytes: positive(
            "WIKIMIND_INGEST__MAX_UPLOAD_BYTES",
            src.parse("WIKIMIND_INGEST__MAX_UPLOAD_BYTES", 50 * MB)?,
        )?,
        max_text_bytes: positive(
            "WIKIMIND_INGEST__MAX_TEXT_BYTES",
            src.parse("WIKIMIND_INGEST__MAX_TEXT_BYTES", 2 * MB)?,
        )?,
        max_fetch_bytes: positive(
            "WIKIMIND_INGEST__MAX_FETCH_BYTES",
            src.parse("WIKIMIND_INGEST__MAX_FETCH_BYTES", 50 * MB)?,
        )?,
        fetch_timeout_secs: positive(
            "WIKIMIND_INGEST__FETCH_TIMEOUT_SECS",
            src.parse("WIKIMIND_INGEST__FETCH_TIMEOUT_SECS", 30u64)?,
        )?,
        max_redirects: src.parse("WIKIMIND_INGEST__MAX_REDIRECTS", 5usize)?,
        max_pdf_pages: positive(
            "WIKIMIND_INGEST__MAX_PDF_PAGES",
            src.parse("WIKIMIND_INGEST__MAX_PDF_PAGES", 2000usize)?,
        )?,
    })
}

/// `WIKIMIND_INGEST__FEED_POLL_SECS`: within the range a subscription may ask for.
fn feed_poll_secs(src: &EnvSource) -> Result<i64, ConfigError> {
    const VAR: &str = "WIKIMIND_INGEST__FEED_POLL_SECS";
    let secs: i64 = src.parse(VAR, 3600)?;
    let range = crate::feeds::MIN_POLL_SECS..=crate::feeds::MAX_POLL_SECS;
    if !range.contains(&secs) {
        return Err(ConfigError::Invalid {
            var: VAR,
            value: secs.to_string(),
            message: format!("expected {} to {} seconds", range.start(), range.end()),
        });
    }
    Ok(secs)
}

/// `WIKIMIND_INGEST__YOUTUBE_URL` and `WIKIMIND_INGEST__YOUTUBE_LANGUAGES`.
fn youtube_settings(src: &EnvSource) -> Result<YoutubeSettings, ConfigError> {
    const URL_VAR: &str = "WIKIMIND_INGEST__YOUTUBE_URL";
    let mut settings = YoutubeSettings::default();
    if let Some(raw) = src.get(URL_VAR) {
        let url = url::Url::parse(raw)
            .map_err(|e| e.to_string())
            .and_then(|u| match u.scheme() {
                "http" | "https" => Ok(u),
                other => Err(format!("expected an http or https URL, not {other}")),
            })
            .map_err(|message| ConfigError::Invalid {
                var: URL_VAR,
                value: raw.to_owned(),
                message,
            })?;
        settings.base_url = url;
    }
    if let Some(raw) = src.get("WIKIMIND_INGEST__YOUTUBE_LANGUAGES") {
        settings.languages = raw
            .split(',')
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect();
    }
    Ok(settings)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(pairs: &[(&str, &str)]) -> Result<IngestSettings, ConfigError> {
        ingest_settings(&EnvSource::from_pairs(pairs.iter().copied()))
    }

    #[test]
    fn youtube_reads_from_its_base_url_in_the_preferred_languages() {
        let s = load(&[]).expect("defaults");
        assert_eq!(s.youtube.base_url.as_str(), "https://www.youtube.com/");
        assert!(s.youtube.languages.is_empty());
        let s = load(&[
            ("WIKIMIND_INGEST__YOUTUBE_URL", "http://127.0.0.1:9/"),
            ("WIKIMIND_INGEST__YOUTUBE_LANGUAGES", " en, de ,,"),
        ])
        .expect("valid");
        assert_eq!(s.youtube.base_url.as_str(), "http://127.0.0.1:9/");
        assert_eq!(s.youtube.languages, ["en", "de"]);
        for bad in ["not a url", "ftp://127.0.0.1/"] {
            let err = load(&[("WIKIMIND_INGEST__YOUTUBE_URL", bad)]).expect_err(bad);
            assert!(
                err.to_string().contains("WIKIMIND_INGEST__YOUTUBE_URL"),
                "{err}"
            );
        }
    }
}
