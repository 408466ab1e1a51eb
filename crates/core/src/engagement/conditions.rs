//! Custom rule conditions: `{"match": "all"|"any", "rules": [{attribute, op, value}]}` over
//! the documented visitor attributes (`docs/engagement.md`). No regular expressions: `matches`
//! is a `*` glob, so an admin's pattern can never make evaluation slow.

use serde_json::{json, Value};

use crate::error::{Error, Result};

/// Visitor attributes a condition may test.
pub const ATTRIBUTES: &[&str] = &[
    "url",
    "path",
    "referrer",
    "utm_source",
    "utm_medium",
    "utm_campaign",
    "device",
    "language",
    "visit_count",
    "returning",
    "time_on_page",
    "idle_seconds",
    "booking_step",
    "service_id",
    "price",
];

/// Comparison operators.
pub const OPS: &[&str] = &[
    "equals",
    "not_equals",
    "contains",
    "not_contains",
    "starts_with",
    "ends_with",
    "matches",
    "gt",
    "gte",
    "lt",
    "lte",
    "in",
];

/// One test.
#[derive(Debug, Clone, PartialEq)]
pub struct Condition {
    /// One of [`ATTRIBUTES`].
    pub attribute: String,
    /// One of [`OPS`].
    pub op: String,
    /// The operand.
    pub value: Value,
}

/// All or any of some tests (none: always true).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Conditions {
    /// `any` instead of `all`.
    pub any: bool,
    /// The tests.
    pub rules: Vec<Condition>,
}

/// Most tests in one rule.
pub const MAX_CONDITIONS: usize = 20;

/// Reads and validates conditions (`{}` or `[]`: none).
pub fn parse(v: &Value) -> Result<Conditions> {
    let o = match v {
        Value::Object(o) if o.is_empty() => return Ok(Conditions::default()),
        Value::Array(a) if a.is_empty() => return Ok(Conditions::default()),
        Value::Object(o) => o,
        _ => {
            return Err(Error::invalid(
                "conditions",
                "conditions must be {match, rules}",
            ))
        }
    };
    let any = match o.get("match").and_then(Value::as_str).unwrap_or("all") {
        "all" => false,
        "any" => true,
        _ => return Err(Error::invalid("conditions", "match must be all or any")),
    };
    let list = o
        .get("rules")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[]);
    if list.len() > MAX_CONDITIONS {
        return Err(Error::invalid(
            "conditions",
            format!("at most {MAX_CONDITIONS} conditions"),
        ));
    }
    let rules = list
        .iter()
        .map(|c| {
            let attribute = c.get("attribute").and_then(Value::as_str).unwrap_or("");
            let op = c.get("op").and_then(Value::as_str).unwrap_or("");
            if !ATTRIBUTES.contains(&attribute) {
                return Err(Error::invalid(
                    "conditions",
                    format!("unknown attribute '{attribute}'"),
                )
                .with("allowed", ATTRIBUTES.join(", ")));
            }
            if !OPS.contains(&op) {
                return Err(
                    Error::invalid("conditions", format!("unknown operator '{op}'"))
                        .with("allowed", OPS.join(", ")),
                );
            }
            let value = c.get("value").cloned().unwrap_or(Value::Null);
            if value.to_string().len() > 1000 {
                return Err(Error::invalid(
                    "conditions",
                    "a condition's value is too long",
                ));
            }
            Ok(Condition {
                attribute: attribute.into(),
                op: op.into(),
                value,
            })
        })
        .collect::<Result<_>>()?;
    Ok(Conditions { any, rules })
}

impl Conditions {
    /// The stored form.
    pub fn to_json(&self) -> Value {
        json!({
            "match": if self.any { "any" } else { "all" },
            "rules": self.rules.iter().map(|c| json!({"attribute": c.attribute, "op": c.op, "value": c.value})).collect::<Vec<_>>(),
        })
    }

    /// Whether `visitor` (a map of attributes) satisfies them.
    pub fn hold(&self, visitor: &Value) -> bool {
        if self.rules.is_empty() {
            return true;
        }
        let mut it = self
            .rules
            .iter()
            .map(|c| c.holds(visitor.get(&c.attribute)));
        if self.any {
            it.any(|x| x)
        } else {
            it.all(|x| x)
        }
    }
}

fn as_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.to_lowercase(),
        Value::Null => String::new(),
        other => other.to_string().to_lowercase(),
    }
}

fn as_num(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::Bool(b) => Some(f64::from(u8::from(*b))),
        Value::String(s) => s
            .chars()
            .filter(|c| c.is_ascii_digit() || *c == '.' || *c == '-')
            .collect::<String>()
            .parse()
            .ok(),
        _ => None,
    }
}

/// `*` matches any run of characters; everything else literally (case-insensitive).
pub fn glob(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == text;
    }
    let mut pos = 0;
    for (i, part) in parts.iter().enumerate() {
        if part.is_empty() {
            continue;
        }
        if i == 0 {
            if !text.starts_with(part) {
                return false;
            }
            pos = part.len();
        } else if i == parts.len() - 1 {
            return text.len() >= pos + part.len() && text.ends_with(part);
        } else {
            match text[pos..].find(part) {
                Some(at) => pos += at + part.len(),
                None => return false,
            }
        }
    }
    true
}

impl Condition {
    fn holds(&self, actual: Option<&Value>) -> bool {
        let actual = actual.unwrap_or(&Value::Null);
        let (a, b) = (as_text(actual), as_text(&self.value));
        match self.op.as_str() {
            "equals" => match (as_num(actual), as_num(&self.value)) {
                (Some(x), Some(y)) if !matches!(actual, Value::String(_)) => x == y,
                _ => a == b,
            },
            "not_equals" => a != b,
            "contains" => !b.is_empty() && a.contains(&b),
            "not_contains" => b.is_empty() || !a.contains(&b),
            "starts_with" => a.starts_with(&b),
            "ends_with" => a.ends_with(&b),
            "matches" => glob(&b, &a),
            "in" => self
                .value
                .as_array()
                .is_some_and(|l| l.iter().any(|x| as_text(x) == a)),
            op => match (as_num(actual), as_num(&self.value)) {
                (Some(x), Some(y)) => match op {
                    "gt" => x > y,
                    "gte" => x >= y,
                    "lt" => x < y,
                    _ => x <= y,
                },
                _ => false,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(v: Value) -> Conditions {
        parse(&v).unwrap()
    }

    #[test]
    fn all_and_any() {
        let visitor = json!({"url": "https://x.test/book/massage?utm_source=mail", "device": "mobile", "visit_count": 3, "price": "€ 44.00", "utm_source": "mail"});
        let all = c(json!({"match": "all", "rules": [
            {"attribute": "url", "op": "contains", "value": "/book/"},
            {"attribute": "visit_count", "op": "gte", "value": 2},
            {"attribute": "price", "op": "gt", "value": 40}
        ]}));
        assert!(all.hold(&visitor));
        let any = c(json!({"match": "any", "rules": [
            {"attribute": "device", "op": "equals", "value": "desktop"},
            {"attribute": "utm_source", "op": "in", "value": ["ads", "mail"]}
        ]}));
        assert!(any.hold(&visitor));
        let none = c(json!({"match": "all", "rules": [
            {"attribute": "device", "op": "equals", "value": "desktop"},
            {"attribute": "utm_source", "op": "in", "value": ["ads", "mail"]}
        ]}));
        assert!(!none.hold(&visitor));
        assert!(c(json!({})).hold(&visitor));
    }

    #[test]
    fn globs_are_linear_and_anchored() {
        assert!(glob("*/book/*", "https://x.test/book/massage"));
        assert!(glob("https://*", "https://x"));
        assert!(!glob("*/book", "https://x.test/book/massage"));
        assert!(glob("a*b*c", "a-b-c"));
        assert!(!glob("a*b*c", "a-c-b"));
        let long = "a".repeat(10_000);
        assert!(!glob("*a*a*a*a*a*b", &long));
    }

    #[test]
    fn missing_attributes_fail_comparisons() {
        let cond = c(json!({"rules": [{"attribute": "time_on_page", "op": "gte", "value": 30}]}));
        assert!(!cond.hold(&json!({})));
        assert!(cond.hold(&json!({"time_on_page": 31})));
    }
}
