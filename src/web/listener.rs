//! Serving HTTP with bounds a slow or idle client cannot get past (both the
//! pages and `ops.listen` go through here): the request head must arrive
//! within `web.header_timeout_secs` — which hyper also applies to the wait
//! between requests on a kept-alive connection —, the whole request be
//! answered within `web.request_timeout_secs` (a body that never comes ends
//! there, 408), the head may hold at most [`MAX_HEAD_BYTES`], and at most
//! `web.max_connections` connections are open at once: more wait in the
//! kernel's queue until one ends. So memory held by unfinished requests is
//! bounded by `max_connections × MAX_HEAD_BYTES`.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{ConnectInfo, Request};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::IntoResponse;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;

use crate::config::WebSettings;

/// The largest request head read (request line and headers); hyper answers
/// 431 to a larger one. Its smallest allowed buffer is 8 KiB.
pub const MAX_HEAD_BYTES: usize = 64 * 1024;

/// How long connections may finish their requests after shutdown is asked.
const DRAIN: Duration = Duration::from_secs(10);

#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub header_timeout: Duration,
    pub request_timeout: Duration,
    pub max_connections: usize,
}

impl Limits {
    pub fn from_settings(web: &WebSettings) -> Limits {
        Limits {
            header_timeout: Duration::from_secs(web.header_timeout_secs),
            request_timeout: Duration::from_secs(web.request_timeout_secs),
            max_connections: web.max_connections,
        }
    }
}

/// Serves `router` on `listener` until `shutdown`, within `limits`. Requests
/// carry the connection's address (`ConnectInfo<SocketAddr>`).
pub async fn serve(
    listener: tokio::net::TcpListener,
    router: Router,
    limits: Limits,
    shutdown: CancellationToken,
) -> std::io::Result<()> {
    let timeout = limits.request_timeout;
    let router = router.layer(axum::middleware::from_fn(move |request: Request, next: Next| async move {
        match tokio::time::timeout(timeout, next.run(request)).await {
            Ok(response) => response,
            Err(_) => (StatusCode::REQUEST_TIMEOUT, "Begäran tog för lång tid.").into_response(),
        }
    }));
    let open = Arc::new(Semaphore::new(limits.max_connections));
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    loop {
        // A free place first: beyond the cap, clients wait to be accepted.
        let place = tokio::select! {
            place = open.clone().acquire_owned() => place.expect("the semaphore is never closed"),
            () = shutdown.cancelled() => break,
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of file descriptors, say: wait a moment rather than spin.
                    tracing::warn!(error = %e, "could not accept a connection");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = shutdown.cancelled() => break,
        };
        let _ = stream.set_nodelay(true);
        let router = router.clone();
        let service = hyper::service::service_fn(move |mut request: hyper::Request<hyper::body::Incoming>| {
            request.extensions_mut().insert(ConnectInfo(peer));
            tower::ServiceExt::oneshot(router.clone(), request.map(axum::body::Body::new))
        });
        let connection = hyper::server::conn::http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(limits.header_timeout)
            .max_buf_size(MAX_HEAD_BYTES)
            .serve_connection(TokioIo::new(stream), service);
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            let _place = place;
            if let Err(e) = connection.await {
                tracing::debug!(error = %e, client = %peer, "connection ended");
            }
        });
    }
    drop(listener);
    if tokio::time::timeout(DRAIN, graceful.shutdown()).await.is_err() {
        tracing::warn!("connections still open {DRAIN:?} after shutdown; closing them");
    }
    Ok(())
}
