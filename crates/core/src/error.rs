//! The one error type of the core, with the stable codes of the public contract.
//!
//! Every layer above (the PHP extension, the REST plugin, the daemon's acks) shows the same
//! snake_case code to its callers, so the code is decided here, once, and the layers only
//! translate it into their own shape (a PHP exception class, an HTTP status, an ack body).

use serde_json::{Map, Value};

/// The stable, documented error codes. Never rename one: integrators match on them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    InvalidArgument,
    NotFound,
    Forbidden,
    Unauthenticated,
    RateLimited,
    Conflict,
    PayloadTooLarge,
    UnsupportedMediaType,
    PlatformError,
    PlatformUnavailable,
    StorageError,
    BookingUnavailable,
    BookingError,
    SignatureInvalid,
    AgentUnavailable,
    OutsideHours,
}

impl ErrorCode {
    /// Every code, in the order of their numeric values.
    pub const ALL: [ErrorCode; 16] = [
        ErrorCode::InvalidArgument,
        ErrorCode::NotFound,
        ErrorCode::Forbidden,
        ErrorCode::Unauthenticated,
        ErrorCode::RateLimited,
        ErrorCode::Conflict,
        ErrorCode::PayloadTooLarge,
        ErrorCode::UnsupportedMediaType,
        ErrorCode::PlatformError,
        ErrorCode::PlatformUnavailable,
        ErrorCode::StorageError,
        ErrorCode::BookingUnavailable,
        ErrorCode::BookingError,
        ErrorCode::SignatureInvalid,
        ErrorCode::AgentUnavailable,
        ErrorCode::OutsideHours,
    ];

    /// The snake_case code shown to callers.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidArgument => "invalid_argument",
            ErrorCode::NotFound => "not_found",
            ErrorCode::Forbidden => "forbidden",
            ErrorCode::Unauthenticated => "unauthenticated",
            ErrorCode::RateLimited => "rate_limited",
            ErrorCode::Conflict => "conflict",
            ErrorCode::PayloadTooLarge => "payload_too_large",
            ErrorCode::UnsupportedMediaType => "unsupported_media_type",
            ErrorCode::PlatformError => "platform_error",
            ErrorCode::PlatformUnavailable => "platform_unavailable",
            ErrorCode::StorageError => "storage_error",
            ErrorCode::BookingUnavailable => "booking_unavailable",
            ErrorCode::BookingError => "booking_error",
            ErrorCode::SignatureInvalid => "signature_invalid",
            ErrorCode::AgentUnavailable => "agent_unavailable",
            ErrorCode::OutsideHours => "outside_hours",
        }
    }

    /// A stable integer for PHP's `Exception::getCode()` (1-based position in [`Self::ALL`]).
    pub fn numeric(self) -> i32 {
        Self::ALL
            .iter()
            .position(|c| *c == self)
            .map_or(0, |p| p as i32 + 1)
    }

    /// The HTTP status a REST layer should answer with.
    pub fn http_status(self) -> u16 {
        match self {
            ErrorCode::InvalidArgument => 400,
            ErrorCode::Unauthenticated | ErrorCode::SignatureInvalid => 401,
            ErrorCode::Forbidden => 403,
            ErrorCode::NotFound => 404,
            ErrorCode::Conflict
            | ErrorCode::BookingUnavailable
            | ErrorCode::AgentUnavailable
            | ErrorCode::OutsideHours => 409,
            ErrorCode::PayloadTooLarge => 413,
            ErrorCode::UnsupportedMediaType => 415,
            ErrorCode::BookingError => 422,
            ErrorCode::RateLimited => 429,
            ErrorCode::StorageError => 500,
            ErrorCode::PlatformError => 502,
            ErrorCode::PlatformUnavailable => 503,
        }
    }

    /// Parses a snake_case code back (for tests and for clients of the daemon).
    pub fn parse(s: &str) -> Option<ErrorCode> {
        Self::ALL.iter().copied().find(|c| c.as_str() == s)
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A failure with a stable code, a human message and machine-readable details.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{message}")]
pub struct Error {
    pub code: ErrorCode,
    pub message: String,
    pub details: Map<String, Value>,
}

/// Result alias of the core.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// A new error without details.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Error {
            code,
            message: message.into(),
            details: Map::new(),
        }
    }

    /// Adds one detail (builder style).
    pub fn with(mut self, key: &str, value: impl Into<Value>) -> Self {
        self.details.insert(key.to_owned(), value.into());
        self
    }

    /// `invalid_argument` naming the offending field, the most common error by far.
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        Error::new(ErrorCode::InvalidArgument, message).with("field", field)
    }

    /// `not_found` for a kind of record and its id.
    pub fn not_found(what: &str, id: u64) -> Self {
        Error::new(ErrorCode::NotFound, format!("{what} {id} does not exist"))
            .with("resource", what)
            .with("id", id)
    }
}

impl From<mysql_async::Error> for Error {
    fn from(e: mysql_async::Error) -> Self {
        // The driver's text can carry host names and SQL; keep it in the details for logs,
        // but give callers a stable, plain message.
        Error::new(ErrorCode::StorageError, "the chat database is unavailable")
            .with("cause", e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_are_unique() {
        let mut seen = std::collections::HashSet::new();
        for c in ErrorCode::ALL {
            assert_eq!(ErrorCode::parse(c.as_str()), Some(c));
            assert!(seen.insert(c.numeric()), "duplicate numeric code for {c}");
            assert!(c.numeric() > 0);
        }
    }

    #[test]
    fn client_errors_are_4xx_and_server_errors_5xx() {
        assert_eq!(ErrorCode::InvalidArgument.http_status(), 400);
        assert_eq!(ErrorCode::StorageError.http_status(), 500);
        assert_eq!(ErrorCode::PayloadTooLarge.http_status(), 413);
    }
}
