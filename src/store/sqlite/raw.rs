//! The one read that goes around sqlx: a list of names, stepped straight
//! from SQLite on the calling thread (see `SqliteStore::texts` for why).
//!
//! This is the crate's only `unsafe` code. It is kept to what the SQLite C
//! API needs for one read-only statement: prepare, bind text, step, read a
//! text column, finalize. Each call's requirement is stated where it is made.

#![allow(unsafe_code)]

use std::ffi::{CStr, CString, c_char, c_int};
use std::ptr::{self, NonNull};

use libsqlite3_sys as ffi;
use sqlx::sqlite::LockedSqliteHandle;

use crate::error::Error;

/// Why [`each_text`] stopped early.
pub(super) enum Stop {
    /// SQLite failed: its extended result code and message.
    Sqlite { code: c_int, message: String },
    /// Anything else: `each` returned an error (a closed pipe, say), which
    /// is passed on as is, or the statement or a name could not be used.
    Other(Error),
}

/// A prepared statement, finalized however the read ends.
struct Statement(NonNull<ffi::sqlite3_stmt>);

impl Drop for Statement {
    fn drop(&mut self) {
        // SAFETY: the pointer came from a successful sqlite3_prepare_v2 and
        // is finalized exactly once, here. Its result repeats the last
        // step's error, which was already reported.
        unsafe { ffi::sqlite3_finalize(self.0.as_ptr()) };
    }
}

/// The connection's last error.
///
/// # Safety
/// `db` is a live connection that is ours (see [`each_text`]).
unsafe fn last_error(db: *mut ffi::sqlite3) -> Stop {
    // SAFETY: per this function's contract; sqlite3_errmsg returns a
    // NUL-terminated string owned by the connection, copied at once.
    let (code, message) = unsafe {
        (
            ffi::sqlite3_extended_errcode(db),
            CStr::from_ptr(ffi::sqlite3_errmsg(db))
                .to_string_lossy()
                .into_owned(),
        )
    };
    Stop::Sqlite { code, message }
}

/// Runs `sql`, one read-only statement whose first column is text, with
/// `params` bound to its parameters `$1`, `$2`, …, and hands each row's
/// first column to `each`, borrowed from SQLite's row (valid until the
/// next step, which is why `each` cannot keep it).
///
/// The connection comes locked from sqlx: while `handle` is borrowed here,
/// sqlx's worker thread makes no call on it, and only this thread does.
/// That is what every `unsafe` block below relies on as "ours".
pub(super) fn each_text(
    handle: &mut LockedSqliteHandle<'_>,
    sql: &str,
    params: &[&str],
    each: &mut dyn for<'n> FnMut(&'n str) -> crate::error::Result<()>,
) -> Result<(), Stop> {
    let db = handle.as_raw_handle().as_ptr();
    let too_long = || {
        Stop::Other(Error::database(
            "a statement or a parameter is too long for SQLite",
        ))
    };
    let sql_len = c_int::try_from(sql.len()).map_err(|_| too_long())?;
    let mut raw = ptr::null_mut();
    // SAFETY: `db` is live and ours; `sql` is valid for `sql_len`
    // bytes, and SQLite reads no further (so it needs no NUL).
    let rc = unsafe {
        ffi::sqlite3_prepare_v2(
            db,
            sql.as_ptr().cast::<c_char>(),
            sql_len,
            &mut raw,
            ptr::null_mut(),
        )
    };
    if rc != ffi::SQLITE_OK {
        // SAFETY: as above.
        return Err(unsafe { last_error(db) });
    }
    let stmt = Statement(
        NonNull::new(raw)
            .ok_or_else(|| Stop::Other(Error::database("an empty statement was given to SQLite")))?,
    );
    for (i, value) in params.iter().enumerate() {
        let name = CString::new(format!("${}", i + 1)).expect("no NUL in a parameter name");
        let len = c_int::try_from(value.len()).map_err(|_| too_long())?;
        // SAFETY: `stmt` is a live statement of `db`; `name` is
        // NUL-terminated; SQLITE_TRANSIENT makes SQLite copy `value` before
        // the call returns, so its lifetime does not matter.
        let rc = unsafe {
            let index = ffi::sqlite3_bind_parameter_index(stmt.0.as_ptr(), name.as_ptr());
            if index == 0 {
                return Err(Stop::Other(Error::database(format!(
                    "the statement has no parameter {}",
                    name.to_string_lossy()
                ))));
            }
            ffi::sqlite3_bind_text(
                stmt.0.as_ptr(),
                index,
                value.as_ptr().cast::<c_char>(),
                len,
                ffi::SQLITE_TRANSIENT(),
            )
        };
        if rc != ffi::SQLITE_OK {
            // SAFETY: as above.
            return Err(unsafe { last_error(db) });
        }
    }
    loop {
        // SAFETY: `stmt` is a live statement of `db`, which is ours.
        match unsafe { ffi::sqlite3_step(stmt.0.as_ptr()) } {
            ffi::SQLITE_ROW => {}
            ffi::SQLITE_DONE => return Ok(()),
            // SAFETY: as above.
            _ => return Err(unsafe { last_error(db) }),
        }
        // SAFETY: the statement is on a row and has a column 0. The text is
        // read before its length, as SQLite requires; the bytes stay valid
        // and unchanged until the next step or finalize, and the slice does
        // not outlive this iteration. A NULL pointer is a NULL value (the
        // statements asked for exclude it), read as no text, or SQLite out
        // of memory, an error.
        let bytes = unsafe {
            let text = ffi::sqlite3_column_text(stmt.0.as_ptr(), 0);
            let len = ffi::sqlite3_column_bytes(stmt.0.as_ptr(), 0);
            if text.is_null() {
                if ffi::sqlite3_errcode(db) == ffi::SQLITE_NOMEM {
                    return Err(last_error(db));
                }
                &[][..]
            } else {
                std::slice::from_raw_parts(text, usize::try_from(len).unwrap_or(0))
            }
        };
        let name = std::str::from_utf8(bytes).map_err(|_| {
            Stop::Other(
                Error::database("the database holds a name that is not valid UTF-8")
                    .hint("check the database file"),
            )
        })?;
        each(name).map_err(Stop::Other)?;
    }
}
