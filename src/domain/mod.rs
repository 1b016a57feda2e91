//! Pure values of the domain. Nothing here does I/O.

mod code;
mod decision;
mod grounds;
mod org_number;
mod outcome;
mod subscriber;

pub use code::{Code, UnknownCode, parse_code};
pub use decision::{Decision, Field, Reason, Termination, Verdict};
pub use grounds::{Grounds, NumberBasis, StatementRule};
pub use org_number::{FORSAKRINGSKASSAN, OrgNumber, OrgNumberError, luhn_check_digit};
pub use outcome::ReviewOutcome;
pub use subscriber::{Subscriber, SubscriberKind, SubscriberStatus};
