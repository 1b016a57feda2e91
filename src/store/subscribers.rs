//! The subscriber registry: who subscribes to LEFI Prenumeration, under
//! which names, from which mail domains. Every change is audited.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::{AnyConnection, Row};

use super::audit;
use super::{Result, Store, read_code, read_date, read_org_number, timestamp};
use crate::domain::{Code, OrgNumber, Subscriber, SubscriberStatus};

pub const COLUMNS: &str = "org_number, name, other_names, domains, kind, status, terminated_from";
/// The subscribers among `n` organisations (binds: their numbers).
pub fn among_sql(n: usize) -> String {
    format!("SELECT {COLUMNS} FROM subscribers WHERE org_number IN ({})", super::bind_list(n, 1))
}

fn read(row: &sqlx::any::AnyRow) -> Result<Subscriber> {
    let split = |text: String, sep: char| -> Vec<String> {
        text.split(sep).map(str::trim).filter(|s| !s.is_empty()).map(str::to_string).collect()
    };
    Ok(Subscriber {
        org_number: read_org_number(&row.try_get::<String, _>("org_number")?)?,
        name: row.try_get("name")?,
        other_names: split(row.try_get("other_names")?, '|'),
        domains: split(row.try_get("domains")?, ' '),
        kind: read_code(row, "kind")?,
        status: read_code(row, "status")?,
        terminated_from: row.try_get::<Option<String>, _>("terminated_from")?.map(|d| read_date(&d)).transpose()?,
    })
}

/// What importing one subscriber changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    Added(Subscriber),
    /// The subscriber as on file and as in the file.
    Changed {
        before: Subscriber,
        after: Subscriber,
    },
    Unchanged(OrgNumber),
}

impl Store {
    pub async fn subscriber(&self, org: OrgNumber) -> Result<Option<Subscriber>> {
        Ok(self.subscribers_among(&[org]).await?.remove(&org))
    }

    /// The registered subscribers among these organisations, one query for them all.
    pub async fn subscribers_among(&self, orgs: &[OrgNumber]) -> Result<HashMap<OrgNumber, Subscriber>> {
        super::by_org_number(&self.pool, orgs, among_sql, |row| read(row).map(|s| (s.org_number, s))).await
    }

    /// All subscribers, by organisation number.
    pub async fn subscribers(&self) -> Result<Vec<Subscriber>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} FROM subscribers ORDER BY org_number")))
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(read).collect()
    }

    pub async fn subscriber_count(&self) -> Result<i64> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM subscribers").fetch_one(&self.pool).await?;
        Ok(row.try_get("n")?)
    }

    /// What importing `subscribers` would change, written nowhere. A file
    /// that calls a subscriber active whose termination is on file does not
    /// undo it (the spreadsheet is older than the termination): the status
    /// on file stays.
    pub async fn import_changes(&self, subscribers: &[Subscriber]) -> Result<Vec<Change>> {
        let mut out = Vec::with_capacity(subscribers.len());
        for s in subscribers {
            let mut s = s.clone();
            if s.status == SubscriberStatus::Active
                && let Some(t) = self.active_termination(s.org_number).await?
            {
                s.status = SubscriberStatus::Terminated;
                s.terminated_from = Some(t.effective_date);
            }
            let s = &s;
            out.push(match self.subscriber(s.org_number).await? {
                None => Change::Added(s.clone()),
                Some(before) if before == *s => Change::Unchanged(s.org_number),
                Some(before) => Change::Changed { before, after: s.clone() },
            });
        }
        Ok(out)
    }

    /// Writes the changes in one transaction (all of them or none), each audited.
    pub async fn apply_import(&self, changes: &[Change], by: &str, now: DateTime<Utc>) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        for change in changes {
            match change {
                Change::Added(s) => {
                    upsert(&mut tx, s, by, now).await?;
                    audit::record(
                        &mut tx,
                        now,
                        by,
                        "subscriber_added",
                        subscriber_object(s.org_number),
                        Some(&describe(s)),
                    )
                    .await?;
                }
                Change::Changed { after, .. } => {
                    upsert(&mut tx, after, by, now).await?;
                    audit::record(
                        &mut tx,
                        now,
                        by,
                        "subscriber_changed",
                        subscriber_object(after.org_number),
                        Some(&describe(after)),
                    )
                    .await?;
                }
                Change::Unchanged(_) => {}
            }
        }
        tx.commit().await?;
        Ok(())
    }

    /// The subscriber's history in the audit log, oldest first.
    pub async fn subscriber_history(&self, org: OrgNumber) -> Result<Vec<super::AuditEntry>> {
        self.audit_of(subscriber_object(org)).await
    }

    /// An officer's edit of one subscriber, audited.
    pub async fn update_subscriber(&self, s: &Subscriber, by: &str, now: DateTime<Utc>) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        upsert(&mut tx, s, by, now).await?;
        audit::record(&mut tx, now, by, "subscriber_changed", subscriber_object(s.org_number), Some(&describe(s)))
            .await?;
        tx.commit().await?;
        Ok(())
    }
}

/// The audit log's object for a subscriber: its number's ten digits.
fn subscriber_object(org: OrgNumber) -> (&'static str, i64) {
    ("subscriber", org.digits().iter().fold(0i64, |n, d| n * 10 + i64::from(*d)))
}

/// One line for the audit log: the number, the name and what is registered.
fn describe(s: &Subscriber) -> String {
    format!(
        "{} {} domains={} kind={} status={}{}",
        s.org_number,
        s.name,
        s.domains.join(" "),
        s.kind.as_str(),
        s.status.as_str(),
        s.terminated_from.map(|d| format!(" from {d}")).unwrap_or_default()
    )
}

async fn upsert(conn: &mut AnyConnection, s: &Subscriber, by: &str, now: DateTime<Utc>) -> Result<()> {
    sqlx::query(
        "INSERT INTO subscribers (org_number, name, other_names, domains, kind, status, terminated_from, updated_at, updated_by) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
         ON CONFLICT (org_number) DO UPDATE SET name = excluded.name, other_names = excluded.other_names, \
         domains = excluded.domains, kind = excluded.kind, status = excluded.status, \
         terminated_from = excluded.terminated_from, updated_at = excluded.updated_at, updated_by = excluded.updated_by",
    )
    .bind(s.org_number.to_string())
    .bind(&s.name)
    .bind(s.other_names.join("|"))
    .bind(s.domains.join(" "))
    .bind(s.kind.as_str())
    .bind(s.status.as_str())
    .bind(s.terminated_from.map(|d| d.to_string()))
    .bind(timestamp(now))
    .bind(by)
    .execute(conn)
    .await?;
    Ok(())
}

/// A termination recorded for the organisation: the subscriber (if
/// registered) is terminated from its date, in the same transaction.
pub async fn set_terminated(
    conn: &mut AnyConnection,
    org: OrgNumber,
    from: NaiveDate,
    by: &str,
    now: DateTime<Utc>,
) -> Result<bool> {
    let mut audit = audit::Pending::default();
    let changed = mark_terminated(conn, org, from, by, now, &mut audit).await?;
    audit.write(conn, now, by).await?;
    Ok(changed)
}

/// As [`set_terminated`], its audit entry added to `audit`.
pub async fn mark_terminated(
    conn: &mut AnyConnection,
    org: OrgNumber,
    from: NaiveDate,
    by: &str,
    now: DateTime<Utc>,
    audit: &mut audit::Pending,
) -> Result<bool> {
    Ok(!mark_terminated_many(conn, &[(org, from)], by, now, audit).await?.is_empty())
}

/// As [`mark_terminated`] for several organisations (each at most once), one
/// statement per [`super::rows_per_statement`]: the registered ones, now
/// terminated.
pub async fn mark_terminated_many(
    conn: &mut AnyConnection,
    terminated: &[(OrgNumber, NaiveDate)],
    by: &str,
    now: DateTime<Utc>,
    audit: &mut audit::Pending,
) -> Result<Vec<OrgNumber>> {
    let mut changed = Vec::new();
    // Binds 1–3 are shared; then each organisation's number and date.
    for chunk in terminated.chunks(super::rows_per_statement(2)) {
        let whens: String = (0..chunk.len()).map(|i| format!(" WHEN ${} THEN ${}", 4 + 2 * i, 5 + 2 * i)).collect();
        let numbers: Vec<String> = (0..chunk.len()).map(|i| format!("${}", 4 + 2 * i)).collect();
        let sql = format!(
            "UPDATE subscribers SET status = $1, terminated_from = CASE org_number{whens} END, updated_at = $2, \
             updated_by = $3 WHERE org_number IN ({}) RETURNING org_number, terminated_from",
            numbers.join(", ")
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(SubscriberStatus::Terminated.as_str())
            .bind(timestamp(now))
            .bind(by);
        for (org, from) in chunk {
            query = query.bind(org.to_string()).bind(from.to_string());
        }
        for row in query.fetch_all(&mut *conn).await? {
            let org = read_org_number(&row.try_get::<String, _>("org_number")?)?;
            let from: String = row.try_get("terminated_from")?;
            audit.push("subscriber_terminated", subscriber_object(org), Some(&format!("{org} terminated from {from}")));
            changed.push(org);
        }
    }
    Ok(changed)
}

/// A termination revoked (a reopened approval): the subscriber it
/// terminated from `from` is active again (one terminated otherwise stays so).
pub async fn restore(
    conn: &mut AnyConnection,
    org: OrgNumber,
    from: NaiveDate,
    by: &str,
    now: DateTime<Utc>,
) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE subscribers SET status = $1, terminated_from = NULL, updated_at = $2, updated_by = $3 \
         WHERE org_number = $4 AND status = $5 AND terminated_from = $6",
    )
    .bind(SubscriberStatus::Active.as_str())
    .bind(timestamp(now))
    .bind(by)
    .bind(org.to_string())
    .bind(SubscriberStatus::Terminated.as_str())
    .bind(from.to_string())
    .execute(&mut *conn)
    .await?;
    if done.rows_affected() == 1 {
        audit::record(
            conn,
            now,
            by,
            "subscriber_restored",
            subscriber_object(org),
            Some(&format!("{org} active again")),
        )
        .await?;
    }
    Ok(done.rows_affected() == 1)
}
