//! The store's operations, one module per concept, each written once for both backends.

pub mod admin;
pub mod budget;
pub mod content;
pub mod facts;
pub mod header;
pub mod incidents;
pub mod jobs;
pub mod learning;
pub mod notify;
pub mod replies;
pub mod reviews;
pub mod scores;
pub mod weights;
pub mod workers;
