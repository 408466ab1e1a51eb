//! Vendor chat platforms: webhook verification, normalisation and ingestion.
//!
//! Intercom, Zendesk, LiveChat, Drift and tawk.to post their chat events to
//! `/chat/{platform}/webhook`. Each delivery goes through three steps, in this order:
//!
//! 1. [`verify`] checks its authenticity against the **raw** body bytes and the platform's
//!    secret, with constant-time comparisons (`signature_invalid` otherwise). Nothing is
//!    parsed before this, except where the vendor puts its secret inside the JSON body
//!    (LiveChat, Drift).
//! 2. [`parse`] turns the vendor's JSON into [`WebhookEvent`]s: the vendor's event id, and
//!    vendor-neutral [`NormalizedEvent`]s (started, message, closed, rated, transferred,
//!    transcript). Pure functions, tested with fixtures of the vendors' documented payloads.
//! 3. `ChatService::ingest_webhook` (`ingest.rs`) stores them in the same conversation and
//!    message rows as the native chat, once: a redelivered event id stores nothing, a
//!    message id already stored in its conversation is skipped.
//!
//! One file per vendor holds its verifier and normaliser, with the sources and the decisions
//! taken where the vendors' documentation is silent or contradicts itself.

pub mod api;
pub mod drift;
pub mod embed;
pub mod identity;
mod ingest;
pub mod intercom;
pub mod livechat;
pub mod mirror;
pub mod tawk;
pub mod webhook;
pub mod zendesk;

pub use ingest::{EventOutcome, IngestOutcome, IngestStatus};
pub use webhook::{
    Headers, IncomingMessage, NormalizedEvent, Participant, Platform, SenderType, WebhookEvent,
};

use crate::error::{Error, Result};

/// Checks that a delivery comes from `platform`: `Ok(())`, or `signature_invalid` with a
/// `reason` detail (`missing_signature`, `malformed_signature`, `mismatch`,
/// `missing_timestamp`, `stale_timestamp`). `now` is the Unix time (Zendesk's freshness
/// window). An empty secret is `invalid_argument`: nothing can be verified without one.
pub fn verify(
    platform: Platform,
    headers: &Headers,
    body: &[u8],
    secret: &[u8],
    now: i64,
) -> Result<()> {
    if secret.is_empty() {
        return Err(Error::invalid(
            "secret",
            format!("no webhook secret is configured for {}", platform.as_str()),
        ));
    }
    match platform {
        Platform::Intercom => intercom::verify(headers, body, secret),
        Platform::Zendesk => zendesk::verify(headers, body, secret, now),
        Platform::LiveChat => livechat::verify(body, secret),
        Platform::Drift => drift::verify(headers, body, secret),
        Platform::Tawk => tawk::verify(headers, body, secret),
    }
}

/// Normalises a verified delivery. `invalid_argument` (field `body`, or the missing field)
/// when it is not the vendor's JSON; event types we do not store come back as events with no
/// [`NormalizedEvent`]s (acknowledged, ignored).
pub fn parse(platform: Platform, headers: &Headers, body: &[u8]) -> Result<Vec<WebhookEvent>> {
    match platform {
        Platform::Intercom => intercom::parse(headers, body),
        Platform::Zendesk => zendesk::parse(headers, body),
        Platform::LiveChat => livechat::parse(headers, body),
        Platform::Drift => drift::parse(headers, body),
        Platform::Tawk => tawk::parse(headers, body),
    }
}
