//! One read-only SQLite statement, prepared once and run on the caller's thread.
//!
//! sqlx drives each SQLite connection from a thread of its own: every statement is a hand-over
//! to that thread and back, several context switches that cost far more than a statement
//! reading one row. A value asked on every request (the wiki's generation) is read here
//! instead, through a connection of its own opened read-only, in a few microseconds. In WAL
//! mode a reader does not wait for writers; when SQLite is busy all the same (recovering a
//! WAL, say), [`Int64Query::read`] gives up after a short wait and says so, and the caller asks
//! its pool as usual.

use std::ffi::{CStr, CString, c_int};
use std::path::Path;
use std::ptr;
use std::sync::Mutex;

use libsqlite3_sys as ffi;

/// How long a read waits for a lock before giving up (milliseconds): the caller's thread is
/// an async runtime's, which must not be held.
const BUSY_TIMEOUT_MS: c_int = 20;

/// Why a connection could not be opened or a read failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error(pub String);

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

/// A statement returning one integer, on a read-only connection of its own.
pub struct Int64Query {
    held: Mutex<Handles>,
}

struct Handles {
    db: *mut ffi::sqlite3,
    statement: *mut ffi::sqlite3_stmt,
}

// SAFETY: the connection is opened with SQLITE_OPEN_FULLMUTEX (serialized: SQLite's own API
// may be called from any thread), and the handles are only used under the mutex.
#[allow(unsafe_code)]
unsafe impl Send for Handles {}

impl std::fmt::Debug for Int64Query {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Int64Query").finish_non_exhaustive()
    }
}

impl Int64Query {
    /// Opens `path` read-only and prepares `sql`, which must return one row whose first
    /// column is an integer.
    pub fn open(path: &Path, sql: &str) -> Result<Self, Error> {
        let name = CString::new(path.as_os_str().as_encoded_bytes())
            .map_err(|_| Error(format!("{} holds a NUL byte", path.display())))?;
        let text = CString::new(sql).map_err(|_| Error("the statement holds a NUL".into()))?;
        let mut handles = Handles {
            db: ptr::null_mut(),
            statement: ptr::null_mut(),
        };
        // SAFETY: `name` is a NUL-terminated path; `handles.db` receives the handle (set even
        // on failure, and then closed by `Handles`' drop).
        #[allow(unsafe_code)]
        let rc = unsafe {
            ffi::sqlite3_open_v2(
                name.as_ptr(),
                &raw mut handles.db,
                ffi::SQLITE_OPEN_READONLY | ffi::SQLITE_OPEN_FULLMUTEX,
                ptr::null(),
            )
        };
        if rc != ffi::SQLITE_OK {
            return Err(handles.error(&format!("opening {}", path.display())));
        }
        // SAFETY: `handles.db` is an open connection, `text` a NUL-terminated statement;
        // `handles.statement` receives the prepared statement (finalized on drop).
        #[allow(unsafe_code)]
        let rc = unsafe {
            ffi::sqlite3_busy_timeout(handles.db, BUSY_TIMEOUT_MS);
            ffi::sqlite3_prepare_v2(
                handles.db,
                text.as_ptr(),
                -1,
                &raw mut handles.statement,
                ptr::null_mut(),
            )
        };
        if rc != ffi::SQLITE_OK || handles.statement.is_null() {
            return Err(handles.error("preparing the statement"));
        }
        Ok(Self {
            held: Mutex::new(handles),
        })
    }

    /// Runs the statement: the first column of its first row.
    pub fn read(&self) -> Result<i64, Error> {
        let handles = self.held.lock().unwrap_or_else(|e| e.into_inner());
        // SAFETY: the statement was prepared on this connection and is used under the mutex;
        // it is reset after every step, so each read starts afresh (and ends its read
        // transaction, so the WAL can be checkpointed past it).
        #[allow(unsafe_code)]
        unsafe {
            let rc = ffi::sqlite3_step(handles.statement);
            let value =
                (rc == ffi::SQLITE_ROW).then(|| ffi::sqlite3_column_int64(handles.statement, 0));
            ffi::sqlite3_reset(handles.statement);
            match value {
                Some(v) => Ok(v),
                None if rc == ffi::SQLITE_DONE => {
                    Err(Error("the statement returned no row".into()))
                }
                None => Err(handles.error("reading")),
            }
        }
    }
}

impl Handles {
    /// SQLite's message for the last failure on this connection, after `what`.
    fn error(&self, what: &str) -> Error {
        if self.db.is_null() {
            return Error(format!("{what}: out of memory"));
        }
        // SAFETY: `db` is a connection handle (open, or returned by a failed open, which
        // still carries its message); the message is copied before anything else runs on it.
        #[allow(unsafe_code)]
        let message = unsafe { CStr::from_ptr(ffi::sqlite3_errmsg(self.db)) };
        Error(format!("{what}: {}", message.to_string_lossy()))
    }
}

impl Drop for Handles {
    fn drop(&mut self) {
        // SAFETY: both handles are this struct's own, used nowhere else; finalizing a null
        // statement and closing a null connection are no-ops.
        #[allow(unsafe_code)]
        unsafe {
            ffi::sqlite3_finalize(self.statement);
            ffi::sqlite3_close(self.db);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A database file with a counter table, written through a connection of the test's own.
    fn counter(dir: &Path) -> (std::path::PathBuf, Int64Query) {
        let path = dir.join("counter.db");
        let writer = Int64Query::open(&path, "select 1");
        assert!(writer.is_err(), "a missing file is not created read-only");
        exec(
            &path,
            "pragma journal_mode = wal; create table c (v integer); insert into c values (1);",
        );
        let query = Int64Query::open(&path, "select v from c").expect("open");
        (path, query)
    }

    /// Runs `sql` on a read-write connection of its own.
    fn exec(path: &Path, sql: &str) {
        let name = CString::new(path.as_os_str().as_encoded_bytes()).expect("path");
        let text = CString::new(sql).expect("sql");
        let mut db = ptr::null_mut();
        // SAFETY: test-only calls with NUL-terminated strings; the connection is closed here.
        #[allow(unsafe_code)]
        unsafe {
            let rc = ffi::sqlite3_open_v2(
                name.as_ptr(),
                &raw mut db,
                ffi::SQLITE_OPEN_READWRITE | ffi::SQLITE_OPEN_CREATE,
                ptr::null(),
            );
            assert_eq!(rc, ffi::SQLITE_OK);
            let rc = ffi::sqlite3_exec(db, text.as_ptr(), None, ptr::null_mut(), ptr::null_mut());
            assert_eq!(rc, ffi::SQLITE_OK, "{sql}");
            ffi::sqlite3_close(db);
        }
    }

    #[test]
    fn each_read_sees_what_other_connections_committed() {
        let dir = tempfile::tempdir().expect("dir");
        let (path, query) = counter(dir.path());
        assert_eq!(query.read(), Ok(1));
        exec(&path, "update c set v = v + 41");
        assert_eq!(query.read(), Ok(42));
        assert_eq!(query.read(), Ok(42));
    }

    #[test]
    fn a_statement_without_rows_or_with_an_error_says_so() {
        let dir = tempfile::tempdir().expect("dir");
        let (path, _) = counter(dir.path());
        let empty = Int64Query::open(&path, "select v from c where v < 0").expect("open");
        assert!(empty.read().expect_err("no row").0.contains("no row"));
        let wrong = Int64Query::open(&path, "select missing from c").expect_err("bad column");
        assert!(wrong.0.contains("no such column"), "{wrong}");
        // Read-only: a write is refused by SQLite, not carried out.
        let write = Int64Query::open(&path, "update c set v = 0 returning v").expect("prepared");
        assert!(write.read().is_err());
        let reader = Int64Query::open(&path, "select v from c").expect("open");
        assert_eq!(reader.read(), Ok(1));
    }
}
