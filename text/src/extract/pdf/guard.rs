//! Defences against hostile PDFs that the parser (lopdf, through pdf-extract) does not have.
//!
//! Panics are caught by the caller; this module covers what `catch_unwind` cannot: memory
//! blown up by decompression bombs, and stack overflows (which abort the whole process)
//! from cyclic page trees and self-referencing form XObjects.

use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::rc::Rc;

use pdf_extract::content::Content;
use pdf_extract::{Dictionary, Document, Object, ObjectId, Stream};

/// Largest decoded size of one stream the extractor may decode (fonts, page contents, forms).
const MAX_STREAM_BYTES: u64 = 64 << 20;
/// Largest decoded size of all such streams together.
const MAX_TOTAL_BYTES: u64 = 512 << 20;
/// Form XObject invocations one page may expand to; real pages use a handful.
const MAX_FORM_CALLS: usize = 10_000;
/// Nesting of form XObjects: each level is a recursive call inside pdf-extract.
const MAX_FORM_DEPTH: usize = 12;
/// Levels of the page tree searched for inherited attributes.
const MAX_TREE_DEPTH: usize = 64;
/// US Letter, for pages that have no usable MediaBox (pdf-extract panics without one).
const DEFAULT_MEDIA_BOX: [i64; 4] = [0, 0, 612, 792];

/// Whether the bytes start like a PDF. The spec tolerates junk before the header, and real
/// files have some, so the marker is looked for in the first kilobyte.
pub(super) fn looks_like_pdf(bytes: &[u8]) -> bool {
    bytes.windows(5).take(1024).any(|w| w == b"%PDF-")
}

/// Checks that no stream text extraction would decode expands beyond the limits, without
/// holding the decoded bytes. Images are skipped: text extraction never decodes them and
/// scans legitimately decode to hundreds of megabytes.
pub(super) fn check_stream_sizes(doc: &Document, pages: &[ObjectId]) -> Result<(), String> {
    let contents: HashSet<ObjectId> = pages
        .iter()
        .flat_map(|page| doc.get_page_contents(*page))
        .collect();
    let mut total = 0u64;
    for (id, object) in &doc.objects {
        let Object::Stream(stream) = object else {
            continue;
        };
        if is_image(stream) && !contents.contains(id) {
            continue;
        }
        let size = decoded_size(stream, MAX_STREAM_BYTES + 1);
        if size > MAX_STREAM_BYTES {
            return Err(format!(
                "a stream decompresses to more than {} MiB",
                MAX_STREAM_BYTES >> 20
            ));
        }
        total += size;
        if total > MAX_TOTAL_BYTES {
            return Err(format!(
                "its streams decompress to more than {} MiB",
                MAX_TOTAL_BYTES >> 20
            ));
        }
    }
    Ok(())
}

/// Replaces every image XObject by an empty form. Images carry no text, but pdf-extract runs
/// `Do` on any XObject by decoding its stream as if it were content, so a page drawing one huge
/// image (a 2 MB file can hold gigabytes of pixels) made text extraction inflate all of it.
pub(super) fn blank_images(doc: &mut Document) {
    for object in doc.objects.values_mut() {
        if let Object::Stream(stream) = object
            && is_image(stream)
        {
            let mut form = Dictionary::new();
            form.set("Type", Object::Name(b"XObject".to_vec()));
            form.set("Subtype", Object::Name(b"Form".to_vec()));
            form.set("BBox", Object::Array(vec![Object::Integer(0); 4]));
            *stream = Stream::new(form, Vec::new());
        }
    }
}

fn is_image(stream: &Stream) -> bool {
    matches!(
        stream.dict.get(b"Subtype").and_then(Object::as_name),
        Ok(b"Image")
    )
}

/// Decoded size of a stream, counted up to `limit`, for the filters lopdf decodes.
fn decoded_size(stream: &Stream, limit: u64) -> u64 {
    let Ok(filters) = stream.filters() else {
        return stream.content.len() as u64;
    };
    let mut kept = Vec::new();
    for (index, filter) in filters.iter().enumerate() {
        let data: &[u8] = if index == 0 { &stream.content } else { &kept };
        // Intermediate stages of a filter chain feed the next one and so are kept (bounded
        // by the same limit); the last is only counted.
        let last = index + 1 == filters.len();
        let mut sink = Bounded {
            kept: Vec::new(),
            keep: !last,
            count: 0,
            limit,
        };
        match *filter {
            b"FlateDecode" => inflate(data, &mut sink),
            b"LZWDecode" => {
                let mut decoder =
                    weezl::decode::Decoder::with_tiff_size_switch(weezl::BitOrder::Msb, 8);
                // Reaching the limit surfaces as a write error, which ends decoding.
                let _ = decoder.into_stream(&mut sink).decode_all(data).status;
            }
            // Expands its input by at most four (`z`), so it is decoded in memory.
            b"ASCII85Decode" => {
                let _ = sink.write_all(&ascii85(data));
            }
            // lopdf leaves the data of any other filter as it is.
            _ => return data.len() as u64,
        }
        if last || sink.count >= limit {
            return sink.count;
        }
        kept = sink.kept;
    }
    stream.content.len() as u64
}

/// ASCII85 decoding, as lenient as lopdf's: stops at the first byte outside the alphabet.
fn ascii85(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len());
    let (mut group, mut count) = (0u64, 0usize);
    for &byte in data {
        match byte {
            b'z' if count == 0 => out.extend_from_slice(&[0; 4]),
            b'!'..=b'u' => {
                group = group * 85 + u64::from(byte - b'!');
                count += 1;
                if count == 5 {
                    out.extend_from_slice(&(group as u32).to_be_bytes());
                    (group, count) = (0, 0);
                }
            }
            _ if byte.is_ascii_whitespace() => {}
            _ => break,
        }
    }
    if count > 1 {
        for _ in count..5 {
            group = group * 85 + 84;
        }
        out.extend_from_slice(&(group as u32).to_be_bytes()[..count - 1]);
    }
    out
}

/// Inflates like lopdf: zlib, falling back to raw deflate when nothing could be decoded.
fn inflate(data: &[u8], sink: &mut Bounded) {
    if data.is_empty() {
        return;
    }
    let zlib = std::io::copy(&mut flate2::read::ZlibDecoder::new(data), sink);
    if zlib.is_err() && sink.count == 0 && data.len() > 2 {
        let _ = std::io::copy(&mut flate2::read::DeflateDecoder::new(&data[2..]), sink);
    }
}

/// A writer that counts bytes, optionally keeps them, and fails once past its limit.
struct Bounded {
    kept: Vec<u8>,
    keep: bool,
    count: u64,
    limit: u64,
}

impl Write for Bounded {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.count += buf.len() as u64;
        if self.count >= self.limit {
            return Err(std::io::Error::other("decoded size limit reached"));
        }
        if self.keep {
            self.kept.extend_from_slice(buf);
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Prepares one page for pdf-extract, or says why it must be skipped.
///
/// pdf-extract looks up inherited attributes by recursing through `/Parent` without a bound,
/// and runs form XObjects by recursing without a bound, so a cyclic document overflows the
/// stack. The inherited attributes are copied onto the page and `/Parent` removed, and the
/// page's forms are checked for cycles and excessive expansion.
pub(super) fn prepare_page(doc: &mut Document, page: ObjectId) -> Result<(), &'static str> {
    let resources = inherited(doc, page, b"Resources").cloned();
    let media_box = inherited(doc, page, b"MediaBox")
        .filter(|object| is_box(doc, object))
        .cloned()
        .unwrap_or_else(|| Object::Array(DEFAULT_MEDIA_BOX.map(Object::Integer).to_vec()));
    let Ok(dict) = doc.get_dictionary_mut(page) else {
        return Err("the page is not a dictionary");
    };
    if let Some(resources) = resources {
        dict.set("Resources", resources);
    }
    dict.set("MediaBox", media_box);
    dict.remove(b"Parent");

    let resources = doc
        .get_dictionary(page)
        .ok()
        .and_then(|dict| dict.get_deref(b"Resources", doc).ok())
        .and_then(|object| object.as_dict().ok());
    let Some(resources) = resources else {
        return Ok(());
    };
    if !has_forms(doc, resources) {
        return Ok(());
    }
    let content = doc.get_page_content(page).unwrap_or_default();
    let mut walker = FormWalker {
        doc,
        drawn: HashMap::new(),
        active: Vec::new(),
        calls: 0,
    };
    let names = drawn_names(&content);
    walker.walk(&names, resources)
}
/// An attribute of the page or, failing that, of its nearest ancestor that has it.
fn inherited<'a>(doc: &'a Document, page: ObjectId, key: &[u8]) -> Option<&'a Object> {
    let mut seen = HashSet::new();
    let mut node = doc.get_dictionary(page).ok()?;
    for _ in 0..MAX_TREE_DEPTH {
        if let Ok(value) = node.get(key) {
            return Some(value);
        }
        let parent = node.get(b"Parent").and_then(Object::as_reference).ok()?;
        if !seen.insert(parent) {
            return None;
        }
        node = doc.get_dictionary(parent).ok()?;
    }
    None
}

fn is_box(doc: &Document, object: &Object) -> bool {
    let Ok((_, Object::Array(items))) = doc.dereference(object) else {
        return false;
    };
    items.len() == 4 && items.iter().all(|item| item.as_float().is_ok())
}

fn xobjects<'a>(doc: &'a Document, resources: &'a Dictionary) -> Option<&'a Dictionary> {
    resources
        .get_deref(b"XObject", doc)
        .and_then(Object::as_dict)
        .ok()
}

fn has_forms(doc: &Document, resources: &Dictionary) -> bool {
    xobjects(doc, resources).is_some_and(|xobjects| {
        xobjects
            .iter()
            .any(|(_, object)| form_stream(doc, object).is_some())
    })
}

fn form_stream<'a>(doc: &'a Document, object: &'a Object) -> Option<(ObjectId, &'a Stream)> {
    let id = object.as_reference().ok()?;
    let stream = doc.get_object(id).and_then(Object::as_stream).ok()?;
    let subtype = stream.dict.get(b"Subtype").and_then(Object::as_name).ok()?;
    (subtype == b"Form").then_some((id, stream))
}

/// The names of the XObjects a content stream draws (`/Name Do`), in order.
fn drawn_names(content: &[u8]) -> Vec<Vec<u8>> {
    // Undecodable content makes pdf-extract fail the page on its own: nothing to guard.
    let Ok(content) = Content::decode(content) else {
        return Vec::new();
    };
    content
        .operations
        .into_iter()
        .filter(|op| op.operator == "Do")
        .filter_map(|op| op.operands.first()?.as_name().ok().map(<[u8]>::to_vec))
        .collect()
}

/// Counts the form invocations a page expands to, failing on a cycle, on too deep nesting,
/// or on too many invocations: nested forms multiply (ten levels of forms each drawing the
/// next ten times would make pdf-extract run 10^10 streams).
struct FormWalker<'a> {
    doc: &'a Document,
    /// What each form draws, decoded once per form however often it is drawn.
    drawn: HashMap<ObjectId, Rc<Vec<Vec<u8>>>>,
    active: Vec<ObjectId>,
    calls: usize,
}

impl<'a> FormWalker<'a> {
    fn walk(&mut self, names: &[Vec<u8>], resources: &'a Dictionary) -> Result<(), &'static str> {
        let Some(xobjects) = xobjects(self.doc, resources) else {
            return Ok(());
        };
        for name in names {
            let Some((id, form)) = xobjects
                .get(name)
                .ok()
                .and_then(|object| form_stream(self.doc, object))
            else {
                continue;
            };
            if self.active.contains(&id) {
                return Err("a form XObject draws itself");
            }
            if self.active.len() >= MAX_FORM_DEPTH {
                return Err("form XObjects are nested too deeply");
            }
            self.calls += 1;
            if self.calls > MAX_FORM_CALLS {
                return Err("form XObjects expand to too many drawings");
            }
            // pdf-extract runs a form with its own resources, else with its caller's.
            let form_resources = form
                .dict
                .get_deref(b"Resources", self.doc)
                .and_then(Object::as_dict)
                .unwrap_or(resources);
            let inner = Rc::clone(self.drawn.entry(id).or_insert_with(|| {
                let content = form
                    .decompressed_content()
                    .unwrap_or_else(|_| form.content.clone());
                Rc::new(drawn_names(&content))
            }));
            self.active.push(id);
            let result = self.walk(&inner, form_resources);
            self.active.pop();
            result?;
        }
        Ok(())
    }
}
