//! Which service a termination concerns, and withdrawals of an earlier one:
//! "LEFI" named (and "LEFI Online", another service), newsletters and other
//! services, "vi återkallar vår uppsägning".

use std::sync::LazyLock;

use memchr::memmem::Finder;
use regex::Regex;

use crate::extract::keywords::Words;
use crate::extract::pattern;
use crate::extract::text::Text;

/// "tillbaka" must occur for [`TAKE_BACK`] to match: the expression has no
/// literal at its start, so the search is only run when it does.
static TAKE_BACK_WORDS: LazyLock<Words> = LazyLock::new(|| Words::new(&["tillbaka"]));

/// The service's names, searched for in every mail.
static LEFI: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new("lefi"));
static LONG_NAME: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new("leverera förmånsinformation"));

/// Every form of [`WITHDRAWAL`] holds one of these (lower case); most mails
/// hold none, and the expression is only run when one occurs.
static WITHDRAWAL_WORDS: LazyLock<Words> = LazyLock::new(|| {
    Words::new(&[
        "återkalla",
        "återta",
        "ångra",
        "annuller",
        "makuler",
        "withdraw",
        "retract",
        "revoke",
        "revocation",
        "rescind",
        "disregard",
        "bortse",
    ])
});

/// Withdrawing an earlier termination.
static WITHDRAWAL: LazyLock<Regex> = LazyLock::new(|| {
    pattern::compile(
        r"(?x)
        återkalla\w*
        | återtag\w* | återta\b
        | ångra\w*
        | \bannuller\w*
        | \bmakuler\w*
        | \bwithdraw\w*
        | \bretract\w*
        | \brevoke\w* | \brevocation
        | \brescind\w*
        | \bdisregard\s+(?:our|the|my)\s+(?:previous|earlier)
        | \bbortse\s+från\s+(?:\S+\s+){0,2}?(?:tidigare|förra)
        ",
    )
});

static TAKE_BACK: LazyLock<Regex> =
    LazyLock::new(|| pattern::compile(r"\b(?:ta|tar|tog|dra|drar|drog)\s+(?:\S+\s+){0,3}?tillbaka\b"));

/// Other services whose termination is not ours to record.
pub(super) static OTHER_SERVICE: LazyLock<Regex> = LazyLock::new(|| {
    pattern::compile(
        r"(?x)
        \bnyhetsbrev\w* | \bnewsletter\w* | \bunsubscribe\b | \bavprenumerer\w* | \bklicka\s+här\b
        | \bssbtek\b | \bmina\s+sidor\b | \be-tjänst\w* | \bnavet\b
        ",
    )
});

/// Every form of [`OTHER_SERVICE`] holds one of these.
pub(super) static OTHER_SERVICE_WORDS: LazyLock<Words> = LazyLock::new(|| {
    Words::new(&[
        "nyhetsbrev",
        "newsletter",
        "unsubscribe",
        "avprenumerer",
        "klicka",
        "ssbtek",
        "sidor",
        "e-tjänst",
        "navet",
    ])
});

/// A subscription to something of the sender's own, searched for after the
/// forms of [`OTHER_SERVICE`] as if it were their last alternative:
/// `\bprenumeration\s+på\s+(?:vårt|vår|våra|ert|er|era|nyhet\w*|pressmeddelande\w*|tidning\w*)`
/// (the first object that fits is taken, as the expression would: "våra" gives
/// "vår"). By hand, because nearly every mail says "prenumeration" and the
/// expression then ran over every text; the tests hold it for comparison.
pub(super) fn subscription_to_own(lower: &str, from: usize) -> Option<(usize, usize)> {
    static WORD: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new("prenumeration"));
    const OBJECTS: [(&str, bool); 9] = [
        ("vårt", false),
        ("vår", false),
        ("våra", false),
        ("ert", false),
        ("er", false),
        ("era", false),
        ("nyhet", true),
        ("pressmeddelande", true),
        ("tidning", true),
    ];
    let bytes = lower.as_bytes();
    for start in WORD.find_iter(&bytes[from..]).map(|i| from + i) {
        if !pattern::ascii_boundary(bytes, start) {
            continue;
        }
        let Some(pa) = pattern::after_whitespace(lower, start + WORD.needle().len()) else { continue };
        if !lower[pa..].starts_with("på") {
            continue;
        }
        let Some(object) = pattern::after_whitespace(lower, pa + "på".len()) else { continue };
        let rest = &lower[object..];
        if let Some((word, open)) = OBJECTS.iter().find(|(word, _)| rest.starts_with(word)) {
            let mut end = object + word.len();
            if *open {
                end +=
                    lower[end..].chars().take_while(|c| pattern::is_word_char(*c)).map(char::len_utf8).sum::<usize>();
            }
            return Some((start, end));
        }
    }
    None
}

/// Where the service is named: "LEFI" (with `true` when it is "LEFI Online",
/// another service) and "Leverera förmånsinformation", as whole words.
pub(super) fn lefi_named(lower: &str) -> Vec<(usize, usize, bool)> {
    let bytes = lower.as_bytes();
    let whole_word =
        |start: usize, end: usize| pattern::ascii_boundary(bytes, start) && pattern::ascii_boundary(bytes, end);
    let mut out = Vec::new();
    for start in LEFI.find_iter(bytes) {
        if !whole_word(start, start + 4) {
            continue;
        }
        let after = lower[start + 4..].trim_start_matches(|c: char| c.is_whitespace() || c == '-');
        let online = after.starts_with("online");
        let end = lower.len() - after.len() + if online { "online".len() } else { 0 };
        out.push((start, end, online));
    }
    for start in LONG_NAME.find_iter(bytes) {
        if whole_word(start, start + LONG_NAME.needle().len()) {
            out.push((start, start + LONG_NAME.needle().len(), false));
        }
    }
    out.sort_unstable();
    out
}

/// The first phrase withdrawing a termination.
pub(super) fn withdrawal(text: &Text) -> Option<(usize, usize)> {
    let lower = &text.lower;
    let word = text.mentions(&WITHDRAWAL_WORDS).then(|| WITHDRAWAL.find(lower)).flatten().map(|m| (m.start(), m.end()));
    let take_back =
        text.mentions(&TAKE_BACK_WORDS).then(|| TAKE_BACK.find(lower)).flatten().map(|m| (m.start(), m.end()));
    match (word, take_back) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// Where the text names another service (a newsletter, SSBTEK, a
/// subscription of the sender's own), in order.
pub(super) fn other_services(text: &Text) -> Vec<(usize, usize)> {
    let other_service = pattern::search_with(&OTHER_SERVICE);
    let parts: [Option<pattern::Search<'_>>; 2] = [
        text.mentions(&OTHER_SERVICE_WORDS).then_some(&other_service),
        // Its own search for "prenumeration" is the gate.
        Some(&subscription_to_own),
    ];
    pattern::matches_of_any(&parts, &text.lower)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// The expression the hand-written search stands for.
    static SUBSCRIPTION_TO_OWN: LazyLock<Regex> = LazyLock::new(|| {
        pattern::compile(r"\bprenumeration\s+på\s+(?:vårt|vår|våra|ert|er|era|nyhet\w*|pressmeddelande\w*|tidning\w*)")
    });

    const PIECES: &[&str] = &[
        "prenumeration",
        "prenumerationen",
        " ",
        "  ",
        "\n",
        "\u{a0}",
        "på",
        "vårt",
        "vår",
        "våra",
        "ert",
        "er",
        "era",
        "nyhet",
        "nyhetsbrev",
        "pressmeddelande",
        "tidning",
        "x",
        "_",
        "ö",
        "\u{308}",
        ".",
    ];

    proptest! {
        #[test]
        fn subscription_search_agrees_with_its_expression(
            pieces in proptest::collection::vec(proptest::sample::select(PIECES), 0..12),
            from in 0usize..40,
        ) {
            let text = pieces.concat();
            let from = (0..=from.min(text.len())).rev().find(|&i| text.is_char_boundary(i)).unwrap_or(0);
            let want = SUBSCRIPTION_TO_OWN.find_at(&text, from).map(|m| (m.start(), m.end()));
            prop_assert_eq!(subscription_to_own(&text, from), want, "{:?} from {}", text, from);
        }
    }
}
