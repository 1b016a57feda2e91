//! Security headers on every response: nothing from a mail may run, frame or
//! load anything.

use axum::extract::Request;
use axum::http::header::{HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

const HEADERS: &[(&str, &str)] = &[
    (
        "content-security-policy",
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    ),
    ("x-content-type-options", "nosniff"),
    ("x-frame-options", "DENY"),
    ("referrer-policy", "no-referrer"),
    ("cache-control", "no-store"),
];

/// The largest page rewritten by [`visible_direction_controls`] (pages are far smaller).
const MAX_PAGE_BYTES: usize = 16 * 1024 * 1024;

/// Every page shows a text-direction control (U+202E and its kin, from a
/// sender's name, subject or file name) as its escape instead of letting it
/// reorder what follows on screen: done once here, on the finished page, so
/// no field of any page can be missed.
pub async fn visible_direction_controls(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    let is_html = response
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("text/html"));
    if !is_html {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_PAGE_BYTES).await else {
        return (axum::http::StatusCode::INTERNAL_SERVER_ERROR, "Sidan blev för stor.").into_response();
    };
    let page = String::from_utf8_lossy(&bytes);
    let shown = crate::mail::visible::for_page(&page);
    if matches!(shown, std::borrow::Cow::Owned(_)) {
        parts.headers.remove(axum::http::header::CONTENT_LENGTH);
    }
    Response::from_parts(parts, axum::body::Body::from(shown.into_owned()))
}

pub async fn security_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    for (name, value) in HEADERS {
        headers.insert(HeaderName::from_static(name), HeaderValue::from_static(value));
    }
    response
}
