//! A fake YouTube on loopback speaking the protocol YouTube's player uses for a transcript:
//! the watch page (behind a cookie-consent form until a `CONSENT` cookie is sent) gives the
//! player's key and the publish date; `POST /youtubei/v1/player?key=` answers the player
//! JSON (playability, video details, caption tracks); `GET /api/timedtext` serves a track in
//! the plain timed-text format, or format 3 when `fmt=srv3` is asked.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use axum::Json;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};
use tokio::sync::oneshot;

/// The key the fake watch page hands the player.
const PLAYER_KEY: &str = "AIzaFakeKeyForTests_0123456789";

/// One caption of a fake video: start and length in seconds, and its words.
pub type Caption = (f64, f64, String);

/// A video the fake knows.
#[derive(Debug, Clone)]
pub struct FakeVideo {
    pub id: &'static str,
    pub title: &'static str,
    pub channel: &'static str,
    pub published: &'static str,
    /// Tracks by (language, generated): none makes a video without captions.
    pub tracks: Vec<(&'static str, bool, Vec<Caption>)>,
}

impl FakeVideo {
    /// A talk about lighthouses with English captions made by a person and generated ones,
    /// in three paragraphs of its clean text: at 0:00, 0:22 and 0:47.
    pub fn lighthouse_talk() -> Self {
        let captions: Vec<Caption> = [
            (0.0, 6.0, "Welcome to this short talk about lighthouses."),
            (
                6.0,
                7.0,
                "A lighthouse marks dangerous coasts and safe harbour entrances.",
            ),
            (
                13.0,
                9.0,
                "Its light is focused by a Fresnel lens into a narrow beam.",
            ),
            (
                22.0,
                8.0,
                "Each lighthouse flashes in its own pattern, called its character.",
            ),
            (
                30.0,
                9.0,
                "The keepers once trimmed the wicks every few hours through the night.",
            ),
            (
                39.0,
                8.0,
                "Most lighthouses are now automatic and need no keeper at all.",
            ),
            (
                47.0,
                9.0,
                "Automatic lighthouses are checked by technicians a few times a year.",
            ),
            (
                56.0,
                8.0,
                "Satellite navigation has not made lighthouses useless.",
            ),
            (
                64.0,
                9.0,
                "Sailors still rely on a lighthouse when electronic systems fail.",
            ),
        ]
        .into_iter()
        .map(|(s, d, t)| (s, d, t.to_owned()))
        .collect();
        // Speech recognition's version: lower case, no punctuation.
        let generated = captions
            .iter()
            .map(|(s, d, t)| {
                let words: String = t
                    .chars()
                    .filter(|c| c.is_alphanumeric() || *c == ' ')
                    .collect();
                (*s, *d, words.to_lowercase())
            })
            .collect::<Vec<_>>();
        Self {
            id: "LightHouse1",
            title: "How lighthouses work",
            channel: "Harbour Talks",
            published: "2024-03-05T10:00:00-08:00",
            tracks: vec![("en", true, generated), ("en", false, captions)],
        }
    }

    /// A video that has no captions at all.
    pub fn silent_film() -> Self {
        Self {
            id: "SilentFilm1",
            title: "A silent film",
            channel: "Old Reels",
            published: "2020-01-01",
            tracks: Vec::new(),
        }
    }
}

#[derive(Debug, Default)]
struct Inner {
    videos: HashMap<String, FakeVideo>,
    base: String,
}

/// What the fake was asked, for tests to check.
#[derive(Debug, Default)]
pub struct Counts {
    pub consent_pages: AtomicUsize,
    pub watch_pages: AtomicUsize,
    pub player_calls: AtomicUsize,
    pub caption_fetches: AtomicUsize,
}

#[derive(Clone)]
struct Shared {
    inner: Arc<Mutex<Inner>>,
    counts: Arc<Counts>,
}

/// A running fake YouTube; stops when dropped.
pub struct FakeYoutube {
    addr: SocketAddr,
    counts: Arc<Counts>,
    _stop: oneshot::Sender<()>,
}

impl FakeYoutube {
    /// Starts the fake on 127.0.0.1 with a free port, knowing `videos`.
    pub async fn start(videos: Vec<FakeVideo>) -> std::io::Result<Self> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let shared = Shared {
            inner: Arc::new(Mutex::new(Inner {
                videos: videos.into_iter().map(|v| (v.id.to_owned(), v)).collect(),
                base: format!("http://{addr}"),
            })),
            counts: Arc::default(),
        };
        let counts = shared.counts.clone();
        let app = Router::new()
            .route("/watch", get(watch))
            .route("/youtubei/v1/player", post(player))
            .route("/api/timedtext", get(timed_text))
            .with_state(shared);
        let (stop, stopped) = oneshot::channel::<()>();
        tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await;
        });
        Ok(Self {
            addr,
            counts,
            _stop: stop,
        })
    }

    /// The base URL to configure (`WIKIMIND_INGEST__YOUTUBE_URL`).
    pub fn base_url(&self) -> String {
        format!("http://{}/", self.addr)
    }

    pub fn counts(&self) -> &Counts {
        &self.counts
    }
}

async fn watch(
    State(s): State<Shared>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let consented = headers
        .get(header::COOKIE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|c| c.contains("CONSENT=YES+"));
    if !consented {
        s.counts.consent_pages.fetch_add(1, Ordering::SeqCst);
        return Html(
            "<html><body><form action=\"https://consent.youtube.com/s\" method=\"POST\">\
             <input type=\"hidden\" name=\"gl\" value=\"DE\">\
             <input type=\"hidden\" name=\"v\" value=\"cb.20240305-fake\">\
             <button>Accept all</button></form></body></html>",
        )
        .into_response();
    }
    s.counts.watch_pages.fetch_add(1, Ordering::SeqCst);
    let id = q.get("v").cloned().unwrap_or_default();
    let published = s
        .inner
        .lock()
        .expect("lock")
        .videos
        .get(&id)
        .map_or("", |v| v.published);
    Html(format!(
        "<!DOCTYPE html><html><head><meta itemprop=\"datePublished\" content=\"{published}\">\
         </head><body><script>ytcfg.set({{\"INNERTUBE_API_KEY\":\"{PLAYER_KEY}\",\
         \"INNERTUBE_CONTEXT_CLIENT_NAME\":1}});</script></body></html>"
    ))
    .into_response()
}

async fn player(
    State(s): State<Shared>,
    Query(q): Query<HashMap<String, String>>,
    Json(body): Json<Value>,
) -> Response {
    s.counts.player_calls.fetch_add(1, Ordering::SeqCst);
    if q.get("key").map(String::as_str) != Some(PLAYER_KEY) {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({"error": {"code": 400, "message": "API key not valid."}})),
        )
            .into_response();
    }
    if body.pointer("/context/client/clientName").is_none() {
        return (
            StatusCode::BAD_REQUEST,
            Json(
                json!({"error": {"code": 400, "message": "Request contains an invalid argument."}}),
            ),
        )
            .into_response();
    }
    let id = body
        .get("videoId")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let inner = s.inner.lock().expect("lock");
    let Some(video) = inner.videos.get(id) else {
        return Json(json!({
            "playabilityStatus": {"status": "ERROR", "reason": "This video is unavailable"}
        }))
        .into_response();
    };
    let tracks: Vec<Value> = video
        .tracks
        .iter()
        .map(|(language, generated, _)| {
            let mut track = json!({
                "baseUrl": format!(
                    "{}/api/timedtext?v={id}&lang={language}{}&fmt=srv3",
                    inner.base,
                    if *generated { "&kind=asr" } else { "" }
                ),
                "name": {"runs": [{"text": if *generated { "English (auto-generated)" } else { "English" }}]},
                "languageCode": language,
                "isTranslatable": true,
            });
            if *generated {
                track["kind"] = "asr".into();
            }
            track
        })
        .collect();
    let mut answer = json!({
        "playabilityStatus": {"status": "OK", "playableInEmbed": true},
        "videoDetails": {
            "videoId": id,
            "title": video.title,
            "author": video.channel,
            "lengthSeconds": "150",
        },
    });
    if !tracks.is_empty() {
        answer["captions"] = json!({
            "playerCaptionsTracklistRenderer": {"captionTracks": tracks}
        });
    }
    Json(answer).into_response()
}

async fn timed_text(State(s): State<Shared>, Query(q): Query<HashMap<String, String>>) -> Response {
    s.counts.caption_fetches.fetch_add(1, Ordering::SeqCst);
    let generated = q.get("kind").map(String::as_str) == Some("asr");
    let inner = s.inner.lock().expect("lock");
    let captions = q
        .get("v")
        .and_then(|id| inner.videos.get(id))
        .and_then(|v| {
            v.tracks
                .iter()
                .find(|(l, g, _)| Some(*l) == q.get("lang").map(String::as_str) && *g == generated)
                .map(|(_, _, c)| c.clone())
        });
    let Some(captions) = captions else {
        return (StatusCode::NOT_FOUND, "").into_response();
    };
    // Captions are HTML inside XML: YouTube escapes an apostrophe twice.
    let escape = |t: &str| t.replace('&', "&amp;").replace('\'', "&amp;#39;");
    let xml = if q.get("fmt").map(String::as_str) == Some("srv3") {
        let body: String = captions
            .iter()
            .map(|(start, dur, text)| {
                format!(
                    "<p t=\"{}\" d=\"{}\">{}</p>",
                    (start * 1000.0) as u64,
                    (dur * 1000.0) as u64,
                    escape(text)
                )
            })
            .collect();
        format!(
            "<?xml version=\"1.0\" encoding=\"utf-8\" ?><timedtext format=\"3\"><body>{body}</body></timedtext>"
        )
    } else {
        let body: String = captions
            .iter()
            .map(|(start, dur, text)| {
                format!(
                    "<text start=\"{start}\" dur=\"{dur}\">{}</text>",
                    escape(text)
                )
            })
            .collect();
        format!("<?xml version=\"1.0\" encoding=\"utf-8\" ?><transcript>{body}</transcript>")
    };
    ([(header::CONTENT_TYPE, "text/xml; charset=UTF-8")], xml).into_response()
}
