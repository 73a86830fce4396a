//! Following new events as PostgreSQL announces them (`LISTEN`), on a
//! connection of its own. Migration 7 (PostgreSQL) makes every insert into `events`
//! notify `greenlight_events` with `SCHEMA SEQ RUN_ID`.

use super::{PgStore, detail};
use crate::error::{Result, StoreError};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use tokio::sync::mpsc;
use tokio_postgres::{AsyncMessage, NoTls};

/// The channel the trigger notifies.
pub(crate) const CHANNEL: &str = "greenlight_events";

/// How many announcements wait for the reader before further ones are
/// dropped (and [`Changes::missed`] says so).
const BACKLOG: usize = 4096;

/// One event stored by some writer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// The run it belongs to (`None`: an ID too long to announce; re-read
    /// the runs).
    pub run_id: Option<String>,
    /// Its sequence number.
    pub seq: u64,
}

/// New events of one store, as announced. Ends (`recv` gives `None`) when
/// the connection is lost: the caller falls back to reading the runs and
/// may subscribe again.
pub struct Changes {
    rx: mpsc::Receiver<Change>,
    missed: Arc<AtomicBool>,
    /// The advisory lock the leading listener of this store holds.
    lead_key: i64,
    // Keeps the listening session open.
    _client: tokio_postgres::Client,
}

impl Changes {
    /// The next announcement, or `None` once the connection is gone.
    pub async fn recv(&mut self) -> Option<Change> {
        self.rx.recv().await
    }

    /// An announcement already waiting, if any (to take a burst at once).
    pub fn try_recv(&mut self) -> Option<Change> {
        self.rx.try_recv().ok()
    }

    /// Tries to become (or stay) the one process, of all those listening
    /// on this database, that acts on changes once for everyone (sends
    /// webhooks, say): a session-level advisory lock held by this
    /// listening connection, released when it closes. `false`: another
    /// process holds it, or the database did not answer.
    pub async fn lead(&self) -> bool {
        let key: &(dyn tokio_postgres::types::ToSql + Sync) = &self.lead_key;
        let params = [key];
        let q = self
            ._client
            .query_one("SELECT pg_try_advisory_lock($1)", &params);
        matches!(
            tokio::time::timeout(std::time::Duration::from_secs(5), q).await,
            Ok(Ok(row)) if row.get::<_, bool>(0)
        )
    }

    /// Whether announcements were dropped since the last call (the reader
    /// fell behind by more than the backlog): re-read the runs.
    pub fn missed(&self) -> bool {
        self.missed.swap(false, Ordering::Relaxed)
    }
}

/// `SCHEMA SEQ RUN_ID` → the change, when it is for `schema`.
pub(crate) fn parse(payload: &str, schema: &str) -> Option<Change> {
    let mut parts = payload.splitn(3, ' ');
    let (s, seq, run) = (parts.next()?, parts.next()?, parts.next().unwrap_or(""));
    if s != schema {
        return None;
    }
    Some(Change {
        run_id: (!run.is_empty()).then(|| run.to_string()),
        seq: seq.parse().ok()?,
    })
}

impl PgStore {
    /// Opens a listening session and returns its announcements.
    pub(crate) async fn changes(&self) -> Result<Changes> {
        let unreachable = |detail: String| StoreError::Unreachable {
            store: self.name.clone(),
            detail,
        };
        let (client, mut connection) =
            tokio::time::timeout(self.connect_timeout, self.config.connect(NoTls))
                .await
                .map_err(|_| unreachable("no answer within the connect timeout".into()))?
                .map_err(|e| unreachable(detail(&e)))?;
        let (tx, rx) = mpsc::channel(BACKLOG);
        let missed = Arc::new(AtomicBool::new(false));
        let flag = missed.clone();
        let (schema_tx, schema_rx) = tokio::sync::oneshot::channel::<String>();
        tokio::spawn(async move {
            // The schema is known once the session has answered; until
            // then nothing is announced (LISTEN has not run yet).
            let mut schema_rx = Some(schema_rx);
            let mut schema: Option<String> = None;
            loop {
                let msg = std::future::poll_fn(|cx| connection.poll_message(cx)).await;
                let Some(Ok(msg)) = msg else { break };
                if schema.is_none()
                    && let Some(rx) = schema_rx.as_mut()
                    && let Ok(s) = rx.try_recv()
                {
                    schema = Some(s);
                    schema_rx = None;
                }
                if let AsyncMessage::Notification(n) = msg
                    && n.channel() == CHANNEL
                    && let Some(change) = schema.as_deref().and_then(|s| parse(n.payload(), s))
                    && tx.try_send(change).is_err()
                {
                    if tx.is_closed() {
                        break;
                    }
                    flag.store(true, Ordering::Relaxed);
                }
            }
        });
        let schema = match &self.schema {
            Some(s) => s.clone(),
            None => {
                let row = self
                    .deadline(client.query_one("SELECT current_schema()", &[]))
                    .await?
                    .map_err(|e| self.err(e))?;
                row.get::<_, Option<String>>(0)
                    .unwrap_or_else(|| "public".into())
            }
        };
        let _ = schema_tx.send(schema.clone());
        self.deadline(client.batch_execute(&format!("LISTEN {CHANNEL}")))
            .await?
            .map_err(|e| self.err(e))?;
        Ok(Changes {
            rx,
            missed,
            lead_key: lead_key(&schema),
            _client: client,
        })
    }
}

/// The leader lock of the store in `schema` (advisory locks are per
/// database, so each schema's store has its own): the first 8 bytes of
/// SHA-256("greenlight-lead:" + schema).
fn lead_key(schema: &str) -> i64 {
    let d = ring::digest::digest(
        &ring::digest::SHA256,
        format!("greenlight-lead:{schema}").as_bytes(),
    );
    let mut k = [0u8; 8];
    k.copy_from_slice(&d.as_ref()[..8]);
    i64::from_be_bytes(k)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn announcements_are_read_for_their_own_schema_only() {
        assert_eq!(
            parse("gl_a 7 r1 x", "gl_a"),
            Some(Change {
                run_id: Some("r1 x".into()),
                seq: 7
            })
        );
        assert_eq!(
            parse("gl_a 3 ", "gl_a"),
            Some(Change {
                run_id: None,
                seq: 3
            })
        );
        assert_eq!(parse("gl_b 7 r1", "gl_a"), None);
        assert_eq!(parse("gl_a x r1", "gl_a"), None);
        assert_eq!(parse("", "gl_a"), None);
    }
}
