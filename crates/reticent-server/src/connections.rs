//! Accepting and serving connections, with the limits `axum::serve` lacks.
//!
//! `axum::serve` gives hyper no timer, so hyper's header read timeout never
//! runs: a client that sends its request headers a byte at a time, or opens a
//! connection and sends nothing, held it for as long as it liked (over 120 s
//! in a test), and there was no bound on how many it could hold. Here each
//! connection is served by hyper with a timer:
//! - a request's headers must arrive within `header_timeout` of the
//!   connection opening or of the previous response (hyper starts the timer
//!   again when a keep-alive connection goes idle), else the connection is
//!   closed; the body has its own timeout (`http.rs`);
//! - at most `max_connections` are served at once; further connections wait
//!   in the listen backlog until one ends.
//!
//! On shutdown the listener stops accepting and every connection is asked to
//! close once its request in flight is answered.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::{watch, Semaphore};
use tokio::task::JoinSet;

/// Connection limits (`--header-timeout`, `--max-connections`).
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Time to receive a request's headers, from the connection's start or
    /// its last response.
    pub header_timeout: Duration,
    /// Connections served at once.
    pub max_connections: usize,
}

/// After a failed `accept` (out of file descriptors, say), the pause before
/// the next: the error would otherwise repeat in a busy loop.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);

/// Serves `routes` on `listener` until `stop` turns true, then waits for the
/// connections to close (the caller bounds the wait).
pub async fn serve(
    listener: TcpListener,
    routes: Router,
    limits: Limits,
    mut stop: watch::Receiver<bool>,
) {
    let slots = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let (closing, closing_rx) = watch::channel(false);
    let mut connections = JoinSet::new();
    let mut reported = false;
    loop {
        let slot = tokio::select! {
            slot = Arc::clone(&slots).acquire_owned() => match slot {
                Ok(slot) => slot,
                Err(_) => break,
            },
            _ = stop.wait_for(|s| *s) => break,
        };
        let socket = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((socket, _)) => socket,
                Err(e) => {
                    if !reported {
                        eprintln!("reticent: cannot accept a connection: {e} (retrying; reported once)");
                        reported = true;
                    }
                    tokio::time::sleep(ACCEPT_BACKOFF).await;
                    continue;
                }
            },
            _ = stop.wait_for(|s| *s) => break,
        };
        let service = TowerToHyperService::new(routes.clone());
        let mut closing = closing_rx.clone();
        connections.spawn(async move {
            let _slot = slot;
            let mut builder = http1::Builder::new();
            builder
                .timer(TokioTimer::new())
                .header_read_timeout(limits.header_timeout);
            let connection = builder.serve_connection(TokioIo::new(socket), service);
            tokio::pin!(connection);
            tokio::select! {
                _ = connection.as_mut() => return,
                _ = closing.wait_for(|c| *c) => connection.as_mut().graceful_shutdown(),
            }
            // Errors (a client gone, a timeout) end only this connection.
            let _ = connection.await;
        });
        // Reap what ended, so the set holds only live connections.
        while connections.try_join_next().is_some() {}
    }
    drop(listener);
    let _ = closing.send(true);
    while connections.join_next().await.is_some() {}
}
