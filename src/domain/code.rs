//! Enums stored and shown as stable codes (`accept`, `org_number_checksum`,
//! `awaiting_reply`). Each enum derives its codes with strum
//! (`IntoStaticStr`, `EnumString`, `VariantArray`, with
//! `serialize_all = "snake_case"`), so its codes are listed once, by its
//! variants; this trait gives every such enum the same two calls.

use std::str::FromStr;

use strum::VariantArray;

pub trait Code: Copy + Into<&'static str> + FromStr + VariantArray {
    /// The stable code.
    fn as_str(self) -> &'static str {
        self.into()
    }

    /// Every code, in declaration order (for error messages and help).
    fn codes() -> Vec<&'static str> {
        Self::VARIANTS.iter().map(|v| v.as_str()).collect()
    }
}

impl<T: Copy + Into<&'static str> + FromStr + VariantArray> Code for T {}

/// An unknown code, with the ones that are known: "expected one of a, b".
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{given:?} is not one of {}", expected.join(", "))]
pub struct UnknownCode {
    pub given: String,
    pub expected: Vec<&'static str>,
}

/// Parses a code, naming the valid ones when it is not one of them.
pub fn parse_code<T: Code>(s: &str) -> Result<T, UnknownCode> {
    s.parse::<T>().map_err(|_| UnknownCode { given: s.to_string(), expected: T::codes() })
}
