//! The medical safety guard: text normalisation, the offline rule screen (rules are data in
//! `rules/*.toml`), and the level-based flow over it.

pub mod eval;
pub mod flow;
pub mod lexical;
pub mod normalize;
pub mod rules;
pub mod ruleset;
pub mod structure;
