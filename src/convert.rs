//! PHP values <-> the JSON values the core reads and writes.
//!
//! The core speaks `serde_json::Value`; PHP speaks zvals. A PHP list (keys 0..n in order)
//! becomes a JSON array, any other array a JSON object. Objects, resources and invalid UTF-8
//! are refused with `invalid_argument` rather than guessed at.

use std::borrow::Cow;

use bkx_core::{Error, Result};
use ext_php_rs::boxed::ZBox;
use ext_php_rs::types::{ArrayKey, ZendCallable, ZendHashTable, Zval};
use serde_json::{Map, Number, Value};

/// Nesting deeper than this is refused (metadata is small; recursion must stay bounded).
const MAX_DEPTH: usize = 32;

/// Converts a PHP array into a JSON object (lists and `[]` become an empty or keyed map).
pub fn array_to_map(ht: &ZendHashTable, field: &str) -> Result<Map<String, Value>> {
    match array_to_json(ht, field, 0)? {
        Value::Object(m) => Ok(m),
        Value::Array(a) if a.is_empty() => Ok(Map::new()),
        _ => Err(Error::invalid(
            field,
            format!("{field} must be an array with string keys"),
        )),
    }
}

fn array_to_json(ht: &ZendHashTable, field: &str, depth: usize) -> Result<Value> {
    check_depth(field, depth)?;
    if ht.has_sequential_keys() {
        let mut out = Vec::with_capacity(ht.len());
        for (_, v) in ht.iter() {
            out.push(zval_to_json(v, field, depth + 1)?);
        }
        return Ok(Value::Array(out));
    }
    let mut out = Map::new();
    for (k, v) in ht.iter() {
        let key = key_text(k, field)?.into_owned();
        let child = zval_to_json(v, &key, depth + 1)?;
        out.insert(key, child);
    }
    Ok(Value::Object(out))
}

/// What one zval holds, read once with the refusals both conversions share.
enum PhpValue<'a> {
    Null,
    Bool(bool),
    Long(i64),
    Double(Number),
    Str(&'a str),
    Array(&'a ZendHashTable),
}

fn read_zval<'a>(z: &'a Zval, field: &str) -> Result<PhpValue<'a>> {
    let z = z.dereference();
    if z.is_null() {
        Ok(PhpValue::Null)
    } else if z.is_bool() {
        Ok(PhpValue::Bool(z.is_true()))
    } else if let Some(l) = z.long().filter(|_| z.is_long()) {
        Ok(PhpValue::Long(l))
    } else if z.is_double() {
        Number::from_f64(z.double().unwrap_or(f64::NAN))
            .map(PhpValue::Double)
            .ok_or_else(|| Error::invalid(field, format!("{field} must be a finite number")))
    } else if z.is_string() {
        z.str()
            .map(PhpValue::Str)
            .ok_or_else(|| Error::invalid(field, format!("{field} must be valid UTF-8")))
    } else if let Some(ht) = z.array() {
        Ok(PhpValue::Array(ht))
    } else {
        Err(Error::invalid(
            field,
            format!("{field} must be a scalar or an array, not an object or resource"),
        ))
    }
}

/// An array key as text (integer keys in decimal).
fn key_text<'a>(k: ArrayKey<'a>, field: &str) -> Result<Cow<'a, str>> {
    Ok(match k {
        ArrayKey::Long(i) => Cow::Owned(i.to_string()),
        ArrayKey::String(s) => Cow::Owned(s),
        ArrayKey::Str(s) => Cow::Borrowed(s),
        ArrayKey::ZendString(s) => {
            Cow::Borrowed(s.as_str().map_err(|_| {
                Error::invalid(field, format!("{field} has a key that is not UTF-8"))
            })?)
        }
    })
}

fn check_depth(field: &str, depth: usize) -> Result<()> {
    if depth > MAX_DEPTH {
        return Err(Error::invalid(
            field,
            format!("{field} is nested too deeply"),
        ));
    }
    Ok(())
}

/// Writes a PHP array as JSON text and hands the bytes to `read` (the same mapping as
/// [`array_to_map`]: a list becomes an array, anything else an object; the top level must be
/// an object or empty). For large inputs read into typed core structures (a booking catalog
/// of thousands of entries): text parsed straight into the target type costs a fraction of
/// building a `serde_json::Value` tree first.
///
/// PHP's own `json_encode` (C, one pass) writes the text, read in place: several times
/// faster than walking the array through the FFI iterator (0.5 against 2 ms for a catalog
/// of 800 bookings). Where it refuses (invalid UTF-8, NaN or INF, a resource), the walk
/// below runs instead, to name the offending key in the error. Objects are encoded by
/// `json_encode` as maps; the typed reading that follows refuses them wherever it expects a
/// scalar or a list.
pub fn with_array_json<T>(
    ht: &ZendHashTable,
    field: &str,
    read: impl FnOnce(&[u8]) -> Result<T>,
) -> Result<T> {
    if ht.is_empty() {
        return read(b"{}");
    }
    if ht.has_sequential_keys() {
        return Err(Error::invalid(
            field,
            format!("{field} must be an array with string keys"),
        ));
    }
    if let Some(encoded) = php_json_encode(ht) {
        if let Some(text) = encoded.zend_str() {
            return read(text.as_bytes());
        }
    }
    let mut out = Vec::with_capacity(64 + ht.len() * 32);
    write_array(&mut out, ht, field, 0)?;
    read(&out)
}

/// `json_encode($ht, JSON_UNESCAPED_UNICODE | JSON_UNESCAPED_SLASHES |
/// JSON_PRESERVE_ZERO_FRACTION)` (the same text the walk writes): a string zval, or `None`
/// when PHP refuses the value (or the function cannot be called).
fn php_json_encode(ht: &ZendHashTable) -> Option<Zval> {
    /// PHP's `JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE | JSON_PRESERVE_ZERO_FRACTION`.
    const FLAGS: i64 = 64 | 256 | 1024;
    let encode = ZendCallable::try_from_name("json_encode").ok()?;
    // A duplicate of the top level only (nested arrays are shared, reference-counted).
    let mut arg = Zval::new();
    arg.set_hashtable(ht.to_owned());
    let out = encode.try_call(vec![&arg, &FLAGS]).ok()?;
    out.is_string().then_some(out)
}

fn write_str(out: &mut Vec<u8>, s: &str) {
    // Writing a string into a Vec cannot fail.
    let _ = serde_json::to_writer(&mut *out, s);
}

fn write_array(out: &mut Vec<u8>, ht: &ZendHashTable, field: &str, depth: usize) -> Result<()> {
    check_depth(field, depth)?;
    if ht.has_sequential_keys() {
        out.push(b'[');
        for (n, (_, v)) in ht.iter().enumerate() {
            if n > 0 {
                out.push(b',');
            }
            write_zval(out, v, field, depth + 1)?;
        }
        out.push(b']');
        return Ok(());
    }
    out.push(b'{');
    for (n, (k, v)) in ht.iter().enumerate() {
        if n > 0 {
            out.push(b',');
        }
        let key = key_text(k, field)?;
        write_str(out, &key);
        out.push(b':');
        write_zval(out, v, &key, depth + 1)?;
    }
    out.push(b'}');
    Ok(())
}

fn write_zval(out: &mut Vec<u8>, z: &Zval, field: &str, depth: usize) -> Result<()> {
    match read_zval(z, field)? {
        PhpValue::Null => out.extend_from_slice(b"null"),
        PhpValue::Bool(b) => out.extend_from_slice(if b { b"true" } else { b"false" }),
        PhpValue::Long(l) => out.extend_from_slice(l.to_string().as_bytes()),
        PhpValue::Double(n) => out.extend_from_slice(n.to_string().as_bytes()),
        PhpValue::Str(s) => write_str(out, s),
        PhpValue::Array(ht) => write_array(out, ht, field, depth)?,
    }
    Ok(())
}

/// Converts one zval.
pub fn zval_to_json(z: &Zval, field: &str, depth: usize) -> Result<Value> {
    Ok(match read_zval(z, field)? {
        PhpValue::Null => Value::Null,
        PhpValue::Bool(b) => Value::Bool(b),
        PhpValue::Long(l) => Value::Number(l.into()),
        PhpValue::Double(n) => Value::Number(n),
        PhpValue::Str(s) => Value::String(s.to_owned()),
        PhpValue::Array(ht) => array_to_json(ht, field, depth)?,
    })
}

/// Converts a JSON value into a zval.
pub fn json_to_zval(v: &Value) -> Result<Zval> {
    let mut z = Zval::new();
    match v {
        Value::Null => z.set_null(),
        Value::Bool(b) => z.set_bool(*b),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                z.set_long(i);
            } else {
                z.set_double(n.as_f64().unwrap_or(0.0));
            }
        }
        Value::String(s) => z.set_string(s, false).map_err(php_err)?,
        Value::Array(_) | Value::Object(_) => z.set_hashtable(json_to_array(v)?),
    }
    Ok(z)
}

/// Converts a JSON array or object into a PHP array.
pub fn json_to_array(v: &Value) -> Result<ZBox<ZendHashTable>> {
    let mut ht = ZendHashTable::new();
    match v {
        Value::Array(items) => {
            for i in items {
                ht.push(json_to_zval(i)?).map_err(php_err)?;
            }
        }
        Value::Object(m) => {
            for (k, i) in m {
                ht.insert(k.as_str(), json_to_zval(i)?).map_err(php_err)?;
            }
        }
        other => {
            ht.push(json_to_zval(other)?).map_err(php_err)?;
        }
    }
    Ok(ht)
}

pub(crate) fn php_err(e: ext_php_rs::error::Error) -> Error {
    Error::new(
        bkx_core::ErrorCode::StorageError,
        format!("could not build a PHP value: {e}"),
    )
}

/// Converts a PHP array that must be a list (e.g. tags) into a JSON array.
pub fn zval_list(ht: &ZendHashTable, field: &str) -> Result<Value> {
    match array_to_json(ht, field, 0)? {
        v @ Value::Array(_) => Ok(v),
        _ => Err(Error::invalid(field, format!("{field} must be a list"))),
    }
}

/// A PHP string argument taken as bytes, so that invalid UTF-8 becomes our
/// `InvalidArgumentException` instead of ext-php-rs's `TypeError` (callers catch
/// `ChatException`; a token or message taken from a request may be any bytes).
pub struct PhpStr<'a>(pub &'a [u8]);

impl<'a> ext_php_rs::convert::FromZval<'a> for PhpStr<'a> {
    const TYPE: ext_php_rs::flags::DataType = ext_php_rs::flags::DataType::String;

    fn from_zval(zval: &'a Zval) -> Option<Self> {
        zval.dereference().zend_str().map(|s| PhpStr(s.as_bytes()))
    }
}

impl<'a> PhpStr<'a> {
    /// The string, or `invalid_argument` naming `field` when it is not UTF-8.
    pub fn utf8(&self, field: &str) -> Result<&'a str> {
        std::str::from_utf8(self.0)
            .map_err(|_| Error::invalid(field, format!("{field} is not valid UTF-8")))
    }
}
