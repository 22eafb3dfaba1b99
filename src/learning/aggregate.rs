//! Sufficient statistics per group value: what one single-pass SQL `GROUP BY` also produces.
//!
//! Why sums rather than rows: the leaderboard, shrinkage and weight map need only Σd, Σd·s, Σs, n and
//! the recent/prior split, so the database can aggregate 1,000,000 rows and ship one row per value.
//! This module is the in-memory twin of that query, used for tests, the demo and the naive benchmark.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::decay::{DecayParams, decay_weight};

/// Upper bound (exclusive, days) of the "recent" week of the weekly trend.
pub const RECENT_DAYS: f64 = 7.0;
/// Upper bound (exclusive, days) of the "prior" week of the weekly trend (lower bound is RECENT_DAYS).
pub const PRIOR_DAYS: f64 = 14.0;

/// Sufficient statistics of one group value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupSums {
    /// The group value ("coach").
    pub value: String,
    /// Rows included.
    pub n: u64,
    /// Σd (effective n).
    pub sum_d: f64,
    /// Σ(d·s).
    pub sum_ds: f64,
    /// Σs (undecayed).
    pub sum_s: f64,
    /// Rows with age < 7 days.
    pub n_recent: u64,
    /// Σs over those rows.
    pub sum_s_recent: f64,
    /// Rows with 7 ≤ age < 14 days.
    pub n_prior: u64,
    /// Σs over those rows.
    pub sum_s_prior: f64,
}

impl GroupSums {
    /// Empty sums for `value`.
    pub fn new(value: impl Into<String>) -> Self {
        GroupSums {
            value: value.into(),
            n: 0,
            sum_d: 0.0,
            sum_ds: 0.0,
            sum_s: 0.0,
            n_recent: 0,
            sum_s_recent: 0.0,
            n_prior: 0,
            sum_s_prior: 0.0,
        }
    }

    /// Adds one included row of (clamped, non-negative) `age_days`, score `s` and decay weight `d`.
    pub fn add(&mut self, age_days: f64, s: f64, d: f64) {
        self.n += 1;
        self.sum_d += d;
        self.sum_ds += d * s;
        self.sum_s += s;
        if age_days < RECENT_DAYS {
            self.n_recent += 1;
            self.sum_s_recent += s;
        } else if age_days < PRIOR_DAYS {
            self.n_prior += 1;
            self.sum_s_prior += s;
        }
    }

    /// Folds another partial aggregate of the same value into this one (parallel or paged passes).
    pub fn merge(&mut self, other: &GroupSums) {
        self.n += other.n;
        self.sum_d += other.sum_d;
        self.sum_ds += other.sum_ds;
        self.sum_s += other.sum_s;
        self.n_recent += other.n_recent;
        self.sum_s_recent += other.sum_s_recent;
        self.n_prior += other.n_prior;
        self.sum_s_prior += other.sum_s_prior;
    }
}

/// One scored row as seen by one feature.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Sample<'a> {
    /// The feature's value for this row.
    pub value: &'a str,
    /// Age in days at "now" (negative = future, treated as 0).
    pub age_days: f64,
    /// primary_objective_score.
    pub score: f64,
}

/// Aggregates samples into one [`GroupSums`] per value, sorted by value.
///
/// Rows outside `p.max_age_days` (or with NaN age) and rows with a non-finite score are skipped.
pub fn group_sums<'a>(
    samples: impl IntoIterator<Item = Sample<'a>>,
    p: &DecayParams,
) -> Vec<GroupSums> {
    let mut groups: BTreeMap<&'a str, GroupSums> = BTreeMap::new();
    for sample in samples {
        if !sample.score.is_finite() {
            continue;
        }
        let Some(d) = decay_weight(sample.age_days, p) else {
            continue;
        };
        groups
            .entry(sample.value)
            .or_insert_with(|| GroupSums::new(sample.value))
            .add(sample.age_days.max(0.0), sample.score, d);
    }
    groups.into_values().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::learning::decay::DecayContext;

    fn s(value: &str, age_days: f64, score: f64) -> Sample<'_> {
        Sample {
            value,
            age_days,
            score,
        }
    }

    #[test]
    fn sums_by_value_sorted_with_exclusions() {
        let p = DecayContext::Hook.params(); // λ 0.15, floor 0.10, max 30
        let rows = [
            s("story", 0.0, 0.5),
            s("question", 10.0, 0.2),
            s("question", 3.0, 0.6),
            s("question", 31.0, 0.9),    // beyond max_age
            s("story", 1.0, f64::NAN),   // bad score
            s("story", f64::NAN, 0.4),   // bad age
            s("story", -2.0, 0.3),       // future: age 0
            s("statistic", 20.0, 1.0),   // floor
            s("statistic", 14.0, 0.0),   // neither recent nor prior
            s("statistic", 7.0, 0.25),   // prior (inclusive lower bound)
            s("statistic", 6.999, 0.75), // recent
        ];
        let g = group_sums(rows, &p);
        let names: Vec<_> = g.iter().map(|x| x.value.as_str()).collect();
        assert_eq!(names, ["question", "statistic", "story"]);

        let q = &g[0];
        let d10 = (-1.5f64).exp();
        let d3 = (-0.45f64).exp();
        assert_eq!(q.n, 2);
        assert!((q.sum_d - (d10 + d3)).abs() < 1e-12);
        assert!((q.sum_ds - (d10 * 0.2 + d3 * 0.6)).abs() < 1e-12);
        assert!((q.sum_s - 0.8).abs() < 1e-12);
        assert_eq!((q.n_recent, q.n_prior), (1, 1));
        assert_eq!((q.sum_s_recent, q.sum_s_prior), (0.6, 0.2));

        let st = &g[1];
        assert_eq!(st.n, 4);
        assert_eq!((st.n_recent, st.n_prior), (1, 1));
        assert_eq!((st.sum_s_recent, st.sum_s_prior), (0.75, 0.25));
        let expect_d = 0.1 + (-2.1f64).exp() + (-1.05f64).exp() + (-0.15f64 * 6.999).exp();
        assert!((st.sum_d - expect_d).abs() < 1e-12);

        let story = &g[2];
        assert_eq!(story.n, 2);
        assert_eq!(story.sum_d, 2.0);
        assert!((story.sum_ds - 0.8).abs() < 1e-12);
        assert_eq!(story.n_recent, 2);
    }

    #[test]
    fn empty_input_and_merge() {
        let p = DecayContext::Default.params();
        assert!(group_sums(std::iter::empty(), &p).is_empty());
        let all = group_sums([s("a", 1.0, 0.5), s("a", 8.0, 0.25)], &p);
        let mut first = group_sums([s("a", 1.0, 0.5)], &p).remove(0);
        let second = group_sums([s("a", 8.0, 0.25)], &p).remove(0);
        first.merge(&second);
        assert_eq!(vec![first], all);
    }
}
