//! `bkx_livechat`: the PHP extension of BookingX Live Chat.
//!
//! This crate only translates: PHP arrays and strings into core calls, core results into PHP
//! arrays, core errors into the exception hierarchy (one mapping, in `errors`). No decision
//! about chats is made here; it belongs in `bkx-core`, where it is tested without PHP.
#![cfg_attr(windows, feature(abi_vectorcall))]

mod attachments;
mod booking_assistant;
mod chat_manager;
mod chat_token;
mod convert;
mod errors;
mod platforms;
mod proactive_engagement;
mod runtime;
mod sanitizer;
mod webhook_verifier;

use ext_php_rs::prelude::*;
use ext_php_rs::zend::ModuleEntry;
use ext_php_rs::{info_table_end, info_table_row, info_table_start};

/// `phpinfo()` section.
extern "C" fn module_info(_module: *mut ModuleEntry) {
    info_table_start!();
    info_table_row!("bkx_livechat support", "enabled");
    info_table_row!("version", env!("CARGO_PKG_VERSION"));
    info_table_end!();
}

/// Registers the exception hierarchy before the macro registers the other classes.
extern "C" fn startup(_ty: i32, _module_number: i32) -> i32 {
    // A panic here is not caught by ext-php-rs; registration returns errors instead.
    match std::panic::catch_unwind(errors::register) {
        Ok(Ok(())) => 0,
        _ => -1,
    }
}

#[php_module]
#[php(startup = "startup")]
pub fn get_module(module: ModuleBuilder) -> ModuleBuilder {
    module
        .info_function(module_info)
        .class::<chat_manager::ChatManager>()
        .class::<attachments::Attachments>()
        .class::<booking_assistant::BookingAssistant>()
        .class::<proactive_engagement::ProactiveEngagement>()
        .class::<sanitizer::Sanitizer>()
        .class::<chat_token::ChatToken>()
        .class::<webhook_verifier::WebhookVerifier>()
        .interface::<platforms::PhpInterfaceChatPlatform>()
        .class::<platforms::CustomPlatform>()
        .class::<platforms::IntercomPlatform>()
        .class::<platforms::ZendeskPlatform>()
        .class::<platforms::LiveChatPlatform>()
        .class::<platforms::DriftPlatform>()
        .class::<platforms::TawkPlatform>()
}
