//! Tests on PDFs built here: metadata encodings, XMP, pages without text, and hostile
//! structures (cyclic forms and page trees, form explosions, decompression bombs).

use std::io::Write;

use pdf_extract::{Dictionary, Document, Object, ObjectId, Stream, StringFormat};

use super::super::{ExtractError, extract_pdf};

fn name(value: &str) -> Object {
    Object::Name(value.as_bytes().to_vec())
}

fn dict(entries: Vec<(&str, Object)>) -> Dictionary {
    let mut dict = Dictionary::new();
    for (key, value) in entries {
        dict.set(key, value);
    }
    dict
}

fn text_content(text: &str) -> Vec<u8> {
    let mut content = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let y = 720 - 14 * index;
        let line = line.replace('(', "\\(").replace(')', "\\)");
        let _ = writeln!(content, "BT /F1 12 Tf 72 {y} Td ({line}) Tj ET");
    }
    content
}

/// A document with one page per text, Helvetica inherited from the page tree root.
fn build(texts: &[&str]) -> (Document, Vec<ObjectId>) {
    let mut doc = Document::with_version("1.5");
    let root = doc.new_object_id();
    let font = doc.add_object(dict(vec![
        ("Type", name("Font")),
        ("Subtype", name("Type1")),
        ("BaseFont", name("Helvetica")),
    ]));
    let fonts = Object::Dictionary(dict(vec![("F1", Object::Reference(font))]));
    let mut pages = Vec::new();
    for text in texts {
        let content = doc.add_object(Stream::new(Dictionary::new(), text_content(text)));
        pages.push(doc.add_object(dict(vec![
            ("Type", name("Page")),
            ("Parent", Object::Reference(root)),
            ("Contents", Object::Reference(content)),
        ])));
    }
    let tree = dict(vec![
        ("Type", name("Pages")),
        (
            "Kids",
            Object::Array(pages.iter().map(|&p| Object::Reference(p)).collect()),
        ),
        ("Count", Object::Integer(pages.len() as i64)),
        ("Resources", Object::Dictionary(dict(vec![("Font", fonts)]))),
        (
            "MediaBox",
            Object::Array([0, 0, 612, 792].map(Object::Integer).to_vec()),
        ),
    ]);
    doc.objects.insert(root, Object::Dictionary(tree));
    let catalog = doc.add_object(dict(vec![
        ("Type", name("Catalog")),
        ("Pages", Object::Reference(root)),
    ]));
    doc.trailer.set("Root", Object::Reference(catalog));
    (doc, pages)
}

fn save(mut doc: Document) -> Vec<u8> {
    let mut bytes = Vec::new();
    doc.save_to(&mut bytes).expect("saves");
    bytes
}

fn page_dict(doc: &mut Document, page: ObjectId) -> &mut Dictionary {
    doc.get_dictionary_mut(page).expect("page")
}

#[test]
fn built_pdf_text_and_info_metadata() {
    let (mut doc, _) = build(&["Hello world, this is a test.", "Second page."]);
    let title = [
        &b"\xFE\xFF"[..],
        &"Ünïcode title"
            .encode_utf16()
            .flat_map(u16::to_be_bytes)
            .collect::<Vec<_>>(),
    ]
    .concat();
    let info = doc.add_object(dict(vec![
        ("Title", Object::String(title, StringFormat::Hexadecimal)),
        (
            "Author",
            Object::String(b"  Jane\x92 Doe\0 ".to_vec(), StringFormat::Literal),
        ),
        (
            "CreationDate",
            Object::string_literal("D:20240229120000+01'00'"),
        ),
    ]));
    doc.trailer.set("Info", Object::Reference(info));
    let pdf = extract_pdf(&save(doc), 10).expect("extracts");
    assert_eq!(pdf.pages, ["Hello world, this is a test.", "Second page."]);
    assert_eq!(pdf.title.as_deref(), Some("Ünïcode title"));
    assert_eq!(pdf.author.as_deref(), Some("Jane™ Doe"));
    assert_eq!(pdf.created.as_deref(), Some("2024-02-29"));
}

#[test]
fn xmp_fills_in_missing_info() {
    let (mut doc, _) = build(&["Some text."]);
    let xmp = r#"<x:xmpmeta><rdf:RDF><rdf:Description xmp:CreateDate="2021-07-09T10:00:00Z">
        <dc:title><rdf:Alt><rdf:li xml:lang="x-default">Cats &amp; Dogs</rdf:li></rdf:Alt></dc:title>
        <dc:creator><rdf:Seq><rdf:li>A. Writer</rdf:li></rdf:Seq></dc:creator>
        </rdf:Description></rdf:RDF></x:xmpmeta>"#;
    let stream = doc.add_object(Stream::new(
        dict(vec![("Type", name("Metadata")), ("Subtype", name("XML"))]),
        xmp.as_bytes().to_vec(),
    ));
    let info = doc.add_object(dict(vec![("Title", Object::string_literal("Untitled"))]));
    doc.trailer.set("Info", Object::Reference(info));
    let catalog = doc
        .trailer
        .get(b"Root")
        .and_then(Object::as_reference)
        .expect("root");
    doc.get_dictionary_mut(catalog)
        .expect("catalog")
        .set("Metadata", Object::Reference(stream));
    let pdf = extract_pdf(&save(doc), 10).expect("extracts");
    assert_eq!(pdf.title.as_deref(), Some("Cats & Dogs"));
    assert_eq!(pdf.author.as_deref(), Some("A. Writer"));
    assert_eq!(pdf.created.as_deref(), Some("2021-07-09"));
}

#[test]
fn pages_without_text_are_empty() {
    let (mut doc, pages) = build(&["", ""]);
    for page in pages {
        let drawing = doc.add_object(Stream::new(
            Dictionary::new(),
            b"0 0 m 100 100 l S".to_vec(),
        ));
        page_dict(&mut doc, page).set("Contents", Object::Reference(drawing));
    }
    assert!(matches!(
        extract_pdf(&save(doc), 10),
        Err(ExtractError::Empty)
    ));
}

/// A form XObject for the page's resources whose content is `content`.
fn add_form(doc: &mut Document, content: &str, xobjects: Vec<(&str, Object)>) -> ObjectId {
    let resources = dict(vec![("XObject", Object::Dictionary(dict(xobjects)))]);
    let form = dict(vec![
        ("Type", name("XObject")),
        ("Subtype", name("Form")),
        ("Resources", Object::Dictionary(resources)),
    ]);
    doc.add_object(Stream::new(form, content.as_bytes().to_vec()))
}

fn draw_form(doc: &mut Document, page: ObjectId, form: ObjectId) {
    let xobjects = dict(vec![("X", Object::Reference(form))]);
    let resources = dict(vec![("XObject", Object::Dictionary(xobjects))]);
    let content = doc.add_object(Stream::new(Dictionary::new(), b"/X Do".to_vec()));
    let page = page_dict(doc, page);
    page.set("Resources", Object::Dictionary(resources));
    page.set("Contents", Object::Reference(content));
}

#[test]
fn self_drawing_and_exploding_forms_are_skipped() {
    let (mut doc, pages) = build(&["", "", "Readable page."]);
    // A form that draws itself would recurse until the stack overflows.
    let looping = doc.new_object_id();
    let form = add_form(&mut doc, "/X Do", vec![("X", Object::Reference(looping))]);
    let form = doc.objects.remove(&form).expect("form");
    doc.objects.insert(looping, form);
    draw_form(&mut doc, pages[0], looping);
    // Eight levels of forms each drawing the next ten times: 10^8 drawings.
    let mut inner = add_form(&mut doc, "", vec![]);
    for _ in 0..8 {
        inner = add_form(
            &mut doc,
            &"/X Do ".repeat(10),
            vec![("X", Object::Reference(inner))],
        );
    }
    draw_form(&mut doc, pages[1], inner);
    let pdf = extract_pdf(&save(doc), 10).expect("extracts");
    assert_eq!(pdf.pages, ["", "", "Readable page."]);
}

#[test]
fn text_in_deeply_nested_forms_is_read() {
    let (mut doc, pages) = build(&["Page text."]);
    let root = page_dict(&mut doc, pages[0])
        .get(b"Parent")
        .and_then(Object::as_reference);
    let fonts = root
        .and_then(|root| doc.get_dictionary(root))
        .and_then(|root| root.get(b"Resources"))
        .cloned()
        .expect("resources");
    let text = String::from_utf8(text_content("Inside the forms.")).expect("utf-8");
    let inner = doc.add_object(Stream::new(
        dict(vec![("Subtype", name("Form")), ("Resources", fonts)]),
        text.into_bytes(),
    ));
    // As deep as the guard allows, on the small stack of a test thread in a debug build.
    let mut outer = inner;
    for _ in 1..12 {
        outer = add_form(&mut doc, "/X Do", vec![("X", Object::Reference(outer))]);
    }
    draw_form(&mut doc, pages[0], outer);
    let pdf = extract_pdf(&save(doc), 10).expect("extracts");
    assert_eq!(pdf.pages, ["Inside the forms."]);
}

#[test]
fn cyclic_page_tree_is_survived() {
    let (mut doc, pages) = build(&["Lost in a loop."]);
    let root = page_dict(&mut doc, pages[0])
        .get(b"Parent")
        .and_then(Object::as_reference);
    let resources = root
        .and_then(|root| doc.get_dictionary(root))
        .and_then(|root| root.get(b"Resources"))
        .cloned()
        .expect("resources");
    // The page inherits its MediaBox through a parent that is its own parent.
    let node = doc.new_object_id();
    let looping = dict(vec![("Parent", Object::Reference(node))]);
    doc.objects.insert(node, Object::Dictionary(looping));
    let page = page_dict(&mut doc, pages[0]);
    page.set("Parent", Object::Reference(node));
    page.set("Resources", resources);
    let pdf = extract_pdf(&save(doc), 10).expect("extracts");
    assert_eq!(pdf.pages, ["Lost in a loop."]);
}

#[test]
fn decompression_bombs_are_too_large() {
    // 80 MiB of spaces deflate to about 80 KiB.
    let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
    let block = vec![b' '; 1 << 20];
    for _ in 0..80 {
        encoder.write_all(&block).expect("compresses");
    }
    let bomb = encoder.finish().expect("compresses");
    let (mut doc, pages) = build(&["Text."]);
    let content = doc.add_object(Stream::new(
        dict(vec![("Filter", name("FlateDecode"))]),
        bomb,
    ));
    page_dict(&mut doc, pages[0]).set("Contents", Object::Reference(content));
    assert!(matches!(
        extract_pdf(&save(doc), 10),
        Err(ExtractError::TooLarge(_))
    ));
}

/// Peak resident memory of this test process, in MiB (nextest runs each test in its own).
fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|rest| rest.split_whitespace().next()?.parse::<f64>().ok())
        .map_or(0.0, |kib| kib / 1024.0)
}

/// A zlib stream of `mib` MiB of zeros, built without holding them.
fn zeros_deflated(mib: usize) -> Vec<u8> {
    let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
    let block = vec![0u8; 1 << 20];
    for _ in 0..mib {
        encoder.write_all(&block).expect("compresses");
    }
    encoder.finish().expect("compresses")
}

#[test]
fn a_page_drawing_a_huge_image_is_read_without_decoding_it() {
    // 8,000 × 8,000 RGB pixels: 183 MiB once decoded, 190 KiB in the file.
    let image = zeros_deflated(183);
    let (mut doc, pages) = build(&["Text beside a picture."]);
    let image = doc.add_object(Stream::new(
        dict(vec![
            ("Type", name("XObject")),
            ("Subtype", name("Image")),
            ("Width", Object::Integer(8000)),
            ("Height", Object::Integer(8000)),
            ("ColorSpace", name("DeviceRGB")),
            ("BitsPerComponent", Object::Integer(8)),
            ("Filter", name("FlateDecode")),
        ]),
        image,
    ));
    let text = String::from_utf8(text_content("Text beside a picture.")).expect("utf-8");
    let content = doc.add_object(Stream::new(
        Dictionary::new(),
        format!("{text}\nq 500 0 0 500 0 0 cm /Im Do Q").into_bytes(),
    ));
    let root = page_dict(&mut doc, pages[0])
        .get(b"Parent")
        .and_then(Object::as_reference)
        .expect("root");
    let tree = doc.get_dictionary_mut(root).expect("tree");
    let Ok(Object::Dictionary(resources)) = tree.get_mut(b"Resources") else {
        panic!("the tree has resources");
    };
    resources.set(
        "XObject",
        Object::Dictionary(dict(vec![("Im", Object::Reference(image))])),
    );
    page_dict(&mut doc, pages[0]).set("Contents", Object::Reference(content));
    let bytes = save(doc);
    let before = peak_rss_mib();
    let pdf = extract_pdf(&bytes, 10).expect("extracts");
    let peak = peak_rss_mib();
    assert!(
        peak - before < 64.0,
        "extraction grew the process from {before:.0} to {peak:.0} MiB"
    );
    assert_eq!(pdf.pages, ["Text beside a picture."]);
}

#[test]
fn a_page_listed_many_times_is_read_once() {
    let (mut doc, pages) = build(&["Said only once."]);
    let root = page_dict(&mut doc, pages[0])
        .get(b"Parent")
        .and_then(Object::as_reference)
        .expect("root");
    let tree = doc.get_dictionary_mut(root).expect("tree");
    tree.set(
        "Kids",
        Object::Array(vec![Object::Reference(pages[0]); 100]),
    );
    tree.set("Count", Object::Integer(100));
    let pdf = extract_pdf(&save(doc), 1000).expect("extracts");
    assert_eq!(pdf.pages, ["Said only once."]);
}

/// A document whose pages each draw `chars` characters through a form drawn repeatedly.
fn wordy(pages: usize, chars: usize) -> Vec<u8> {
    let texts = vec![""; pages];
    let (mut doc, ids) = build(&texts);
    let root = page_dict(&mut doc, ids[0])
        .get(b"Parent")
        .and_then(Object::as_reference)
        .expect("root");
    let fonts = doc
        .get_dictionary(root)
        .and_then(|root| root.get(b"Resources"))
        .cloned()
        .expect("resources");
    let line = "word ".repeat(200);
    let form = doc.add_object(Stream::new(
        dict(vec![("Subtype", name("Form")), ("Resources", fonts)]),
        format!("BT /F1 12 Tf 72 700 Td ({line}) Tj ET").into_bytes(),
    ));
    for id in ids {
        let xobjects = dict(vec![("X", Object::Reference(form))]);
        let content = doc.add_object(Stream::new(
            Dictionary::new(),
            "/X Do ".repeat(chars / line.len()).into_bytes(),
        ));
        let page = page_dict(&mut doc, id);
        page.set(
            "Resources",
            Object::Dictionary(dict(vec![("XObject", Object::Dictionary(xobjects))])),
        );
        page.set("Contents", Object::Reference(content));
    }
    save(doc)
}

#[test]
fn text_past_the_documents_budget_ends_extraction() {
    let bytes = wordy(4, 20_000);
    let limits = super::super::PdfLimits {
        max_chars: 50_000,
        ..super::super::PdfLimits::new(10, None)
    };
    let result = super::super::extract_pdf_within(&bytes, limits);
    assert!(
        matches!(&result, Err(ExtractError::TooLarge(m)) if m.contains("50000 characters")),
        "{result:?}"
    );
    assert!(
        super::super::extract_pdf_within(&bytes, super::super::PdfLimits::new(10, None)).is_ok()
    );
}

#[test]
fn an_extraction_past_its_deadline_stops_even_inside_a_page() {
    let bytes = wordy(1, 400_000);
    let soon = std::time::Instant::now() + std::time::Duration::from_millis(20);
    let result =
        super::super::extract_pdf_within(&bytes, super::super::PdfLimits::new(10, Some(soon)));
    assert!(
        matches!(&result, Err(ExtractError::TooLarge(m)) if m.contains("time limit")),
        "{result:?}"
    );
}
