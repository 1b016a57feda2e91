//! Pure values of the domain. Nothing here does I/O.

pub mod backoff;
mod code;
mod decision;
mod grounds;
mod officer;
mod org_number;
mod outcome;
mod source_key;
mod subscriber;
mod termination;

pub use code::{Code, UnknownCode, parse_code};
pub use decision::{Decision, Field, Reason, Verdict};
pub use grounds::{Grounds, NumberBasis, StatementRule};
pub use officer::name_key;
pub use org_number::{FORSAKRINGSKASSAN, OrgNumber, OrgNumberError, luhn_check_digit};
pub use outcome::ReviewOutcome;
pub use source_key::{SourceKey, SourceKeyError};
pub use subscriber::{Subscriber, SubscriberKind, SubscriberStatus};
pub use termination::{
    MAX_NAME_CHARS, MAX_YEARS_AHEAD, Termination, TerminationError, check_effective_date, check_org_name,
    check_org_number, is_bidi_control, latest_effective_date,
};
