//! Any bytes given to the PDF extractor end in text or a clear error, within its bounds: no
//! panic escapes, no abort, and a deadline stops it.
#![no_main]

use std::sync::Once;

use libfuzzer_sys::fuzz_target;
use text::extract::pdf::{PdfLimits, deadline_in, extract_pdf_within};

static CAUGHT_PANICS_ARE_EXPECTED: Once = Once::new();

fuzz_target!(|bytes: &[u8]| {
    // The extractor runs the PDF parser under `catch_unwind` (it panics on malformed files)
    // and turns those panics into errors; libFuzzer's hook would abort on them even though
    // they are caught. A panic that escapes still aborts the run, as a crash.
    CAUGHT_PANICS_ARE_EXPECTED.call_once(|| std::panic::set_hook(Box::new(|_| {})));
    let limits = PdfLimits::new(50, deadline_in(std::time::Duration::from_secs(5)));
    let _ = extract_pdf_within(bytes, limits);
});
