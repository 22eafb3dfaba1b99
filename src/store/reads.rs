//! Reads sent together. A screen that needs several of the store's reads adds each one's
//! statements to one [`Reads`], sends them with [`ReadsStore::fetch_reads`] (one message and
//! one round trip on Postgres), then takes each read's answer from the batch. Every read is
//! written once, as a `read_…` method that adds its statements; the plain method
//! (`store.reviews(…)`) is the same read sent alone.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::backend::{Backend, Batch, RowType, Sql, Val};
use super::{SqlStore, StoreError};

/// Statements to send together.
#[derive(Default)]
pub struct Reads {
    pub(crate) statements: Vec<(Sql, Vec<Val>)>,
    /// A facts sync to run ahead of the reads, in the same batch (see
    /// `SqlStore::refresh_facts_in`): its statement and the watermark it writes.
    pub(crate) facts_sync: Option<(Statement, DateTime<Utc>)>,
}

/// One statement and its values.
pub(crate) type Statement = (Sql, Vec<Val>);

type Decode<T> = Box<dyn FnOnce(&mut Batch) -> Result<T, StoreError> + Send>;

/// One read's place in a [`Reads`] and how its rows become its answer.
#[must_use = "a read's answer must be taken from the batch"]
pub struct Read<T> {
    first: usize,
    decode: Decode<T>,
}

impl Reads {
    pub fn new() -> Reads {
        Reads::default()
    }

    /// A read of several statements; `decode` takes their rows in the order given.
    pub fn add<T>(
        &mut self,
        statements: Vec<(Sql, Vec<Val>)>,
        decode: impl FnOnce(&mut Batch) -> Result<T, StoreError> + Send + 'static,
    ) -> Read<T> {
        let first = self.statements.len();
        self.statements.extend(statements);
        Read {
            first,
            decode: Box::new(decode),
        }
    }

    /// A read of one statement's rows.
    pub fn rows<T: RowType>(&mut self, sql: Sql, args: Vec<Val>) -> Read<Vec<T>> {
        self.add(vec![(sql, args)], |b| b.take::<T>())
    }

    /// A read of one statement's first row, if any.
    pub fn optional<T: RowType>(&mut self, sql: Sql, args: Vec<Val>) -> Read<Option<T>> {
        self.add(vec![(sql, args)], |b| Ok(b.take::<T>()?.into_iter().next()))
    }

    /// How many statements are queued.
    pub fn len(&self) -> usize {
        self.statements.len()
    }

    pub fn is_empty(&self) -> bool {
        self.statements.is_empty()
    }
}

impl<T: 'static> Read<T> {
    /// This read's answer from the batch its statements were sent in.
    pub fn take(self, batch: &mut Batch) -> Result<T, StoreError> {
        batch.seek(self.first);
        (self.decode)(batch)
    }

    /// The answer turned into something else.
    pub fn map<U>(self, f: impl FnOnce(T) -> U + Send + 'static) -> Read<U> {
        let decode = self.decode;
        Read {
            first: self.first,
            decode: Box::new(move |b| decode(b).map(f)),
        }
    }
}

/// Sending reads.
#[async_trait]
pub trait ReadsStore {
    /// Send the statements of `reads` together (one round trip on Postgres).
    async fn fetch_reads(&self, reads: Reads) -> Result<Batch, StoreError>;
}

#[async_trait]
impl<B: Backend> ReadsStore for SqlStore<B> {
    async fn fetch_reads(&self, reads: Reads) -> Result<Batch, StoreError> {
        let Some((sync, watermark)) = reads.facts_sync else {
            return self.db.fetch_batch(reads.statements).await;
        };
        // The sync first: one Query message runs as one implicit transaction, so the reads
        // after it see the facts it wrote.
        let mut statements = Vec::with_capacity(reads.statements.len() + 1);
        statements.push(sync);
        statements.extend(reads.statements.iter().cloned());
        match self.db.fetch_batch(statements).await {
            Ok(mut batch) => {
                if let Ok(mut g) = self.facts_synced.lock() {
                    *g = Some((watermark, std::time::Instant::now()));
                }
                batch.base = 1;
                Ok(batch)
            }
            // A role that may only read: the facts as the last writer left them, and no
            // sync attempted again.
            Err(StoreError::PermissionDenied(why)) => {
                tracing::debug!(%why, "facts not refreshed: read-only");
                self.facts_read_only
                    .store(true, std::sync::atomic::Ordering::Relaxed);
                self.db.fetch_batch(reads.statements).await
            }
            Err(e) => Err(e),
        }
    }
}

impl<B: Backend> SqlStore<B> {
    /// One read of the learning facts, sent alone after bringing them up to date (in the same
    /// batch when that saves a round trip; see `refresh_facts_in`).
    pub(crate) async fn read_facts_alone<T: 'static>(
        &self,
        build: impl FnOnce(&mut Reads) -> Read<T>,
    ) -> Result<T, StoreError> {
        let mut reads = Reads::new();
        self.refresh_facts_in(&mut reads, super::ops::facts::FACTS_MAX_AGE)
            .await?;
        let read = build(&mut reads);
        let mut batch = self.fetch_reads(reads).await?;
        read.take(&mut batch)
    }

    /// One read sent alone: what the plain read methods do.
    pub(crate) async fn read_alone<T: 'static>(
        &self,
        build: impl FnOnce(&mut Reads) -> Read<T>,
    ) -> Result<T, StoreError> {
        let mut reads = Reads::new();
        let read = build(&mut reads);
        let mut batch = self.db.fetch_batch(reads.statements).await?;
        read.take(&mut batch)
    }
}
