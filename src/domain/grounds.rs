//! Why an automatic accept was allowed: the positive rule each fact met. An
//! accept needs a statement that the organisation itself terminates, a number
//! that the mail gives as the organisation's, and one specific day; the
//! decision records which rule each met, and `extract --explain` shows it.

use serde::{Deserialize, Serialize};
use strum::{Display, EnumString, IntoStaticStr, VariantArray};

/// How the mail states the termination.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, IntoStaticStr, EnumString, VariantArray, Display,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum StatementRule {
    /// A present, declarative termination: "X säger härmed upp", "vi säger upp",
    /// "X hereby terminates", "tjänsten avslutas från …".
    Declaration,
    /// A decision taken: "har beslutat att säga upp", "we have decided to cancel".
    Decision,
    /// A wish or a polite request: "vi vill säga upp", "kan ni avsluta …",
    /// "we would like to terminate", "please cancel".
    Request,
    /// A termination notice as a noun: "Härmed lämnas uppsägning",
    /// "Uppsägningen gäller från …", a heading line "Uppsägning av LEFI Prenumeration".
    Notice,
    /// A termination notice as the mail's subject, the body stating the facts
    /// without a sentence of its own about the termination.
    SubjectNotice,
}

/// Why a number is taken as the organisation's.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, IntoStaticStr, EnumString, VariantArray, Display,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum NumberBasis {
    /// After a label naming it: "Organisationsnummer:", "Org.nr", "Organisation number".
    Labeled,
    /// In the sentence that states the termination: "Pensionsmyndigheten (202100-6230) säger upp …".
    InStatement,
    /// On the line that names the organisation: "Uppsala kommun, 212000-3005".
    BesideName,
}

/// The positive rules an accept met.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grounds {
    pub statement: StatementRule,
    pub org_number: NumberBasis,
}
