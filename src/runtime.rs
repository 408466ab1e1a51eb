//! The per-process tokio runtime and database pools.
//!
//! php-fpm loads the module in its master and forks workers afterwards. A runtime or a socket
//! created before the fork would be shared by every worker (a multi-thread runtime even hangs
//! the child on `block_on`). So nothing is created at module start-up: the first call in a
//! process builds a current-thread runtime, and a call that finds a different process id
//! (a fork since) abandons the parent's runtime and pools and builds its own.

use std::collections::HashMap;
use std::future::Future;
use std::sync::Mutex;
use std::time::Duration;

use bkx_core::chat::ChatService;
use bkx_core::relay::Relay;
use bkx_core::store::{DbConfig, Store};
use bkx_core::{Error, ErrorCode, Result};
use once_cell::sync::Lazy;
use tokio::runtime::{Builder, Runtime};

/// Longest a single PHP call may wait on the database before giving up.
const CALL_TIMEOUT: Duration = Duration::from_secs(20);

struct Process {
    pid: u32,
    rt: Runtime,
    /// One pool per database configuration, reused across requests of this worker.
    services: HashMap<(DbConfig, String, Option<RelayTarget>), ChatService>,
}

/// The daemon a service notifies after its writes (`ChatManager` config `chatd`): its URL
/// and the shared secret.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct RelayTarget {
    pub url: String,
    pub secret: String,
}

static PROCESS: Lazy<Mutex<Option<Process>>> = Lazy::new(|| Mutex::new(None));

fn build_runtime() -> Result<Runtime> {
    Builder::new_current_thread()
        .enable_io()
        .enable_time()
        .build()
        .map_err(|e| {
            Error::new(
                ErrorCode::StorageError,
                format!("cannot start the I/O runtime: {e}"),
            )
        })
}

/// This process's state, (re)built after a fork.
fn lock_process() -> Result<std::sync::MutexGuard<'static, Option<Process>>> {
    // A poisoned lock only means an earlier call panicked (and PHP got an Error); the
    // state inside is still a valid runtime and pools.
    let mut guard = PROCESS.lock().unwrap_or_else(|p| p.into_inner());
    let pid = std::process::id();
    if guard.as_ref().is_some_and(|p| p.pid != pid) {
        // Forked: the parent's runtime and sockets belong to the parent. Leak them rather
        // than run destructors that would close or reuse shared file descriptors.
        if let Some(old) = guard.take() {
            std::mem::forget(old);
        }
    }
    if guard.is_none() {
        *guard = Some(Process {
            pid,
            rt: build_runtime()?,
            services: HashMap::new(),
        });
    }
    Ok(guard)
}

/// Runs `fut` (a vendor API call, no database) on this process's runtime, blocking until it
/// completes or `limit` passes (`platform_unavailable`: a page must not wait on a vendor).
pub fn block_on<T, Fut>(limit: Duration, fut: Fut) -> Result<T>
where
    Fut: Future<Output = Result<T>>,
{
    let mut guard = lock_process()?;
    let process = guard
        .as_mut()
        .ok_or_else(|| Error::new(ErrorCode::StorageError, "runtime unavailable"))?;
    process.rt.block_on(async move {
        match tokio::time::timeout(limit, fut).await {
            Ok(r) => r,
            Err(_) => Err(Error::new(
                ErrorCode::PlatformUnavailable,
                "the platform did not answer in time",
            )),
        }
    })
}

/// Runs `f` with this process's chat service for `db`, blocking until it completes.
pub fn with_service<T, F, Fut>(db: &DbConfig, platform: &str, f: F) -> Result<T>
where
    F: FnOnce(ChatService) -> Fut,
    Fut: Future<Output = Result<T>>,
{
    with_service_relayed(db, platform, None, f)
}

/// [`with_service`] whose service tells the daemon at `relay` about its writes.
pub fn with_service_relayed<T, F, Fut>(
    db: &DbConfig,
    platform: &str,
    relay: Option<&RelayTarget>,
    f: F,
) -> Result<T>
where
    F: FnOnce(ChatService) -> Fut,
    Fut: Future<Output = Result<T>>,
{
    let mut guard = lock_process()?;
    let process = guard
        .as_mut()
        .ok_or_else(|| Error::new(ErrorCode::StorageError, "runtime unavailable"))?;
    let key = (db.clone(), platform.to_owned(), relay.cloned());
    let service = match process.services.get(&key) {
        Some(s) => s.clone(),
        None => {
            // The pool registers itself with the runtime it is created in.
            let _enter = process.rt.enter();
            let notices = match relay {
                Some(r) => Some(Relay::new(&r.url, r.secret.as_bytes())?),
                None => None,
            };
            let s = ChatService::new(Store::new(db)?, platform)?.with_relay(notices);
            process.services.insert(key, s.clone());
            s
        }
    };
    process.rt.block_on(async move {
        match tokio::time::timeout(CALL_TIMEOUT, f(service)).await {
            Ok(r) => r,
            Err(_) => Err(Error::new(
                ErrorCode::StorageError,
                "the chat database did not answer in time",
            )),
        }
    })
}
