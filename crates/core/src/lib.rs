//! `bkx-core`: the domain library of BookingX Live Chat.
//!
//! Everything that decides something lives here, in plain Rust, tested without PHP or
//! WordPress: the data model and its store, the message sanitiser, daemon tokens. The PHP
//! extension and the daemon are thin layers that translate their callers' values into calls
//! of this crate.

pub mod attachments;
pub mod booking;
pub mod chat;
pub mod engagement;
pub mod error;
pub mod input;
pub mod model;
pub mod platforms;
pub mod relay;
pub mod sanitize;
pub mod store;
pub mod token;

pub use error::{Error, ErrorCode, Result};
