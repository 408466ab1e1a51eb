//! Proactive engagement: rules that open a conversation before the visitor asks — time on
//! page, booking hesitation, exit intent, specific pages, booking abandonment, returning
//! visitors, custom conditions — with priorities, per-visitor caps, A/B message variants and
//! business-hours awareness.
//!
//! The widget loader watches the page (cheaply, from the compact rules of the cached widget
//! configuration) and, when a rule's signal fires, asks once; [`ProactiveEngagement::evaluate`]
//! decides (caps, variant, who can answer) and logs what it offered. Events reported back
//! (impression, accept, dismiss, chat started, booking created) are counted per variant.
//!
//! - [`rules`]: the rule shape and validation; [`conditions`]: all/any tests over visitor
//!   attributes; [`engine`]: the pure decision.

pub mod conditions;
pub mod engine;
pub mod rules;

use chrono::{Datelike, Duration, NaiveTime, Utc};
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::input::Input;
use crate::model::now;
use crate::store::{triggers, Store};
use engine::{Context, Decision, History};
use rules::Rule;

/// Events the front end reports.
pub const EVENTS: &[&str] = &[
    "impression",
    "accept",
    "dismiss",
    "chat_started",
    "booking_created",
];

/// Most candidate rules one evaluation takes.
pub const MAX_CANDIDATES: usize = 1000;

/// The engagement service over one store, with the site's settings.
#[derive(Clone)]
pub struct ProactiveEngagement {
    store: Store,
    settings: Map<String, Value>,
}

/// A visitor key, hashed: events never hold the raw key.
pub fn visitor_hash(key: &str) -> String {
    let d = Sha256::digest(key.as_bytes());
    d.iter().take(16).map(|b| format!("{b:02x}")).collect()
}

fn valid_key(key: &str) -> bool {
    (8..=64).contains(&key.len())
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Adds what the engine derives from the URL (`path`, `utm_*`) to a visitor map.
pub fn enrich(visitor: &Map<String, Value>) -> Value {
    let mut v = visitor.clone();
    if let Some(url) = visitor.get("url").and_then(Value::as_str) {
        let after_host = url.split_once("://").map_or(url, |(_, r)| r);
        let path_q = after_host.find('/').map_or("/", |i| &after_host[i..]);
        let (path, query) = path_q.split_once('?').unwrap_or((path_q, ""));
        v.entry("path")
            .or_insert_with(|| path.split('#').next().unwrap_or("/").into());
        for pair in query.split('#').next().unwrap_or("").split('&') {
            if let Some((k, val)) = pair.split_once('=') {
                if matches!(k, "utm_source" | "utm_medium" | "utm_campaign") {
                    v.entry(k).or_insert_with(|| val.into());
                }
            }
        }
    }
    Value::Object(v)
}

impl ProactiveEngagement {
    /// A service over `store` with the spec's settings (`business_hours_enabled`,
    /// `timezone`, `working_hours`, `outside_hours_message`, `proactive_enabled`).
    pub fn new(store: Store, settings: Map<String, Value>) -> ProactiveEngagement {
        ProactiveEngagement { store, settings }
    }

    /// Creates (no `id`) or changes (with `id`) a rule.
    pub async fn save_rule(&self, data: &Map<String, Value>) -> Result<Rule> {
        let mut c = self.store.pool().get_conn().await?;
        let base = match Input(data).opt_id("id")? {
            Some(id) => Some(
                triggers::get(&mut c, &self.store, id)
                    .await?
                    .ok_or_else(|| Error::not_found("trigger", id))?,
            ),
            None => None,
        };
        let mut r = Rule::from_input(data, base.as_ref())?;
        r.id = triggers::save(&mut c, &self.store, &r, now()).await?;
        triggers::get(&mut c, &self.store, r.id)
            .await?
            .ok_or_else(|| Error::not_found("trigger", r.id))
    }

    /// One rule.
    pub async fn get_rule(&self, id: u64) -> Result<Rule> {
        let mut c = self.store.pool().get_conn().await?;
        triggers::get(&mut c, &self.store, id)
            .await?
            .ok_or_else(|| Error::not_found("trigger", id))
    }

    /// Every rule (or the active ones), priority order.
    pub async fn list_rules(&self, active_only: bool) -> Result<Vec<Rule>> {
        let mut c = self.store.pool().get_conn().await?;
        triggers::list(&mut c, &self.store, active_only).await
    }

    /// Deletes a rule and its events.
    pub async fn delete_rule(&self, id: u64) -> Result<bool> {
        let mut c = self.store.pool().get_conn().await?;
        triggers::delete(&mut c, &self.store, id).await
    }

    /// The loader's rule set (active rules, no messages); empty when proactive engagement
    /// is off in the settings.
    pub async fn compact_rules(&self) -> Result<Vec<Value>> {
        if self.settings.get("proactive_enabled") == Some(&Value::Bool(false)) {
            return Ok(Vec::new());
        }
        Ok(self
            .list_rules(true)
            .await?
            .iter()
            .map(Rule::compact)
            .collect())
    }

    /// Whether the business is open now (`business_hours_enabled`, `timezone`,
    /// `working_hours` {monday: ["09:00", "17:00"] | "closed"}).
    pub fn open_now(&self) -> bool {
        if self
            .settings
            .get("business_hours_enabled")
            .and_then(Value::as_bool)
            != Some(true)
        {
            return true;
        }
        let tz = self
            .settings
            .get("timezone")
            .and_then(Value::as_str)
            .and_then(|t| crate::booking::catalog::Zone::parse(t).ok())
            .unwrap_or(crate::booking::catalog::Zone::Named(chrono_tz::UTC));
        let local = tz.local(Utc::now());
        let day = [
            "monday",
            "tuesday",
            "wednesday",
            "thursday",
            "friday",
            "saturday",
            "sunday",
        ][local.weekday().num_days_from_monday() as usize];
        let Some(hours) = self
            .settings
            .get("working_hours")
            .and_then(|w| w.get(day))
            .and_then(Value::as_array)
        else {
            return false;
        };
        let t = |i: usize| {
            hours
                .get(i)
                .and_then(Value::as_str)
                .and_then(|s| NaiveTime::parse_from_str(s, "%H:%M").ok())
        };
        match (t(0), t(1)) {
            (Some(a), Some(b)) => a <= local.time() && local.time() < b,
            _ => false,
        }
    }

    fn context(&self, ctx: &Map<String, Value>) -> Context {
        let s = |k: &str, d: &str| {
            self.settings
                .get(k)
                .and_then(Value::as_str)
                .filter(|x| !x.is_empty())
                .unwrap_or(d)
                .to_owned()
        };
        Context {
            open: ctx.get("open").and_then(Value::as_bool).unwrap_or_else(|| self.open_now()),
            agents_online: match ctx.get("agents_online") {
                Some(Value::Bool(b)) => *b,
                Some(Value::Number(n)) => n.as_u64().unwrap_or(0) > 0,
                _ => true,
            },
            offline_message: s("outside_hours_message", "We're currently offline. Leave a message!"),
            booking_message: s(
                "offline_booking_message",
                "Our team is offline right now: you can finish your booking online, or leave us a message.",
            ),
        }
    }

    /// Decides for a visitor among `rule_ids` (empty: every active rule), with `ctx`
    /// (`agents_online`, `open`, `dry_run`). A shown decision is logged as `offered`
    /// (unless `dry_run`), which is what the caps count.
    pub async fn evaluate(
        &self,
        visitor: &Map<String, Value>,
        rule_ids: &[u64],
        ctx: &Map<String, Value>,
    ) -> Result<Decision> {
        if rule_ids.len() > MAX_CANDIDATES {
            return Err(Error::invalid(
                "rule_ids",
                format!("at most {MAX_CANDIDATES} rules"),
            ));
        }
        let event = Input(visitor).opt_str("event", 40)?.unwrap_or("");
        if !rules::TRIGGER_TYPES.contains(&event) {
            return Err(Error::invalid(
                "event",
                format!("event must be one of {}", rules::TRIGGER_TYPES.join(", ")),
            ));
        }
        let key = Input(visitor).opt_str("visitor_key", 64)?.unwrap_or("");
        if !key.is_empty() && !valid_key(key) {
            return Err(Error::invalid(
                "visitor_key",
                "visitor_key must be 8–64 letters, digits, - or _",
            ));
        }
        let dry = ctx.get("dry_run").and_then(Value::as_bool) == Some(true);
        let mut c = self.store.pool().get_conn().await?;
        let rules = if rule_ids.is_empty() {
            triggers::active(&mut c, &self.store).await?
        } else {
            std::sync::Arc::new(triggers::by_ids(&mut c, &self.store, rule_ids).await?)
        };
        let hash = visitor_hash(key);
        let at = now();
        let day_start = at.date().and_hms_opt(0, 0, 0).unwrap_or(at);
        let history: Vec<(u64, History)> = if key.is_empty() {
            Vec::new()
        } else {
            triggers::history(
                &mut c,
                &self.store,
                &hash,
                at - Duration::minutes(30),
                day_start,
            )
            .await?
        };
        let v = enrich(visitor);
        let decision = engine::decide(
            &rules,
            &v,
            |id| {
                history
                    .iter()
                    .find(|(r, _)| *r == id)
                    .map(|(_, h)| *h)
                    .unwrap_or_default()
            },
            &self.context(ctx),
        );
        if decision.show && !dry {
            if let Some(id) = decision.rule_id {
                let variant = decision.variant.clone().unwrap_or_else(|| "A".into());
                triggers::record(
                    &mut c,
                    &self.store,
                    id,
                    &variant,
                    "offered",
                    &hash,
                    None,
                    at,
                )
                .await?;
            }
        }
        Ok(decision)
    }

    /// Records what the visitor did with a prompt (`rule_id`, `variant`, `event`,
    /// `visitor_key`, `conversation_id?`).
    pub async fn record_event(&self, data: &Map<String, Value>) -> Result<()> {
        let i = Input(data);
        let rule_id = i
            .opt_id("rule_id")?
            .ok_or_else(|| Error::invalid("rule_id", "rule_id is required"))?;
        let event = i.opt_enum("event", EVENTS)?.ok_or_else(|| {
            Error::invalid(
                "event",
                format!("event must be one of {}", EVENTS.join(", ")),
            )
        })?;
        let variant = i.opt_str("variant", 2)?.unwrap_or("A");
        if variant.len() != 1 || !variant.bytes().all(|b| b.is_ascii_uppercase()) {
            return Err(Error::invalid("variant", "variant is a letter A–Z"));
        }
        let key = i.opt_str("visitor_key", 64)?.unwrap_or("");
        if !key.is_empty() && !valid_key(key) {
            return Err(Error::invalid(
                "visitor_key",
                "visitor_key must be 8–64 letters, digits, - or _",
            ));
        }
        let conversation = i.opt_id("conversation_id")?;
        let mut c = self.store.pool().get_conn().await?;
        if triggers::get(&mut c, &self.store, rule_id).await?.is_none() {
            return Err(Error::not_found("trigger", rule_id));
        }
        triggers::record(
            &mut c,
            &self.store,
            rule_id,
            variant,
            event,
            &visitor_hash(key),
            conversation,
            now(),
        )
        .await
    }

    /// Counts per variant: `{rule_id, trigger_count, conversion_count, variants: [{variant,
    /// message, offered, impression, accept, dismiss, chat_started, booking_created}]}`.
    pub async fn stats(&self, rule_id: u64) -> Result<Value> {
        let r = self.get_rule(rule_id).await?;
        let mut c = self.store.pool().get_conn().await?;
        let counts = triggers::counts(&mut c, &self.store, rule_id).await?;
        let variants: Vec<Value> = (0..=r.variants.len())
            .map(|i| {
                let name = engine::variant_name(i);
                let mut o = json!({"variant": name, "message": r.variant_message(i)});
                for e in [
                    "offered",
                    "impression",
                    "accept",
                    "dismiss",
                    "chat_started",
                    "booking_created",
                ] {
                    let n = counts
                        .iter()
                        .find(|(v, ev, _)| *v == name && ev == e)
                        .map_or(0, |(_, _, n)| *n);
                    o[e] = n.into();
                }
                o
            })
            .collect();
        Ok(json!({
            "rule_id": r.id,
            "trigger_count": r.trigger_count,
            "conversion_count": r.conversion_count,
            "variants": variants,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_give_path_and_utm() {
        let v = enrich(
            json!({"url": "https://x.test/book/?utm_source=mail&utm_campaign=spring#top"})
                .as_object()
                .unwrap(),
        );
        assert_eq!(v["path"], "/book/");
        assert_eq!(v["utm_source"], "mail");
        assert_eq!(v["utm_campaign"], "spring");
    }

    #[test]
    fn visitor_keys_are_hashed() {
        assert_eq!(visitor_hash("abc").len(), 32);
        assert_ne!(visitor_hash("abc"), visitor_hash("abd"));
        assert!(valid_key("3f2a9c1e-aaaa-4bbb-8ccc-123456789abc"));
        assert!(!valid_key("x' OR 1=1"));
    }
}
