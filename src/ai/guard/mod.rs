//! The medical safety guard: the offline rule screen and the level-based flow over it.

pub mod flow;
pub mod rules;
