//! `reticent serve`: the runtime, the retention task and graceful shutdown.

use std::io::Write;
use std::sync::Arc;
use std::time::Duration;

use reticent_core::batch::{DecodeLimits, DECODE_STACK_MIB};

use crate::config::{ServeArgs, ServeConfig};
use crate::http::{router, App, BATCH_PATH};
use crate::store::{now_ms, SqliteStore, Store};
use crate::CliError;

/// How long in-flight requests may run after SIGTERM/SIGINT.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(10);

/// Runs the collector until SIGTERM or SIGINT.
pub fn run(args: ServeArgs) -> Result<(), CliError> {
    let config = args.resolve()?;
    let store = SqliteStore::open(&config.db)
        .map_err(|e| CliError::input(format!("{}: {e}", config.db.display())))?;
    let store: Arc<dyn Store> = Arc::new(store);
    // Every thread of the runtime, the blocking pool included (where batches
    // are decoded), gets the stack the decoder is specified for.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("reticent")
        .thread_stack_size(DECODE_STACK_MIB << 20)
        .build()
        .map_err(|e| CliError::input(format!("cannot start the runtime: {e}")))?;
    let result = runtime.block_on(serve(config, Arc::clone(&store)));
    // Waits for blocking work (a store write in flight) to finish.
    drop(runtime);
    drop(store);
    result
}

async fn serve(config: ServeConfig, store: Arc<dyn Store>) -> Result<(), CliError> {
    // The memory budget follows `--max-decompressed` (see `DecodeLimits`).
    let limits = DecodeLimits::for_sizes(config.max_body, config.max_decompressed);
    for site in config
        .sites
        .iter()
        .filter(|s| s.approved_policies.is_empty())
    {
        eprintln!(
            "reticent: site {}: no approved policy digests, any privacy policy is accepted",
            site.name
        );
    }
    let viewer = match &config.viewer {
        Some(v) => Some(crate::viewer::mount(v, Arc::clone(&store))?),
        None => None,
    };
    let app = Arc::new(App::new(config.sites.clone(), store, limits));
    purge(&app, config.retention_days).await;

    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .map_err(|e| CliError::input(format!("cannot listen on {}: {e}", config.listen)))?;
    let addr = listener
        .local_addr()
        .map_err(|e| CliError::input(format!("cannot read the listen address: {e}")))?;
    // The first line on stdout, for scripts and tests (port 0 picks a port).
    println!("listening on http://{addr}");
    let _ = std::io::stdout().flush();
    eprintln!(
        "reticent: collecting on http://{addr}{BATCH_PATH} into {} ({} site(s), retention {} days)",
        config.db.display(),
        config.sites.len(),
        config.retention_days
    );
    let mut routes = router(Arc::clone(&app));
    if let Some(v) = viewer {
        v.announce(addr);
        routes = routes.merge(v.router);
    }
    if let Some(d) = config.demo.clone() {
        eprintln!("reticent: demo site: http://{addr}/demo/");
        routes = routes.merge(crate::demo::router(d));
    }
    // Every route's 405 has the JSON body, the merged ones' too.
    let routes = routes.method_not_allowed_fallback(crate::http::method_not_allowed);

    let purger = {
        let app = Arc::clone(&app);
        let every = Duration::from_secs(config.purge_interval_secs);
        let days = config.retention_days;
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(every).await;
                purge(&app, days).await;
            }
        })
    };

    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        shutdown_signal().await;
        let _ = stop_tx.send(true);
    });
    let server = crate::connections::serve(listener, routes, config.connections, stop_rx.clone());
    let mut deadline = stop_rx;
    tokio::select! {
        () = server => {}
        _ = async {
            let _ = deadline.wait_for(|stop| *stop).await;
            eprintln!("reticent: stopping: finishing requests in flight");
            tokio::time::sleep(DRAIN_TIMEOUT).await;
        } => {
            eprintln!("reticent: requests still running after {DRAIN_TIMEOUT:?}; stopping anyway");
        }
    }
    purger.abort();
    app.decode_slots.close();
    eprintln!("reticent: stopped");
    Ok(())
}

/// Deletes sessions inactive for more than `days`; failures are logged and
/// retried at the next tick.
async fn purge(app: &Arc<App>, days: u32) {
    let cutoff = now_ms().saturating_sub(u64::from(days) * 86_400_000);
    let store = Arc::clone(&app.store);
    match tokio::task::spawn_blocking(move || store.purge_older_than(cutoff)).await {
        Ok(Ok(gone)) => {
            if !gone.is_empty() {
                let batches: u64 = gone.iter().map(|d| u64::from(d.batches)).sum();
                eprintln!(
                    "reticent: retention: deleted {} session(s), {batches} batch(es), inactive for more than {days} days",
                    gone.len()
                );
                app.stats.purged(gone.len() as u64);
            }
        }
        Ok(Err(e)) => eprintln!("reticent: retention purge failed: {e}"),
        Err(_) => eprintln!("reticent: retention purge failed (a bug: please report it)"),
    }
}

/// Resolves on SIGINT (Ctrl-C) or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}
