//! Feeds: when to poll (schedule), getting the bytes (fetch), turning them into our own
//! [`Article`]s (parse, html).

pub mod article;
mod fastpath;
mod fastxml;
pub mod fetch;
pub mod fingerprint;
pub mod html;
pub mod parse;
pub mod repair;
pub mod schedule;

pub use article::{Article, ArticleId};
