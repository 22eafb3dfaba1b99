//! xbot: the v2 learning-and-operations layer of xBOT. The modules are public so that the
//! integration tests and benchmarks use exactly what the binary uses.
//!
//! Data flows one way: store → learning (pure) → jobs (write back through the store) →
//! console (reads through the store, triggers jobs).

pub mod ai;
pub mod app;
pub mod budget;
pub mod cli;
pub mod config;
pub mod console;
pub mod delay_proxy;
pub mod identity;
pub mod jobs;
pub mod learning;
pub mod logging;
pub mod notify;
pub mod pty;
pub mod store;
pub mod text;
