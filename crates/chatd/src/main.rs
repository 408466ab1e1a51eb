//! `bkx-chatd`: the BookingX Live Chat daemon.
//!
//! Start-up: load the configuration, migrate the chat tables (so the daemon never runs
//! against an older schema than it writes), serve, and on SIGTERM/SIGINT stop accepting,
//! finish in-flight requests and close the database pool.

mod ack;
mod auth;
mod batch;
mod config;
mod events;
mod head;
mod http;
mod identity;
mod limits;
mod metrics;
mod order;
mod relay;
mod server;
mod session;
mod state;

use std::path::PathBuf;
use std::process::ExitCode;

use std::sync::Arc;

use bkx_core::chat::ChatService;
use bkx_core::store::{migrations, Store};
use tracing_subscriber::EnvFilter;

use crate::config::Config;

const USAGE: &str = "usage: bkx-chatd [--config FILE] [--check-config]

  --config FILE    TOML configuration (keys: listen, db_host, db_port, db_user, db_password,
                   db_name, db_prefix, db_socket, secret, redis_url, redis_prefix, log_level,
                   log_format, cors_origins, [limits]);
                   BKX_CHATD_<KEY> environment variables override it
  --check-config   validate the configuration and the database connection, then exit
  --version        print the version";

struct Args {
    config: Option<PathBuf>,
    check: bool,
}

fn parse_args() -> Result<Option<Args>, String> {
    let mut args = Args {
        config: None,
        check: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        match a.as_str() {
            "--config" | "-c" => {
                args.config = Some(it.next().ok_or("--config needs a file")?.into());
            }
            "--check-config" => args.check = true,
            "--version" | "-V" => {
                println!("bkx-chatd {}", env!("CARGO_PKG_VERSION"));
                return Ok(None);
            }
            "--help" | "-h" => {
                println!("{USAGE}");
                return Ok(None);
            }
            other => return Err(format!("unknown argument {other:?}\n\n{USAGE}")),
        }
    }
    Ok(Some(args))
}

fn init_logs(cfg: &Config) {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(&cfg.log_level));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()));
    if cfg.log_format == "json" {
        builder.json().init();
    } else {
        builder.init();
    }
}

async fn shutdown_signal() {
    use tokio::signal::unix::{signal, SignalKind};
    let term = signal(SignalKind::terminate());
    let int = signal(SignalKind::interrupt());
    match (term, int) {
        (Ok(mut t), Ok(mut i)) => {
            tokio::select! {
                _ = t.recv() => {}
                _ = i.recv() => {}
            }
        }
        _ => {
            // Without signal handlers we can only run until killed.
            std::future::pending::<()>().await;
        }
    }
}

async fn run(cfg: Config, check_only: bool) -> Result<(), String> {
    let store = Store::new(&cfg.db_config()).map_err(|e| format!("database config: {e}"))?;
    if check_only {
        store
            .ping()
            .await
            .map_err(|e| format!("database: {e} ({:?})", e.details))?;
        let v = migrations::current_version(&store)
            .await
            .map_err(|e| e.to_string())?;
        println!(
            "configuration OK; database reachable; schema version {v} (this build writes {})",
            migrations::latest_version()
        );
        return Ok(());
    }
    let version = migrations::migrate(&store)
        .await
        .map_err(|e| format!("migration failed: {e} ({:?})", e.details))?;
    let addr = cfg.listen_addr().map_err(|e| e.to_string())?;
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| format!("cannot listen on {addr}: {e}"))?;
    tracing::info!(%addr, schema_version = version, "bkx-chatd listening");
    let chat = ChatService::new(store.clone(), "custom").map_err(|e| e.to_string())?;
    let (sends, send_queue) = batch::Sends::new();
    let app = state::App(Arc::new(state::Shared {
        chat,
        schema_version: version,
        rest_url: cfg.rest_url.clone(),
        secret: cfg.secret.as_bytes().to_vec(),
        limits: cfg.limits.clone(),
        metrics: metrics::Metrics::default(),
        identities: limits::IdentityBuckets::default(),
        presence: state::Presence::default(),
        typing: std::sync::Mutex::new(std::collections::HashMap::new()),
        order: order::Sequencer::default(),
        sends,
        expiries: session::Expiries::default(),
    }));
    tokio::spawn(batch::run(app.clone(), send_queue));
    server::serve(&cfg, app, listener, shutdown_signal()).await?;
    tracing::info!("shutting down");
    store.disconnect().await.map_err(|e| e.to_string())?;
    tracing::info!("stopped");
    Ok(())
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(Some(a)) => a,
        Ok(None) => return ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    let cfg = match Config::load(args.config.as_deref()) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("bkx-chatd: {e}");
            return ExitCode::from(2);
        }
    };
    if !args.check {
        init_logs(&cfg);
    }
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("bkx-chatd: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match rt.block_on(run(cfg, args.check)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            if args.check {
                eprintln!("bkx-chatd: {e}");
            } else {
                tracing::error!("{e}");
            }
            ExitCode::FAILURE
        }
    }
}
