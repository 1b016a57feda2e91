//! How an officer's decision on a quarantine item compares with the intake's
//! reading: the figures that tell an agency when the intake may decide alone.

use serde::{Deserialize, Serialize};
use strum::{Display, EnumString, IntoStaticStr, VariantArray};

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, IntoStaticStr, EnumString, VariantArray, Display,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum ReviewOutcome {
    /// Approved with the values the intake read.
    Unchanged,
    /// Approved after the officer changed or supplied a value.
    Corrected,
    /// Closed without a termination.
    Rejected,
}
