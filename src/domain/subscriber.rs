//! A subscriber of LEFI Prenumeration, as the registry holds it.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use strum::{Display, EnumString, IntoStaticStr, VariantArray};

use super::OrgNumber;

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, IntoStaticStr, EnumString, VariantArray, Display,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum SubscriberKind {
    /// A state agency, a region, a municipality or a federation of them.
    Authority,
    /// An insurance company: it terminates per its written agreement, not by mail.
    Insurer,
    Other,
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, IntoStaticStr, EnumString, VariantArray, Display,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum SubscriberStatus {
    Active,
    /// Terminated from `terminated_from`.
    Terminated,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subscriber {
    pub org_number: OrgNumber,
    pub name: String,
    /// Other names it is known by ("Region Skåne" for "Skåne läns landsting").
    pub other_names: Vec<String>,
    /// The mail domains it writes from (lower case).
    pub domains: Vec<String>,
    pub kind: SubscriberKind,
    pub status: SubscriberStatus,
    pub terminated_from: Option<NaiveDate>,
}
