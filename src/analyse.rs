//! One mail from raw bytes to a decision: parse, extract, decide. Pure.

use chrono::NaiveDate;

use crate::decide::{self, Context};
use crate::domain::{Decision, Reason};
use crate::extract::{self, Extraction};
use crate::mail::{self, Inbound};

/// Everything known about one mail after reading it.
#[derive(Debug, Clone)]
pub struct Analysis {
    /// `None` when the bytes are not a mail.
    pub mail: Option<Inbound>,
    pub extraction: Option<Extraction>,
    pub decision: Decision,
    /// The day dates were checked against.
    pub reference_date: Option<NaiveDate>,
}

/// Reads one raw mail. `received` is the day it arrived; when unknown, the
/// mail's own Date header stands in.
pub fn analyse(raw: &[u8], received: Option<NaiveDate>, own_addresses: &[String]) -> Analysis {
    let inbound = match mail::parse(raw) {
        Ok(m) => m,
        Err(_) => {
            return Analysis {
                mail: None,
                extraction: None,
                decision: Decision::quarantine(Vec::new(), vec![Reason::Unparseable]),
                reference_date: received,
            };
        }
    };
    let reference_date = received.or_else(|| inbound.date_written());
    let ctx = Context { received: reference_date, own_addresses };
    // Robots' mails are not read for facts: whatever they quote is not a
    // statement. But "ignore" is for mail with no request in it: an
    // automated mail (an auto-submitted message from a case system) whose own
    // text states a termination goes to an officer — unanswered all the same.
    // (A list's mail is addressed to its members, never a request to us.)
    if let Some(decision) = decide::ignore(&inbound, &ctx) {
        let automated = decision.reasons == [Reason::AutoReply];
        if automated {
            let extraction = extract::extract(&inbound, reference_date);
            if extraction.states_a_termination() {
                let decision = Decision::quarantine(Vec::new(), decision.reasons);
                return Analysis { mail: Some(inbound), extraction: Some(extraction), decision, reference_date };
            }
        }
        return Analysis { mail: Some(inbound), extraction: None, decision, reference_date };
    }
    let extraction = extract::extract(&inbound, reference_date);
    let decision = decide::decide(&inbound, &extraction, &ctx);
    Analysis { mail: Some(inbound), extraction: Some(extraction), decision, reference_date }
}
