//! Feeds: when to poll (schedule, adaptive, signals, gate), getting the bytes (fetch),
//! making them UTF-8 and repairing them (encoding, repair, atom_base64), bounding them
//! (limits), and turning them into our own [`Article`]s (parse, html, sanitize); the
//! article page behind an item's link for `full_text` feeds (page).

pub mod adaptive;
pub mod article;
mod atom_base64;
pub mod encoding;
mod fastpath;
mod fastxml;
pub mod fetch;
pub mod fingerprint;
pub mod gate;
pub mod html;
pub mod limits;
pub mod lsh;
pub mod page;
pub mod parse;
pub mod repair;
pub mod sanitize;
pub mod schedule;
pub mod signals;

pub use article::{Article, ArticleId};
