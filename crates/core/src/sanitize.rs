//! The chat HTML policy: what a message may contain once it is stored.
//!
//! Messages are sanitised once, on write, so every reader (widget, agent inbox, REST, export)
//! can render the stored body as HTML without a second pass. The policy is deliberately
//! smaller than WordPress's `wp_kses_post`: a chat needs inline emphasis, code, lists and
//! links, nothing that lays out a page, loads a resource or runs script.

use std::collections::HashSet;

use ammonia::{Builder, UrlRelative};
use once_cell::sync::Lazy;

/// The longest message we accept, in characters (not bytes), before sanitising.
pub const MAX_MESSAGE_CHARS: usize = 10_000;

/// Tags a chat message may keep.
pub const ALLOWED_TAGS: &[&str] = &[
    "a",
    "b",
    "blockquote",
    "br",
    "code",
    "em",
    "i",
    "li",
    "ol",
    "p",
    "pre",
    "s",
    "strong",
    "u",
    "ul",
];

/// Schemes a link may use. Anything else (`javascript:`, `data:`, `vbscript:`...) is dropped.
pub const ALLOWED_SCHEMES: &[&str] = &["http", "https", "mailto"];

/// The `rel` forced on every link: chat links are user content and must not pass ranking,
/// `window.opener` or the referrer of the conversation page.
pub const LINK_REL: &str = "nofollow noopener noreferrer";

static POLICY: Lazy<Builder<'static>> = Lazy::new(|| {
    let mut b = Builder::empty();
    b.tags(ALLOWED_TAGS.iter().copied().collect::<HashSet<_>>())
        .tag_attributes(
            [("a", ["href"].into_iter().collect::<HashSet<_>>())]
                .into_iter()
                .collect(),
        )
        // No attribute on every tag (ammonia's empty builder still allows `lang`/`title`).
        .generic_attributes(HashSet::new())
        .url_schemes(ALLOWED_SCHEMES.iter().copied().collect::<HashSet<_>>())
        // Relative links would resolve against whichever page renders the transcript.
        .url_relative(UrlRelative::Deny)
        .link_rel(Some(LINK_REL))
        .clean_content_tags(
            [
                "script", "style", "template", "noscript", "iframe", "textarea", "title", "xmp",
            ]
            .into_iter()
            .collect(),
        )
        .strip_comments(true);
    b
});

static TEXT_POLICY: Lazy<Builder<'static>> = Lazy::new(|| {
    let mut b = Builder::empty();
    b.clean_content_tags(
        [
            "script", "style", "template", "noscript", "iframe", "textarea", "title", "xmp",
        ]
        .into_iter()
        .collect(),
    )
    .strip_comments(true);
    b
});

/// True when `s` cannot contain markup or anything html5ever would rewrite, so the
/// sanitised form is the input itself. Chat is mostly plain text; this keeps it cheap.
fn is_plain_text(s: &str) -> bool {
    !s.bytes()
        .any(|b| matches!(b, b'<' | b'>' | b'&' | b'\0' | b'\r'))
}

/// Returns chat-safe HTML for `html`.
pub fn clean(html: &str) -> String {
    if is_plain_text(html) {
        return html.to_owned();
    }
    POLICY.clean(html).to_string()
}

/// Returns the plain text of `html`: tags dropped (with the content of script-like tags),
/// entities decoded. For e-mail transcripts, previews and search snippets.
pub fn to_text(html: &str) -> String {
    if is_plain_text(html) {
        return html.to_owned();
    }
    let escaped = TEXT_POLICY.clean(html).to_string();
    decode_entities(&escaped)
}

/// Decodes the few entities html5ever's serializer emits in text nodes.
fn decode_entities(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&nbsp;", "\u{a0}")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_is_returned_unchanged() {
        let s = "Hi! Can I book a massage on Friday at 10? See https://example.com \"quoted\"";
        assert_eq!(clean(s), s);
    }

    #[test]
    fn script_and_handlers_are_removed() {
        assert_eq!(clean("<img src=x onerror=alert(1)>hi"), "hi");
        assert_eq!(clean("<script>alert(1)</script>ok"), "ok");
        assert_eq!(clean("<b onclick=\"x()\">bold</b>"), "<b>bold</b>");
    }

    #[test]
    fn links_keep_only_safe_schemes_and_get_rel() {
        assert_eq!(
            clean("<a href=\"https://example.com\" target=_blank>x</a>"),
            "<a href=\"https://example.com\" rel=\"nofollow noopener noreferrer\">x</a>"
        );
        assert_eq!(
            clean("<a href=\"javascript:alert(1)\">x</a>"),
            "<a rel=\"nofollow noopener noreferrer\">x</a>"
        );
        assert!(!clean("<a href=\"data:text/html,<script>\">x</a>").contains("data:"));
        assert!(clean("<a href=\"mailto:a@b.c\">m</a>").contains("mailto:a@b.c"));
    }

    #[test]
    fn no_attribute_survives_but_href() {
        assert_eq!(
            clean("<p title=t lang=en class=c style=\"x\">p</p>"),
            "<p>p</p>"
        );
        assert_eq!(
            clean("<a href=\"https://x.com\" title=t>x</a>"),
            "<a href=\"https://x.com\" rel=\"nofollow noopener noreferrer\">x</a>"
        );
    }

    #[test]
    fn text_with_angle_brackets_is_escaped_not_lost() {
        assert_eq!(clean("1 < 2 & 3 > 2"), "1 &lt; 2 &amp; 3 &gt; 2");
    }

    #[test]
    fn to_text_drops_tags_and_decodes() {
        assert_eq!(
            to_text("<p>Tom &amp; <b>Jerry</b></p><script>x</script>"),
            "Tom & Jerry"
        );
        assert_eq!(to_text("plain"), "plain");
    }
}
