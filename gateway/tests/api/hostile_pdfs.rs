//! Hostile PDFs through the whole pipeline: a file built to exhaust the worker (a page that
//! draws a huge image, the same page listed hundreds of times, forms nested as deep as allowed
//! and drawn in a loop) is uploaded like any other; its source ends within the time limit and
//! the process's peak memory stays bounded. The app runs in this test's own process (nextest
//! runs each test in a process of its own), so the peak measured is the worker's.

use std::io::Write as _;
use std::time::Duration;

use pdf_extract::{Dictionary, Document, Object, Stream};

use crate::helpers::spawn_app;

fn name(value: &str) -> Object {
    Object::Name(value.as_bytes().to_vec())
}

fn dict(entries: Vec<(&str, Object)>) -> Dictionary {
    let mut d = Dictionary::new();
    for (k, v) in entries {
        d.set(k, v);
    }
    d
}

/// Zeros deflated: `mib` MiB once decoded, about a thousandth of that in the file.
fn zeros_deflated(mib: usize) -> Vec<u8> {
    let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
    let block = vec![0u8; 1 << 20];
    for _ in 0..mib {
        encoder.write_all(&block).expect("compresses");
    }
    encoder.finish().expect("compresses")
}

/// A page of text that also draws a 150 MiB image, listed 300 times in the page tree, then a
/// page drawing a form nested ten deep, each level drawing the next eight times.
fn hostile_pdf() -> Vec<u8> {
    let mut doc = Document::with_version("1.5");
    let root = doc.new_object_id();
    let font = doc.add_object(dict(vec![
        ("Type", name("Font")),
        ("Subtype", name("Type1")),
        ("BaseFont", name("Helvetica")),
    ]));
    let image = doc.add_object(Stream::new(
        dict(vec![
            ("Type", name("XObject")),
            ("Subtype", name("Image")),
            ("Width", Object::Integer(7000)),
            ("Height", Object::Integer(7500)),
            ("ColorSpace", name("DeviceRGB")),
            ("BitsPerComponent", Object::Integer(8)),
            ("Filter", name("FlateDecode")),
        ]),
        zeros_deflated(150),
    ));
    let mut form = doc.add_object(Stream::new(
        dict(vec![("Type", name("XObject")), ("Subtype", name("Form"))]),
        Vec::new(),
    ));
    for _ in 0..10 {
        let resources = dict(vec![(
            "XObject",
            Object::Dictionary(dict(vec![("X", Object::Reference(form))])),
        )]);
        form = doc.add_object(Stream::new(
            dict(vec![
                ("Type", name("XObject")),
                ("Subtype", name("Form")),
                ("Resources", Object::Dictionary(resources)),
            ]),
            "/X Do ".repeat(8).into_bytes(),
        ));
    }
    let content = doc.add_object(Stream::new(
        Dictionary::new(),
        b"BT /F1 12 Tf 72 720 Td (Lighthouse keepers logged every ship that passed the light.) Tj ET\n\
          q 500 0 0 500 0 0 cm /Im Do Q"
            .to_vec(),
    ));
    let deep_content = doc.add_object(Stream::new(Dictionary::new(), b"/Deep Do".to_vec()));
    let resources = dict(vec![
        (
            "Font",
            Object::Dictionary(dict(vec![("F1", Object::Reference(font))])),
        ),
        (
            "XObject",
            Object::Dictionary(dict(vec![
                ("Im", Object::Reference(image)),
                ("Deep", Object::Reference(form)),
            ])),
        ),
    ]);
    let media_box = Object::Array([0, 0, 612, 792].map(Object::Integer).to_vec());
    let page = doc.add_object(dict(vec![
        ("Type", name("Page")),
        ("Parent", Object::Reference(root)),
        ("Contents", Object::Reference(content)),
        ("Resources", Object::Dictionary(resources.clone())),
        ("MediaBox", media_box.clone()),
    ]));
    let deep = doc.add_object(dict(vec![
        ("Type", name("Page")),
        ("Parent", Object::Reference(root)),
        ("Contents", Object::Reference(deep_content)),
        ("Resources", Object::Dictionary(resources)),
        ("MediaBox", media_box),
    ]));
    let mut kids = vec![Object::Reference(page); 300];
    kids.push(Object::Reference(deep));
    let tree = dict(vec![
        ("Type", name("Pages")),
        ("Kids", Object::Array(kids)),
        ("Count", Object::Integer(301)),
    ]);
    doc.objects.insert(root, Object::Dictionary(tree));
    let catalog = doc.add_object(dict(vec![
        ("Type", name("Catalog")),
        ("Pages", Object::Reference(root)),
    ]));
    doc.trailer.set("Root", Object::Reference(catalog));
    let mut bytes = Vec::new();
    doc.save_to(&mut bytes).expect("saves");
    bytes
}

/// Peak resident memory of this process, in MiB.
fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|rest| rest.split_whitespace().next()?.parse::<f64>().ok())
        .map_or(0.0, |kib| kib / 1024.0)
}

#[tokio::test]
async fn a_pdf_built_to_exhaust_the_worker_ends_within_bounds() {
    let app = spawn_app().await;
    let pdf = hostile_pdf();
    assert!(
        pdf.len() < 1 << 20,
        "the file itself is small: {} bytes",
        pdf.len()
    );
    let before = peak_rss_mib();
    let (status, body) = app.post_file("hostile.pdf", pdf).await;
    assert_eq!(status, 202, "{body}");
    let id = body["source"]["id"].as_str().expect("id").to_owned();
    let source = app.wait_for_source(&id, Duration::from_secs(120)).await;
    let peak = peak_rss_mib();
    // Decoding the image alone would take 150 MiB; reading the page 300 times, 300 copies.
    assert!(
        peak - before < 100.0,
        "the process grew from {before:.0} to {peak:.0} MiB: {source}"
    );
    // The readable page is read, once; the exploding forms cost only their own page.
    assert_eq!(source["status"], "compiled", "{source}");
    let text = app.source_text(&id).await;
    assert_eq!(
        text.matches("Lighthouse keepers logged").count(),
        1,
        "the page listed 300 times is read once: {text}"
    );
}
