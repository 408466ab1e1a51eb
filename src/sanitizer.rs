//! `Sanitizer`: the chat HTML policy, callable from PHP without a database.

use ext_php_rs::prelude::*;

use crate::convert::PhpStr;
use crate::errors::IntoPhp;

/// Chat-safe HTML. Static methods: `Sanitizer::clean($html)`, `Sanitizer::toText($html)`.
#[php_class]
#[php(name = "BookingX\\Addons\\LiveChat\\Sanitizer")]
#[derive(Default)]
pub struct Sanitizer;

#[php_impl]
impl Sanitizer {
    /// Allows inline formatting, lists, code and http/https/mailto links (with
    /// `rel="nofollow noopener noreferrer"`); drops everything else. Plain text is returned
    /// unchanged without parsing.
    pub fn clean(html: PhpStr) -> PhpResult<String> {
        Ok(bkx_core::sanitize::clean(html.utf8("html").php()?))
    }

    /// The plain text of `html`: tags removed, entities decoded.
    pub fn to_text(html: PhpStr) -> PhpResult<String> {
        Ok(bkx_core::sanitize::to_text(html.utf8("html").php()?))
    }

    /// The longest message accepted, in characters.
    pub fn max_length() -> i64 {
        bkx_core::sanitize::MAX_MESSAGE_CHARS as i64
    }
}
