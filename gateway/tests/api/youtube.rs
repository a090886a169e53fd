//! YouTube: a video's link becomes a source whose transcript, fetched from a fake YouTube on
//! loopback through the player's protocol, compiles into an article whose quotes open the
//! video at their time; a video without captions fails with a clear reason.

use std::sync::atomic::Ordering;
use std::time::Duration;

use testkit::fake_youtube::{FakeVideo, FakeYoutube};

use crate::helpers::{TestApp, spawn_app_with};

const LIMIT: Duration = Duration::from_secs(60);

async fn app_for(fake: &FakeYoutube) -> TestApp {
    let base = url::Url::parse(&fake.base_url()).expect("base URL");
    spawn_app_with(move |s| s.ingest.youtube.base_url = base).await
}

#[tokio::test]
async fn a_video_link_becomes_an_article_whose_quotes_open_the_video_at_their_time() {
    let fake = FakeYoutube::start(vec![FakeVideo::lighthouse_talk()])
        .await
        .expect("fake YouTube");
    let app = app_for(&fake).await;
    let (status, body) = app.post_url("https://youtu.be/LightHouse1?si=shared").await;
    assert_eq!(status, 202, "{body}");
    assert_eq!(body["source"]["kind"], "youtube");
    assert_eq!(
        body["source"]["url"],
        "https://www.youtube.com/watch?v=LightHouse1"
    );
    let id = body["source"]["id"].as_str().expect("id").to_owned();
    // Another form of the same video's link is the same source.
    let (status, again) = app
        .post_url("https://m.youtube.com/watch?v=LightHouse1&t=10")
        .await;
    assert_eq!(status, 200, "{again}");
    assert_eq!(again["source"]["id"], id.as_str());

    let source = app.wait_for_source(&id, LIMIT).await;
    assert_eq!(source["status"], "compiled", "{source}");
    assert_eq!(source["title"], "How lighthouses work");
    assert_eq!(source["author"], "Harbour Talks");
    assert_eq!(source["published"], "2024-03-05T10:00:00-08:00");
    assert_eq!(source["original_mime"], "application/json");
    // The consent form was answered, and the player asked once.
    assert_eq!(fake.counts().consent_pages.load(Ordering::SeqCst), 1);
    assert_eq!(fake.counts().player_calls.load(Ordering::SeqCst), 1);

    // The captions a person wrote (punctuated), in paragraphs that keep their times.
    let text = app.source_text(&id).await;
    assert!(text.starts_with("# How lighthouses work\n"), "{text}");
    assert!(
        text.contains("[0:00]\n\nWelcome to this short talk about lighthouses."),
        "{text}"
    );
    let second = text.find("\n[0:22]\n\nEach lighthouse").expect("0:22");
    let third = text
        .find("\n[0:47]\n\nAutomatic lighthouses")
        .expect("0:47");

    let article_id = source["article_ids"][0].as_str().expect("article");
    let (status, article) = app.get_json(&format!("/api/articles/{article_id}")).await;
    assert_eq!(status, 200, "{article}");
    let claims = article["claims"].as_array().expect("claims");
    let mut times = Vec::new();
    for claim in claims.iter().filter(|c| c["verified"] == true) {
        let quote = claim["quote"]
            .as_str()
            .expect("a verified claim has its quote");
        assert!(
            !quote.contains("[0:"),
            "a time is no part of a quote: {claim}"
        );
        let at = text.find(quote).expect("the quote is in the text");
        let seconds = if at > third {
            47
        } else if at > second {
            22
        } else {
            0
        };
        assert_eq!(
            claim["source_link"],
            format!("https://www.youtube.com/watch?v=LightHouse1&t={seconds}s"),
            "{claim}"
        );
        times.push(seconds);
    }
    assert!(
        times.iter().any(|&t| t > 0),
        "some quote comes from a later paragraph: {claims:#?}"
    );
    app.stop().await;
}

#[tokio::test]
async fn a_video_without_captions_or_that_is_gone_fails_with_a_clear_reason() {
    let fake = FakeYoutube::start(vec![FakeVideo::silent_film()])
        .await
        .expect("fake YouTube");
    let app = app_for(&fake).await;
    for (link, reason) in [
        (
            "https://www.youtube.com/watch?v=SilentFilm1",
            "the video has no captions",
        ),
        (
            "https://www.youtube.com/shorts/GoneForever",
            "the video is unavailable: This video is unavailable",
        ),
    ] {
        let (status, body) = app.post_url(link).await;
        assert_eq!(status, 202, "{body}");
        let id = body["source"]["id"].as_str().expect("id");
        let source = app.wait_for_source(id, LIMIT).await;
        assert_eq!(source["status"], "failed", "{source}");
        assert!(
            source["error"].as_str().is_some_and(|e| e.contains(reason)),
            "{link}: {source}"
        );
    }
    // Nothing to retry: the player was asked once per video.
    assert_eq!(fake.counts().player_calls.load(Ordering::SeqCst), 2);
    app.stop().await;
}
