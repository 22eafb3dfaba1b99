//! The AI layer: the chat client with its circuit breaker, the budget ledger every call goes
//! through, the two orchestrators and their routing, the medical safety guard, and the
//! near-duplicate check. Without an AI endpoint configured nothing here sends a request; the
//! guard's rule screen works offline.

pub mod breaker;
pub mod client;
pub mod dedupe;
pub mod error;
pub mod guard;
pub mod ledger;
pub mod orchestrator;
pub mod prompts;
pub mod rewrite;
