//! The exception hierarchy, and the one mapping from core errors to PHP exceptions.
//!
//! `ChatException` extends PHP's own `\Exception` and is registered without a Rust-backed
//! object, so PHP creates its instances the normal way: they carry a file, a line and a stack
//! trace like any exception thrown from PHP code. The stable snake_case code and the details
//! live in two protected properties read by `getErrorCode()` and `getDetails()`.

use std::sync::atomic::{AtomicPtr, Ordering};

use bkx_core::{Error, ErrorCode};
use ext_php_rs::args::ArgInfoTables;
use ext_php_rs::builders::{ClassBuilder, ClassProperty, FunctionBuilder};
use ext_php_rs::convert::IntoZval;
use ext_php_rs::exception::PhpException;
use ext_php_rs::flags::{DataType, MethodFlags, PropertyFlags};
use ext_php_rs::types::{ZendObject, Zval};
use ext_php_rs::zend::{ce, run_handler, ClassEntry, ExecuteData, ExecutorGlobals};

use crate::convert::json_to_zval;

/// PHP namespace of every class of the extension.
pub const NS: &str = "BookingX\\Addons\\LiveChat\\";

macro_rules! exception_classes {
    ($( $slot:ident, $reg:ident => $name:literal ),* $(,)?) => {
        $(
            static $slot: AtomicPtr<ClassEntry> = AtomicPtr::new(std::ptr::null_mut());
            fn $reg(ce: &'static mut ClassEntry, args: ArgInfoTables) {
                // The engine points into the arg-info tables for the process lifetime.
                std::mem::forget(args);
                $slot.store(ce, Ordering::Release);
            }
        )*
    };
}

exception_classes! {
    BASE, reg_base => "ChatException",
    INVALID, reg_invalid => "InvalidArgumentException",
    NOT_FOUND, reg_not_found => "NotFoundException",
    FORBIDDEN, reg_forbidden => "ForbiddenException",
    RATE_LIMITED, reg_rate_limited => "RateLimitedException",
    STORAGE, reg_storage => "StorageException",
    PLATFORM, reg_platform => "PlatformException",
    BOOKING, reg_booking => "BookingException",
    SIGNATURE, reg_signature => "SignatureException",
}

type Registrar = fn(&'static mut ClassEntry, ArgInfoTables);

/// Subclasses: (short name, slot, registrar).
const SUBCLASSES: &[(&str, &AtomicPtr<ClassEntry>, Registrar)] = &[
    ("InvalidArgumentException", &INVALID, reg_invalid),
    ("NotFoundException", &NOT_FOUND, reg_not_found),
    ("ForbiddenException", &FORBIDDEN, reg_forbidden),
    ("RateLimitedException", &RATE_LIMITED, reg_rate_limited),
    ("StorageException", &STORAGE, reg_storage),
    ("PlatformException", &PLATFORM, reg_platform),
    ("BookingException", &BOOKING, reg_booking),
    ("SignatureException", &SIGNATURE, reg_signature),
];

fn base_ce() -> &'static ClassEntry {
    // Only called after registration succeeded (the subclasses are registered after it).
    let p = BASE.load(Ordering::Acquire);
    // SAFETY: the pointer was stored by the engine's registration callback and class
    // entries of internal classes live as long as the process.
    unsafe { p.as_ref() }.unwrap_or_else(ce::exception)
}

fn slot_ce(slot: &AtomicPtr<ClassEntry>) -> &'static ClassEntry {
    // SAFETY: as in `base_ce`.
    unsafe { slot.load(Ordering::Acquire).as_ref() }.unwrap_or_else(base_ce)
}

extern "C" fn get_error_code(ex: &mut ExecuteData, retval: &mut Zval) {
    run_handler(std::panic::AssertUnwindSafe(|| {
        let code = ex
            .get_self()
            .and_then(|o| o.get_property::<String>("errorCode").ok())
            .unwrap_or_default();
        if retval.set_string(&code, false).is_err() {
            retval.set_null();
        }
    }));
}

extern "C" fn get_details(ex: &mut ExecuteData, retval: &mut Zval) {
    run_handler(std::panic::AssertUnwindSafe(|| {
        let details = ex
            .get_self()
            .and_then(|o| o.get_property::<&Zval>("details").ok())
            .filter(|z| z.is_array())
            .map(Zval::shallow_clone);
        match details {
            Some(d) => *retval = d,
            None => {
                if let Ok(z) = json_to_zval(&serde_json::Value::Array(vec![])) {
                    *retval = z;
                }
            }
        }
    }));
}

fn protected_prop(name: &str, default: fn() -> ext_php_rs::error::Result<Zval>) -> ClassProperty {
    ClassProperty {
        name: name.into(),
        flags: PropertyFlags::Protected,
        default: Some(Box::new(default)),
        docs: &[],
        ty: None,
        nullable: false,
        readonly: false,
        default_stub: None,
    }
}

/// Registers the classes; called from the module's start-up (MINIT).
pub fn register() -> ext_php_rs::error::Result<()> {
    ClassBuilder::new(format!("{NS}ChatException"))
        .extends((ce::exception, "\\Exception"))
        .property(protected_prop("errorCode", || {
            let mut z = Zval::new();
            z.set_string("", true)?;
            Ok(z)
        }))
        .property(protected_prop("details", || {
            let mut z = Zval::new();
            z.set_null();
            Ok(z)
        }))
        .method(
            FunctionBuilder::new("getErrorCode", get_error_code).returns(
                DataType::String,
                false,
                false,
            ),
            MethodFlags::Public,
        )
        .method(
            FunctionBuilder::new("getDetails", get_details).returns(DataType::Array, false, false),
            MethodFlags::Public,
        )
        .registration(reg_base)
        .register()?;
    for (name, _, reg) in SUBCLASSES {
        ClassBuilder::new(format!("{NS}{name}"))
            .extends((base_ce, "ChatException"))
            .registration(*reg)
            .register()?;
    }
    Ok(())
}

/// The PHP class an error code is thrown as.
fn class_for(code: ErrorCode) -> &'static ClassEntry {
    use ErrorCode::*;
    match code {
        InvalidArgument | PayloadTooLarge | UnsupportedMediaType => slot_ce(&INVALID),
        NotFound => slot_ce(&NOT_FOUND),
        Forbidden | Unauthenticated => slot_ce(&FORBIDDEN),
        RateLimited => slot_ce(&RATE_LIMITED),
        StorageError => slot_ce(&STORAGE),
        PlatformError | PlatformUnavailable => slot_ce(&PLATFORM),
        BookingUnavailable | BookingError => slot_ce(&BOOKING),
        SignatureInvalid => slot_ce(&SIGNATURE),
        Conflict | AgentUnavailable | OutsideHours => base_ce(),
    }
}

/// Builds the exception object: PHP's own constructor path fills file, line and trace; the
/// protected properties are written with the class as the scope.
fn build(err: &Error) -> Option<Zval> {
    let ce = class_for(err.code);
    let mut obj = ZendObject::new(ce);
    let details = json_to_zval(&serde_json::Value::Object(err.details.clone())).ok()?;
    let previous = {
        let mut eg = ExecutorGlobals::get_mut();
        std::mem::replace(&mut eg.fake_scope, std::ptr::from_ref(base_ce()).cast_mut())
    };
    let ok = obj.set_property("message", err.message.as_str()).is_ok()
        && obj
            .set_property("code", i64::from(err.code.numeric()))
            .is_ok()
        && obj.set_property("errorCode", err.code.as_str()).is_ok()
        && obj.set_property("details", details).is_ok();
    ExecutorGlobals::get_mut().fake_scope = previous;
    if !ok {
        return None;
    }
    obj.into_zval(false).ok()
}

/// The one mapping from a core error to the exception PHP sees.
pub fn to_php(err: Error) -> PhpException {
    let ce = class_for(err.code);
    let ex = PhpException::new(err.message.clone(), err.code.numeric(), ce);
    match build(&err) {
        Some(obj) => ex.with_object(obj),
        None => ex,
    }
}

/// `?` support: core results in extension methods.
pub trait IntoPhp<T> {
    /// Converts the error side into a PHP exception.
    fn php(self) -> Result<T, PhpException>;
}

impl<T> IntoPhp<T> for bkx_core::Result<T> {
    fn php(self) -> Result<T, PhpException> {
        self.map_err(to_php)
    }
}
