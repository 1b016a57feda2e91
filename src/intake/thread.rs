//! Threads: a reply to our "incomplete" answer (In-Reply-To / References
//! naming one of our Message-IDs) completes the earlier mail. Pure.

use crate::analyse::Analysis;
use crate::decide::{self, Context};
use crate::extract::Extraction;
use crate::mail::Inbound;
use crate::store::{MessageStatus, ThreadParent};

/// The Message-IDs a mail answers, nearest first.
pub fn our_ids_it_answers(mail: &Inbound) -> Vec<String> {
    mail.in_reply_to.iter().chain(mail.references.iter().rev()).cloned().collect()
}

/// Merges the earlier mail's facts into this one's (the newer mail's win) and
/// decides again, when this mail completes `parent`: the parent still awaits
/// a reply, came from the same sender, and its extraction can be read.
/// Returns whether it did.
pub fn complete(analysis: &mut Analysis, parent: &ThreadParent, ctx: &Context<'_>) -> bool {
    let (Some(inbound), Some(extraction)) = (&analysis.mail, &analysis.extraction) else { return false };
    if parent.status != MessageStatus::AwaitingReply || !same_sender(inbound, parent.reply_address.as_deref()) {
        return false;
    }
    let Some(earlier) = parent.extraction.as_deref().and_then(|j| serde_json::from_str::<Extraction>(j).ok()) else {
        return false;
    };
    let merged = extraction.clone().completed_by_earlier(&earlier);
    analysis.decision = decide::decide(inbound, &merged, ctx);
    analysis.extraction = Some(merged);
    true
}

/// A reply completes the earlier mail only from the same organisation: its
/// From address (never a Reply-To, which anyone can write) in the same
/// organisational domain as the address we answered.
fn same_sender(mail: &Inbound, earlier: Option<&str>) -> bool {
    let (Some(earlier), Some(from)) = (earlier, mail.from.as_ref()) else { return false };
    crate::reply::same_organisation(&from.address, earlier)
}
