//! Conformance of the Zendesk messaging normaliser with Zendesk's own OpenAPI document.
//!
//! Reads `openapi/zendesk-sunshine/openapi.yaml` of the shared reference folder in place
//! (`BKX_SHARED_REF`, set by `make conformance`; the document is not part of this
//! repository), takes every example payload its `x-webhooks` section references, and checks
//! that `platforms::parse` accepts each one: the mapped event types (`conversation:create`,
//! `conversation:message`, `conversation:remove`, `switchboard:passControl`) normalise with the
//! example's conversation id, event id and message, every other type is acknowledged and
//! ignored, none is an error.
//!
//! Ignored in `cargo test` (it needs data from outside the repository); run it with
//! `make conformance`, or `BKX_SHARED_REF=/path/to/ref cargo test -p bkx-core --test
//! sunshine_conformance -- --ignored`. Without the variable it fails instead of passing.

use bkx_core::platforms::{self, Headers, NormalizedEvent, Platform, SenderType};
use serde_json::{Map, Number, Value};

/// The types our normaliser maps (everything else must come back with no events).
const MAPPED: &[&str] = &[
    "conversation:create",
    "conversation:message",
    "conversation:remove",
    "switchboard:passControl",
];

/*
 * The YAML subset the OpenAPI examples use: block mappings and sequences, plain and quoted
 * scalars, `{}`/`[]`. Not a YAML parser.
 */

fn scalar(s: &str) -> Value {
    let s = s.trim();
    if let Some(q) = s.strip_prefix('\'').and_then(|r| r.strip_suffix('\'')) {
        return Value::String(q.replace("''", "'"));
    }
    if s.starts_with('"') && s.ends_with('"') && s.len() >= 2 {
        return serde_json::from_str(s).unwrap_or_else(|_| Value::String(s[1..s.len() - 1].into()));
    }
    match s {
        "{}" => return Value::Object(Map::new()),
        "[]" => return Value::Array(Vec::new()),
        "true" => return Value::Bool(true),
        "false" => return Value::Bool(false),
        "null" | "~" => return Value::Null,
        _ => {}
    }
    if let Ok(i) = s.parse::<i64>() {
        return Value::Number(i.into());
    }
    if let Some(n) = s.parse::<f64>().ok().and_then(Number::from_f64) {
        return Value::Number(n);
    }
    Value::String(s.into())
}

/// `key: value` / `key:`; keys never contain ": " in these documents.
fn split_key(line: &str) -> Option<(String, &str)> {
    let (k, v) = match line.find(": ") {
        Some(p) => (&line[..p], &line[p + 2..]),
        None => (line.strip_suffix(':')?, ""),
    };
    let k = k.trim();
    let key = match scalar(k) {
        Value::String(s) => s,
        other => other.to_string(),
    };
    Some((key, v.trim()))
}

fn block(lines: &mut Vec<(usize, String)>, i: &mut usize, indent: usize) -> Value {
    if lines[*i].1.starts_with("- ") || lines[*i].1 == "-" {
        sequence(lines, i, indent)
    } else {
        mapping(lines, i, indent)
    }
}

fn sequence(lines: &mut Vec<(usize, String)>, i: &mut usize, indent: usize) -> Value {
    let mut out = Vec::new();
    while *i < lines.len() && lines[*i].0 == indent && lines[*i].1.starts_with('-') {
        let rest = lines[*i].1[1..].trim_start().to_owned();
        if rest.is_empty() {
            *i += 1;
            let inner = lines[*i].0;
            out.push(block(lines, i, inner));
        } else if split_key(&rest).is_some() && !rest.starts_with('\'') && !rest.starts_with('"') {
            // "- key: value" opens a mapping whose keys sit two columns in.
            lines[*i] = (indent + 2, rest);
            out.push(mapping(lines, i, indent + 2));
        } else {
            out.push(scalar(&rest));
            *i += 1;
        }
    }
    Value::Array(out)
}

fn mapping(lines: &mut Vec<(usize, String)>, i: &mut usize, indent: usize) -> Value {
    let mut out = Map::new();
    while *i < lines.len() && lines[*i].0 == indent && !lines[*i].1.starts_with('-') {
        let line = lines[*i].1.clone();
        let (key, value) = split_key(&line).unwrap_or_else(|| panic!("not a mapping line: {line}"));
        *i += 1;
        let v = if !value.is_empty() {
            scalar(value)
        } else if *i < lines.len() && lines[*i].0 > indent {
            let inner = lines[*i].0;
            block(lines, i, inner)
        } else if *i < lines.len() && lines[*i].0 == indent && lines[*i].1.starts_with('-') {
            sequence(lines, i, indent)
        } else {
            Value::Null
        };
        out.insert(key, v);
    }
    Value::Object(out)
}

/// The `value` of `components.examples.<name>` as JSON.
fn example(doc: &str, name: &str) -> Value {
    let header = format!("    {name}:");
    let mut in_examples = false;
    let mut found = false;
    let mut lines: Vec<(usize, String)> = Vec::new();
    for raw in doc.lines() {
        let indent = raw.len() - raw.trim_start().len();
        let text = raw.trim();
        if !in_examples {
            in_examples = raw == "  examples:";
            continue;
        }
        if !found {
            if indent <= 2 && !text.is_empty() {
                break;
            }
            found = raw == header;
            continue;
        }
        if text.is_empty() {
            continue;
        }
        if indent <= 4 {
            break;
        }
        lines.push((indent, text.to_owned()));
    }
    assert!(found, "components.examples.{name} is not in the document");
    assert_eq!(
        lines.first().map(|l| l.1.as_str()),
        Some("value:"),
        "{name}"
    );
    lines.remove(0);
    let mut i = 0;
    let indent = lines[0].0;
    block(&mut lines, &mut i, indent)
}

/// `(event type, example name)` for every example `x-webhooks` references.
fn webhook_examples(doc: &str) -> Vec<(String, String)> {
    let start = doc.find("\nx-webhooks:").expect("an x-webhooks section");
    let section = &doc[start + 1..];
    let end = section[1..]
        .find("\ncomponents:")
        .map_or(section.len(), |e| e + 1);
    let mut out = Vec::new();
    let mut key: Option<String> = None;
    let mut in_examples = false;
    for line in section[..end].lines() {
        let t = line.trim();
        if t == "examples:" {
            in_examples = true;
            continue;
        }
        if !in_examples {
            continue;
        }
        if let Some(r) = t.strip_prefix("$ref: ") {
            let name = r
                .trim_matches('\'')
                .rsplit('/')
                .next()
                .unwrap_or_default()
                .to_owned();
            out.push((key.take().expect("a key before $ref"), name));
        } else if let Some(k) = t.strip_suffix(':') {
            if t.contains(' ') {
                in_examples = false;
            } else {
                key = Some(k.to_owned());
            }
        }
    }
    out
}

#[test]
#[ignore = "reads the shared reference data: run it with make conformance (BKX_SHARED_REF)"]
fn sunshine_webhook_examples_normalise() {
    let root = std::env::var("BKX_SHARED_REF").expect(
        "BKX_SHARED_REF must point at the shared reference folder (make conformance sets it)",
    );
    let path = format!("{root}/openapi/zendesk-sunshine/openapi.yaml");
    let doc = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let examples = webhook_examples(&doc);
    assert!(
        examples.len() >= 20,
        "x-webhooks lists its examples: {examples:?}"
    );
    let mut mapped_seen = Vec::new();
    for (kind, name) in &examples {
        let payload = example(&doc, name);
        let body = serde_json::to_vec(&payload).unwrap();
        let events = platforms::parse(Platform::Zendesk, &Headers::new(), &body)
            .unwrap_or_else(|e| panic!("{kind} ({name}) was refused: {e:?}\n{payload:#}"));
        let source = payload["events"].as_array().expect("events");
        assert_eq!(events.len(), source.len(), "{kind}: one event per item");
        for (ev, src) in events.iter().zip(source) {
            assert_eq!(ev.event_id, src["id"].as_str().unwrap(), "{kind}: event id");
            assert_eq!(
                ev.event_type,
                src["type"].as_str().unwrap(),
                "{kind}: event type"
            );
            if !MAPPED.contains(&ev.event_type.as_str()) {
                assert!(ev.events.is_empty(), "{kind} must be ignored: {ev:?}");
                continue;
            }
            mapped_seen.push(ev.event_type.clone());
            assert_eq!(
                ev.platform_conversation_id.as_deref(),
                src["payload"]["conversation"]["id"].as_str(),
                "{kind}: conversation id"
            );
            assert_eq!(ev.events.len(), 1, "{kind}: {ev:?}");
            match (ev.event_type.as_str(), &ev.events[0]) {
                ("conversation:create", NormalizedEvent::ConversationStarted { customer, .. }) => {
                    assert_eq!(
                        customer.as_ref().and_then(|c| c.id.as_deref()),
                        src["payload"]["user"]["id"].as_str(),
                        "{kind}: the customer"
                    );
                }
                ("conversation:message", NormalizedEvent::MessageAdded(m)) => {
                    let msg = &src["payload"]["message"];
                    assert_eq!(m.platform_message_id.as_deref(), msg["id"].as_str());
                    assert_eq!(Some(m.body.as_str()), msg["content"]["text"].as_str());
                    let want = if msg["author"]["type"] == "business" {
                        SenderType::Agent
                    } else {
                        SenderType::Customer
                    };
                    assert_eq!(m.author.kind, Some(want));
                    assert_eq!(
                        m.author.name.as_deref(),
                        msg["author"]["displayName"].as_str()
                    );
                    assert!(m.sent_at.is_some(), "{kind}: received time");
                }
                ("conversation:remove", NormalizedEvent::ConversationClosed { .. }) => {}
                ("switchboard:passControl", NormalizedEvent::Transferred { group_ids, .. }) => {
                    assert_eq!(
                        group_ids.first().map(String::as_str),
                        src["payload"]["conversation"]["activeSwitchboardIntegration"]["name"]
                            .as_str(),
                        "{kind}: now in control"
                    );
                }
                (t, e) => panic!("{t} normalised to {e:?}"),
            }
        }
    }
    mapped_seen.sort();
    mapped_seen.dedup();
    assert_eq!(mapped_seen, MAPPED, "every mapped type has an example");
}
