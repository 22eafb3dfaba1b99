//! The AI budget: model prices and token estimates, and the tiers that gate jobs and route models.
//! Pure functions; the reserve/settle ledger that uses them lives with the store.

pub mod pricing;
pub mod tiers;

pub use pricing::{
    ModelPrice, PriceMatch, PriceTable, cost_usd, estimate_prompt_tokens, reservation_tokens,
    reservation_usd,
};
pub use tiers::{
    AiNeed, EXPERT_DAILY_CAP, ModelRoute, Priority, RouteDecision, Tier, TierPolicy, fits_budget,
    gate_job, route_model, route_model_detailed, scaled_max_tokens, share, tier_for,
};
