//! SQLite's C API on the calling thread, around sqlx: the connection of a
//! command that only reads, and the reads of names.
//!
//! sqlx runs every SQLite connection on a worker thread of its own: opening
//! one spawns the thread, and every statement crosses to it and back. For a
//! `vault get` that was a third of a millisecond of a three-millisecond
//! command (see `SqliteStore::open`), and for a list of a million names each
//! row's crossing was the cost (see `SqliteStore::texts`). So a read-only
//! store opens its own [`Connection`] here, and the reads of names step a
//! statement here on whichever connection the store has.
//!
//! This is the crate's only `unsafe` code. It is kept to what the C API
//! needs: open, close, prepare, bind, step, read a column, finalize. Each
//! call's requirement is stated where it is made; they all rest on one
//! rule, that a `*mut sqlite3` given to a function here is a live
//! connection that only the calling thread uses for the whole call ("ours").

#![allow(unsafe_code)]

use std::ffi::{CStr, CString, c_char, c_int};
use std::path::Path;
use std::ptr::{self, NonNull};
use std::time::Duration;

use libsqlite3_sys as ffi;
use sqlx::sqlite::LockedSqliteHandle;

use crate::error::Error;
use crate::store::sql::{Arg, Value};

/// Why a call here failed.
pub(super) enum Stop {
    /// SQLite failed: its extended result code and message.
    Sqlite { code: c_int, message: String },
    /// Anything else: a callback returned an error (a closed pipe, say),
    /// which is passed on as is, or the statement or a value could not be
    /// used.
    Other(Error),
}

/// A connection opened here, read-only, used only by the thread that opened
/// it (the store is neither `Send` nor shared), closed when dropped.
pub(super) struct Connection(NonNull<ffi::sqlite3>);

impl Connection {
    /// Opens the existing database at `path` to read: never creates or
    /// writes it (WAL readers still map its `-shm`, as sqlx's do).
    pub(super) fn open_read_only(path: &Path, busy: Duration) -> Result<Connection, Stop> {
        let c_path = CString::new(path.as_os_str().as_encoded_bytes())
            .map_err(|_| Stop::Other(Error::usage("the database path contains a NUL byte")))?;
        let mut raw = ptr::null_mut();
        // Flags as sqlx opens: no mutex (one thread uses it), a private
        // cache, extended result codes (the error messages map them).
        let flags = ffi::SQLITE_OPEN_READONLY
            | ffi::SQLITE_OPEN_NOMUTEX
            | ffi::SQLITE_OPEN_PRIVATECACHE
            | ffi::SQLITE_OPEN_EXRESCODE;
        // SAFETY: `c_path` is NUL-terminated and outlives the call; `raw`
        // receives a handle (even on failure, when it can be non-null).
        let rc = unsafe { ffi::sqlite3_open_v2(c_path.as_ptr(), &mut raw, flags, ptr::null()) };
        let Some(db) = NonNull::new(raw) else {
            return Err(Stop::Sqlite {
                code: ffi::SQLITE_NOMEM,
                message: "out of memory".to_owned(),
            });
        };
        // From here on the handle is closed by drop, success or not.
        let conn = Connection(db);
        if rc != ffi::SQLITE_OK {
            // SAFETY: a handle from sqlite3_open_v2 holds its error even
            // when the open failed; ours.
            return Err(unsafe { last_error(conn.0.as_ptr()) });
        }
        let ms = c_int::try_from(busy.as_millis()).unwrap_or(c_int::MAX);
        // SAFETY: live and ours.
        unsafe { ffi::sqlite3_busy_timeout(conn.0.as_ptr(), ms) };
        Ok(conn)
    }

    /// `sql`, one statement, prepared with `args` bound.
    fn statement(&mut self, sql: &str, args: &[Arg<'_>]) -> Result<Statement, Stop> {
        // SAFETY: `&mut self`: live, and only this thread uses it. Each
        // caller drops the statement (finalizing it) before it returns, so
        // before the connection can be closed.
        let mut stmt = unsafe { Statement::prepare(self.0.as_ptr(), sql)? };
        stmt.bind(&binds(args))?;
        Ok(stmt)
    }

    /// Runs `sql`, one statement, with `args`, and hands each row to `each`.
    pub(super) fn each_row(
        &mut self,
        sql: &str,
        args: &[Arg<'_>],
        each: &mut dyn FnMut(DirectRow) -> crate::error::Result<()>,
    ) -> Result<(), Stop> {
        let mut stmt = self.statement(sql, args)?;
        while stmt.step()? {
            each(stmt.row()?).map_err(Stop::Other)?;
        }
        Ok(())
    }

    /// Runs `sql`, one statement, with `args`, as far as its first row.
    pub(super) fn first_row(&mut self, sql: &str, args: &[Arg<'_>]) -> Result<Option<DirectRow>, Stop> {
        let mut stmt = self.statement(sql, args)?;
        if stmt.step()? {
            stmt.row().map(Some)
        } else {
            Ok(None)
        }
    }

    /// Runs `sql`, one statement, with `args`, to its end; the rows it changed.
    pub(super) fn execute(&mut self, sql: &str, args: &[Arg<'_>]) -> Result<u64, Stop> {
        let mut stmt = self.statement(sql, args)?;
        while stmt.step()? {}
        drop(stmt);
        // SAFETY: live and ours, as above.
        Ok(u64::try_from(unsafe { ffi::sqlite3_changes64(self.0.as_ptr()) }).unwrap_or(0))
    }

    /// See [`each_text`].
    pub(super) fn each_text(
        &mut self,
        sql: &str,
        params: &[&str],
        each: &mut dyn for<'n> FnMut(&'n str) -> crate::error::Result<()>,
    ) -> Result<(), Stop> {
        // SAFETY: as above.
        unsafe { each_text(self.0.as_ptr(), sql, params, each) }
    }
}

/// [`each_text`] on sqlx's connection, taken from its worker: while
/// `handle` is borrowed the worker makes no call on it, and only this
/// thread does.
pub(super) fn each_text_locked(
    handle: &mut LockedSqliteHandle<'_>,
    sql: &str,
    params: &[&str],
    each: &mut dyn for<'n> FnMut(&'n str) -> crate::error::Result<()>,
) -> Result<(), Stop> {
    // SAFETY: as this function's doc says.
    unsafe { each_text(handle.as_raw_handle().as_ptr(), sql, params, each) }
}

impl Drop for Connection {
    fn drop(&mut self) {
        // SAFETY: opened by sqlite3_open_v2 and closed exactly once, here.
        // Every statement was finalized before its function returned, so
        // nothing keeps the connection open.
        unsafe { ffi::sqlite3_close(self.0.as_ptr()) };
    }
}

/// A prepared statement, finalized however its use ends.
struct Statement {
    db: *mut ffi::sqlite3,
    stmt: NonNull<ffi::sqlite3_stmt>,
}

impl Drop for Statement {
    fn drop(&mut self) {
        // SAFETY: the pointer came from a successful sqlite3_prepare_v2 and
        // is finalized exactly once, here. Its result repeats the last
        // step's error, which was already reported.
        unsafe { ffi::sqlite3_finalize(self.stmt.as_ptr()) };
    }
}

/// The connection's last error.
///
/// # Safety
/// `db` is a live connection that is ours.
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

fn too_long() -> Stop {
    Stop::Other(Error::database(
        "a statement or a parameter is too long for SQLite",
    ))
}

/// One value to bind, as SQLite takes it.
enum Bind<'a> {
    Text(&'a str),
    Blob(&'a [u8]),
    Int(i64),
}

impl Statement {
    /// Prepares `sql`, one statement, on `db`.
    ///
    /// # Safety
    /// `db` is a live connection that is ours, and stays so while the
    /// statement lives.
    unsafe fn prepare(db: *mut ffi::sqlite3, sql: &str) -> Result<Statement, Stop> {
        let sql_len = c_int::try_from(sql.len()).map_err(|_| too_long())?;
        let mut raw = ptr::null_mut();
        // SAFETY: per the contract; `sql` is valid for `sql_len` bytes and
        // SQLite reads no further (so it needs no NUL).
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
        let stmt = NonNull::new(raw)
            .ok_or_else(|| Stop::Other(Error::database("an empty statement was given to SQLite")))?;
        Ok(Statement { db, stmt })
    }

    /// Binds `values` to the statement's parameters as sqlx does: a
    /// numbered parameter (`$2`, `?2`) takes that value, any other the one
    /// at its own position.
    fn bind(&mut self, values: &[Bind<'_>]) -> Result<(), Stop> {
        let stmt = self.stmt.as_ptr();
        // SAFETY: a live statement of a connection that is ours.
        let count = unsafe { ffi::sqlite3_bind_parameter_count(stmt) };
        for index in 1..=count {
            // SAFETY: as above; the name is NUL-terminated and owned by the
            // statement, read at once.
            let name = unsafe {
                let name = ffi::sqlite3_bind_parameter_name(stmt, index);
                (!name.is_null()).then(|| CStr::from_ptr(name).to_bytes().to_vec())
            };
            let number = name
                .as_deref()
                .and_then(|n| n.get(1..))
                .and_then(|n| std::str::from_utf8(n).ok())
                .and_then(|n| n.parse::<usize>().ok())
                .unwrap_or(usize::try_from(index).unwrap_or(0));
            let value = number.checked_sub(1).and_then(|i| values.get(i)).ok_or_else(|| {
                Stop::Other(Error::database(format!(
                    "the statement has a parameter {number} but {} values were given",
                    values.len()
                )))
            })?;
            // SAFETY: as above. SQLITE_TRANSIENT makes SQLite copy the
            // bytes before the call returns, so their lifetime does not matter.
            let rc = unsafe {
                match *value {
                    Bind::Text(t) => {
                        let len = c_int::try_from(t.len()).map_err(|_| too_long())?;
                        ffi::sqlite3_bind_text(stmt, index, t.as_ptr().cast(), len, ffi::SQLITE_TRANSIENT())
                    }
                    Bind::Blob(b) => {
                        let len = c_int::try_from(b.len()).map_err(|_| too_long())?;
                        ffi::sqlite3_bind_blob(stmt, index, b.as_ptr().cast(), len, ffi::SQLITE_TRANSIENT())
                    }
                    Bind::Int(i) => ffi::sqlite3_bind_int64(stmt, index, i),
                }
            };
            if rc != ffi::SQLITE_OK {
                // SAFETY: as above.
                return Err(unsafe { last_error(self.db) });
            }
        }
        Ok(())
    }

    /// Steps once: true on a row, false when done.
    fn step(&mut self) -> Result<bool, Stop> {
        // SAFETY: a live statement of a connection that is ours.
        match unsafe { ffi::sqlite3_step(self.stmt.as_ptr()) } {
            ffi::SQLITE_ROW => Ok(true),
            ffi::SQLITE_DONE => Ok(false),
            // SAFETY: as above.
            _ => Err(unsafe { last_error(self.db) }),
        }
    }

    /// Column `i` of the current row as bytes borrowed from SQLite (valid
    /// until the next step); `None` for NULL.
    fn bytes(&self, i: c_int, text: bool) -> Result<Option<&[u8]>, Stop> {
        let stmt = self.stmt.as_ptr();
        // SAFETY: the statement is on a row and `i` is one of its columns.
        // The pointer is read before the length, as SQLite requires; the
        // bytes stay valid and unchanged until the next step or finalize,
        // which need `&mut self`, so the borrow cannot outlive them. A NULL
        // pointer is a NULL value or an empty blob, or SQLite out of memory.
        unsafe {
            if ffi::sqlite3_column_type(stmt, i) == ffi::SQLITE_NULL {
                return Ok(None);
            }
            let data: *const u8 = if text {
                ffi::sqlite3_column_text(stmt, i)
            } else {
                ffi::sqlite3_column_blob(stmt, i).cast()
            };
            let len = usize::try_from(ffi::sqlite3_column_bytes(stmt, i)).unwrap_or(0);
            if data.is_null() {
                if ffi::sqlite3_errcode(self.db) == ffi::SQLITE_NOMEM {
                    return Err(last_error(self.db));
                }
                return Ok(Some(&[]));
            }
            Ok(Some(std::slice::from_raw_parts(data, len)))
        }
    }

    /// The current row, owned: each column's name and value.
    fn row(&self) -> Result<DirectRow, Stop> {
        let stmt = self.stmt.as_ptr();
        // SAFETY: a live statement on a row.
        let count = unsafe { ffi::sqlite3_column_count(stmt) };
        let mut columns = Vec::with_capacity(usize::try_from(count).unwrap_or(0));
        for i in 0..count {
            // SAFETY: as above; `i` is a column; the name is NUL-terminated
            // and copied at once.
            let (name, kind) = unsafe {
                let name = ffi::sqlite3_column_name(stmt, i);
                let name = if name.is_null() {
                    String::new()
                } else {
                    CStr::from_ptr(name).to_string_lossy().into_owned()
                };
                (name, ffi::sqlite3_column_type(stmt, i))
            };
            let value = match kind {
                ffi::SQLITE_NULL => Value::Null,
                // SAFETY: as above.
                ffi::SQLITE_INTEGER => Value::Int(unsafe { ffi::sqlite3_column_int64(stmt, i) }),
                // SAFETY: as above.
                ffi::SQLITE_FLOAT => Value::Real(unsafe { ffi::sqlite3_column_double(stmt, i) }),
                ffi::SQLITE_TEXT => Value::Text(self.bytes(i, true)?.unwrap_or_default().to_vec()),
                _ => Value::Blob(self.bytes(i, false)?.unwrap_or_default().to_vec()),
            };
            columns.push((name, value));
        }
        Ok(DirectRow(columns))
    }
}

/// A row read here: its columns' names and values, owned.
pub(crate) struct DirectRow(Vec<(String, Value)>);

impl DirectRow {
    /// The value of the first column named `col`.
    pub(crate) fn get(&self, col: &str) -> Option<&Value> {
        self.0.iter().find(|(name, _)| name == col).map(|(_, v)| v)
    }

    /// The value of column `i`.
    pub(crate) fn at(&self, i: usize) -> Option<&Value> {
        self.0.get(i).map(|(_, v)| v)
    }
}

fn binds<'a>(args: &'a [Arg<'a>]) -> Vec<Bind<'a>> {
    args.iter()
        .map(|a| match a {
            // As sqlx stores a uuid in SQLite: its 16 bytes, a blob.
            Arg::Uuid(u) => Bind::Blob(u.as_bytes()),
            Arg::Text(t) => Bind::Text(t),
            Arg::Int(i) => Bind::Int(*i),
            Arg::Bytes(b) => Bind::Blob(b),
        })
        .collect()
}

/// Runs `sql`, one read-only statement whose first column is text, with
/// `params` bound to its parameters `$1`, `$2`, …, and hands each row's
/// first column to `each`, borrowed from SQLite's row (valid until the
/// next step, which is why `each` cannot keep it).
///
/// # Safety
/// `db` is a live connection that is ours for the whole call.
unsafe fn each_text(
    db: *mut ffi::sqlite3,
    sql: &str,
    params: &[&str],
    each: &mut dyn for<'n> FnMut(&'n str) -> crate::error::Result<()>,
) -> Result<(), Stop> {
    // SAFETY: per this function's contract.
    let mut stmt = unsafe { Statement::prepare(db, sql)? };
    let values: Vec<Bind<'_>> = params.iter().map(|p| Bind::Text(p)).collect();
    stmt.bind(&values)?;
    while stmt.step()? {
        // A NULL is read as no text (the statements asked for exclude it).
        let bytes = stmt.bytes(0, true)?.unwrap_or_default();
        let name = std::str::from_utf8(bytes).map_err(|_| {
            Stop::Other(
                Error::database("the database holds a name that is not valid UTF-8")
                    .hint("check the database file"),
            )
        })?;
        each(name).map_err(Stop::Other)?;
    }
    Ok(())
}
