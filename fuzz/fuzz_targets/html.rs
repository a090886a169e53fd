//! Any text given to the HTML extractor ends in readable markdown or a clear error.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    let html = String::from_utf8_lossy(bytes);
    let _ = text::extract::html::extract_html(&html, None);
});
