//! A put that arrives in chunks (`vault import` of a large file): one
//! transaction, written a chunk at a time, so neither this process nor the
//! database server holds the whole input at once. [`Vault::put`] uses the
//! same three steps, with one chunk, when it must catch up with the log
//! while the key is locked (a rotation moved it under the first try).
//!
//! [`Vault::put`]: crate::vault::Vault::put
//!
//! [`Store::begin_put`] opens the transaction the way [`Store::put`] does
//! (the current key locked against rotation until the end) and returns the
//! key; each [`Store::put_chunk`] locks, seals and writes one chunk exactly
//! like one attempt of [`Store::put`]; [`Store::end_put`] commits, or rolls
//! everything back. All or nothing, as with one put.
//!
//! A lost race to create a name (another writer created it after the chunk
//! looked) aborts a PostgreSQL statement, and with it the transaction: each
//! chunk runs inside a savepoint, so only that chunk is rolled back and
//! tried again (the chunk is still in memory; the input before it is not).

use super::sql::Tx;
use super::{KeyRecord, PutItem, PutMode, PutOutcome, Sealer, Store, exists_error, no_key};
use crate::error::{Error, Result};

impl Store {
    /// Begins a chunked put: the transaction, with the current key (which
    /// no rotation can replace before [`Store::end_put`]).
    pub async fn begin_put(&mut self, member: &str) -> Result<KeyRecord> {
        self.db.begin(Tx::KeysShared).await?;
        match self.current_key(member).await {
            Ok(Some(key)) => Ok(key),
            Ok(None) => {
                let _ = self.db.rollback().await;
                Err(no_key())
            }
            Err(e) => {
                let _ = self.db.rollback().await;
                Err(e)
            }
        }
    }

    /// Writes one chunk under `key` (from [`Store::begin_put`]). A chunked
    /// import writes `Upsert` or `CreateOnly` chunks; a version condition
    /// (`IfVersion`) holds for one put of one chunk. After an error the
    /// caller must end the put with a rollback.
    pub async fn put_chunk(
        &mut self,
        key: &KeyRecord,
        items: &[PutItem],
        mode: PutMode,
        sealer: &dyn Sealer,
    ) -> Result<Vec<PutOutcome>> {
        for _ in 0..10 {
            self.db.execute("SAVEPOINT put_chunk", &[]).await?;
            match self.write_items(key, items, mode, sealer).await? {
                Some(done) => {
                    self.db.execute("RELEASE SAVEPOINT put_chunk", &[]).await?;
                    return Ok(done);
                }
                None if matches!(mode, PutMode::CreateOnly | PutMode::IfVersion(0)) => {
                    return Err(exists_error(items.iter().map(|i| &i.name)));
                }
                None => {
                    self.db.execute("ROLLBACK TO SAVEPOINT put_chunk", &[]).await?;
                }
            }
        }
        Err(
            Error::conflict("other writers kept writing the same names; nothing was written")
                .hint("try again"),
        )
    }

    /// Ends a chunked put: commits with `commit`, else rolls back.
    pub async fn end_put(&mut self, commit: bool) -> Result<()> {
        if commit {
            self.db.commit().await
        } else {
            self.db.rollback().await
        }
    }
}
