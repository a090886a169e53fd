//! YouTube videos as sources: recognising a video's links, reading what YouTube's player is
//! told about a video (title, channel, date, caption tracks), choosing a caption track, and the
//! transcript's clean text, which keeps timestamps so a quote can open the video at its time.
//!
//! Only parsing lives here; the requests are made by the worker's fetcher, so they pass the
//! same address checks and size limits as every other fetch.

mod transcript;

use std::sync::LazyLock;

use regex::Regex;
use serde_json::Value;
use url::Url;

pub use transcript::{Segment, Transcript, parse_timed_text, seconds_before};

/// Where a video's public links point, whatever base URL the transcripts are fetched from.
pub const PUBLIC_BASE: &str = "https://www.youtube.com";

/// The player client asked for a video's captions: YouTube's Android app, whose answers carry
/// caption tracks without the proof-of-origin tokens the web player needs.
const PLAYER_CLIENT: (&str, &str) = ("ANDROID", "20.10.38");

/// A video's eleven-character id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VideoId(String);

impl VideoId {
    /// The id, when `raw` has the shape YouTube gives them.
    pub fn parse(raw: &str) -> Option<Self> {
        (raw.len() == 11
            && raw
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'))
        .then(|| Self(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The video's watch page: the link a source of it keeps.
    pub fn watch_url(&self) -> String {
        format!("{PUBLIC_BASE}/watch?v={}", self.0)
    }

    /// The watch page that starts playing at `seconds`.
    pub fn watch_url_at(&self, seconds: u32) -> String {
        format!("{}&t={seconds}s", self.watch_url())
    }
}

/// The video a link points at: watch pages, shorts, embeds, live and `youtu.be` links, on
/// YouTube's own hosts only.
pub fn video_id(url: &Url) -> Option<VideoId> {
    let host = url.host_str()?.to_ascii_lowercase();
    let host = host.strip_prefix("www.").unwrap_or(&host);
    let mut segments = url.path_segments()?.filter(|s| !s.is_empty());
    match host {
        "youtu.be" => VideoId::parse(segments.next()?),
        "youtube.com" | "m.youtube.com" | "music.youtube.com" | "youtube-nocookie.com" => {
            match segments.next()? {
                "watch" => url
                    .query_pairs()
                    .find(|(k, _)| k == "v")
                    .and_then(|(_, v)| VideoId::parse(&v)),
                "shorts" | "embed" | "live" | "v" => VideoId::parse(segments.next()?),
                _ => None,
            }
        }
        _ => None,
    }
}

/// Why a video's transcript could not be had. The messages are what a person reads.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum YoutubeError {
    #[error("the video is unavailable: {0}")]
    Unavailable(String),
    #[error("YouTube refused to play the video here: {0}")]
    Refused(String),
    /// YouTube asks this address to prove it is not a bot: it may pass later.
    #[error("YouTube asked to confirm this is not a bot: {0}")]
    BotCheck(String),
    #[error("the video has no captions, so there is no transcript to compile")]
    NoCaptions,
    #[error("the video's captions are empty")]
    EmptyCaptions,
    #[error("YouTube's page or player answer was not understood: {0}")]
    Unrecognised(String),
}

/// The key YouTube's watch page gives its player for API calls.
pub fn player_key(watch_html: &str) -> Option<String> {
    static KEY: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r#""INNERTUBE_API_KEY"\s*:\s*"([A-Za-z0-9_-]+)""#).expect("valid pattern")
    });
    KEY.captures(watch_html).map(|c| c[1].to_owned())
}

/// The value for a `CONSENT` cookie when the watch page is a cookie-consent form (as in the
/// EU) rather than the video; with it the page is the video's.
pub fn consent_cookie(watch_html: &str) -> Option<String> {
    static VALUE: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r#"name="v"\s+value="([^"]+)""#).expect("valid pattern"));
    if !watch_html.contains("action=\"https://consent.youtube.com/s\"") {
        return None;
    }
    VALUE
        .captures(watch_html)
        .map(|c| format!("CONSENT=YES+{}", &c[1]))
}

/// The publish date the watch page states, when it does.
pub fn watch_page_published(watch_html: &str) -> Option<String> {
    static DATE: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r#"itemprop="(?:datePublished|uploadDate)"\s+content="([^"]+)"|"publishDate"\s*:\s*"([^"]+)""#)
            .expect("valid pattern")
    });
    let caps = DATE.captures(watch_html)?;
    caps.get(1)
        .or_else(|| caps.get(2))
        .map(|m| m.as_str().to_owned())
}

/// The body of the player request for `video`.
pub fn player_request(video: &VideoId) -> Value {
    serde_json::json!({
        "context": { "client": { "clientName": PLAYER_CLIENT.0, "clientVersion": PLAYER_CLIENT.1 } },
        "videoId": video.as_str(),
    })
}

/// One caption track of a video.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaptionTrack {
    pub url: String,
    /// BCP-47-like code, such as `en` or `pt-BR`.
    pub language: String,
    pub name: String,
    /// Made by speech recognition rather than by a person.
    pub generated: bool,
}

/// What the player is told about a video.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlayerInfo {
    pub title: Option<String>,
    pub channel: Option<String>,
    pub published: Option<String>,
    pub tracks: Vec<CaptionTrack>,
}

/// Reads the player's answer: an unplayable video is an error with YouTube's own reason; a
/// playable one without caption tracks is [`YoutubeError::NoCaptions`].
pub fn parse_player(answer: &Value) -> Result<PlayerInfo, YoutubeError> {
    let status = answer
        .pointer("/playabilityStatus/status")
        .and_then(Value::as_str)
        .ok_or_else(|| YoutubeError::Unrecognised("the player answer has no status".to_owned()))?;
    let reason = || {
        answer
            .pointer("/playabilityStatus/reason")
            .and_then(Value::as_str)
            .unwrap_or("no reason given")
            .to_owned()
    };
    match status {
        "OK" => {}
        "ERROR" => return Err(YoutubeError::Unavailable(reason())),
        "LOGIN_REQUIRED" if reason().to_lowercase().contains("bot") => {
            return Err(YoutubeError::BotCheck(reason()));
        }
        _ => return Err(YoutubeError::Refused(reason())),
    }
    let text = |pointer: &str| {
        answer
            .pointer(pointer)
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    let tracks = answer
        .pointer("/captions/playerCaptionsTracklistRenderer/captionTracks")
        .and_then(Value::as_array)
        .map(|tracks| tracks.iter().filter_map(caption_track).collect::<Vec<_>>())
        .unwrap_or_default();
    if tracks.is_empty() {
        return Err(YoutubeError::NoCaptions);
    }
    Ok(PlayerInfo {
        title: text("/videoDetails/title"),
        channel: text("/videoDetails/author"),
        published: text("/microformat/playerMicroformatRenderer/publishDate"),
        tracks,
    })
}

fn caption_track(track: &Value) -> Option<CaptionTrack> {
    let url = track.get("baseUrl")?.as_str()?.to_owned();
    let language = track.get("languageCode")?.as_str()?.to_owned();
    let name = track
        .pointer("/name/simpleText")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .or_else(|| {
            let runs = track.pointer("/name/runs")?.as_array()?;
            Some(
                runs.iter()
                    .filter_map(|r| r.get("text").and_then(Value::as_str))
                    .collect(),
            )
        })
        .unwrap_or_else(|| language.clone());
    Some(CaptionTrack {
        url,
        language,
        name,
        generated: track.get("kind").and_then(Value::as_str) == Some("asr"),
    })
}

/// The track to read: in the first of `preferred` languages that has one (a person's captions
/// before generated ones), else in the video's own language (the one its generated captions
/// are in), else the first a person made, else the first.
pub fn choose_track<'a>(
    tracks: &'a [CaptionTrack],
    preferred: &[String],
) -> Option<&'a CaptionTrack> {
    let in_language = |language: &str| {
        let matches = |t: &&CaptionTrack| same_language(&t.language, language);
        tracks
            .iter()
            .filter(|t| !t.generated)
            .find(matches)
            .or_else(|| tracks.iter().find(matches))
    };
    preferred
        .iter()
        .find_map(|l| in_language(l))
        .or_else(|| {
            let spoken = tracks.iter().find(|t| t.generated)?;
            in_language(&spoken.language)
        })
        .or_else(|| tracks.iter().find(|t| !t.generated))
        .or_else(|| tracks.first())
}

/// `en` asks for any English (`en-GB`); `en-GB` asks for exactly that.
fn same_language(track: &str, asked: &str) -> bool {
    let (track, asked) = (track.to_ascii_lowercase(), asked.to_ascii_lowercase());
    track == asked || (!asked.contains('-') && track.split('-').next() == Some(asked.as_str()))
}

/// The track's URL asking for the plain timed-text format (`<text start= dur=>`), which is
/// what [`parse_timed_text`] reads best.
pub fn caption_url(track: &CaptionTrack) -> String {
    match Url::parse(&track.url) {
        Ok(mut url) => {
            let pairs: Vec<(String, String)> = url
                .query_pairs()
                .filter(|(k, _)| k != "fmt")
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect();
            url.query_pairs_mut().clear().extend_pairs(pairs);
            url.to_string()
        }
        Err(_) => track.url.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(raw: &str) -> Url {
        Url::parse(raw).expect("url")
    }

    #[test]
    fn every_kind_of_video_link_names_its_video_and_others_do_not() {
        let id = Some(VideoId("dQw4w9WgXcQ".to_owned()));
        for link in [
            "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
            "https://youtube.com/watch?feature=share&v=dQw4w9WgXcQ&t=30",
            "https://m.youtube.com/watch?v=dQw4w9WgXcQ",
            "https://youtu.be/dQw4w9WgXcQ?si=abc",
            "https://www.youtube.com/shorts/dQw4w9WgXcQ",
            "https://www.youtube.com/embed/dQw4w9WgXcQ",
            "https://www.youtube.com/live/dQw4w9WgXcQ",
            "https://WWW.YOUTUBE.COM/watch?v=dQw4w9WgXcQ",
        ] {
            assert_eq!(video_id(&url(link)), id, "{link}");
        }
        for link in [
            "https://www.youtube.com/watch?v=short",
            "https://www.youtube.com/channel/UC123",
            "https://notyoutube.com/watch?v=dQw4w9WgXcQ",
            "https://youtube.com.example/watch?v=dQw4w9WgXcQ",
            "https://example.com/watch?v=dQw4w9WgXcQ",
        ] {
            assert_eq!(video_id(&url(link)), None, "{link}");
        }
        let id = VideoId::parse("dQw4w9WgXcQ").expect("id");
        assert_eq!(
            id.watch_url_at(83),
            "https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=83s"
        );
    }

    #[test]
    fn the_watch_page_gives_the_key_the_consent_cookie_and_the_date() {
        let page = r#"<script>ytcfg.set({"INNERTUBE_API_KEY": "AIza_key-1","X":1})</script>
            <meta itemprop="datePublished" content="2024-03-05T10:00:00-08:00">"#;
        assert_eq!(player_key(page).as_deref(), Some("AIza_key-1"));
        assert_eq!(
            watch_page_published(page).as_deref(),
            Some("2024-03-05T10:00:00-08:00")
        );
        assert_eq!(consent_cookie(page), None);
        let consent = r#"<form action="https://consent.youtube.com/s"><input type="hidden" name="v" value="cb.2024"></form>"#;
        assert_eq!(
            consent_cookie(consent).as_deref(),
            Some("CONSENT=YES+cb.2024")
        );
        assert_eq!(player_key(consent), None);
    }

    fn player(tracks: Value) -> Value {
        serde_json::json!({
            "playabilityStatus": {"status": "OK"},
            "videoDetails": {"title": "Ports", "author": "Harbour Talks"},
            "captions": {"playerCaptionsTracklistRenderer": {"captionTracks": tracks}},
        })
    }

    fn track(language: &str, generated: bool) -> Value {
        let mut t = serde_json::json!({
            "baseUrl": format!("https://www.youtube.com/api/timedtext?v=x&lang={language}&fmt=srv3"),
            "languageCode": language,
            "name": {"runs": [{"text": language}]},
        });
        if generated {
            t["kind"] = "asr".into();
        }
        t
    }

    #[test]
    fn the_player_answer_gives_metadata_tracks_or_youtubes_reason() {
        let info = parse_player(&player(serde_json::json!([track("en", false)]))).expect("ok");
        assert_eq!(info.title.as_deref(), Some("Ports"));
        assert_eq!(info.channel.as_deref(), Some("Harbour Talks"));
        assert_eq!(info.tracks.len(), 1);
        assert_eq!(
            caption_url(&info.tracks[0]),
            "https://www.youtube.com/api/timedtext?v=x&lang=en"
        );
        assert_eq!(
            parse_player(&player(serde_json::json!([]))),
            Err(YoutubeError::NoCaptions)
        );
        let gone = serde_json::json!({"playabilityStatus": {"status": "ERROR", "reason": "This video is unavailable"}});
        assert_eq!(
            parse_player(&gone),
            Err(YoutubeError::Unavailable(
                "This video is unavailable".to_owned()
            ))
        );
        let private = serde_json::json!({"playabilityStatus": {"status": "LOGIN_REQUIRED", "reason": "This video is private"}});
        assert!(matches!(
            parse_player(&private),
            Err(YoutubeError::Refused(_))
        ));
        let bot = serde_json::json!({"playabilityStatus": {"status": "LOGIN_REQUIRED", "reason": "Sign in to confirm you're not a bot"}});
        assert!(matches!(parse_player(&bot), Err(YoutubeError::BotCheck(_))));
        assert!(matches!(
            parse_player(&serde_json::json!({})),
            Err(YoutubeError::Unrecognised(_))
        ));
    }

    #[test]
    fn a_persons_captions_win_in_the_asked_then_the_spoken_language() {
        let tracks: Vec<CaptionTrack> = [
            track("de", true),
            track("de", false),
            track("en-GB", false),
            track("fr", true),
        ]
        .iter()
        .filter_map(caption_track)
        .collect();
        let pick = |langs: &[&str]| {
            let langs: Vec<String> = langs.iter().map(|l| (*l).to_owned()).collect();
            let t = choose_track(&tracks, &langs).expect("a track");
            (t.language.clone(), t.generated)
        };
        assert_eq!(pick(&["en"]), ("en-GB".to_owned(), false));
        assert_eq!(pick(&["fr", "en"]), ("fr".to_owned(), true));
        assert_eq!(
            pick(&["it"]),
            ("de".to_owned(), false),
            "the spoken language"
        );
        assert_eq!(pick(&[]), ("de".to_owned(), false));
    }
}
