//! The offline weight map: per feature, shrunk decayed scores normalised to sum to 1.
//!
//! Two paths compute the same map. The production path aggregates in SQL (one pass, one row per
//! value: [`GroupSums`]) and calls [`weight_map_from_groups`]. The reference path
//! [`weight_map_from_rows`] works on raw rows; tests hold the two equal within 1e-12. Why a window
//! per feature: a feature never looks further back than its decay context's max_age, so topics (45
//! days) use fewer rows than generators within the same 60-day window.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::aggregate::GroupSums;
use super::decay::{DecayContext, DecayParams, age_days, decay_weight};
use super::leaderboard::{SHRINK_K, global_mean, shrunk_score};
use super::objective::{InvalidParam, check_positive};

/// A weight-map feature (a column of `vw_learning`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Feature {
    /// `generator_name`
    #[serde(rename = "generator_name")]
    Generator,
    /// `topic`
    #[serde(rename = "topic")]
    Topic,
    /// `tone`
    #[serde(rename = "tone")]
    Tone,
    /// `decision_type`
    #[serde(rename = "decision_type")]
    DecisionType,
    /// `content_slot`
    #[serde(rename = "content_slot")]
    Slot,
}

/// The five weight-map features.
pub const FEATURES: [Feature; 5] = [
    Feature::Generator,
    Feature::Topic,
    Feature::Tone,
    Feature::DecisionType,
    Feature::Slot,
];

impl Feature {
    /// Column name in `vw_learning`, also the key in the weights JSON.
    pub fn column(self) -> &'static str {
        match self {
            Feature::Generator => "generator_name",
            Feature::Topic => "topic",
            Feature::Tone => "tone",
            Feature::DecisionType => "decision_type",
            Feature::Slot => "content_slot",
        }
    }

    /// Inverse of [`Feature::column`].
    pub fn from_column(column: &str) -> Option<Feature> {
        FEATURES.into_iter().find(|f| f.column() == column)
    }

    /// The decay context whose λ / floor / max_age this feature uses.
    pub fn decay_context(self) -> DecayContext {
        match self {
            Feature::Generator => DecayContext::Generator,
            Feature::Topic => DecayContext::Topic,
            Feature::Tone => DecayContext::Tone,
            Feature::DecisionType => DecayContext::DecisionType,
            Feature::Slot => DecayContext::Slot,
        }
    }

    /// This feature's value in a row (`None` when NULL).
    pub fn value_of(self, row: &LearningRow) -> Option<&str> {
        match self {
            Feature::Generator => row.generator_name.as_deref(),
            Feature::Topic => row.topic.as_deref(),
            Feature::Tone => row.tone.as_deref(),
            Feature::DecisionType => row.decision_type.as_deref(),
            Feature::Slot => row.content_slot.as_deref(),
        }
    }
}

/// One feature's decay settings, as used and as stored with a map: the context it decays in and
/// that context's λ, floor and max age (days).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct FeatureDecay {
    /// The decay context (for the record; the numbers below are what is used).
    pub context: DecayContext,
    pub lambda: f64,
    pub floor: f64,
    pub max_age_days: f64,
}

impl FeatureDecay {
    /// The spec's settings of a context.
    pub fn of(context: DecayContext) -> FeatureDecay {
        let p = context.params();
        FeatureDecay {
            context,
            lambda: p.lambda,
            floor: p.floor,
            max_age_days: p.max_age_days,
        }
    }

    /// As [`DecayParams`].
    pub fn params(&self) -> DecayParams {
        DecayParams {
            lambda: self.lambda,
            floor: self.floor,
            max_age_days: self.max_age_days,
        }
    }
}

/// Every feature's decay settings (stored keyed by feature column).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct FeatureDecays {
    pub generator_name: FeatureDecay,
    pub topic: FeatureDecay,
    pub tone: FeatureDecay,
    pub decision_type: FeatureDecay,
    pub content_slot: FeatureDecay,
}

impl Default for FeatureDecays {
    fn default() -> Self {
        FeatureDecays {
            generator_name: FeatureDecay::of(Feature::Generator.decay_context()),
            topic: FeatureDecay::of(Feature::Topic.decay_context()),
            tone: FeatureDecay::of(Feature::Tone.decay_context()),
            decision_type: FeatureDecay::of(Feature::DecisionType.decay_context()),
            content_slot: FeatureDecay::of(Feature::Slot.decay_context()),
        }
    }
}

impl FeatureDecays {
    /// The settings of one feature.
    pub fn get(&self, feature: Feature) -> &FeatureDecay {
        match feature {
            Feature::Generator => &self.generator_name,
            Feature::Topic => &self.topic,
            Feature::Tone => &self.tone,
            Feature::DecisionType => &self.decision_type,
            Feature::Slot => &self.content_slot,
        }
    }
}

/// Everything a weight map is computed from besides the rows and `now` (the version's
/// `computed_at`), stored as the version's params JSON so a map can be recomputed exactly:
/// the window, the shrinkage k and each feature's decay (context, λ, floor, max age). The
/// fixed rules (rows with a score in [0, 1]; μ each feature's own decayed mean; uniform weights
/// when a feature's shrunk scores sum to 0) are part of the algorithm, named in the stored JSON
/// by [`WeightParams::stored_json`]. Params stored before the decay settings were recorded
/// read back with the spec's defaults, which is what those maps used.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct WeightParams {
    /// Look-back window in days (each feature is further capped by its max_age).
    pub window_days: f64,
    /// Shrinkage pseudo-count.
    pub k: f64,
    /// Each feature's decay settings.
    #[serde(default)]
    pub decay: FeatureDecays,
}

impl Default for WeightParams {
    fn default() -> Self {
        WeightParams {
            window_days: 60.0,
            k: SHRINK_K,
            decay: FeatureDecays::default(),
        }
    }
}

impl WeightParams {
    /// window_days finite and > 0; k finite and ≥ 0; every feature's decay valid.
    pub fn validate(&self) -> Result<(), InvalidParam> {
        check_positive("window_days", self.window_days)?;
        if !(self.k.is_finite() && self.k >= 0.0) {
            return Err(InvalidParam {
                name: "k",
                value: self.k,
                expected: "a finite number >= 0",
            });
        }
        for f in FEATURES {
            self.decay.get(f).params().validate()?;
        }
        Ok(())
    }

    /// The params as stored with a map: these fields, plus each feature's effective cut-off
    /// (min(window, max age)) and the fixed rules, for whoever reads the row.
    pub fn stored_json(&self) -> Value {
        let mut v = serde_json::to_value(self).unwrap_or(Value::Null);
        if let Some(decay) = v.get_mut("decay").and_then(Value::as_object_mut) {
            for f in FEATURES {
                if let Some(Value::Object(d)) = decay.get_mut(f.column()) {
                    d.insert(
                        "cutoff_days".into(),
                        serde_json::json!(effective_cutoff_days(f, self)),
                    );
                }
            }
        }
        if let Value::Object(o) = &mut v {
            o.insert("score_range".into(), serde_json::json!([0.0, 1.0]));
            o.insert("mu".into(), Value::from("per feature: its decayed mean"));
            o.insert(
                "decay_weight".into(),
                Value::from(
                    "max(floor, exp(-lambda * age_days)), rows older than cutoff_days left out",
                ),
            );
        }
        v
    }
}

/// Days of history a feature uses: min(window_days, its max_age_days).
pub fn effective_cutoff_days(feature: Feature, p: &WeightParams) -> f64 {
    // f64::min ignores a NaN window, falling back to max_age.
    p.decay.get(feature).max_age_days.min(p.window_days)
}

/// The decay parameters to aggregate a feature with (its recorded λ and floor, max_age capped
/// by the window). The SQL path must bind exactly these (λ, floor, cut-off) so both paths agree.
pub fn feature_decay_params(feature: Feature, p: &WeightParams) -> DecayParams {
    DecayParams {
        max_age_days: effective_cutoff_days(feature, p),
        ..p.decay.get(feature).params()
    }
}

/// The widest cut-off over all features: rows older than this are used by no feature.
pub fn overall_cutoff_days(p: &WeightParams) -> f64 {
    FEATURES
        .iter()
        .map(|f| effective_cutoff_days(*f, p))
        .fold(0.0, f64::max)
}

/// Per-value statistics stored beside the weights.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ValueStats {
    /// Samples.
    pub n: u64,
    /// Σd.
    pub effective_n: f64,
    /// Decayed mean Σ(d·s)/Σd.
    pub mean: f64,
    /// Shrunk score.
    pub shrunk: f64,
    /// Normalised weight.
    pub weight: f64,
}

/// Two weights closer than this are the same weight (six decimals; xBOT's selection and the
/// console show three).
pub const SAME_WEIGHT_EPSILON: f64 = 1e-6;

/// A weight map: feature column → value → weight (each feature sums to 1), plus stats.
///
/// A feature with no usable rows is absent (an empty map could not sum to 1).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct WeightMap {
    /// column → value → weight.
    pub weights: BTreeMap<String, BTreeMap<String, f64>>,
    /// column → value → stats.
    pub stats: BTreeMap<String, BTreeMap<String, ValueStats>>,
    /// Scored rows inside the window.
    pub sample_size: u64,
}

impl WeightMap {
    /// A map as stored (weights and stats as JSON). Malformed weights are an error that says
    /// which version and why; malformed stats are left out.
    pub fn from_stored(
        version: &str,
        weights: Option<&str>,
        stats: Option<&str>,
        sample_size: i64,
    ) -> Result<WeightMap, String> {
        let weights = parse_weights_json(weights.unwrap_or("{}"))
            .map_err(|e| format!("the weights of {version} are malformed: {e}"))?;
        let stats: BTreeMap<String, BTreeMap<String, ValueStats>> = stats
            .and_then(|s| serde_json::from_str(s).ok())
            .unwrap_or_default();
        Ok(WeightMap {
            weights,
            stats,
            sample_size: sample_size.max(0) as u64,
        })
    }

    /// Whether `other` would change nothing xBOT reads: the same sample, the same values per
    /// feature, and every weight within [`SAME_WEIGHT_EPSILON`] (decay moves weights by far
    /// less than that between two runs on unchanged data).
    pub fn same_weights(&self, other: &WeightMap) -> bool {
        self.sample_size == other.sample_size
            && self.weights.len() == other.weights.len()
            && self.weights.iter().all(|(feature, mine)| {
                other.weights.get(feature).is_some_and(|theirs| {
                    mine.len() == theirs.len()
                        && mine.iter().all(|(value, w)| {
                            theirs
                                .get(value)
                                .is_some_and(|t| (w - t).abs() <= SAME_WEIGHT_EPSILON)
                        })
                })
            })
    }

    /// The weights of one feature, if it had rows.
    pub fn feature(&self, feature: Feature) -> Option<&BTreeMap<String, f64>> {
        self.weights.get(feature.column())
    }
}

/// The reference path's result: the map plus what the version row records.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WeightMapResult {
    /// The map.
    pub map: WeightMap,
    /// Earliest posted_at of the rows counted in `sample_size` (None when there are none).
    pub date_range_start: Option<DateTime<Utc>>,
    /// Latest posted_at of those rows.
    pub date_range_end: Option<DateTime<Utc>>,
    /// Rows with a finite score whose age ≤ [`overall_cutoff_days`].
    pub sample_size: u64,
    /// The params used.
    pub params: WeightParams,
}

/// One row of `vw_learning` as the weight map needs it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LearningRow {
    /// When the post went out.
    pub posted_at: DateTime<Utc>,
    /// generator_name.
    pub generator_name: Option<String>,
    /// topic.
    pub topic: Option<String>,
    /// tone.
    pub tone: Option<String>,
    /// decision_type.
    pub decision_type: Option<String>,
    /// content_slot.
    pub content_slot: Option<String>,
    /// primary_objective_score (NULL: not scored yet, row unused).
    pub score: Option<f64>,
}

/// Per-value aggregate (n, Σd, Σd·s) on the way to stats.
struct ValueAgg {
    n: u64,
    sum_d: f64,
    sum_ds: f64,
}

/// Shrinks and normalises one feature's values (sorted by value). Shared by both paths.
fn finish_feature(
    values: &[(&str, ValueAgg)],
    mu: f64,
    k: f64,
) -> (BTreeMap<String, f64>, BTreeMap<String, ValueStats>) {
    let shrunk: Vec<f64> = values
        .iter()
        .map(|(_, a)| shrunk_score(a.sum_ds, a.sum_d, k, mu))
        .collect();
    // A weight must be ≥ 0 and finite; anything else counts as 0 toward the sum.
    let usable = |s: f64| if s.is_finite() && s > 0.0 { s } else { 0.0 };
    let total: f64 = shrunk.iter().map(|s| usable(*s)).sum();
    let uniform = 1.0 / values.len() as f64;
    let mut weights = BTreeMap::new();
    let mut stats = BTreeMap::new();
    for ((value, agg), s) in values.iter().zip(shrunk) {
        let weight = if total > 0.0 && total.is_finite() {
            usable(s) / total
        } else {
            uniform
        };
        let mean = if agg.sum_d > 0.0 && (agg.sum_ds / agg.sum_d).is_finite() {
            agg.sum_ds / agg.sum_d
        } else {
            0.0
        };
        weights.insert((*value).to_owned(), weight);
        stats.insert(
            (*value).to_owned(),
            ValueStats {
                n: agg.n,
                effective_n: agg.sum_d,
                mean,
                shrunk: s,
                weight,
            },
        );
    }
    (weights, stats)
}

/// Builds the map from per-feature group sums (the SQL path).
///
/// Each feature's groups must have been aggregated with [`feature_decay_params`] (its decay context,
/// cut-off min(window, max_age)) over rows with a non-NULL value and a score. Groups may come in any
/// order and a value may appear more than once (partial aggregates are merged); groups with n = 0 are
/// ignored. μ is the feature's own global decayed mean.
pub fn weight_map_from_groups(
    groups: &BTreeMap<Feature, Vec<GroupSums>>,
    sample_size: u64,
    p: &WeightParams,
) -> WeightMap {
    let mut map = WeightMap {
        sample_size,
        ..WeightMap::default()
    };
    for (feature, feature_groups) in groups {
        // Merge and sort by value so the result does not depend on the order rows came back in.
        let mut merged: BTreeMap<&str, GroupSums> = BTreeMap::new();
        for g in feature_groups {
            merged
                .entry(g.value.as_str())
                .and_modify(|m| m.merge(g))
                .or_insert_with(|| g.clone());
        }
        let sorted: Vec<GroupSums> = merged.into_values().filter(|g| g.n > 0).collect();
        if sorted.is_empty() {
            continue;
        }
        let mu = global_mean(&sorted);
        let values: Vec<(&str, ValueAgg)> = sorted
            .iter()
            .map(|g| {
                (
                    g.value.as_str(),
                    ValueAgg {
                        n: g.n,
                        sum_d: g.sum_d,
                        sum_ds: g.sum_ds,
                    },
                )
            })
            .collect();
        let (weights, stats) = finish_feature(&values, mu, p.k);
        map.weights.insert(feature.column().to_owned(), weights);
        map.stats.insert(feature.column().to_owned(), stats);
    }
    map
}

/// A total order on rows so the reference path sums in the same order whatever order rows arrive in
/// (floating-point addition is not associative). Rows equal under it are identical.
fn row_order(a: &LearningRow, b: &LearningRow) -> Ordering {
    let score = |r: &LearningRow| r.score.map(f64::to_bits);
    a.posted_at
        .cmp(&b.posted_at)
        .then_with(|| score(a).cmp(&score(b)))
        .then_with(|| a.generator_name.cmp(&b.generator_name))
        .then_with(|| a.topic.cmp(&b.topic))
        .then_with(|| a.tone.cmp(&b.tone))
        .then_with(|| a.decision_type.cmp(&b.decision_type))
        .then_with(|| a.content_slot.cmp(&b.content_slot))
}

/// The pure reference path: the weight map straight from rows, deterministic for (rows, now, params)
/// and independent of row order. Rows without a finite score are unused.
pub fn weight_map_from_rows(
    rows: &[LearningRow],
    now: DateTime<Utc>,
    p: &WeightParams,
) -> WeightMapResult {
    let mut sorted: Vec<&LearningRow> = rows.iter().collect();
    sorted.sort_by(|a, b| row_order(a, b));
    // (row, age, score) for every scored row, computed once.
    let scored: Vec<(&LearningRow, f64, f64)> = sorted
        .into_iter()
        .filter_map(|r| {
            let s = r.score.filter(|s| s.is_finite())?;
            Some((r, age_days(now, r.posted_at), s))
        })
        .collect();

    let overall = overall_cutoff_days(p);
    let mut sample_size = 0u64;
    let mut date_range_start: Option<DateTime<Utc>> = None;
    let mut date_range_end: Option<DateTime<Utc>> = None;
    for (r, age, _) in &scored {
        if *age <= overall {
            sample_size += 1;
            date_range_start = Some(date_range_start.map_or(r.posted_at, |d| d.min(r.posted_at)));
            date_range_end = Some(date_range_end.map_or(r.posted_at, |d| d.max(r.posted_at)));
        }
    }

    let mut map = WeightMap {
        sample_size,
        ..WeightMap::default()
    };
    for feature in FEATURES {
        let dp = feature_decay_params(feature, p);
        let mut per_value: BTreeMap<&str, ValueAgg> = BTreeMap::new();
        let (mut total_d, mut total_ds) = (0.0, 0.0);
        for (r, age, s) in &scored {
            let Some(value) = feature.value_of(r) else {
                continue;
            };
            let Some(d) = decay_weight(*age, &dp) else {
                continue;
            };
            total_d += d;
            total_ds += d * s;
            let agg = per_value.entry(value).or_insert(ValueAgg {
                n: 0,
                sum_d: 0.0,
                sum_ds: 0.0,
            });
            agg.n += 1;
            agg.sum_d += d;
            agg.sum_ds += d * s;
        }
        if per_value.is_empty() {
            continue;
        }
        let mu = if total_d > 0.0 && (total_ds / total_d).is_finite() {
            total_ds / total_d
        } else {
            0.0
        };
        let values: Vec<(&str, ValueAgg)> = per_value.into_iter().collect();
        let (weights, stats) = finish_feature(&values, mu, p.k);
        map.weights.insert(feature.column().to_owned(), weights);
        map.stats.insert(feature.column().to_owned(), stats);
    }
    WeightMapResult {
        map,
        date_range_start,
        date_range_end,
        sample_size,
        params: *p,
    }
}

/// One changed (or added, or removed) weight between two maps.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WeightDelta {
    /// Feature column.
    pub feature: String,
    /// Value.
    pub value: String,
    /// Weight in the first map.
    pub before: Option<f64>,
    /// Weight in the second map.
    pub after: Option<f64>,
    /// after − before, a missing side counting as 0.
    pub delta: f64,
}

/// Every (feature, value) in either map with its change, sorted by |delta| descending, then by
/// feature and value. Unchanged entries are included (delta 0) at the end.
pub fn diff(a: &WeightMap, b: &WeightMap) -> Vec<WeightDelta> {
    // (feature, value) → (before, after)
    type Sides = (Option<f64>, Option<f64>);
    let mut keys: BTreeMap<(&str, &str), Sides> = BTreeMap::new();
    for (feature, values) in &a.weights {
        for (value, w) in values {
            keys.entry((feature, value)).or_default().0 = Some(*w);
        }
    }
    for (feature, values) in &b.weights {
        for (value, w) in values {
            keys.entry((feature, value)).or_default().1 = Some(*w);
        }
    }
    let mut out: Vec<WeightDelta> = keys
        .into_iter()
        .map(|((feature, value), (before, after))| {
            let delta = after.unwrap_or(0.0) - before.unwrap_or(0.0);
            WeightDelta {
                feature: feature.to_owned(),
                value: value.to_owned(),
                before,
                after,
                delta,
            }
        })
        .collect();
    let magnitude = |d: &WeightDelta| {
        if d.delta.is_nan() { 0.0 } else { d.delta.abs() }
    };
    // Stable sort: equal magnitudes keep the BTreeMap's (feature, value) order.
    out.sort_by(|x, y| magnitude(y).total_cmp(&magnitude(x)));
    out
}

/// Parses a stored weights JSON into column → value → weight.
///
/// Accepts `{"generator_name": {"coach": 0.1, …}, …}`, the same wrapped in `{"weights": …}` (a
/// serialised [`WeightMap`]), and per-value objects carrying a numeric `"weight"` field (a stats
/// map). Anything else is an `Err` naming where and what was found; it never panics.
pub fn parse_weights_json(json: &str) -> Result<BTreeMap<String, BTreeMap<String, f64>>, String> {
    let root: Value =
        serde_json::from_str(json).map_err(|e| format!("weights JSON is not valid JSON: {e}"))?;
    let Value::Object(top) = &root else {
        return Err(format!(
            "weights JSON: expected an object of features, found {}",
            kind_of(&root)
        ));
    };
    let features = match top.get("weights") {
        Some(Value::Object(inner)) => inner,
        _ => top,
    };
    let mut out = BTreeMap::new();
    for (feature, values) in features {
        let Value::Object(values) = values else {
            return Err(format!(
                "weights JSON: \"{feature}\" should map values to weights, found {}",
                kind_of(values)
            ));
        };
        let mut parsed = BTreeMap::new();
        for (value, w) in values {
            let number = match w {
                Value::Number(n) => n.as_f64(),
                Value::Object(o) => o.get("weight").and_then(Value::as_f64),
                _ => None,
            };
            match number {
                Some(x) if x.is_finite() => {
                    parsed.insert(value.clone(), x);
                }
                _ => {
                    return Err(format!(
                        "weights JSON: \"{feature}\".\"{value}\" should be a number, found {}",
                        kind_of(w)
                    ));
                }
            }
        }
        out.insert(feature.clone(), parsed);
    }
    Ok(out)
}

/// JSON type name for error messages.
fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::learning::aggregate::{Sample, group_sums};
    use chrono::{Duration, TimeZone};
    use proptest::prelude::*;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2025, 6, 1, 12, 0, 0).unwrap()
    }

    fn row(
        age_days: f64,
        g: Option<&str>,
        topic: Option<&str>,
        tone: Option<&str>,
        dt: Option<&str>,
        slot: Option<&str>,
        score: Option<f64>,
    ) -> LearningRow {
        LearningRow {
            posted_at: now() - Duration::milliseconds((age_days * 86_400_000.0) as i64),
            generator_name: g.map(str::to_owned),
            topic: topic.map(str::to_owned),
            tone: tone.map(str::to_owned),
            decision_type: dt.map(str::to_owned),
            content_slot: slot.map(str::to_owned),
            score,
        }
    }

    /// Columns: generator topic tone decision_type slot ("-" = NULL).
    fn hand_rows() -> Vec<LearningRow> {
        let table = [
            (0.0, "coach sleep calm single framework", Some(0.8)),
            (0.0, "coach sleep direct thread framework", Some(0.6)),
            (0.0, "dataNerd protein calm single research", Some(0.2)),
            (0.0, "dataNerd - calm single research", Some(0.4)),
            (10.0, "storyteller protein witty reply story", Some(0.9)),
            (50.0, "coach sleep calm single framework", Some(0.1)),
            (61.0, "storyteller sleep witty reply story", Some(0.99)),
            (1.0, "- fasting direct thread -", None),
            (2.0, "provocateur fasting direct thread question", Some(0.5)),
            (-1.0, "coach sleep calm single framework", Some(0.7)),
        ];
        table
            .into_iter()
            .map(|(age, cols, score)| {
                let c: Vec<Option<&str>> = cols
                    .split_whitespace()
                    .map(|c| (c != "-").then_some(c))
                    .collect();
                row(age, c[0], c[1], c[2], c[3], c[4], score)
            })
            .collect()
    }

    fn assert_weights(map: &WeightMap, feature: &str, expect: &[(&str, f64)]) {
        let got = &map.weights[feature];
        assert_eq!(got.len(), expect.len(), "{feature}: {got:?}");
        for (value, w) in expect {
            let g = got[*value];
            assert!((g - w).abs() < 1e-12, "{feature}.{value}: {g} vs {w}");
        }
    }

    #[test]
    fn hand_made_rows_give_expected_weights() {
        let r = weight_map_from_rows(&hand_rows(), now(), &WeightParams::default());
        // Expected values computed independently (Python, same formulas).
        assert_weights(
            &r.map,
            "generator_name",
            &[
                ("coach", GEN_COACH),
                ("dataNerd", GEN_DATANERD),
                ("provocateur", GEN_PROVOCATEUR),
                ("storyteller", GEN_STORYTELLER),
            ],
        );
        assert_weights(
            &r.map,
            "topic",
            &[
                ("fasting", TOPIC_FASTING),
                ("protein", TOPIC_PROTEIN),
                ("sleep", TOPIC_SLEEP),
            ],
        );
        assert_weights(
            &r.map,
            "tone",
            &[
                ("calm", TONE_CALM),
                ("direct", TONE_DIRECT),
                ("witty", TONE_WITTY),
            ],
        );
        assert_weights(
            &r.map,
            "decision_type",
            &[
                ("reply", DT_REPLY),
                ("single", DT_SINGLE),
                ("thread", DT_THREAD),
            ],
        );
        assert_weights(
            &r.map,
            "content_slot",
            &[
                ("framework", SLOT_FRAMEWORK),
                ("question", SLOT_QUESTION),
                ("research", SLOT_RESEARCH),
                ("story", SLOT_STORY),
            ],
        );
        // 8 scored rows inside 60 days (the 61-day row and the unscored row are out).
        assert_eq!(r.sample_size, 8);
        assert_eq!(r.map.sample_size, 8);
        assert_eq!(r.date_range_start, Some(hand_rows()[5].posted_at));
        assert_eq!(r.date_range_end, Some(hand_rows()[9].posted_at));
        let coach = r.map.stats["generator_name"]["coach"];
        assert_eq!(coach.n, 4);
        assert!((coach.effective_n - (3.0 + 0.2)).abs() < 1e-12);
        assert!((coach.mean - (0.8 + 0.6 + 0.7 + 0.2 * 0.1) / 3.2).abs() < 1e-12);
        // Topic drops the 50-day row (max_age 45): sleep has 3 rows.
        assert_eq!(r.map.stats["topic"]["sleep"].n, 3);
    }

    // Generated by an independent Python script from the rows above.
    const GEN_COACH: f64 = 0.27781547553932046;
    const GEN_DATANERD: f64 = 0.20516603519357104;
    const GEN_PROVOCATEUR: f64 = 0.24560812337841534;
    const GEN_STORYTELLER: f64 = 0.2714103658886932;
    const TOPIC_FASTING: f64 = 0.32824917180302826;
    const TOPIC_PROTEIN: f64 = 0.2994741177652499;
    const TOPIC_SLEEP: f64 = 0.37227671043172184;
    const TONE_CALM: f64 = 0.31648047836308024;
    const TONE_DIRECT: f64 = 0.331174154791458;
    const TONE_WITTY: f64 = 0.35234536684546186;
    const DT_REPLY: f64 = 0.35215675179024475;
    const DT_SINGLE: f64 = 0.3173023514042581;
    const DT_THREAD: f64 = 0.33054089680549703;
    const SLOT_FRAMEWORK: f64 = 0.2811063055662412;
    const SLOT_QUESTION: f64 = 0.24575353082714205;
    const SLOT_RESEARCH: f64 = 0.20509695829150468;
    const SLOT_STORY: f64 = 0.268043205315112;

    /// The SQL path in miniature: per feature, group_sums over that feature's samples.
    fn groups_from_rows(
        rows: &[LearningRow],
        now: DateTime<Utc>,
        p: &WeightParams,
    ) -> BTreeMap<Feature, Vec<GroupSums>> {
        FEATURES
            .into_iter()
            .map(|f| {
                let samples = rows.iter().filter_map(|r| {
                    Some(Sample {
                        value: f.value_of(r)?,
                        age_days: age_days(now, r.posted_at),
                        score: r.score?,
                    })
                });
                (f, group_sums(samples, &feature_decay_params(f, p)))
            })
            .collect()
    }

    fn assert_maps_close(a: &WeightMap, b: &WeightMap) {
        assert_eq!(a.sample_size, b.sample_size);
        let keys = |m: &WeightMap| {
            m.weights
                .iter()
                .map(|(f, v)| (f.clone(), v.keys().cloned().collect::<Vec<_>>()))
                .collect::<Vec<_>>()
        };
        assert_eq!(keys(a), keys(b));
        for (f, values) in &a.stats {
            for (v, sa) in values {
                let sb = b.stats[f][v];
                assert_eq!(sa.n, sb.n);
                for (x, y) in [
                    (sa.effective_n, sb.effective_n),
                    (sa.mean, sb.mean),
                    (sa.shrunk, sb.shrunk),
                    (sa.weight, sb.weight),
                    (a.weights[f][v], b.weights[f][v]),
                ] {
                    assert!((x - y).abs() < 1e-12, "{f}.{v}: {x} vs {y}");
                }
            }
        }
    }

    #[test]
    fn sql_path_matches_reference_path() {
        let p = WeightParams::default();
        let rows = hand_rows();
        let reference = weight_map_from_rows(&rows, now(), &p);
        let groups = groups_from_rows(&rows, now(), &p);
        let via_groups = weight_map_from_groups(&groups, reference.sample_size, &p);
        assert_maps_close(&reference.map, &via_groups);
    }

    #[test]
    fn groups_in_any_order_or_split_give_the_same_map() {
        let p = WeightParams::default();
        let mut groups = groups_from_rows(&hand_rows(), now(), &p);
        let base = weight_map_from_groups(&groups, 8, &p);
        for g in groups.values_mut() {
            g.reverse();
            // Split every value into two partial aggregates (halving is exact in binary floating
            // point); the second half carries no row counts of its own.
            let halves: Vec<GroupSums> = g
                .iter_mut()
                .map(|x| {
                    x.sum_d *= 0.5;
                    x.sum_ds *= 0.5;
                    x.sum_s *= 0.5;
                    x.sum_s_recent *= 0.5;
                    x.sum_s_prior *= 0.5;
                    GroupSums {
                        n: 0,
                        n_recent: 0,
                        n_prior: 0,
                        ..x.clone()
                    }
                })
                .collect();
            g.extend(halves);
            // An empty aggregate of a value with no rows is ignored.
            g.push(GroupSums::new("ghost"));
        }
        let split = weight_map_from_groups(&groups, 8, &p);
        assert_maps_close(&base, &split);
        assert!(!split.weights["tone"].contains_key("ghost"));
    }

    #[test]
    fn uniform_when_all_scores_are_zero_and_empty_features_are_absent() {
        let rows = vec![
            row(1.0, Some("coach"), None, None, None, None, Some(0.0)),
            row(2.0, Some("dataNerd"), None, None, None, None, Some(0.0)),
        ];
        let r = weight_map_from_rows(&rows, now(), &WeightParams::default());
        assert_eq!(r.map.weights.len(), 1);
        assert_eq!(r.map.weights["generator_name"]["coach"], 0.5);
        assert_eq!(r.map.weights["generator_name"]["dataNerd"], 0.5);
        assert!(r.map.feature(Feature::Topic).is_none());

        let empty = weight_map_from_rows(&[], now(), &WeightParams::default());
        assert!(empty.map.weights.is_empty());
        assert_eq!(empty.sample_size, 0);
        assert_eq!(empty.date_range_start, None);
    }

    #[test]
    fn cutoffs_per_feature() {
        let p = WeightParams::default();
        assert_eq!(effective_cutoff_days(Feature::Generator, &p), 60.0);
        assert_eq!(effective_cutoff_days(Feature::Topic, &p), 45.0);
        assert_eq!(effective_cutoff_days(Feature::Tone, &p), 60.0);
        let wide = WeightParams {
            window_days: 120.0,
            k: 3.0,
            ..WeightParams::default()
        };
        assert_eq!(effective_cutoff_days(Feature::Generator, &wide), 90.0);
        assert_eq!(overall_cutoff_days(&wide), 90.0);
        assert_eq!(overall_cutoff_days(&p), 60.0);
        let nan = WeightParams {
            window_days: f64::NAN,
            k: 3.0,
            ..WeightParams::default()
        };
        assert_eq!(effective_cutoff_days(Feature::Topic, &nan), 45.0);
        assert!(nan.validate().is_err());
        assert!(p.validate().is_ok());
        assert_eq!(feature_decay_params(Feature::Topic, &p).lambda, 0.12);
        for f in FEATURES {
            assert_eq!(Feature::from_column(f.column()), Some(f));
        }
        assert_eq!(
            serde_json::to_string(&Feature::Slot).unwrap(),
            "\"content_slot\""
        );
    }

    #[test]
    fn diff_sorted_by_magnitude() {
        let mut a = WeightMap::default();
        let mut b = WeightMap::default();
        a.weights.insert(
            "tone".into(),
            BTreeMap::from([("calm".into(), 0.5), ("witty".into(), 0.5)]),
        );
        b.weights.insert(
            "tone".into(),
            BTreeMap::from([("calm".into(), 0.7), ("direct".into(), 0.3)]),
        );
        let d = diff(&a, &b);
        let got: Vec<_> = d
            .iter()
            .map(|x| (x.value.as_str(), x.before, x.after))
            .collect();
        assert_eq!(
            got,
            [
                ("witty", Some(0.5), None),
                ("direct", None, Some(0.3)),
                ("calm", Some(0.5), Some(0.7)),
            ]
        );
        assert!((d[0].delta + 0.5).abs() < 1e-12);
        assert!((d[2].delta - 0.2).abs() < 1e-12);
        assert!(diff(&a, &a).iter().all(|x| x.delta == 0.0));
    }

    #[test]
    fn parse_weights_json_shapes() {
        let flat = r#"{"generator_name": {"coach": 0.25, "dataNerd": 0.75}, "tone": {}}"#;
        let m = parse_weights_json(flat).unwrap();
        assert_eq!(m["generator_name"]["dataNerd"], 0.75);
        assert!(m["tone"].is_empty());

        let r = weight_map_from_rows(&hand_rows(), now(), &WeightParams::default());
        let wrapped = serde_json::to_string(&r.map).unwrap();
        assert_eq!(parse_weights_json(&wrapped).unwrap(), r.map.weights);
        let stats = serde_json::to_string(&r.map.stats).unwrap();
        assert_eq!(parse_weights_json(&stats).unwrap(), r.map.weights);

        let errs = [
            ("", "not valid JSON"),
            ("[1,2]", "found an array"),
            ("null", "found null"),
            (
                r#"{"tone": 3}"#,
                "\"tone\" should map values to weights, found a number",
            ),
            (
                r#"{"tone": {"calm": "high"}}"#,
                "\"tone\".\"calm\" should be a number, found a string",
            ),
            (r#"{"tone": {"calm": null}}"#, "found null"),
            (r#"{"tone": {"calm": {"w": 1}}}"#, "found an object"),
        ];
        for (input, needle) in errs {
            let e = parse_weights_json(input).unwrap_err();
            assert!(e.contains(needle), "{input}: {e}");
        }
        let deep = "[".repeat(10_000);
        assert!(parse_weights_json(&deep).is_err());
    }

    fn arb_row() -> impl Strategy<Value = LearningRow> {
        let name = |names: &'static [&'static str]| {
            prop::option::weighted(0.85, prop::sample::select(names))
        };
        (
            -2.0..100.0f64,
            name(&["coach", "dataNerd", "teacher", "storyteller"]),
            name(&["sleep", "protein", "fiber"]),
            name(&["calm", "witty"]),
            name(&["single", "thread", "reply"]),
            name(&["news", "story"]),
            prop_oneof![
                8 => (0.0..=1.0f64).prop_map(Some),
                1 => Just(None),
                1 => prop::sample::select(vec![f64::NAN, f64::INFINITY, -0.5, 0.0, 1.0]).prop_map(Some),
            ],
        )
            .prop_map(|(age, g, t, tone, dt, slot, score)| {
                row(age, g, t, tone, dt, slot, score)
            })
    }

    fn arb_params() -> impl Strategy<Value = WeightParams> {
        (
            prop_oneof![Just(60.0), 1.0..120.0f64],
            prop_oneof![Just(3.0), 0.0..20.0f64],
        )
            .prop_map(|(window_days, k)| WeightParams {
                window_days,
                k,
                ..WeightParams::default()
            })
    }

    proptest! {
        #[test]
        fn weights_sum_to_one_and_are_non_negative(
            rows in prop::collection::vec(arb_row(), 0..60),
            p in arb_params(),
        ) {
            let r = weight_map_from_rows(&rows, now(), &p);
            let via_groups = weight_map_from_groups(&groups_from_rows(&rows, now(), &p), r.sample_size, &p);
            for map in [&r.map, &via_groups] {
                for (feature, values) in &map.weights {
                    prop_assert!(!values.is_empty());
                    let sum: f64 = values.values().sum();
                    prop_assert!((sum - 1.0).abs() < 1e-9, "{feature}: {sum}");
                    prop_assert!(values.values().all(|w| *w >= 0.0 && w.is_finite()));
                }
            }
        }

        #[test]
        fn weight_map_deterministic_and_order_independent(
            (rows, shuffled) in prop::collection::vec(arb_row(), 0..40)
                .prop_flat_map(|rows| (Just(rows.clone()), Just(rows).prop_shuffle())),
            p in arb_params(),
        ) {
            let a = weight_map_from_rows(&rows, now(), &p);
            let b = weight_map_from_rows(&rows, now(), &p);
            let c = weight_map_from_rows(&shuffled, now(), &p);
            prop_assert_eq!(&a, &b);
            prop_assert_eq!(&a, &c);
        }

        #[test]
        fn both_paths_agree_on_arbitrary_rows(
            rows in prop::collection::vec(arb_row(), 0..60),
            p in arb_params(),
        ) {
            let r = weight_map_from_rows(&rows, now(), &p);
            let via_groups = weight_map_from_groups(&groups_from_rows(&rows, now(), &p), r.sample_size, &p);
            assert_maps_close(&r.map, &via_groups);
        }

        #[test]
        fn parse_never_panics(s in ".{0,200}") {
            let _ = parse_weights_json(&s);
        }
    }
}
