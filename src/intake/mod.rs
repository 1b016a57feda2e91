//! One mail from the source to the database: analysed (pure), checked against
//! what is on file, planned (pure) and recorded — the mail, its decision, the
//! termination or quarantine item, and the reply — in one transaction
//! (`store::record`). The source files the mail away only after that commit
//! (see `daemon`), so a crash at any point leaves the mail in the inbox, and
//! the next pass recognises what is already recorded.

mod plan;
mod policy;
mod thread;

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use chrono::{NaiveDate, Utc};
use sha2::{Digest, Sha256};

use crate::analyse::{self, Analysis};
use crate::config::RegistryMode;
use crate::decide::Context;
use crate::domain::{Code, Decision, OrgNumber, Reason, Subscriber, SubscriberStatus, Verdict};
use crate::mail;
use crate::reply::ReplyContext;
use crate::source::{Folder, SourceMail};
use crate::store::messages::Identity;
use crate::store::{Applied, RecordPlan, RecordedMessage, ReplyOutcome, Store, StoreError, TerminationRecord};
use crate::trust::{self, SenderAuth};
pub use plan::{Hashes, OnRecord};
pub use policy::Policy;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub message_row: i64,
    pub verdict: Verdict,
    /// Why, for a quarantined mail (empty for a duplicate).
    pub reasons: Vec<Reason>,
    pub folder: Folder,
    /// The mail was already recorded (a second delivery, or a restart after a
    /// crash between commit and filing).
    pub duplicate: bool,
}

impl Outcome {
    fn already_recorded(existing: &RecordedMessage) -> Outcome {
        Outcome {
            message_row: existing.id,
            verdict: existing.verdict,
            reasons: Vec::new(),
            folder: Folder::for_verdict(existing.verdict),
            duplicate: true,
        }
    }
}

/// One mail of a batch before it is written.
enum Prepared<'a> {
    /// Already recorded: nothing to write.
    Duplicate(Outcome),
    Plan {
        plan: Box<RecordPlan<'a>>,
        hashes: Hashes,
        message_id: Option<String>,
    },
}

#[derive(Debug, thiserror::Error)]
pub enum IntakeError {
    #[error("recording the batch: {0}")]
    Batch(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("encoding the extraction: {0}")]
    Json(#[from] serde_json::Error),
    #[error("mail {0} was recorded by another intake meanwhile, but cannot be found")]
    Vanished(String),
}

/// The intake: what it needs to decide and record one mail.
#[derive(Clone)]
pub struct Intake {
    store: Store,
    replies: Arc<ReplyContext>,
    policy: Arc<Policy>,
}

impl Intake {
    pub fn new(store: Store, replies: Arc<ReplyContext>, policy: Arc<Policy>) -> Intake {
        Intake { store, replies, policy }
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Decides and records one mail in a transaction of its own.
    pub async fn process(&self, mail: &SourceMail) -> Result<Outcome, IntakeError> {
        self.process_batch(std::slice::from_ref(mail)).await.remove(0)
    }

    /// Decides and records a batch of mails: what is on file is looked up for
    /// all of them at once (one query per kind of lookup), then the batch is
    /// recorded in one transaction — one durable commit, and one mail's
    /// failure undoes only that mail. A mail that
    /// depends on another of the same batch (the same mail delivered twice,
    /// a second mail about the same organisation) waits for a second round,
    /// decided after the first is committed, so it sees it on file. The
    /// results are in the order of `mails`.
    pub async fn process_batch(&self, mails: &[SourceMail]) -> Vec<Result<Outcome, IntakeError>> {
        let mut results: Vec<Option<Result<Outcome, IntakeError>>> = mails.iter().map(|_| None).collect();
        let mut todo: Vec<usize> = (0..mails.len()).collect();
        while !todo.is_empty() {
            let prepared = self.prepare_all(&todo.iter().map(|&i| &mails[i]).collect::<Vec<_>>()).await;
            let mut seen: HashSet<String> = HashSet::new();
            let mut round: Vec<(usize, Box<RecordPlan<'_>>, Hashes, Option<String>)> = Vec::new();
            let mut later = Vec::new();
            for (&i, p) in todo.iter().zip(prepared) {
                match p {
                    Ok(Prepared::Plan { plan, hashes, message_id }) => {
                        let keys = depends_on(&plan, &hashes);
                        if keys.iter().any(|k| seen.contains(k)) {
                            later.push(i);
                        } else {
                            seen.extend(keys);
                            round.push((i, plan, hashes, message_id));
                        }
                    }
                    Ok(Prepared::Duplicate(outcome)) => results[i] = Some(Ok(outcome)),
                    Err(e) => results[i] = Some(Err(e)),
                }
            }
            let plans: Vec<&RecordPlan<'_>> = round.iter().map(|(_, plan, _, _)| &**plan).collect();
            match self.store.record_batch(&plans, Utc::now()).await {
                Ok(applied) => {
                    for ((i, _, hashes, message_id), a) in round.iter().zip(applied) {
                        results[*i] = Some(match a {
                            Ok(a) => self.recorded(&mails[*i], a, hashes, message_id.as_deref()).await,
                            Err(e) => Err(e.into()),
                        });
                    }
                }
                // The transaction itself failed: nothing of this round is recorded.
                Err(e) => {
                    for (i, ..) in &round {
                        results[*i] = Some(Err(IntakeError::Batch(e.to_string())));
                    }
                }
            }
            todo = later;
        }
        results.into_iter().map(|r| r.expect("every mail gets a result")).collect()
    }

    /// Everything but the writing, for a batch: the analyses, what is on
    /// file (each kind of lookup one query for the batch), the plans.
    async fn prepare_all<'a>(&self, mails: &[&'a SourceMail]) -> Vec<Result<Prepared<'a>, IntakeError>> {
        let analysed: Vec<Analysed<'a>> = mails.iter().map(|mail| self.analysed(mail)).collect();
        let identities: Vec<Identity<'_>> = analysed.iter().map(Analysed::identity).collect();
        let duplicates = match self.store.find_duplicates(&identities).await {
            Ok(found) => found,
            Err(e) => return failed(mails.len(), &e),
        };
        let mut out: Vec<Option<Result<Prepared<'a>, IntakeError>>> = Vec::with_capacity(mails.len());
        let mut fresh = Vec::new();
        for (i, (a, existing)) in analysed.into_iter().zip(duplicates).enumerate() {
            match existing {
                Some(existing) => {
                    tracing::info!(key = %a.mail.key, message_row = existing.id, "mail already recorded");
                    out.push(Some(Ok(Prepared::Duplicate(Outcome::already_recorded(&existing)))));
                }
                None => {
                    out.push(None);
                    fresh.push((i, a));
                }
            }
        }

        // Threads and senders, mail by mail (a thread lookup only for replies
        // to our answers; a DKIM check may ask DNS).
        let checked = futures_util::future::join_all(fresh.into_iter().map(|(i, a)| async move {
            let checked = self.thread_and_sender(a).await;
            (i, checked)
        }))
        .await;
        let mut decided = Vec::new();
        for (i, checked) in checked {
            match checked {
                Ok(c) => decided.push((i, c)),
                Err(e) => out[i] = Some(Err(e.into())),
            }
        }

        let registered: Vec<OrgNumber> = if self.policy.registry == RegistryMode::Off {
            Vec::new()
        } else {
            decided.iter().filter_map(|(_, c)| c.analysis.decision.termination.as_ref().map(|t| t.org_number)).collect()
        };
        let subscribers = match self.store.subscribers_among(&registered).await {
            Ok(found) => found,
            Err(e) => return fill(out, &decided, &e),
        };
        // The subscriber the mail names before the trust checks, as they see it.
        let mut named = Vec::with_capacity(decided.len());
        for (_, c) in &mut decided {
            let subscriber = self.subscriber_of(&c.analysis.decision, &subscribers);
            let decision = c.analysis.decision.clone();
            c.analysis.decision = self.trusted(decision, c.analysis.mail.as_ref(), &c.sender, subscriber);
            named.push(subscriber);
        }
        let accepted: Vec<OrgNumber> = decided.iter().filter_map(|(_, c)| accepted_org(&c.analysis.decision)).collect();
        let recorded = match self.store.active_terminations_among(&accepted).await {
            Ok(found) => found,
            Err(e) => return fill(out, &decided, &e),
        };
        for ((i, c), subscriber) in decided.into_iter().zip(named) {
            let on_file = on_file(&c.analysis.decision, &recorded, subscriber);
            out[i] = Some(self.planned(c, on_file));
        }
        out.into_iter().map(|p| p.expect("every mail is prepared")).collect()
    }

    /// The pure part: hashes and analysis.
    fn analysed<'a>(&self, mail: &'a SourceMail) -> Analysed<'a> {
        let hashes = Hashes {
            sha256: hex::encode(Sha256::digest(&mail.raw)),
            body_sha256: hex::encode(Sha256::digest(mail::raw::body_of(&mail.raw))),
        };
        let received_day = mail.received_at.with_timezone(&self.replies.timezone).date_naive();
        let mut analysis = analyse_guarded(&mail.raw, received_day, &self.replies.own_addresses);
        if let Some(size) = mail.truncated_from {
            analysis.extraction = None;
            analysis.decision = Decision::quarantine(Vec::new(), vec![Reason::TooLarge]);
            tracing::warn!(key = %mail.key, size, "mail over the size limit: quarantined from its headers");
        }
        let message_id = analysis.mail.as_ref().and_then(|m| m.message_id.clone());
        Analysed { mail, hashes, analysis, message_id, received_day }
    }

    /// The thread a reply completes and the sender's authentication.
    async fn thread_and_sender<'a>(&self, mut a: Analysed<'a>) -> Result<Checked<'a>, StoreError> {
        let ctx = Context { received: Some(a.received_day), own_addresses: &self.replies.own_addresses };
        let completes = self.complete_thread(&mut a.analysis, &ctx).await?;
        let sender = self.policy.sender_auth(&a.mail.raw, a.analysis.mail.as_ref()).await;
        Ok(Checked {
            mail: a.mail,
            hashes: a.hashes,
            analysis: a.analysis,
            message_id: a.message_id,
            completes,
            sender,
        })
    }

    /// The plan of a mail decided against what is on file.
    fn planned<'a>(&self, c: Checked<'a>, on_file: Option<NaiveDate>) -> Result<Prepared<'a>, IntakeError> {
        let record = OnRecord { completes: c.completes, on_file };
        let plan = plan::plan(
            c.mail,
            &c.analysis,
            c.hashes.clone(),
            record,
            &c.sender,
            &self.replies,
            &self.policy,
            Utc::now(),
        )?;
        tracing::debug!(
            key = %c.mail.key,
            sender = plan.message.sender_auth.as_deref().unwrap_or(""),
            org_number = ?plan.message.org_number.map(|n| n.to_string()),
            effective_date = ?plan.message.effective_date,
            completes = ?c.completes,
            on_file = ?on_file,
            "mail decided"
        );
        Ok(Prepared::Plan { plan: Box::new(plan), hashes: c.hashes, message_id: c.message_id })
    }

    /// The outcome of a mail whose plan was applied.
    async fn recorded(
        &self,
        mail: &SourceMail,
        applied: Applied,
        hashes: &Hashes,
        message_id: Option<&str>,
    ) -> Result<Outcome, IntakeError> {
        match applied {
            Applied::Duplicate => {
                // Recorded meanwhile by a concurrent intake: theirs stands.
                let existing = self
                    .duplicate_of(mail, hashes, message_id)
                    .await?
                    .ok_or_else(|| IntakeError::Vanished(mail.key.to_string()))?;
                Ok(Outcome::already_recorded(&existing))
            }
            Applied::Recorded(r) => {
                // Every line about this mail from here on carries its row and key.
                let span = tracing::info_span!("mail", message_row = r.message_row, key = %mail.key);
                let _in_span = span.enter();
                match r.reply {
                    ReplyOutcome::Suppressed { kind } => {
                        tracing::info!(kind = kind.as_str(), "answer already sent to this sender recently")
                    }
                    ReplyOutcome::NotAnswerable => tracing::info!("no answer: the sender is not one we answer"),
                    ReplyOutcome::Queued { .. } | ReplyOutcome::None => {}
                }
                tracing::info!(
                    verdict = r.verdict.as_str(),
                    reasons = %r.reasons.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(","),
                    "mail recorded"
                );
                Ok(Outcome {
                    message_row: r.message_row,
                    verdict: r.verdict,
                    folder: Folder::for_verdict(r.verdict),
                    duplicate: false,
                    reasons: if r.verdict == Verdict::Quarantine { r.reasons } else { Vec::new() },
                })
            }
        }
    }

    async fn duplicate_of(
        &self,
        mail: &SourceMail,
        hashes: &Hashes,
        message_id: Option<&str>,
    ) -> Result<Option<RecordedMessage>, StoreError> {
        self.store
            .find_duplicate(Identity {
                source_key: &mail.key,
                sha256: &hashes.sha256,
                message_id,
                body_sha256: &hashes.body_sha256,
            })
            .await
    }

    /// A reply to our "incomplete" answer completes the earlier mail: the facts
    /// are merged and decided again. Returns the earlier mail's row.
    async fn complete_thread(&self, analysis: &mut Analysis, ctx: &Context<'_>) -> Result<Option<i64>, StoreError> {
        let ids = match (&analysis.mail, &analysis.extraction) {
            (Some(inbound), Some(_)) => thread::our_ids_it_answers(inbound),
            _ => return Ok(None),
        };
        if ids.is_empty() {
            return Ok(None);
        }
        let Some(parent) = self.store.thread_parent(&ids).await? else { return Ok(None) };
        let completed = thread::complete(analysis, &parent, ctx);
        if completed {
            tracing::info!(parent = parent.id, "reply completes an earlier mail");
        }
        Ok(completed.then_some(parent.id))
    }

    /// The registered subscriber the decision's termination names (none with `registry.mode = "off"`).
    fn subscriber_of<'s>(
        &self,
        decision: &Decision,
        subscribers: &'s HashMap<OrgNumber, Subscriber>,
    ) -> Option<&'s Subscriber> {
        let t = decision.termination.as_ref().filter(|_| self.policy.registry != RegistryMode::Off)?;
        subscribers.get(&t.org_number)
    }

    /// The decision with the sender's authentication and the registry applied.
    fn trusted(
        &self,
        decision: Decision,
        mail: Option<&mail::Inbound>,
        sender: &SenderAuth,
        subscriber: Option<&Subscriber>,
    ) -> Decision {
        let from_domain = mail.and_then(|m| m.from.as_ref()).and_then(|f| trust::domain_of(&f.address));
        let checks = trust::Checks {
            sender,
            authentication: self.policy.trust.sender_authentication,
            registry: self.policy.registry,
            subscriber,
            from_domain: from_domain.as_deref(),
        };
        trust::apply(decision, &checks)
    }
}

/// The organisation an accept terminates.
fn accepted_org(decision: &Decision) -> Option<OrgNumber> {
    decision.termination.as_ref().filter(|_| decision.verdict == Verdict::Accept).map(|t| t.org_number)
}

/// The effective date on file for the organisation an accept terminates: a
/// recorded termination, or the registry's (a subscriber imported as
/// terminated).
fn on_file(
    decision: &Decision,
    recorded: &HashMap<OrgNumber, TerminationRecord>,
    subscriber: Option<&Subscriber>,
) -> Option<NaiveDate> {
    let org = accepted_org(decision)?;
    let registered = subscriber.filter(|s| s.status == SubscriberStatus::Terminated).and_then(|s| s.terminated_from);
    recorded.get(&org).map(|r| r.effective_date).or(registered)
}

/// Every mail of a batch failed by one lookup: each gets the error.
fn failed<'a>(n: usize, e: &StoreError) -> Vec<Result<Prepared<'a>, IntakeError>> {
    (0..n).map(|_| Err(IntakeError::Batch(e.to_string()))).collect()
}

/// The mails still being decided failed by a lookup; the others keep theirs.
fn fill<'a, T>(
    mut out: Vec<Option<Result<Prepared<'a>, IntakeError>>>,
    decided: &[(usize, T)],
    e: &StoreError,
) -> Vec<Result<Prepared<'a>, IntakeError>> {
    for (i, _) in decided {
        out[*i] = Some(Err(IntakeError::Batch(e.to_string())));
    }
    out.into_iter().map(|p| p.expect("every mail is prepared")).collect()
}

/// A mail hashed and analysed.
struct Analysed<'a> {
    mail: &'a SourceMail,
    hashes: Hashes,
    analysis: Analysis,
    message_id: Option<String>,
    received_day: NaiveDate,
}

impl Analysed<'_> {
    fn identity(&self) -> Identity<'_> {
        Identity {
            source_key: &self.mail.key,
            sha256: &self.hashes.sha256,
            message_id: self.message_id.as_deref(),
            body_sha256: &self.hashes.body_sha256,
        }
    }
}

/// A mail with its thread and sender checked, to be decided against what is on file.
struct Checked<'a> {
    mail: &'a SourceMail,
    hashes: Hashes,
    analysis: Analysis,
    message_id: Option<String>,
    completes: Option<i64>,
    sender: SenderAuth,
}

/// What a planned mail must not share with another of the same round: its
/// identity (key, bytes, Message-ID and body) and the organisation it is about.
fn depends_on(plan: &RecordPlan<'_>, hashes: &Hashes) -> Vec<String> {
    let m = &plan.message;
    let mut keys = vec![format!("key {}", m.source_key), format!("sha {}", hashes.sha256)];
    if let Some(id) = &m.message_id {
        keys.push(format!("id {id} {}", hashes.body_sha256));
    }
    let orgs = m.org_number.into_iter().chain(plan.termination.as_ref().map(|t| t.termination.org_number));
    keys.extend(orgs.map(|n| format!("org {n}")));
    keys
}

/// The pure analysis, with a last line of defence: a panic in it (a bug) turns
/// into a quarantined mail instead of a daemon that crashes on every restart.
fn analyse_guarded(raw: &[u8], received: chrono::NaiveDate, own: &[String]) -> Analysis {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| analyse::analyse(raw, Some(received), own))) {
        Ok(a) => a,
        Err(_) => {
            tracing::error!("analysis panicked; the mail is quarantined as unparseable");
            Analysis {
                mail: None,
                extraction: None,
                decision: Decision::quarantine(vec![], vec![Reason::Unparseable]),
                reference_date: Some(received),
            }
        }
    }
}
