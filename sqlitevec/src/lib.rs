//! sqlite-vec, compiled into this binary, made part of every SQLite connection.
//!
//! SQLite calls an "auto extension" on each connection it opens; registering sqlite-vec's entry
//! point that way gives every connection of the process (sqlx's pools, the job queue's) the
//! `vec0` virtual table and the `vec_*` functions, with no file to load at run time.

use std::ffi::{c_char, c_int};
use std::sync::Once;

// Keeps the crate that compiles sqlite-vec's C source linked: the symbol below lives in it.
use sqlite_vec as _;

#[allow(unsafe_code)]
unsafe extern "C" {
    /// sqlite-vec's extension entry point (the signature every SQLite extension's has; the
    /// crate's own declaration leaves out the arguments).
    fn sqlite3_vec_init(
        db: *mut libsqlite3_sys::sqlite3,
        error: *mut *mut c_char,
        api: *const libsqlite3_sys::sqlite3_api_routines,
    ) -> c_int;
}

/// Registers sqlite-vec for every SQLite connection opened after this call (once per process;
/// later calls do nothing). Connections opened before are not changed.
pub fn register() {
    static REGISTERED: Once = Once::new();
    REGISTERED.call_once(|| {
        // SAFETY: `sqlite3_vec_init` is a C function with exactly the entry-point signature
        // `sqlite3_auto_extension` expects, and it lives as long as the process.
        #[allow(unsafe_code)]
        let rc = unsafe { libsqlite3_sys::sqlite3_auto_extension(Some(sqlite3_vec_init)) };
        assert_eq!(
            rc,
            libsqlite3_sys::SQLITE_OK,
            "sqlite-vec could not be registered"
        );
    });
}
