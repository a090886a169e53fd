//! A YouTube video's transcript, fetched the way YouTube's own player gets it: the watch page
//! (the player's key, the publish date), the player API (title, channel, caption tracks), then
//! the chosen track's timed text. Every request goes through the guarded [`Fetcher`], to the
//! configured base URL.

use reqwest::header::{ACCEPT_LANGUAGE, COOKIE};
use shared::config::YoutubeSettings;
use shared::ingest::youtube::{self, Transcript, VideoId, YoutubeError};
use url::Url;

use super::StageError;
use super::fetch::Fetcher;

/// What the watch page must be asked for: the preferred languages, else English.
fn accept_language(settings: &YoutubeSettings) -> String {
    if settings.languages.is_empty() {
        "en-US,en;q=0.9".to_owned()
    } else {
        settings.languages.join(",")
    }
}

fn endpoint(settings: &YoutubeSettings, path: &str) -> Result<Url, StageError> {
    settings
        .base_url
        .join(path)
        .map_err(|e| StageError::permanent(format!("the YouTube base URL cannot be used: {e}")))
}

/// Every way the video itself stops the transcript is final; trying again changes nothing.
/// YouTube's check for bots is about this address, not the video: it may pass later.
fn refused(e: YoutubeError) -> StageError {
    match e {
        YoutubeError::BotCheck(_) => StageError::transient(e.to_string()),
        e => StageError::permanent(e.to_string()),
    }
}

/// Fetches the transcript of `video`.
#[tracing::instrument(skip_all, fields(video = video.as_str()), err)]
pub(super) async fn fetch_transcript(
    fetcher: &Fetcher,
    settings: &YoutubeSettings,
    video: &VideoId,
) -> Result<Transcript, StageError> {
    let watch = endpoint(settings, &format!("watch?v={}", video.as_str()))?;
    let language = accept_language(settings);
    let read = |bytes: &[u8]| String::from_utf8_lossy(bytes).into_owned();
    let mut page = read(
        &fetcher
            .get_with(&watch, &[(ACCEPT_LANGUAGE, &language)])
            .await?
            .bytes,
    );
    // Where the law asks for it, YouTube first shows a cookie-consent form; its answer is a
    // cookie, and with it the page is the video's.
    if let Some(cookie) = youtube::consent_cookie(&page) {
        let headers = [
            (ACCEPT_LANGUAGE, language.as_str()),
            (COOKIE, cookie.as_str()),
        ];
        page = read(&fetcher.get_with(&watch, &headers).await?.bytes);
        if youtube::consent_cookie(&page).is_some() {
            return Err(StageError::permanent(
                "YouTube kept asking for cookie consent instead of showing the video",
            ));
        }
    }
    let Some(key) = youtube::player_key(&page) else {
        return Err(if page.contains("g-recaptcha") {
            StageError::transient(
                "YouTube asks for a captcha: too many requests from this address; \
                 it is tried again later",
            )
        } else {
            refused(YoutubeError::Unrecognised(
                "the watch page has no player key".to_owned(),
            ))
        });
    };
    let player = endpoint(settings, &format!("youtubei/v1/player?key={key}"))?;
    let answer = fetcher
        .post_json(&player, &youtube::player_request(video))
        .await?;
    let answer: serde_json::Value = serde_json::from_slice(&answer.bytes).map_err(|_| {
        refused(YoutubeError::Unrecognised(
            "the player's answer is not JSON".to_owned(),
        ))
    })?;
    let info = youtube::parse_player(&answer).map_err(refused)?;
    let track = youtube::choose_track(&info.tracks, &settings.languages)
        .ok_or_else(|| refused(YoutubeError::NoCaptions))?;
    let captions = Url::parse(&youtube::caption_url(track)).map_err(|e| {
        refused(YoutubeError::Unrecognised(format!(
            "the caption track's address is invalid: {e}"
        )))
    })?;
    let timed_text = read(&fetcher.get_with(&captions, &[]).await?.bytes);
    let segments = youtube::parse_timed_text(&timed_text).map_err(refused)?;
    if segments.is_empty() {
        return Err(refused(YoutubeError::EmptyCaptions));
    }
    Ok(Transcript {
        video_id: video.as_str().to_owned(),
        title: info.title,
        channel: info.channel,
        published: info
            .published
            .or_else(|| youtube::watch_page_published(&page)),
        language: track.language.clone(),
        generated: track.generated,
        segments,
    })
}
