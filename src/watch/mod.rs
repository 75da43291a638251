//! Watch stage of the pipeline: match plain-text articles against compiled watchlists
//! (people, keywords, queries). Pure and fast: no I/O, one shared automaton for all lists.

mod atoms;
mod compile;
mod engine;
mod expr;
mod fold;
mod hits;
mod matcher;
mod occur;
mod query;
mod snippet;
mod table;
mod text;
mod types;
mod variants;
mod words;

#[cfg(test)]
mod tests;

pub use compile::compile;
pub use matcher::Matcher;
pub use text::normalise;
/// The folding with its word map, for the desk's search highlighting.
pub(crate) use text::{analyse, Token};
/// The folding as a stream of words, for the near-duplicate sketch.
pub(crate) use text::{fold_words_into, Sink};
pub use types::{
    CompileError, CompileWarning, Document, Field, Hit, PersonSpec, Require, TermKind,
    WatchlistMatch, WatchlistSpec,
};
