//! The primary objective: follower attribution, engagement rate and `primary_objective_score` v2.
//!
//! Why v2: the original `0.4·ER + 0.6·sigmoid(fgw)` gave 0.046 to a post with no engagement and no
//! followers and capped ER's share near 0.02, so every threshold above 0.1 was dead. v2 saturates both
//! terms on a meaningful scale and a post that did nothing scores exactly 0. "Not measured" is `None`
//! everywhere, never 0, so missing data cannot masquerade as a bad post.

use serde::{Deserialize, Serialize};

/// `outcomes.score_version` written alongside a v2 score.
pub const SCORE_VERSION: i32 = 2;

/// A tunable outside its valid range. Display: `tau must be a finite number > 0 (got NaN)`.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{name} must be {expected} (got {value})")]
pub struct InvalidParam {
    /// Parameter name as it appears in config ("er_ref").
    pub name: &'static str,
    /// The rejected value.
    pub value: f64,
    /// The valid range in words ("a finite number > 0").
    pub expected: &'static str,
}

/// `Ok` when `value` is finite and > 0, else an [`InvalidParam`] naming it.
pub fn check_positive(name: &'static str, value: f64) -> Result<(), InvalidParam> {
    if value.is_finite() && value > 0.0 {
        Ok(())
    } else {
        Err(InvalidParam {
            name,
            value,
            expected: "a finite number > 0",
        })
    }
}

/// Scales of the two objective terms.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ObjectiveParams {
    /// Engagement rate that earns the full ER share (0.4).
    pub er_ref: f64,
    /// Follower scale τ: fgw = τ earns 1 − 1/e of the follower share (0.6).
    pub tau: f64,
}

impl Default for ObjectiveParams {
    fn default() -> Self {
        ObjectiveParams {
            er_ref: 0.05,
            tau: 10.0,
        }
    }
}

impl ObjectiveParams {
    /// Both parameters must be finite and > 0.
    pub fn validate(&self) -> Result<(), InvalidParam> {
        check_positive("er_ref", self.er_ref)?;
        check_positive("tau", self.tau)
    }
}

/// One row of `post_follower_tracking`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct FollowerSnapshot {
    /// 0, 2, 24 or 48.
    pub hours_after_post: i32,
    /// Account follower count at that time; NULL when the scrape failed.
    pub follower_count: Option<i64>,
}

/// Followers attributed to one post.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Attribution {
    /// max(0, count at `from_hours` − count at 0h).
    pub gained: i64,
    /// 0.85 (24h), 0.75 (48h) or 0.60 (2h).
    pub confidence: f64,
    /// gained × confidence: `outcomes.followers_gained_weighted`.
    pub weighted: f64,
    /// Which later snapshot was used.
    pub from_hours: i32,
}

/// Later snapshots in order of preference, with their confidence. 24h is preferred: long enough to
/// catch the post's followers, short enough that other posts have not blurred it much.
pub const ATTRIBUTION_WINDOWS: [(i32, f64); 3] = [(24, 0.85), (48, 0.75), (2, 0.60)];

/// The first usable (non-NULL, non-negative) count at `hours`, in slice order.
fn count_at(snapshots: &[FollowerSnapshot], hours: i32) -> Option<i64> {
    snapshots
        .iter()
        .filter(|s| s.hours_after_post == hours)
        .find_map(|s| s.follower_count.filter(|c| *c >= 0))
}

/// Attributes followers to a post from its snapshots.
///
/// A snapshot with a NULL or negative count is treated as missing, so a broken 24h scrape falls back
/// to 48h, then 2h. `None` (not measured, never 0) when there is no usable 0h baseline or no usable
/// later snapshot. A drop in followers counts as 0 gained.
pub fn attribute_followers(snapshots: &[FollowerSnapshot]) -> Option<Attribution> {
    let base = count_at(snapshots, 0)?;
    ATTRIBUTION_WINDOWS.iter().find_map(|&(hours, confidence)| {
        let later = count_at(snapshots, hours)?;
        let gained = later.saturating_sub(base).max(0);
        Some(Attribution {
            gained,
            confidence,
            weighted: gained as f64 * confidence,
            from_hours: hours,
        })
    })
}

/// Raw engagement counts of one post (NULL = not collected).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EngagementCounts {
    /// Likes.
    pub likes: Option<i64>,
    /// Retweets/reposts.
    pub retweets: Option<i64>,
    /// Replies.
    pub replies: Option<i64>,
    /// Views (preferred denominator).
    pub views: Option<i64>,
    /// Impressions (denominator when views are missing or 0).
    pub impressions: Option<i64>,
}

/// (likes + retweets + replies) / views, or / impressions when views are NULL or 0.
///
/// `None` when any numerator count is NULL or negative, when the chosen denominator is negative, or
/// when no denominator above 0 exists. May exceed 1 (the objective caps the ER term anyway).
pub fn engagement_rate(c: &EngagementCounts) -> Option<f64> {
    let valid = |v: Option<i64>| v.filter(|x| *x >= 0);
    let numerator = valid(c.likes)?
        .checked_add(valid(c.retweets)?)?
        .checked_add(valid(c.replies)?)?;
    let denominator = match c.views {
        // A negative view count is corrupt data, not "missing": do not paper over it.
        Some(v) if v < 0 => return None,
        Some(v) if v > 0 => v,
        _ => valid(c.impressions).filter(|i| *i > 0)?,
    };
    sanitize_metric(Some(numerator as f64 / denominator as f64))
}

/// Keeps a metric only when it is finite and ≥ 0 (NaN, ±∞ and negatives become `None`; −0 becomes 0).
pub fn sanitize_metric(v: Option<f64>) -> Option<f64> {
    v.filter(|x| x.is_finite() && *x >= 0.0)
        .map(|x| if x == 0.0 { 0.0 } else { x })
}

/// `primary_objective_score` v2 = clamp01(0.4·min(1, ER/er_ref) + 0.6·(1 − e^(−fgw/τ))).
///
/// `None` when either input is missing, NaN, infinite or negative, or when the params are invalid.
pub fn objective_score(er: Option<f64>, fgw: Option<f64>, p: &ObjectiveParams) -> Option<f64> {
    let er = sanitize_metric(er)?;
    let fgw = sanitize_metric(fgw)?;
    p.validate().ok()?;
    let er_term = (er / p.er_ref).min(1.0);
    let follower_term = 1.0 - (-fgw / p.tau).exp();
    let score = 0.4 * er_term + 0.6 * follower_term;
    score.is_finite().then(|| score.clamp(0.0, 1.0))
}

/// Everything the objective_scores job writes for one outcome.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ScoredOutcome {
    /// `outcomes.engagement_rate`.
    pub engagement_rate: Option<f64>,
    /// The attribution behind `followers_gained_weighted`.
    pub attribution: Option<Attribution>,
    /// `outcomes.followers_gained_weighted`.
    pub followers_gained_weighted: Option<f64>,
    /// `outcomes.primary_objective_score`.
    pub score: Option<f64>,
    /// Always [`SCORE_VERSION`].
    pub score_version: i32,
}

/// Convenience: engagement rate, attribution and score of one outcome in one call.
pub fn score_outcome(
    counts: &EngagementCounts,
    snapshots: &[FollowerSnapshot],
    p: &ObjectiveParams,
) -> ScoredOutcome {
    let er = engagement_rate(counts);
    let attribution = attribute_followers(snapshots);
    let fgw = attribution.map(|a| a.weighted);
    ScoredOutcome {
        engagement_rate: er,
        attribution,
        followers_gained_weighted: fgw,
        score: objective_score(er, fgw, p),
        score_version: SCORE_VERSION,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn snap(h: i32, c: Option<i64>) -> FollowerSnapshot {
        FollowerSnapshot {
            hours_after_post: h,
            follower_count: c,
        }
    }

    const P: ObjectiveParams = ObjectiveParams {
        er_ref: 0.05,
        tau: 10.0,
    };

    #[test]
    fn zero_post_scores_exactly_zero() {
        assert_eq!(objective_score(Some(0.0), Some(0.0), &P), Some(0.0));
        assert_eq!(objective_score(Some(-0.0), Some(0.0), &P), Some(0.0));
    }

    #[test]
    fn reference_point() {
        let s = objective_score(Some(0.05), Some(10.0), &P).unwrap();
        let expect = 0.4 + 0.6 * (1.0 - (-1.0f64).exp());
        assert!((s - expect).abs() < 1e-12, "{s} vs {expect}");
        assert!((s - 0.779_272_335_297_134_7).abs() < 1e-12);
    }

    #[test]
    fn er_above_reference_is_capped() {
        let a = objective_score(Some(0.05), Some(0.0), &P).unwrap();
        let b = objective_score(Some(0.9), Some(0.0), &P).unwrap();
        assert_eq!(a, 0.4);
        assert_eq!(b, 0.4);
        assert_eq!(objective_score(Some(0.025), Some(0.0), &P), Some(0.2));
        let max = objective_score(Some(5.0), Some(1e9), &P).unwrap();
        assert!((max - 1.0).abs() < 1e-12 && max <= 1.0);
    }

    #[test]
    fn missing_or_bad_inputs_are_none() {
        for bad in [None, Some(f64::NAN), Some(f64::INFINITY), Some(-0.1)] {
            assert_eq!(objective_score(bad, Some(1.0), &P), None);
            assert_eq!(objective_score(Some(0.01), bad, &P), None);
            assert_eq!(sanitize_metric(bad), None);
        }
        let bad_params = ObjectiveParams {
            er_ref: 0.0,
            tau: 10.0,
        };
        assert_eq!(objective_score(Some(0.01), Some(1.0), &bad_params), None);
        assert_eq!(sanitize_metric(Some(0.3)), Some(0.3));
    }

    #[test]
    fn params_validation() {
        assert!(ObjectiveParams::default().validate().is_ok());
        let e = ObjectiveParams {
            er_ref: 0.05,
            tau: f64::NAN,
        }
        .validate()
        .unwrap_err();
        assert_eq!(e.to_string(), "tau must be a finite number > 0 (got NaN)");
        assert!(
            ObjectiveParams {
                er_ref: -1.0,
                tau: 1.0
            }
            .validate()
            .is_err()
        );
    }

    #[test]
    fn attribution_prefers_24h_then_48h_then_2h() {
        let all = [
            snap(0, Some(1000)),
            snap(2, Some(1003)),
            snap(24, Some(1010)),
            snap(48, Some(1020)),
        ];
        let a = attribute_followers(&all).unwrap();
        assert_eq!((a.gained, a.from_hours), (10, 24));
        assert_eq!(a.confidence, 0.85);
        assert!((a.weighted - 8.5).abs() < 1e-12);

        let no24 = [
            snap(0, Some(1000)),
            snap(2, Some(1003)),
            snap(48, Some(1020)),
        ];
        let a = attribute_followers(&no24).unwrap();
        assert_eq!((a.gained, a.from_hours, a.confidence), (20, 48, 0.75));
        assert_eq!(a.weighted, 15.0);

        let only2 = [snap(0, Some(1000)), snap(2, Some(1003))];
        let a = attribute_followers(&only2).unwrap();
        assert_eq!((a.gained, a.from_hours, a.confidence), (3, 2, 0.60));
        assert!((a.weighted - 1.8).abs() < 1e-12);

        // A NULL or negative 24h count is missing: falls back to 48h.
        let broken24 = [snap(0, Some(1000)), snap(24, None), snap(48, Some(1001))];
        assert_eq!(attribute_followers(&broken24).unwrap().from_hours, 48);
        let neg24 = [snap(0, Some(1000)), snap(24, Some(-5)), snap(2, Some(1001))];
        assert_eq!(attribute_followers(&neg24).unwrap().from_hours, 2);
    }

    #[test]
    fn negative_delta_counts_as_zero() {
        let lost = [snap(0, Some(1000)), snap(24, Some(990))];
        let a = attribute_followers(&lost).unwrap();
        assert_eq!(a.gained, 0);
        assert_eq!(a.weighted, 0.0);
        let extreme = [snap(0, Some(i64::MAX)), snap(24, Some(0))];
        assert_eq!(attribute_followers(&extreme).unwrap().gained, 0);
    }

    #[test]
    fn unmeasured_attribution_is_none() {
        assert_eq!(attribute_followers(&[]), None);
        assert_eq!(attribute_followers(&[snap(24, Some(10))]), None);
        assert_eq!(attribute_followers(&[snap(0, Some(10))]), None);
        assert_eq!(
            attribute_followers(&[snap(0, None), snap(24, Some(10))]),
            None
        );
        assert_eq!(
            attribute_followers(&[snap(0, Some(-1)), snap(24, Some(10))]),
            None
        );
        assert_eq!(
            attribute_followers(&[snap(0, Some(5)), snap(24, None), snap(7, Some(9))]),
            None
        );
    }

    #[test]
    fn engagement_rate_cases() {
        let c = EngagementCounts {
            likes: Some(30),
            retweets: Some(10),
            replies: Some(10),
            views: Some(1000),
            impressions: Some(2000),
        };
        assert_eq!(engagement_rate(&c), Some(0.05));
        let no_views = EngagementCounts { views: None, ..c };
        assert_eq!(engagement_rate(&no_views), Some(0.025));
        let zero_views = EngagementCounts {
            views: Some(0),
            ..c
        };
        assert_eq!(engagement_rate(&zero_views), Some(0.025));
        let nothing = EngagementCounts {
            views: Some(0),
            impressions: Some(0),
            ..c
        };
        assert_eq!(engagement_rate(&nothing), None);
        assert_eq!(
            engagement_rate(&EngagementCounts {
                views: None,
                impressions: None,
                ..c
            }),
            None
        );
        assert_eq!(
            engagement_rate(&EngagementCounts { likes: None, ..c }),
            None
        );
        assert_eq!(
            engagement_rate(&EngagementCounts {
                replies: Some(-1),
                ..c
            }),
            None
        );
        assert_eq!(
            engagement_rate(&EngagementCounts {
                views: Some(-10),
                ..c
            }),
            None
        );
        let zero = EngagementCounts {
            likes: Some(0),
            retweets: Some(0),
            replies: Some(0),
            views: Some(50),
            impressions: None,
        };
        assert_eq!(engagement_rate(&zero), Some(0.0));
        let overflow = EngagementCounts {
            likes: Some(i64::MAX),
            retweets: Some(1),
            ..zero
        };
        assert_eq!(engagement_rate(&overflow), None);
    }

    #[test]
    fn score_outcome_combines_everything() {
        let counts = EngagementCounts {
            likes: Some(5),
            retweets: Some(0),
            replies: Some(0),
            views: Some(100),
            impressions: None,
        };
        let snaps = [snap(0, Some(100)), snap(24, Some(100))];
        let s = score_outcome(&counts, &snaps, &P);
        assert_eq!(s.engagement_rate, Some(0.05));
        assert_eq!(s.followers_gained_weighted, Some(0.0));
        assert_eq!(s.score, Some(0.4));
        assert_eq!(s.score_version, 2);
        let unmeasured = score_outcome(&counts, &[], &P);
        assert_eq!(unmeasured.followers_gained_weighted, None);
        assert_eq!(unmeasured.score, None);
    }

    fn any_metric() -> impl Strategy<Value = Option<f64>> {
        prop_oneof![
            Just(None),
            any::<f64>().prop_map(Some),
            (0.0..2.0f64).prop_map(Some),
            (0.0..1e6f64).prop_map(Some),
        ]
    }

    proptest! {
        #[test]
        fn score_always_in_unit_interval(
            er in any_metric(),
            fgw in any_metric(),
            er_ref in any::<f64>(),
            tau in any::<f64>(),
        ) {
            let p = ObjectiveParams { er_ref, tau };
            for params in [p, ObjectiveParams::default()] {
                if let Some(s) = objective_score(er, fgw, &params) {
                    prop_assert!((0.0..=1.0).contains(&s), "{s}");
                }
            }
        }

        #[test]
        fn attribution_never_negative(
            snaps in prop::collection::vec(
                (prop::sample::select(vec![0, 2, 24, 48, 7]), prop::option::of(any::<i64>())),
                0..8,
            )
        ) {
            let snaps: Vec<_> = snaps.into_iter().map(|(h, c)| snap(h, c)).collect();
            if let Some(a) = attribute_followers(&snaps) {
                prop_assert!(a.gained >= 0);
                prop_assert!(a.weighted >= 0.0 && a.weighted.is_finite());
            }
        }

        #[test]
        fn engagement_rate_never_negative_or_nan(
            l in prop::option::of(any::<i64>()),
            r in prop::option::of(any::<i64>()),
            p in prop::option::of(any::<i64>()),
            v in prop::option::of(any::<i64>()),
            i in prop::option::of(any::<i64>()),
        ) {
            let c = EngagementCounts { likes: l, retweets: r, replies: p, views: v, impressions: i };
            if let Some(er) = engagement_rate(&c) {
                prop_assert!(er.is_finite() && er >= 0.0);
            }
        }
    }
}
