//! Trigger rules: their shape, their validation, and the compact form the widget loader
//! receives in the (cached) widget configuration.
//!
//! A rule is a row of `bkx_chat_triggers`: `trigger_type`, `conditions` (all/any over
//! visitor attributes, see [`super::conditions`]), `message`, `delay_seconds`, `priority`
//! (lower first, like WordPress hooks), `is_active`, and `settings` (schema v6): message
//! `variants` for A/B tests, per-visitor frequency `caps`, and `pre` (what the loader can
//! check itself: `path`, `device`, `step`).

use serde_json::{json, Map, Value};

use super::conditions::{self, Conditions};
use crate::error::{Error, Result};
use crate::input::Input;
use crate::sanitize;

/// The trigger types of the spec.
pub const TRIGGER_TYPES: &[&str] = &[
    "time_on_page",
    "booking_hesitation",
    "exit_intent",
    "page",
    "booking_abandonment",
    "return_visitor",
    "custom",
];

/// Longest prompt, in characters.
pub const MAX_MESSAGE_CHARS: usize = 500;

/// Most variants a rule may carry (the rule's own message included).
pub const MAX_VARIANTS: usize = 5;

/// Per-visitor frequency caps (0 = no cap).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caps {
    /// Prompts per visit (30 minutes without a prompt end a visit).
    pub per_session: u32,
    /// Prompts per calendar day (UTC).
    pub per_day: u32,
    /// Prompts ever.
    pub total: u32,
}

impl Default for Caps {
    /// Once a visit, at most twice a day: proactive, not pushy.
    fn default() -> Caps {
        Caps {
            per_session: 1,
            per_day: 2,
            total: 0,
        }
    }
}

/// One rule.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    /// Row id (0 before it is stored).
    pub id: u64,
    /// Admin label.
    pub name: String,
    /// One of [`TRIGGER_TYPES`].
    pub trigger_type: String,
    /// Conditions over the visitor.
    pub conditions: Conditions,
    /// The prompt (variant A).
    pub message: String,
    /// Other variants (B, C, ...).
    pub variants: Vec<String>,
    /// Seconds on the page (time rules) or idle on the form (booking rules) before firing.
    pub delay_seconds: i64,
    /// Lower wins.
    pub priority: i64,
    /// Whether it can fire.
    pub is_active: bool,
    /// Frequency caps.
    pub caps: Caps,
    /// Loader pre-filter.
    pub pre: Map<String, Value>,
    /// Prompts shown.
    pub trigger_count: i64,
    /// Chats or bookings that followed.
    pub conversion_count: i64,
}

fn text(i: &Input, key: &str, max: usize) -> Result<Option<String>> {
    Ok(i.opt_str(key, max)?
        .map(|s| sanitize::to_text(s).trim().to_owned()))
}

fn caps(v: Option<&Value>, base: &Caps) -> Result<Caps> {
    let Some(v) = v else { return Ok(base.clone()) };
    let m = crate::input::as_map("caps", v)?;
    let i = Input(m);
    let n = |k: &str, d: u32| -> Result<u32> { Ok(i.opt_int(k, 0, 1000)?.map_or(d, |x| x as u32)) };
    Ok(Caps {
        per_session: n("per_session", base.per_session)?,
        per_day: n("per_day", base.per_day)?,
        total: n("total", base.total)?,
    })
}

fn pre(v: Option<&Value>) -> Result<Map<String, Value>> {
    let mut out = Map::new();
    let Some(v) = v else { return Ok(out) };
    let i = Input(crate::input::as_map("pre", v)?);
    if let Some(p) = i.opt_str("path", 200)?.filter(|p| !p.is_empty()) {
        out.insert("path".into(), p.into());
    }
    if let Some(d) = i.opt_enum("device", &["desktop", "mobile", "tablet"])? {
        out.insert("device".into(), d.into());
    }
    if let Some(s) = i.opt_int("step", 1, 5)? {
        out.insert("step".into(), s.into());
    }
    Ok(out)
}

impl Rule {
    /// Validates a new rule (`patch` = None) or a change to `base`.
    pub fn from_input(m: &Map<String, Value>, base: Option<&Rule>) -> Result<Rule> {
        let i = Input(m);
        let mut r = base.cloned().unwrap_or(Rule {
            id: 0,
            name: String::new(),
            trigger_type: String::new(),
            conditions: Conditions::default(),
            message: String::new(),
            variants: Vec::new(),
            delay_seconds: 0,
            priority: 10,
            is_active: true,
            caps: Caps::default(),
            pre: Map::new(),
            trigger_count: 0,
            conversion_count: 0,
        });
        if let Some(n) = text(&i, "name", 100)? {
            r.name = n;
        }
        if let Some(t) = i.opt_enum("trigger_type", TRIGGER_TYPES)? {
            r.trigger_type = t.into();
        }
        if let Some(c) = i.get("conditions") {
            r.conditions = conditions::parse(c)?;
        }
        if let Some(msg) = text(&i, "message", MAX_MESSAGE_CHARS)? {
            r.message = msg;
        }
        if let Some(v) = i.get("variants") {
            let list = v
                .as_array()
                .ok_or_else(|| Error::invalid("variants", "variants must be a list of messages"))?;
            if list.len() + 1 > MAX_VARIANTS {
                return Err(Error::invalid(
                    "variants",
                    format!("at most {} variants besides the message", MAX_VARIANTS - 1),
                ));
            }
            r.variants = list
                .iter()
                .map(|x| {
                    x.as_str()
                        .map(|s| sanitize::to_text(s).trim().to_owned())
                        .filter(|s| !s.is_empty() && s.chars().count() <= MAX_MESSAGE_CHARS)
                        .ok_or_else(|| {
                            Error::invalid(
                                "variants",
                                "each variant is a non-empty message of at most 500 characters",
                            )
                        })
                })
                .collect::<Result<_>>()?;
        }
        if let Some(d) = i.opt_int("delay_seconds", 0, 86_400)? {
            r.delay_seconds = d;
        }
        if let Some(p) = i.opt_int("priority", -1000, 1000)? {
            r.priority = p;
        }
        if let Some(a) = i.opt_bool("is_active")? {
            r.is_active = a;
        }
        if i.has("caps") {
            r.caps = caps(i.get("caps"), &r.caps)?;
        }
        if i.has("pre") {
            r.pre = pre(i.get("pre"))?;
        }
        if r.name.is_empty() {
            return Err(Error::invalid("name", "name is required"));
        }
        if r.trigger_type.is_empty() {
            return Err(Error::invalid(
                "trigger_type",
                format!(
                    "trigger_type is required: one of {}",
                    TRIGGER_TYPES.join(", ")
                ),
            ));
        }
        if r.message.is_empty() {
            return Err(Error::invalid("message", "message is required"));
        }
        Ok(r)
    }

    /// The `settings` column (variants, caps, pre).
    pub fn settings_json(&self) -> Value {
        json!({
            "variants": self.variants,
            "caps": {"per_session": self.caps.per_session, "per_day": self.caps.per_day, "total": self.caps.total},
            "pre": self.pre,
        })
    }

    /// Reads the `settings` column back (lenient: a damaged value means defaults).
    pub fn apply_settings(&mut self, v: &Value) {
        if let Some(list) = v.get("variants").and_then(Value::as_array) {
            self.variants = list
                .iter()
                .filter_map(|x| x.as_str().map(str::to_owned))
                .collect();
        }
        if let Ok(c) = caps(v.get("caps"), &Caps::default()) {
            self.caps = c;
        }
        if let Ok(p) = pre(v.get("pre")) {
            self.pre = p;
        }
    }

    /// The message of variant `index` (0 = the rule's message).
    pub fn variant_message(&self, index: usize) -> &str {
        if index == 0 {
            &self.message
        } else {
            self.variants
                .get(index - 1)
                .map_or(&self.message, String::as_str)
        }
    }

    /// The admin/API shape.
    pub fn to_json(&self) -> Value {
        json!({
            "id": self.id,
            "name": self.name,
            "trigger_type": self.trigger_type,
            "conditions": self.conditions.to_json(),
            "message": self.message,
            "variants": self.variants,
            "delay_seconds": self.delay_seconds,
            "priority": self.priority,
            "is_active": self.is_active,
            "caps": {"per_session": self.caps.per_session, "per_day": self.caps.per_day, "total": self.caps.total},
            "pre": self.pre,
            "trigger_count": self.trigger_count,
            "conversion_count": self.conversion_count,
        })
    }

    /// What the loader needs: `{id, type, delay, priority, pre}` — no messages (they come
    /// with the decision), nothing visitor-specific.
    pub fn compact(&self) -> Value {
        json!({
            "id": self.id,
            "type": self.trigger_type,
            "delay": self.delay_seconds,
            "priority": self.priority,
            "pre": self.pre,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obj(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap()
    }

    #[test]
    fn rules_are_validated_and_cleaned() {
        let r = Rule::from_input(
            &obj(json!({"name": "Help <b>now</b>", "trigger_type": "exit_intent", "message": "<script>x</script>Need help?", "variants": ["Questions?"], "caps": {"per_day": 1}, "pre": {"path": "/book", "device": "desktop"}})),
            None,
        )
        .unwrap();
        assert_eq!(r.name, "Help now");
        assert_eq!(r.message, "Need help?");
        assert_eq!(
            r.caps,
            Caps {
                per_session: 1,
                per_day: 1,
                total: 0
            }
        );
        assert_eq!(r.compact()["pre"]["path"], "/book");
        assert!(r.compact().get("message").is_none());
        for bad in [
            json!({"trigger_type": "exit_intent", "message": "x"}),
            json!({"name": "a", "trigger_type": "mind_reading", "message": "x"}),
            json!({"name": "a", "trigger_type": "page"}),
            json!({"name": "a", "trigger_type": "page", "message": "x", "delay_seconds": -1}),
            json!({"name": "a", "trigger_type": "page", "message": "x", "variants": ["1","2","3","4","5"]}),
            json!({"name": "a", "trigger_type": "page", "message": "x", "conditions": {"match": "all", "rules": [{"attribute": "shoe_size", "op": "equals", "value": 1}]}}),
        ] {
            assert!(Rule::from_input(&obj(bad.clone()), None).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_patch_changes_only_what_it_names() {
        let r = Rule::from_input(
            &obj(json!({"name": "a", "trigger_type": "page", "message": "x", "priority": 3})),
            None,
        )
        .unwrap();
        let p = Rule::from_input(&obj(json!({"is_active": false})), Some(&r)).unwrap();
        assert!(!p.is_active);
        assert_eq!((p.priority, p.message.as_str()), (3, "x"));
    }
}
