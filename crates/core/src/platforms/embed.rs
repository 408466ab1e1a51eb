//! What a page needs to load a vendor's widget: the vendor's documented script and the
//! public part of its boot configuration, with every id checked so nothing from the
//! settings can break out of a URL or a script.
//!
//! The widget stays two-stage: the plugin's loader shows our button, and only on the first
//! interaction (or a proactive trigger) loads the vendor script described here, then opens
//! it (with the visitor's message when the vendor allows one). Identity (hashes, JWTs) is
//! never part of this: it is fetched from REST after the page loaded (see `identity`), so
//! full-page caches cannot hand one visitor another's identity.
//!
//! | vendor | script | boot settings |
//! |---|---|---|
//! | Intercom | `https://widget.intercom.io/widget/<app_id>` | `window.intercomSettings = {api_base, app_id}` |
//! | Zendesk | `https://static.zdassets.com/ekr/snippet.js?key=<key>` (`id="ze-snippet"`) | — |
//! | LiveChat | `https://cdn.livechatinc.com/tracking.js` | `window.__lc = {license, group?}` |
//! | Drift | `https://js.driftt.com/include/<5-minute bucket>/<embed id>.js` | `drift.load(<embed id>)` |
//! | tawk.to | `https://embed.tawk.to/<property id>/<widget id>` | — |

use serde_json::{json, Map, Value};

use super::webhook::Platform;
use crate::error::{Error, Result};

fn id(credentials: &Map<String, Value>, key: &str, platform: Platform) -> Result<String> {
    let v = match credentials.get(key) {
        Some(Value::String(s)) => s.trim().to_owned(),
        Some(Value::Number(n)) => n.to_string(),
        _ => String::new(),
    };
    let ok = !v.is_empty()
        && v.len() <= 100
        && v.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if ok {
        Ok(v)
    } else {
        Err(Error::invalid(
            &format!("credentials.{key}"),
            format!(
                "the {} widget needs '{key}' (letters, digits, '-' and '_' only)",
                platform.as_str()
            ),
        ))
    }
}

/// The embed description of `platform` from its credentials (the plugin's settings without
/// the `{platform}_` prefix): `{platform, script_src, script_id?, settings}`.
/// `invalid_argument` naming the setting when an id is missing or malformed.
pub fn embed_config(platform: Platform, credentials: &Map<String, Value>) -> Result<Value> {
    Ok(match platform {
        Platform::Intercom => {
            let app = id(credentials, "app_id", platform)?;
            json!({
                "platform": "intercom",
                "script_src": format!("https://widget.intercom.io/widget/{app}"),
                "settings": { "api_base": "https://api-iam.intercom.io", "app_id": app },
            })
        }
        Platform::Zendesk => {
            let key = id(credentials, "widget_key", platform)?;
            json!({
                "platform": "zendesk",
                "script_src": format!("https://static.zdassets.com/ekr/snippet.js?key={key}"),
                // The widget finds its key through this id; it is required.
                "script_id": "ze-snippet",
                "settings": {},
            })
        }
        Platform::LiveChat => {
            let license = id(credentials, "license", platform)?;
            let license: u64 = license.parse().map_err(|_| {
                Error::invalid("credentials.license", "the LiveChat license is a number")
            })?;
            let mut settings = json!({ "license": license });
            if credentials
                .get("group")
                .is_some_and(|g| g != "" && !g.is_null())
            {
                let g = id(credentials, "group", platform)?;
                settings["group"] = g.parse::<u64>().map(Value::from).unwrap_or(g.into());
            }
            json!({
                "platform": "livechat",
                "script_src": "https://cdn.livechatinc.com/tracking.js",
                "settings": settings,
            })
        }
        Platform::Drift => {
            let widget = id(credentials, "widget_id", platform)?;
            json!({
                "platform": "drift",
                // Drift's snippet appends a 5-minute time bucket before the id (done by the
                // loader at load time, as the vendor's snippet does).
                "script_src": format!("https://js.driftt.com/include/{{bucket}}/{widget}.js"),
                "settings": { "widget_id": widget, "snippet_version": "0.3.1" },
            })
        }
        Platform::Tawk => {
            let property = id(credentials, "property_id", platform)?;
            let widget = match credentials.get("widget_id") {
                Some(v) if v != "" && !v.is_null() => id(credentials, "widget_id", platform)?,
                _ => "default".to_owned(),
            };
            json!({
                "platform": "tawk",
                "script_src": format!("https://embed.tawk.to/{property}/{widget}"),
                "settings": {},
            })
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn creds(pairs: &[(&str, &str)]) -> Map<String, Value> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), Value::from(*v)))
            .collect()
    }

    #[test]
    fn each_vendor_gets_its_documented_script() {
        let e = embed_config(Platform::Intercom, &creds(&[("app_id", "a86dr8yl")])).expect("ok");
        assert_eq!(
            e["script_src"],
            "https://widget.intercom.io/widget/a86dr8yl"
        );
        assert_eq!(e["settings"]["app_id"], "a86dr8yl");
        let e = embed_config(Platform::Zendesk, &creds(&[("widget_key", "abc-123")])).expect("ok");
        assert_eq!(e["script_id"], "ze-snippet");
        let e = embed_config(
            Platform::LiveChat,
            &creds(&[("license", "12345678"), ("group", "2")]),
        )
        .expect("ok");
        assert_eq!(e["settings"]["license"], 12_345_678);
        assert_eq!(e["settings"]["group"], 2);
        let e = embed_config(Platform::Tawk, &creds(&[("property_id", "5f1b2c")])).expect("ok");
        assert_eq!(e["script_src"], "https://embed.tawk.to/5f1b2c/default");
        let e = embed_config(Platform::Drift, &creds(&[("widget_id", "x7k2")])).expect("ok");
        assert!(e["script_src"].as_str().unwrap_or("").ends_with("/x7k2.js"));
    }

    #[test]
    fn ids_that_could_break_out_of_a_url_are_refused() {
        for bad in ["", "a/b", "x\"><script>", "a b", "../../evil"] {
            let e = embed_config(Platform::Intercom, &creds(&[("app_id", bad)])).expect_err(bad);
            assert_eq!(e.details["field"], "credentials.app_id");
        }
        let e = embed_config(Platform::LiveChat, &creds(&[("license", "abc")])).expect_err("nan");
        assert_eq!(e.details["field"], "credentials.license");
    }
}
