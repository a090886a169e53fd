//! Title, author and creation date of a PDF, from its Info dictionary or, failing that, its
//! XMP metadata stream.

use std::io::Read;

use pdf_extract::{Dictionary, Document, Object};

/// The largest XMP packet read; real ones are a few kilobytes.
const MAX_XMP_BYTES: u64 = 1 << 20;

/// Metadata fields, already cleaned; `None` when absent or meaningless.
#[derive(Debug, Default)]
pub(super) struct Meta {
    pub title: Option<String>,
    pub author: Option<String>,
    pub created: Option<String>,
}

/// Reads the document's metadata. The Info dictionary comes first because it is what most
/// producers fill in; XMP fills the gaps.
pub(super) fn read(doc: &Document) -> Meta {
    let info = doc
        .trailer
        .get_deref(b"Info", doc)
        .and_then(Object::as_dict)
        .ok();
    let field = |key: &[u8]| info.and_then(|info| info_string(doc, info, key));
    let mut meta = Meta {
        title: field(b"Title").and_then(|t| clean_title(&t)),
        author: field(b"Author").and_then(|a| clean_field(&a)),
        created: field(b"CreationDate").and_then(|d| pdf_date(&d)),
    };
    let complete = meta.title.is_some() && meta.author.is_some() && meta.created.is_some();
    let Some(xmp) = (!complete).then(|| xmp_packet(doc)).flatten() else {
        return meta;
    };
    meta.title = meta
        .title
        .or_else(|| xmp_item(&xmp, "dc:title").and_then(|t| clean_title(&t)));
    meta.author = meta
        .author
        .or_else(|| xmp_item(&xmp, "dc:creator").and_then(|a| clean_field(&a)));
    meta.created = meta.created.or_else(|| xmp_date(&xmp));
    meta
}

fn info_string(doc: &Document, info: &Dictionary, key: &[u8]) -> Option<String> {
    let bytes = info.get_deref(key, doc).and_then(Object::as_str).ok()?;
    Some(decode_text(bytes))
}

/// Decodes a PDF text string: UTF-16BE or UTF-8 when it starts with their byte order mark,
/// PDFDocEncoding otherwise. Malformed UTF-16 (an unpaired surrogate) is decoded lossily
/// rather than dropped.
pub(super) fn decode_text(bytes: &[u8]) -> String {
    if let Some(utf16) = bytes.strip_prefix(b"\xFE\xFF") {
        let units: Vec<u16> = utf16
            .chunks(2)
            .map(|pair| u16::from_be_bytes([pair[0], pair.get(1).copied().unwrap_or(0)]))
            .collect();
        return String::from_utf16_lossy(&units);
    }
    if let Some(utf8) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return String::from_utf8_lossy(utf8).into_owned();
    }
    bytes.iter().map(|&byte| pdf_doc_char(byte)).collect()
}

/// PDFDocEncoding: Latin-1 except for typographic characters in 0x18–0x1F and 0x80–0xA0.
fn pdf_doc_char(byte: u8) -> char {
    const LOW: [char; 8] = ['˘', 'ˇ', 'ˆ', '˙', '˝', '˛', '˚', '˜'];
    const HIGH: [char; 33] = [
        '•', '†', '‡', '…', '—', '–', 'ƒ', '⁄', '‹', '›', '−', '‰', '„', '“', '”', '‘', '’', '‚',
        '™', 'ﬁ', 'ﬂ', 'Ł', 'Œ', 'Š', 'Ÿ', 'Ž', 'ı', 'ł', 'œ', 'š', 'ž', '\u{FFFD}', '€',
    ];
    match byte {
        0x18..=0x1F => LOW[usize::from(byte - 0x18)],
        0x80..=0xA0 => HIGH[usize::from(byte - 0x80)],
        _ => char::from(byte),
    }
}

/// Trims, collapses whitespace and drops control characters (some producers pad with NULs).
fn clean_field(value: &str) -> Option<String> {
    let cleaned: String = value
        .chars()
        .filter(|c| !c.is_control() || c.is_whitespace())
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    (!cleaned.is_empty()).then_some(cleaned)
}

/// Like [`clean_field`], also dropping placeholder titles and the "Microsoft Word - " prefix
/// that Word's PDF printer puts before the file name.
fn clean_title(value: &str) -> Option<String> {
    let cleaned = clean_field(value)?;
    let cleaned = cleaned
        .strip_prefix("Microsoft Word - ")
        .unwrap_or(&cleaned)
        .trim();
    let lower = cleaned.to_lowercase();
    let placeholder = [
        "untitled",
        "untitled document",
        "title",
        "no title",
        "document",
    ];
    if placeholder.contains(&lower.as_str()) || lower.starts_with("untitled-") {
        return None;
    }
    (!cleaned.is_empty()).then(|| cleaned.to_string())
}

/// `D:YYYYMMDDHHmmSSOHH'mm'` (everything after the year optional) as `YYYY-MM-DD`; only
/// when year, month and day are all present and form a real date.
pub(super) fn pdf_date(value: &str) -> Option<String> {
    let value = value.trim();
    let digits = value.strip_prefix("D:").unwrap_or(value);
    let date = digits.get(..8)?;
    if !date.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    iso_date(&date[..4], &date[4..6], &date[6..8])
}

fn iso_date(year: &str, month: &str, day: &str) -> Option<String> {
    let (y, m, d): (u32, u32, u32) = (year.parse().ok()?, month.parse().ok()?, day.parse().ok()?);
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = match m {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        1..=12 => 31,
        _ => return None,
    };
    ((1000..=9999).contains(&y) && (1..=days).contains(&d)).then(|| format!("{year}-{month}-{day}"))
}

/// The XMP packet referenced by the catalog's `/Metadata`, decoded and size-limited.
fn xmp_packet(doc: &Document) -> Option<String> {
    let stream = doc
        .catalog()
        .ok()?
        .get_deref(b"Metadata", doc)
        .and_then(Object::as_stream)
        .ok()?;
    let filters = stream.filters().unwrap_or_default();
    let mut bytes = Vec::new();
    match filters.as_slice() {
        [] => bytes.extend(stream.content.iter().take(MAX_XMP_BYTES as usize)),
        [b"FlateDecode"] => {
            // Bounded read: a metadata stream is the easiest place to hide a bomb.
            let decoder = flate2::read::ZlibDecoder::new(stream.content.as_slice());
            decoder.take(MAX_XMP_BYTES).read_to_end(&mut bytes).ok()?;
        }
        _ => return None,
    }
    Some(String::from_utf8_lossy(&bytes).into_owned())
}

/// The first `rdf:li` of an XMP property (`dc:title` holds an `rdf:Alt`, `dc:creator` an
/// `rdf:Seq`), or its plain text content, unescaped.
fn xmp_item(xmp: &str, property: &str) -> Option<String> {
    let start = xmp.find(&format!("<{property}"))?;
    let rest = &xmp[start..];
    let end = rest.find(&format!("</{property}>"))?;
    let element = &rest[..end];
    let body = &element[element.find('>')? + 1..];
    let text = match body.find("<rdf:li") {
        Some(li) => {
            let item = &body[li..];
            let open = item.find('>')? + 1;
            let close = item.find("</rdf:li>")?;
            item.get(open..close)?
        }
        None => body,
    };
    (!text.contains('<')).then(|| unescape_xml(text))
}

/// `xmp:CreateDate`, as an element or an attribute, cut to its date part.
fn xmp_date(xmp: &str) -> Option<String> {
    let value = match xmp.find("xmp:CreateDate=\"") {
        Some(at) => &xmp[at + "xmp:CreateDate=\"".len()..],
        None => {
            let at = xmp.find("<xmp:CreateDate>")?;
            &xmp[at + "<xmp:CreateDate>".len()..]
        }
    };
    let date = value.trim_start().get(..10)?;
    let mut parts = date.split('-');
    match (parts.next(), parts.next(), parts.next()) {
        (Some(y), Some(m), Some(d)) if y.len() == 4 && m.len() == 2 && d.len() == 2 => {
            iso_date(y, m, d)
        }
        _ => None,
    }
}

fn unescape_xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        rest = &rest[amp..];
        let Some(semi) = rest.find(';').filter(|&semi| semi <= 10) else {
            out.push('&');
            rest = &rest[1..];
            continue;
        };
        let entity = &rest[1..semi];
        let decoded = match entity {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            _ => entity
                .strip_prefix("#x")
                .map(|hex| u32::from_str_radix(hex, 16))
                .or_else(|| entity.strip_prefix('#').map(str::parse))
                .and_then(Result::ok)
                .and_then(char::from_u32),
        };
        match decoded {
            Some(c) => {
                out.push(c);
                rest = &rest[semi + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}
