//! A video's transcript: the timed-text documents YouTube serves a caption track as, the
//! transcript as stored (the source's original), and its clean text, whose paragraphs keep
//! their times so a quote can open the video where it is said.

use std::fmt::Write as _;
use std::sync::LazyLock;

use regex::Regex;
use serde::{Deserialize, Serialize};

use super::YoutubeError;

/// One caption: its start and length in seconds, and its words.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Segment {
    pub start: f64,
    pub duration: f64,
    pub text: String,
}

/// Reads a timed-text document: the plain format (`<text start="1.2" dur="3.4">`, seconds)
/// or format 3 (`<p t="1200" d="3400">`, milliseconds). Entities are decoded twice (YouTube
/// escapes the captions' own HTML inside the XML), markup inside a caption is dropped.
pub fn parse_timed_text(xml: &str) -> Result<Vec<Segment>, YoutubeError> {
    static TEXT: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r#"(?s)<text\b([^>]*?)(?:/>|>(.*?)</text>)"#).expect("valid pattern")
    });
    static PARAGRAPH: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r#"(?s)<p\b([^>]*?)(?:/>|>(.*?)</p>)"#).expect("valid pattern")
    });
    if !xml.contains("<transcript") && !xml.contains("<timedtext") {
        return Err(YoutubeError::Unrecognised(
            "the captions are not a timed-text document".to_owned(),
        ));
    }
    let (pattern, start_attr, duration_attr, scale) = if xml.contains("<text") {
        (&*TEXT, "start", "dur", 1.0)
    } else {
        (&*PARAGRAPH, "t", "d", 1000.0)
    };
    let mut segments = Vec::new();
    for caps in pattern.captures_iter(xml) {
        let attrs = &caps[1];
        let Some(start) = attribute(attrs, start_attr).and_then(|v| v.parse::<f64>().ok()) else {
            continue;
        };
        let duration = attribute(attrs, duration_attr)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0);
        let text = caption_words(caps.get(2).map_or("", |m| m.as_str()));
        if !text.is_empty() && start.is_finite() && start >= 0.0 {
            segments.push(Segment {
                start: start / scale,
                duration: duration / scale,
                text,
            });
        }
    }
    Ok(segments)
}

fn attribute<'a>(attrs: &'a str, name: &str) -> Option<&'a str> {
    let at = attrs.find(&format!(" {name}=\""))? + name.len() + 3;
    let rest = &attrs[at..];
    Some(&rest[..rest.find('"')?])
}

/// A caption's words: entities decoded (twice: XML, then the captions' own HTML), tags and
/// line breaks gone, spaces collapsed.
fn caption_words(raw: &str) -> String {
    static TAG: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"<[^>]*>").expect("valid pattern"));
    let once = html_escape::decode_html_entities(raw);
    let twice = html_escape::decode_html_entities(&once);
    let plain = TAG.replace_all(&twice, " ");
    plain.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A video's transcript as stored: the source's original, from which its clean text is made.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Transcript {
    pub video_id: String,
    pub title: Option<String>,
    pub channel: Option<String>,
    pub published: Option<String>,
    pub language: String,
    pub generated: bool,
    pub segments: Vec<Segment>,
}

/// A paragraph of the clean text runs at least this long before a sentence's end closes it…
const PARAGRAPH_MIN_SECS: f64 = 20.0;
/// …and at most this long when the captions have no punctuation (generated ones rarely do).
const PARAGRAPH_MAX_SECS: f64 = 45.0;

impl Transcript {
    /// The clean text: a heading with the title, then paragraphs of about half a minute, each
    /// after a line of its own with its time (`[1:05]`), which [`seconds_before`] reads back.
    /// The time stands apart so that no sentence of the paragraph, and so no quote, holds it.
    pub fn clean_text(&self) -> String {
        let mut out = String::new();
        if let Some(title) = &self.title {
            let _ = writeln!(out, "# {title}\n");
        }
        let mut paragraph: Option<(f64, String)> = None;
        for segment in &self.segments {
            let (opened, text) = paragraph.get_or_insert_with(|| (segment.start, String::new()));
            if !text.is_empty() {
                text.push(' ');
            }
            text.push_str(&segment.text);
            let length = segment.start + segment.duration - *opened;
            let sentence_end = segment.text.ends_with(['.', '!', '?', '…']);
            if (length >= PARAGRAPH_MIN_SECS && sentence_end) || length >= PARAGRAPH_MAX_SECS {
                let (opened, text) = paragraph.take().expect("just filled");
                let _ = writeln!(out, "{}\n\n{text}\n", timestamp(opened));
            }
        }
        if let Some((opened, text)) = paragraph {
            let _ = writeln!(out, "{}\n\n{text}", timestamp(opened));
        }
        out
    }
}

/// `[m:ss]`, or `[h:mm:ss]` from the first hour on.
fn timestamp(seconds: f64) -> String {
    let total = seconds.max(0.0) as u64;
    let (h, m, s) = (total / 3600, total / 60 % 60, total % 60);
    if h > 0 {
        format!("[{h}:{m:02}:{s:02}]")
    } else {
        format!("[{m}:{s:02}]")
    }
}

/// The time of the paragraph holding the character at `offset` (Unicode scalar values, as
/// claim spans count) of a transcript's clean text.
pub fn seconds_before(text: &str, offset: usize) -> Option<u32> {
    let at = text
        .char_indices()
        .nth(offset)
        .map_or(text.len(), |(i, _)| i);
    // The whole line holding the offset counts: a quote may start at a time's own line.
    let end = text[at..].find('\n').map_or(text.len(), |n| at + n);
    text[..end]
        .lines()
        .filter_map(leading_timestamp)
        .next_back()
}

/// The seconds of a line that is a time and nothing else: `[m:ss]` or `[h:mm:ss]` (a
/// caption that merely starts with one is words, not a time).
fn leading_timestamp(line: &str) -> Option<u32> {
    let inner = line.trim_end().strip_prefix('[')?.strip_suffix(']')?;
    let parts: Vec<u32> = inner
        .split(':')
        .map(|p| p.parse().ok())
        .collect::<Option<_>>()?;
    let (h, m, s) = match parts[..] {
        [m, s] => (0, m, s),
        [h, m, s] if m < 60 => (h, m, s),
        _ => return None,
    };
    if s >= 60 {
        return None;
    }
    h.checked_mul(3600)?
        .checked_add(m.checked_mul(60)?)?
        .checked_add(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timed_text_in_both_formats_is_read_with_its_entities_and_markup_undone() {
        let plain = r#"<?xml version="1.0" encoding="utf-8" ?><transcript>
            <text start="0.5" dur="2.1">It&amp;#39;s a &lt;font color=&quot;#E5E5E5&quot;&gt;harbour&lt;/font&gt;</text>
            <text start="2.6" dur="1">line
            break</text><text start="4" dur="1"></text></transcript>"#;
        let segments = parse_timed_text(plain).expect("parsed");
        assert_eq!(segments.len(), 2);
        assert_eq!(segments[0].text, "It's a harbour");
        assert_eq!(segments[0].start, 0.5);
        assert_eq!(segments[1].text, "line break");
        let srv3 = r#"<timedtext format="3"><body><p t="1500" d="2000">Tides &amp; ships</p></body></timedtext>"#;
        let segments = parse_timed_text(srv3).expect("parsed");
        assert_eq!(segments[0].start, 1.5);
        assert_eq!(segments[0].text, "Tides & ships");
        assert!(parse_timed_text("<html>nope</html>").is_err());
    }

    #[test]
    fn the_clean_text_keeps_times_that_lead_back_from_any_offset() {
        let segment = |start: f64, text: &str| Segment {
            start,
            duration: 5.0,
            text: text.to_owned(),
        };
        let transcript = Transcript {
            video_id: "dQw4w9WgXcQ".to_owned(),
            title: Some("Ports".to_owned()),
            channel: None,
            published: None,
            language: "en".to_owned(),
            generated: false,
            segments: vec![
                segment(0.0, "Ports grew where rivers met the sea."),
                segment(16.0, "Cranes came later."),
                segment(30.0, "Containers changed everything"),
                segment(70.0, "no punctuation here"),
                segment(3700.0, "An hour in."),
            ],
        };
        let text = transcript.clean_text();
        assert!(
            text.starts_with("# Ports\n\n[0:00]\n\nPorts grew"),
            "{text}"
        );
        assert!(text.contains("\n[0:30]\n\nContainers changed everything no punctuation here\n"));
        assert!(text.contains("[1:01:40]\n\nAn hour in."), "{text}");
        let at = |needle: &str| {
            seconds_before(
                &text,
                text[..text.find(needle).expect("there")].chars().count(),
            )
        };
        assert_eq!(at("Cranes"), Some(0));
        assert_eq!(at("no punctuation"), Some(30));
        assert_eq!(at("An hour"), Some(3700));
        assert_eq!(seconds_before(&text, 2), None, "inside the heading");
        let own_line = text[..text.find("[0:30]").expect("there")].chars().count();
        assert_eq!(
            seconds_before(&text, own_line),
            Some(30),
            "at a time's own line"
        );
        // Words that start like a time, or a time too large to count, are not times.
        assert_eq!(leading_timestamp("[1:00] chapter one"), None);
        assert_eq!(leading_timestamp("[71582789:00]"), None);
        assert_eq!(leading_timestamp("[4294967295:59:59]"), None);
        assert_eq!(leading_timestamp("[1:02:03]"), Some(3723));
    }
}
