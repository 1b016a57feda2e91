//! Mails as recorded: one row per distinct mail.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::{AnyConnection, Row};
use strum::{Display, EnumString, IntoStaticStr, VariantArray};

use super::{Result, Store, codes, join_codes, read_code, read_date, read_org_number, read_timestamp, timestamp};
use crate::domain::SourceKey;
use crate::domain::{Code, Field, OrgNumber, Reason, Verdict};

/// Where a recorded mail stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, IntoStaticStr, EnumString, VariantArray, Display)]
#[strum(serialize_all = "snake_case")]
pub enum MessageStatus {
    /// Nothing more to do (accepted, ignored, answered as already registered).
    Done,
    /// We asked the sender for missing facts; a reply completes it.
    AwaitingReply,
    /// In the quarantine queue.
    InReview,
    /// A reply in the thread completed it; the reply's row carries the outcome.
    CompletedByReply,
}

impl MessageStatus {
    /// Where a freshly decided mail stands.
    pub fn for_verdict(verdict: Verdict) -> MessageStatus {
        match verdict {
            Verdict::Incomplete => MessageStatus::AwaitingReply,
            Verdict::Quarantine => MessageStatus::InReview,
            Verdict::Accept | Verdict::Ignore => MessageStatus::Done,
        }
    }
}

/// A mail to record, with its decision.
#[derive(Debug, Clone)]
pub struct NewMessage<'a> {
    pub source_key: SourceKey,
    pub message_id: Option<String>,
    pub sha256: String,
    pub body_sha256: String,
    pub received_at: DateTime<Utc>,
    pub from_address: Option<String>,
    pub reply_address: Option<String>,
    pub subject: String,
    pub raw: &'a [u8],
    pub verdict: Verdict,
    pub reasons: Vec<Reason>,
    pub missing: Vec<Field>,
    pub org_number: Option<OrgNumber>,
    pub org_name: Option<String>,
    pub effective_date: Option<NaiveDate>,
    /// JSON of the (merged) extraction with its evidence.
    pub extraction: Option<String>,
    pub in_reply_to: Vec<String>,
    pub references: Vec<String>,
    pub thread_parent_id: Option<i64>,
    pub status: MessageStatus,
    /// What vouched for the sender ("dmarc pass uppsala.se", "not authenticated: …").
    pub sender_auth: Option<String>,
}

/// A recorded mail, as intake and officers read it back.
#[derive(Debug, Clone)]
pub struct RecordedMessage {
    pub id: i64,
    pub source_key: SourceKey,
    pub message_id: Option<String>,
    pub received_at: DateTime<Utc>,
    pub from_address: Option<String>,
    pub subject: String,
    pub verdict: Verdict,
    pub reasons: Vec<Reason>,
    pub missing: Vec<Field>,
    pub org_number: Option<OrgNumber>,
    pub org_name: Option<String>,
    pub effective_date: Option<NaiveDate>,
    pub status: MessageStatus,
    /// What vouched for the sender, as recorded.
    pub sender_auth: Option<String>,
    /// When retention purged the raw mail, its subject and extraction.
    pub purged_at: Option<DateTime<Utc>>,
    /// The case it belongs to: the first mail of its thread (its own id
    /// when it began the case). Answers quote this one reference.
    pub case_id: i64,
}

/// What makes two mails the same: the same mailbox key, the same bytes, or
/// (a re-delivery with other trace headers) the same Message-ID and body.
#[derive(Debug, Clone, Copy)]
pub struct Identity<'a> {
    pub source_key: &'a SourceKey,
    pub sha256: &'a str,
    pub message_id: Option<&'a str>,
    pub body_sha256: &'a str,
}

/// The recorded mails that may be one of `n` mails (binds: their source
/// keys, then their sha256s, then their Message-IDs): each criterion an
/// index lookup of its own, since an `OR` of them would scan the table.
pub fn duplicates_sql(n: usize) -> String {
    let list = |first| super::bind_list(n, first);
    format!(
        "SELECT {COLUMNS}, sha256, body_sha256 FROM messages WHERE id IN (\
         SELECT id FROM messages WHERE source_key IN ({}) \
         UNION ALL SELECT id FROM messages WHERE sha256 IN ({}) \
         UNION ALL SELECT id FROM messages WHERE message_id IN ({}))",
        list(1),
        list(1 + n),
        list(1 + 2 * n)
    )
}

/// The mail one of our answers (bind: its Message-ID) answered.
pub const THREAD_PARENT_SQL: &str = "SELECT m.id, m.status, m.extraction, m.reply_address FROM outbox o \
     JOIN messages m ON m.id = o.message_id WHERE o.our_message_id = $1";

/// The earlier mail of a thread that a reply may complete.
#[derive(Debug, Clone)]
pub struct ThreadParent {
    pub id: i64,
    pub status: MessageStatus,
    pub extraction: Option<String>,
    pub reply_address: Option<String>,
}

pub(super) const COLUMNS: &str = "id, source_key, message_id, received_at, from_address, subject, verdict, reasons, missing, \
                       org_number, org_name, effective_date, status, sender_auth, purged_at, \
                       COALESCE(case_id, id) AS case_ref";

pub(super) fn read_message(row: &sqlx::any::AnyRow) -> Result<RecordedMessage> {
    let key: String = row.try_get("source_key")?;
    Ok(RecordedMessage {
        id: row.try_get("id")?,
        source_key: key.parse().map_err(|e| super::StoreError::Corrupt(format!("messages.source_key: {e}")))?,
        message_id: row.try_get("message_id")?,
        received_at: read_timestamp(row, "received_at")?,
        from_address: row.try_get("from_address")?,
        subject: row.try_get("subject")?,
        verdict: read_code(row, "verdict")?,
        reasons: codes(row, "reasons")?,
        missing: codes(row, "missing")?,
        org_number: row.try_get::<Option<String>, _>("org_number")?.map(|n| read_org_number(&n)).transpose()?,
        org_name: row.try_get("org_name")?,
        effective_date: row.try_get::<Option<String>, _>("effective_date")?.map(|d| read_date(&d)).transpose()?,
        status: read_code(row, "status")?,
        sender_auth: row.try_get("sender_auth")?,
        purged_at: super::read_optional_timestamp(row, "purged_at")?,
        case_id: row.try_get("case_ref")?,
    })
}

/// Puts a mail that completes `parent` into the parent's case; returns the case.
pub async fn join_case(conn: &mut AnyConnection, row: i64, parent: i64) -> Result<i64> {
    let case: i64 = sqlx::query("SELECT COALESCE(case_id, id) AS case_ref FROM messages WHERE id = $1")
        .bind(parent)
        .fetch_one(&mut *conn)
        .await?
        .try_get("case_ref")?;
    sqlx::query("UPDATE messages SET case_id = $1 WHERE id = $2").bind(case).bind(row).execute(&mut *conn).await?;
    Ok(case)
}

/// The columns a recorded mail sets, in the order [`bind_message`] binds them.
const INSERT_INTO: &str = "INSERT INTO messages (source_key, message_id, sha256, body_sha256, received_at, recorded_at, \
     from_address, reply_address, subject, raw, size_bytes, verdict, reasons, missing, org_number, org_name, \
     effective_date, extraction, in_reply_to, refs, thread_parent_id, status, sender_auth)";
const COLUMN_COUNT: usize = 23;

fn bind_message<'q>(query: super::AnyQuery<'q>, m: &'q NewMessage<'_>, now: DateTime<Utc>) -> super::AnyQuery<'q> {
    query
        .bind(m.source_key.to_string())
        .bind(&m.message_id)
        .bind(&m.sha256)
        .bind(&m.body_sha256)
        .bind(timestamp(m.received_at))
        .bind(timestamp(now))
        .bind(&m.from_address)
        .bind(&m.reply_address)
        .bind(&m.subject)
        .bind(m.raw.to_vec())
        .bind(m.raw.len() as i64)
        .bind(m.verdict.as_str())
        .bind(join_codes(&m.reasons))
        .bind(join_codes(&m.missing))
        .bind(m.org_number.map(|n| n.to_string()))
        .bind(&m.org_name)
        .bind(m.effective_date.map(|d| d.to_string()))
        .bind(&m.extraction)
        .bind(m.in_reply_to.first().cloned())
        .bind((!m.references.is_empty()).then(|| m.references.join(" ")))
        .bind(m.thread_parent_id)
        .bind(m.status.as_str())
        .bind(&m.sender_auth)
}

/// Inserts the mail; returns its id, or `None` when the same mail (same source
/// key or same bytes) is already recorded.
pub async fn insert(conn: &mut AnyConnection, m: &NewMessage<'_>, now: DateTime<Utc>) -> Result<Option<i64>> {
    Ok(insert_many(conn, &[m], now).await?.remove(0))
}

/// Inserts the mails, one statement per [`super::rows_per_statement`]; the
/// ids in the order of `mails`, `None` for a mail already recorded.
pub async fn insert_many(
    conn: &mut AnyConnection,
    mails: &[&NewMessage<'_>],
    now: DateTime<Utc>,
) -> Result<Vec<Option<i64>>> {
    let mut ids = std::collections::HashMap::new();
    for chunk in mails.chunks(super::rows_per_statement(COLUMN_COUNT)) {
        let values = super::placeholders(chunk.len(), COLUMN_COUNT, 1);
        // A conflict (the same key or bytes, perhaps from a concurrent intake)
        // inserts nothing and returns no row; PostgreSQL would abort the whole
        // transaction on a plain unique violation, so it is never raised.
        let sql = format!("{INSERT_INTO} VALUES {values} ON CONFLICT DO NOTHING RETURNING id, source_key");
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for m in chunk {
            query = bind_message(query, m, now);
        }
        for row in query.fetch_all(&mut *conn).await? {
            ids.insert(row.try_get::<String, _>("source_key")?, row.try_get::<i64, _>("id")?);
        }
    }
    Ok(mails.iter().map(|m| ids.get(&m.source_key.to_string()).copied()).collect())
}

pub async fn set_status(conn: &mut AnyConnection, id: i64, status: MessageStatus) -> Result<()> {
    sqlx::query("UPDATE messages SET status = $1 WHERE id = $2").bind(status.as_str()).bind(id).execute(conn).await?;
    Ok(())
}

/// Replaces a recorded mail's reasons (another mail's termination of the same
/// organisation won the race: this one is answered "already registered").
pub async fn set_reasons(conn: &mut AnyConnection, id: i64, reasons: &[Reason]) -> Result<()> {
    sqlx::query("UPDATE messages SET reasons = $1 WHERE id = $2")
        .bind(join_codes(reasons))
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

impl Store {
    /// The earliest recorded mail that is this one (see [`Identity`]).
    pub async fn find_duplicate(&self, mail: Identity<'_>) -> Result<Option<RecordedMessage>> {
        Ok(self.find_duplicates(&[mail]).await?.remove(0))
    }

    /// For each mail, the earliest recorded mail that is it: one query for
    /// them all (per [`super::rows_per_statement`] mails).
    pub async fn find_duplicates(&self, mails: &[Identity<'_>]) -> Result<Vec<Option<RecordedMessage>>> {
        let mut found: Vec<Option<RecordedMessage>> = vec![None; mails.len()];
        let per_statement = super::rows_per_statement(3);
        for (c, chunk) in mails.chunks(per_statement).enumerate() {
            let offset = c * per_statement;
            let mut query = sqlx::query(sqlx::AssertSqlSafe(duplicates_sql(chunk.len())));
            for m in chunk {
                query = query.bind(m.source_key.to_string());
            }
            for m in chunk {
                query = query.bind(m.sha256);
            }
            for m in chunk {
                query = query.bind(m.message_id);
            }
            for row in query.fetch_all(&self.pool).await? {
                let recorded = read_message(&row)?;
                let (sha256, body): (String, String) = (row.try_get("sha256")?, row.try_get("body_sha256")?);
                for (i, m) in chunk.iter().enumerate() {
                    let same = recorded.source_key == *m.source_key
                        || sha256 == m.sha256
                        || (m.message_id.is_some()
                            && recorded.message_id.as_deref() == m.message_id
                            && body == m.body_sha256);
                    let earlier = found[offset + i].as_ref().is_none_or(|f| recorded.id < f.id);
                    if same && earlier {
                        found[offset + i] = Some(recorded.clone());
                    }
                }
            }
        }
        Ok(found)
    }

    /// The mail that one of our replies (by its Message-ID) answered.
    pub async fn thread_parent(&self, our_message_ids: &[String]) -> Result<Option<ThreadParent>> {
        for id in our_message_ids {
            let row = sqlx::query(THREAD_PARENT_SQL).bind(id).fetch_optional(&self.pool).await?;
            if let Some(row) = row {
                return Ok(Some(ThreadParent {
                    id: row.try_get("id")?,
                    status: read_code(&row, "status")?,
                    extraction: row.try_get("extraction")?,
                    reply_address: row.try_get("reply_address")?,
                }));
            }
        }
        Ok(None)
    }

    pub async fn message(&self, id: i64) -> Result<Option<RecordedMessage>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} FROM messages WHERE id = $1")))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(read_message).transpose()
    }

    /// All recorded mails, oldest first.
    pub async fn messages(&self) -> Result<Vec<RecordedMessage>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} FROM messages ORDER BY id")))
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(read_message).collect()
    }

    /// The stored extraction (JSON, with evidence) of a recorded mail.
    pub async fn extraction(&self, id: i64) -> Result<Option<String>> {
        let row =
            sqlx::query("SELECT extraction FROM messages WHERE id = $1").bind(id).fetch_optional(&self.pool).await?;
        Ok(row.map(|r| r.try_get::<Option<String>, _>("extraction")).transpose()?.flatten())
    }

    /// The raw bytes of a recorded mail, for audit.
    pub async fn raw_message(&self, id: i64) -> Result<Option<Vec<u8>>> {
        let row = sqlx::query("SELECT raw FROM messages WHERE id = $1").bind(id).fetch_optional(&self.pool).await?;
        row.map(|r| r.try_get::<Vec<u8>, _>("raw")).transpose().map_err(Into::into)
    }
}
