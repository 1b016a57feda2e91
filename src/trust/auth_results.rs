//! The `Authentication-Results` header (RFC 8601): which server checked the
//! mail, and what each method (dkim, spf, dmarc…) found. Parsed leniently —
//! a sender can put anything in a header — and never trusted by itself:
//! `sender.rs` decides which header, if any, counts.

/// One `Authentication-Results` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthResults {
    /// The server that wrote it (lower case); `None` in Exchange Online's form,
    /// which starts with a result.
    pub authserv_id: Option<String>,
    pub results: Vec<MethodResult>,
}

/// One method's result: `dkim=pass header.d=uppsala.se header.s=s1`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MethodResult {
    /// Lower case: "dkim", "spf", "dmarc", "arc", "compauth"…
    pub method: String,
    /// Lower case: "pass", "fail", "none", "softfail", "temperror"…
    pub result: String,
    /// Properties, keys lower case ("header.d", "header.from", "smtp.mailfrom").
    pub props: Vec<(String, String)>,
}

impl MethodResult {
    pub fn prop(&self, key: &str) -> Option<&str> {
        self.props.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }
}

impl AuthResults {
    /// The results of `method`, in order.
    pub fn of<'a>(&'a self, method: &'a str) -> impl Iterator<Item = &'a MethodResult> + 'a {
        self.results.iter().filter(move |r| r.method == method)
    }
}

/// Parses a header's value (unfolded or not).
pub fn parse(value: &str) -> AuthResults {
    let plain = without_comments(value);
    let mut parts = plain.split(';').map(str::trim);
    let first = parts.next().unwrap_or("");
    // "mx.example.se 1" (with a version) or, in Exchange Online's form, a result.
    let (authserv_id, first_result) = if first.contains('=') {
        (None, Some(first))
    } else {
        let id = first.split_whitespace().next().map(str::to_ascii_lowercase).filter(|id| !id.is_empty());
        (id, None)
    };
    let results = first_result.into_iter().chain(parts).filter_map(method_result).collect();
    AuthResults { authserv_id, results }
}

/// `method=result reason=… ptype.prop=value …`, with spaces around `=` allowed.
fn method_result(part: &str) -> Option<MethodResult> {
    let joined = tighten_equals(part);
    let mut tokens = tokens(&joined).into_iter();
    let first = tokens.next()?;
    let (method, result) = first.split_once('=')?;
    let method = method.trim().to_ascii_lowercase();
    if method.is_empty() || method == "none" {
        return None;
    }
    let props = tokens
        .filter_map(|t| t.split_once('=').map(|(k, v)| (k.to_ascii_lowercase(), v.trim_matches('"').to_string())))
        .filter(|(k, _)| k.contains('.'))
        .collect();
    Some(MethodResult { method, result: result.trim().to_ascii_lowercase(), props })
}

/// Whitespace-separated tokens, a quoted string kept whole.
fn tokens(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    for c in s.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                current.push(c);
            }
            c if c.is_whitespace() && !quoted => {
                if !current.is_empty() {
                    out.push(std::mem::take(&mut current));
                }
            }
            c => current.push(c),
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// "dkim = pass" as "dkim=pass".
fn tighten_equals(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_whitespace() {
            // Drop blanks before "=" and after it.
            let mut rest = chars.clone();
            while rest.peek().is_some_and(|n| n.is_whitespace()) {
                rest.next();
            }
            if rest.peek() == Some(&'=') || out.ends_with('=') {
                chars = rest;
                continue;
            }
        }
        out.push(c);
    }
    out
}

/// The value without (comments), which may nest; quoted strings are kept.
fn without_comments(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let (mut depth, mut quoted, mut escaped) = (0usize, false, false);
    for c in value.chars() {
        if escaped {
            escaped = false;
            if depth == 0 {
                out.push(c);
            }
            continue;
        }
        match c {
            '\\' => escaped = true,
            '"' if depth == 0 => {
                quoted = !quoted;
                out.push(c);
            }
            '(' if !quoted => depth += 1,
            ')' if !quoted && depth > 0 => {
                depth -= 1;
                out.push(' ');
            }
            '\r' | '\n' => out.push(' '),
            c if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn a_receiving_servers_header_is_read() {
        let h = parse(
            "mx.forsakringskassan.se; dkim=pass header.d=uppsala.se header.s=s1 (2048-bit key);\r\n\
             spf=pass (sender IP is 192.0.2.10) smtp.mailfrom=uppsala.se; dmarc=pass (p=quarantine) header.from=uppsala.se",
        );
        assert_eq!(h.authserv_id.as_deref(), Some("mx.forsakringskassan.se"));
        let dmarc = h.of("dmarc").next().expect("dmarc");
        assert_eq!((dmarc.result.as_str(), dmarc.prop("header.from")), ("pass", Some("uppsala.se")));
        assert_eq!(h.of("dkim").next().and_then(|d| d.prop("header.d")), Some("uppsala.se"));
    }

    #[test]
    fn exchange_onlines_form_has_no_authserv_id() {
        let h = parse(
            "spf=pass (sender IP is 40.107.1.1) smtp.mailfrom=uppsala.se; dkim=pass (signature was verified) \
             header.d=uppsala.se;dmarc=pass action=none header.from=uppsala.se;compauth=pass reason=100",
        );
        assert_eq!(h.authserv_id, None);
        assert_eq!(h.results.len(), 4);
        assert_eq!(h.of("dmarc").next().map(|d| d.result.as_str()), Some("pass"));
    }

    #[test]
    fn versions_spaces_quotes_and_none() {
        let h = parse("mx.example.se 1; dkim = pass header.d = \"example.se\" ; dmarc=fail header.from=example.se");
        assert_eq!(h.authserv_id.as_deref(), Some("mx.example.se"));
        assert_eq!(h.of("dkim").next().and_then(|d| d.prop("header.d")), Some("example.se"));
        assert_eq!(h.of("dmarc").next().map(|d| d.result.as_str()), Some("fail"));
        assert!(parse("mx.example.se; none").results.is_empty());
    }

    proptest! {
        /// A sender can write anything into the header: it never panics.
        #[test]
        fn any_value_parses(value in "\\PC{0,200}") {
            let _ = parse(&value);
        }
    }
}
