//! Any note, once cleaned as the gateway cleans it (clean text, title from its heading),
//! compiles offline without panicking.
#![no_main]

use libfuzzer_sys::fuzz_target;
use text::clean::{first_heading, normalise_text};
use text::compile::{OfflineInput, compile_offline};

fuzz_target!(|bytes: &[u8]| {
    let Ok(raw) = std::str::from_utf8(bytes) else {
        return;
    };
    let text = normalise_text(raw);
    let title = first_heading(&text);
    let existing = ["Lighthouse".to_owned(), "Fog signal".to_owned()];
    let _ = compile_offline(&OfflineInput {
        title: title.as_deref(),
        text: &text,
        existing_titles: &existing,
    });
});
