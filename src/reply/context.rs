//! What every part that answers senders shares — the intake, the officers'
//! decisions, the review pages: built once by the composition root
//! (`app.rs`) from the configuration.

use chrono_tz::Tz;
use lettre::message::Mailbox;

use super::templates::Templates;

#[derive(Debug, Clone)]
pub struct ReplyContext {
    pub templates: Templates,
    /// Our address and display name: the answers' From.
    pub from: Mailbox,
    /// Our address and its aliases: never answered, and a mail from one is ours.
    pub own_addresses: Vec<String>,
    /// The zone in which a mail's receipt day is taken (dates are checked against it).
    pub timezone: Tz,
    /// Whether a quarantined mail gets the neutral "an officer will look at it" answer.
    pub answer_quarantine: bool,
    /// At most one automatic answer per sender and kind of answer in this period.
    pub answer_period: chrono::Duration,
}

impl ReplyContext {
    /// Our address, as text (the Message-ID's domain comes from it).
    pub fn from_address(&self) -> String {
        self.from.email.to_string()
    }
}
