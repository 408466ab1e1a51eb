//! Reading loosely-typed input (PHP arrays, JSON bodies, Socket.IO payloads) into typed values.
//!
//! Callers hand us maps decoded from PHP or JSON. PHP has no distinct empty map (an empty
//! `[]` is a list), and WordPress often passes ids as numeric strings, so the accessors accept
//! those forms and refuse everything else with an `invalid_argument` naming the field.

use serde_json::{Map, Value};

use crate::error::{Error, Result};

/// A borrowed view of an input map with typed, validating accessors.
#[derive(Clone, Copy)]
pub struct Input<'a>(pub &'a Map<String, Value>);

/// The empty map, for callers that got `null` or `[]` instead of an object.
pub static EMPTY: once_cell::sync::Lazy<Map<String, Value>> = once_cell::sync::Lazy::new(Map::new);

/// Interprets `v` as an object; `null` and `[]` (PHP's empty array) are the empty object.
pub fn as_map<'a>(field: &str, v: &'a Value) -> Result<&'a Map<String, Value>> {
    match v {
        Value::Object(m) => Ok(m),
        Value::Null => Ok(&EMPTY),
        Value::Array(a) if a.is_empty() => Ok(&EMPTY),
        _ => Err(Error::invalid(
            field,
            format!("{field} must be an array with string keys"),
        )),
    }
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "list",
        Value::Object(_) => "map",
    }
}

impl<'a> Input<'a> {
    /// The raw value, if present and not null.
    pub fn get(&self, key: &str) -> Option<&'a Value> {
        self.0.get(key).filter(|v| !v.is_null())
    }

    /// True when the key is present (even with a null value).
    pub fn has(&self, key: &str) -> bool {
        self.0.contains_key(key)
    }

    /// A positive id: an integer or a string of digits.
    pub fn opt_id(&self, key: &str) -> Result<Option<u64>> {
        let Some(v) = self.get(key) else {
            return Ok(None);
        };
        let n = match v {
            Value::Number(n) => n.as_u64(),
            Value::String(s) if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) => {
                s.parse().ok()
            }
            _ => None,
        };
        match n {
            Some(n) if n > 0 => Ok(Some(n)),
            _ => Err(Error::invalid(
                key,
                format!("{key} must be a positive integer, got {}", type_name(v)),
            )),
        }
    }

    /// An integer within `min..=max` (ints or digit strings).
    pub fn opt_int(&self, key: &str, min: i64, max: i64) -> Result<Option<i64>> {
        let Some(v) = self.get(key) else {
            return Ok(None);
        };
        let n = match v {
            Value::Number(n) => n.as_i64(),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        };
        match n {
            Some(n) if (min..=max).contains(&n) => Ok(Some(n)),
            _ => Err(Error::invalid(
                key,
                format!("{key} must be an integer between {min} and {max}"),
            )
            .with("min", min)
            .with("max", max)),
        }
    }

    /// A string of at most `max_chars` characters.
    pub fn opt_str(&self, key: &str, max_chars: usize) -> Result<Option<&'a str>> {
        let Some(v) = self.get(key) else {
            return Ok(None);
        };
        let Value::String(s) = v else {
            return Err(Error::invalid(
                key,
                format!("{key} must be a string, got {}", type_name(v)),
            ));
        };
        if s.chars().count() > max_chars {
            return Err(Error::invalid(
                key,
                format!("{key} is longer than {max_chars} characters"),
            )
            .with("max", max_chars));
        }
        Ok(Some(s))
    }

    /// A required string.
    pub fn req_str(&self, key: &str, max_chars: usize) -> Result<&'a str> {
        self.opt_str(key, max_chars)?
            .ok_or_else(|| Error::invalid(key, format!("{key} is required")))
    }

    /// One of a fixed set of strings.
    pub fn opt_enum(&self, key: &str, allowed: &[&'static str]) -> Result<Option<&'static str>> {
        let Some(s) = self.opt_str(key, 64)? else {
            return Ok(None);
        };
        allowed
            .iter()
            .copied()
            .find(|a| *a == s)
            .map(Some)
            .ok_or_else(|| {
                Error::invalid(key, format!("{key} must be one of: {}", allowed.join(", ")))
                    .with("allowed", allowed.to_vec())
            })
    }

    /// A boolean (PHP bools, 0/1, "0"/"1", "true"/"false").
    pub fn opt_bool(&self, key: &str) -> Result<Option<bool>> {
        let Some(v) = self.get(key) else {
            return Ok(None);
        };
        match v {
            Value::Bool(b) => Ok(Some(*b)),
            Value::Number(n) if n.as_i64() == Some(0) => Ok(Some(false)),
            Value::Number(n) if n.as_i64() == Some(1) => Ok(Some(true)),
            Value::String(s) if s == "1" || s == "true" => Ok(Some(true)),
            Value::String(s) if s == "0" || s == "false" || s.is_empty() => Ok(Some(false)),
            _ => Err(Error::invalid(key, format!("{key} must be a boolean"))),
        }
    }

    /// A map (PHP array with string keys; `[]` is the empty map).
    pub fn opt_map(&self, key: &str) -> Result<Option<&'a Map<String, Value>>> {
        match self.get(key) {
            None => Ok(None),
            Some(v) => as_map(key, v).map(Some),
        }
    }

    /// A list of strings, each at most `max_chars`.
    pub fn opt_str_list(&self, key: &str, max_chars: usize) -> Result<Option<Vec<&'a str>>> {
        let Some(v) = self.get(key) else {
            return Ok(None);
        };
        let Value::Array(items) = v else {
            return Err(Error::invalid(
                key,
                format!("{key} must be a list of strings"),
            ));
        };
        items
            .iter()
            .map(|i| match i {
                Value::String(s) if s.chars().count() <= max_chars => Ok(s.as_str()),
                Value::String(_) => Err(Error::invalid(
                    key,
                    format!("each {key} entry must be at most {max_chars} characters"),
                )),
                _ => Err(Error::invalid(
                    key,
                    format!("{key} must be a list of strings"),
                )),
            })
            .collect::<Result<Vec<_>>>()
            .map(Some)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn ids_accept_ints_and_digit_strings_only() {
        let m = json!({"a": 5, "b": "7", "c": "x", "d": -1, "e": 0, "f": [1]});
        let i = Input(m.as_object().unwrap());
        assert_eq!(i.opt_id("a").unwrap(), Some(5));
        assert_eq!(i.opt_id("b").unwrap(), Some(7));
        assert_eq!(i.opt_id("missing").unwrap(), None);
        for k in ["c", "d", "e", "f"] {
            let e = i.opt_id(k).unwrap_err();
            assert_eq!(e.details["field"], k);
        }
    }

    #[test]
    fn empty_php_arrays_are_empty_maps() {
        let m = json!({"meta": [], "bad": [1, 2]});
        let i = Input(m.as_object().unwrap());
        assert!(i.opt_map("meta").unwrap().unwrap().is_empty());
        assert!(i.opt_map("bad").is_err());
    }

    #[test]
    fn enums_and_lengths_are_checked() {
        let m = json!({"t": "agent", "u": "robot", "s": "abcdef"});
        let i = Input(m.as_object().unwrap());
        assert_eq!(
            i.opt_enum("t", &["customer", "agent"]).unwrap(),
            Some("agent")
        );
        assert!(i.opt_enum("u", &["customer", "agent"]).is_err());
        assert!(i.opt_str("s", 5).is_err());
        assert_eq!(i.opt_str("s", 6).unwrap(), Some("abcdef"));
    }
}
