//! The learning core: pure, I/O-free functions over rows and aggregates.
//!
//! Data flows store → learning → jobs; nothing here reads a clock, a file or the database, so every
//! function is deterministic for its inputs (randomness comes in as a seeded [`rng::Rng`]).

pub mod aggregate;
pub mod decay;
pub mod dimension;
pub mod leaderboard;
pub mod objective;
pub mod replies;
pub mod reply_priorities;
pub mod rng;
pub mod selection;
pub mod slots;
pub mod vocab;
pub mod weights;

pub use aggregate::{GroupSums, Sample, group_sums};
pub use decay::{DecayContext, DecayParams, age_days, decay_weight};
pub use leaderboard::{LOW_N, LeaderboardEntry, SHRINK_K, global_mean, leaderboard};
pub use objective::{
    Attribution, EngagementCounts, FollowerSnapshot, InvalidParam, ObjectiveParams, SCORE_VERSION,
    attribute_followers, engagement_rate, objective_score, sanitize_metric,
};
pub use replies::{Band, OperatorOverride, ReplySample, assign_bands, reply_performance};
pub use rng::Rng;
pub use selection::{
    Choice, ChoiceSource, SelectionParams, select_angle, select_generator, select_tone,
};
pub use slots::{day_bounds_utc, pick_slot, slots_for_weekday, todays_slots};
pub use vocab::{SLOTS, SlotDef, UnknownName, VocabKind, validate_name};
pub use weights::{
    FEATURES, Feature, LearningRow, WeightMap, WeightMapResult, WeightParams,
    weight_map_from_groups, weight_map_from_rows,
};
