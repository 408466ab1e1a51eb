//! `ProactiveEngagement`: trigger rules, the decision for a visitor, events and stats.
//!
//! Translation only: the rules, the engine and the storage are `bkx_core::engagement`.

// PHP sees the Rust parameter names (named arguments, stubs): camelCase as documented.
#![allow(non_snake_case)]

use bkx_core::engagement::ProactiveEngagement as Core;
use bkx_core::input::Input;
use bkx_core::store::DbConfig;
use bkx_core::{Error, Result};
use ext_php_rs::boxed::ZBox;
use ext_php_rs::prelude::*;
use ext_php_rs::types::ZendHashTable;
use serde_json::{Map, Value};

use crate::chat_manager::parse_db;
use crate::convert::{array_to_map, json_to_array};
use crate::errors::IntoPhp;
use crate::runtime::with_service;

/// Proactive chat prompts (see `docs/engagement.md`).
#[php_class]
#[php(name = "BookingX\\Addons\\LiveChat\\ProactiveEngagement")]
pub struct ProactiveEngagement {
    db: DbConfig,
    settings: Map<String, Value>,
}

fn arr(v: &Value) -> PhpResult<ZBox<ZendHashTable>> {
    json_to_array(v).php()
}

fn to_id(field: &str, v: i64) -> Result<u64> {
    u64::try_from(v)
        .ok()
        .filter(|v| *v > 0)
        .ok_or_else(|| Error::invalid(field, format!("{field} must be a positive integer")))
}

impl ProactiveEngagement {
    fn run<T, F, Fut>(&self, f: F) -> PhpResult<T>
    where
        F: FnOnce(Core) -> Fut,
        Fut: std::future::Future<Output = Result<T>>,
    {
        let settings = self.settings.clone();
        with_service(&self.db, "custom", move |s| {
            f(Core::new(s.store().clone(), settings))
        })
        .php()
    }
}

#[php_impl]
impl ProactiveEngagement {
    /// `$config = ['db' => [...], 'settings' => [...]]` (as ChatManager).
    pub fn __construct(config: &ZendHashTable) -> PhpResult<Self> {
        let m = array_to_map(config, "config").php()?;
        let i = Input(&m);
        let db = i
            .opt_map("db")
            .php()?
            .ok_or_else(|| Error::invalid("db", "config['db'] is required"))
            .php()?;
        Ok(ProactiveEngagement {
            db: parse_db(db).php()?,
            settings: i.opt_map("settings").php()?.cloned().unwrap_or_default(),
        })
    }

    /// Creates a rule, or changes the one named by `id` (only the keys given).
    pub fn saveRule(&self, rule: &ZendHashTable) -> PhpResult<ZBox<ZendHashTable>> {
        let m = array_to_map(rule, "rule").php()?;
        let r = self.run(|e| async move { e.save_rule(&m).await })?;
        arr(&r.to_json())
    }

    /// One rule.
    pub fn getRule(&self, id: i64) -> PhpResult<ZBox<ZendHashTable>> {
        let id = to_id("id", id).php()?;
        let r = self.run(|e| async move { e.get_rule(id).await })?;
        arr(&r.to_json())
    }

    /// Every rule (`$activeOnly`: the active ones), priority order.
    pub fn listRules(&self, activeOnly: Option<bool>) -> PhpResult<ZBox<ZendHashTable>> {
        let only = activeOnly.unwrap_or(false);
        let rules = self.run(|e| async move { e.list_rules(only).await })?;
        arr(&Value::Array(rules.iter().map(|r| r.to_json()).collect()))
    }

    /// Deletes a rule and its events; true when it existed.
    pub fn deleteRule(&self, id: i64) -> PhpResult<bool> {
        let id = to_id("id", id).php()?;
        self.run(|e| async move { e.delete_rule(id).await })
    }

    /// The loader's compact rule set (`[{id, type, delay, priority, pre}]`).
    pub fn compactRules(&self) -> PhpResult<ZBox<ZendHashTable>> {
        let v = self.run(|e| async move { e.compact_rules().await })?;
        arr(&Value::Array(v))
    }

    /// The decision for a visitor: `['show', 'rule_id', 'variant', 'message', 'action',
    /// 'reason']`. `$context`: `agents_online`, `open`, `dry_run` (nothing logged).
    pub fn evaluate(
        &self,
        visitor: &ZendHashTable,
        ruleIds: Option<&ZendHashTable>,
        context: Option<&ZendHashTable>,
    ) -> PhpResult<ZBox<ZendHashTable>> {
        let v = array_to_map(visitor, "visitor").php()?;
        let ids: Vec<u64> = match ruleIds {
            None => Vec::new(),
            Some(h) => h
                .values()
                .map(|z| {
                    z.long()
                        .and_then(|n| u64::try_from(n).ok())
                        .filter(|n| *n > 0)
                        .or_else(|| z.string().and_then(|s| s.parse().ok()))
                        .ok_or_else(|| Error::invalid("rule_ids", "rule_ids must be a list of ids"))
                })
                .collect::<Result<_>>()
                .php()?,
        };
        let ctx = match context {
            Some(c) => array_to_map(c, "context").php()?,
            None => Map::new(),
        };
        let d = self.run(|e| async move { e.evaluate(&v, &ids, &ctx).await })?;
        arr(&d.to_json())
    }

    /// Records `impression`, `accept`, `dismiss`, `chat_started` or `booking_created`.
    pub fn recordEvent(&self, event: &ZendHashTable) -> PhpResult<()> {
        let m = array_to_map(event, "event").php()?;
        self.run(|e| async move { e.record_event(&m).await })
    }

    /// Counts per variant of a rule.
    pub fn stats(&self, ruleId: i64) -> PhpResult<ZBox<ZendHashTable>> {
        let id = to_id("ruleId", ruleId).php()?;
        let v = self.run(|e| async move { e.stats(id).await })?;
        arr(&v)
    }
}
