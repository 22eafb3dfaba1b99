//! The content calendar: two slots per weekday in the configured timezone, and which one to use now.
//!
//! Why local dates: "Monday" is the audience's Monday, so the weekday comes from the configured IANA
//! zone, and a day's UTC bounds are computed from local midnights (23 or 25 hours on DST days).

use std::collections::{BTreeMap, HashMap};

use chrono::{
    DateTime, Datelike, Duration, LocalResult, NaiveDate, NaiveTime, TimeZone, Utc, Weekday,
};
use chrono_tz::Tz;

use super::vocab::{SlotDef, all_slots};

// Positions in SLOTS (spec order), named so the weekday table reads like the spec.
const MYTH_BUSTING: usize = 0;
const FRAMEWORK: usize = 1;
const RESEARCH: usize = 2;
const PRACTICAL_TIP: usize = 3;
const CASE_STUDY: usize = 4;
const TREND_ANALYSIS: usize = 5;
const COMPARISON: usize = 6;
const DEEP_DIVE: usize = 7;
const QUESTION: usize = 8;
const STORY: usize = 9;
const NEWS: usize = 10;
const EDUCATIONAL: usize = 11;

/// The two slots of a weekday (spec section 4).
pub fn slots_for_weekday(weekday: Weekday) -> [&'static SlotDef; 2] {
    let [a, b] = match weekday {
        Weekday::Sun => [EDUCATIONAL, FRAMEWORK],
        Weekday::Mon => [FRAMEWORK, RESEARCH],
        Weekday::Tue => [PRACTICAL_TIP, MYTH_BUSTING],
        Weekday::Wed => [CASE_STUDY, DEEP_DIVE],
        Weekday::Thu => [COMPARISON, TREND_ANALYSIS],
        Weekday::Fri => [QUESTION, STORY],
        Weekday::Sat => [PRACTICAL_TIP, NEWS],
    };
    let slots = all_slots();
    [&slots[a], &slots[b]]
}

/// The calendar date at `now` in `tz`.
pub fn local_date(now: DateTime<Utc>, tz: Tz) -> NaiveDate {
    now.with_timezone(&tz).date_naive()
}

/// Today's date in `tz` and its two slots.
pub fn todays_slots(now: DateTime<Utc>, tz: Tz) -> (NaiveDate, [&'static SlotDef; 2]) {
    let date = local_date(now, tz);
    (date, slots_for_weekday(date.weekday()))
}

/// Today and the next 6 days with their slots (shorter only at the end of chrono's date range).
pub fn week(now: DateTime<Utc>, tz: Tz) -> Vec<(NaiveDate, [&'static SlotDef; 2])> {
    let start = local_date(now, tz);
    start
        .iter_days()
        .take(7)
        .map(|d| (d, slots_for_weekday(d.weekday())))
        .collect()
}

/// The first instant of local `date` in `tz`, as UTC.
///
/// Midnight that happens twice takes the earlier; midnight skipped by a DST jump (some zones shift at
/// 00:00) takes the first local time that exists, probing in 15-minute steps. Dates chrono cannot
/// place in the zone fall back to UTC midnight, so this never panics.
fn local_day_start(date: NaiveDate, tz: Tz) -> DateTime<Utc> {
    let midnight = date.and_time(NaiveTime::MIN);
    for step in 0..=(24 * 4) {
        let Some(local) = midnight.checked_add_signed(Duration::minutes(15 * step)) else {
            break;
        };
        match tz.from_local_datetime(&local) {
            LocalResult::Single(t) => return t.with_timezone(&Utc),
            LocalResult::Ambiguous(earliest, _) => return earliest.with_timezone(&Utc),
            LocalResult::None => continue,
        }
    }
    midnight.and_utc()
}

/// UTC bounds `[start, end)` of local `date` in `tz`: from its local midnight to the next one.
/// DST-safe: a spring-forward day is 23 hours long, a fall-back day 25.
pub fn day_bounds_utc(date: NaiveDate, tz: Tz) -> (DateTime<Utc>, DateTime<Utc>) {
    let start = local_day_start(date, tz);
    let end = match date.succ_opt() {
        Some(next) => local_day_start(next, tz),
        None => start
            .checked_add_signed(Duration::days(1))
            .unwrap_or(DateTime::<Utc>::MAX_UTC),
    };
    (start, end.max(start))
}

/// Picks which of today's two slots to fill: the one not used most recently.
///
/// Order of preference: never used (absent from `last_used`) beats used; among used, the older last
/// use wins; ties (both never used, or the same instant) go to the higher slot weight (missing or
/// non-finite weight counts as 0), then to the first slot of the day.
pub fn pick_slot<'a>(
    today: [&'a SlotDef; 2],
    last_used: &HashMap<String, DateTime<Utc>>,
    slot_weights: Option<&BTreeMap<String, f64>>,
) -> &'a SlotDef {
    let [first, second] = today;
    let used = |s: &SlotDef| last_used.get(s.name).copied();
    let weight = |s: &SlotDef| {
        slot_weights
            .and_then(|w| w.get(s.name))
            .copied()
            .filter(|w| w.is_finite())
            .unwrap_or(0.0)
    };
    // None < Some(t), and earlier < later: the smaller "last used" is the better pick.
    let by_recency = used(first).cmp(&used(second));
    let choose_second = match by_recency {
        std::cmp::Ordering::Less => false,
        std::cmp::Ordering::Greater => true,
        std::cmp::Ordering::Equal => weight(second) > weight(first),
    };
    if choose_second { second } else { first }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::learning::vocab::SLOTS;

    fn names(s: [&SlotDef; 2]) -> [&str; 2] {
        [s[0].name, s[1].name]
    }

    #[test]
    fn weekday_table_matches_spec() {
        use Weekday::*;
        let expect = [
            (Sun, ["educational", "framework"]),
            (Mon, ["framework", "research"]),
            (Tue, ["practical_tip", "myth_busting"]),
            (Wed, ["case_study", "deep_dive"]),
            (Thu, ["comparison", "trend_analysis"]),
            (Fri, ["question", "story"]),
            (Sat, ["practical_tip", "news"]),
        ];
        for (day, pair) in expect {
            assert_eq!(names(slots_for_weekday(day)), pair, "{day}");
        }
        // Positions used by the table really are those slots.
        assert_eq!(SLOTS[TREND_ANALYSIS].name, "trend_analysis");
        assert_eq!(SLOTS[CASE_STUDY].name, "case_study");
        assert_eq!(SLOTS[COMPARISON].name, "comparison");
        assert_eq!(SLOTS[DEEP_DIVE].name, "deep_dive");
        assert_eq!(SLOTS[QUESTION].name, "question");
        assert_eq!(SLOTS[STORY].name, "story");
    }

    fn utc(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, min, 0).unwrap()
    }

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn auckland_near_midnight() {
        let tz: Tz = "Pacific/Auckland".parse().unwrap();
        // NZST is UTC+12 in June. 11:30Z on Sunday 15 June = 23:30 Sunday in Auckland.
        let (d, s) = todays_slots(utc(2025, 6, 15, 11, 30), tz);
        assert_eq!(d, date(2025, 6, 15));
        assert_eq!(names(s), ["educational", "framework"]);
        // 12:30Z = 00:30 Monday in Auckland while it is still Sunday in UTC.
        let (d, s) = todays_slots(utc(2025, 6, 15, 12, 30), tz);
        assert_eq!(d, date(2025, 6, 16));
        assert_eq!(names(s), ["framework", "research"]);
        assert_eq!(
            local_date(utc(2025, 6, 15, 12, 30), Tz::UTC),
            date(2025, 6, 15)
        );
        // 16 June starts at 12:00Z on the 15th.
        let (start, end) = day_bounds_utc(date(2025, 6, 16), tz);
        assert_eq!(start, utc(2025, 6, 15, 12, 0));
        assert_eq!(end - start, Duration::hours(24));
        // NZ spring-forward (28 Sep 2025, 02:00 → 03:00 NZDT): a 23-hour day.
        let (start, end) = day_bounds_utc(date(2025, 9, 28), tz);
        assert_eq!(start, utc(2025, 9, 27, 12, 0));
        assert_eq!(end - start, Duration::hours(23));
    }

    #[test]
    fn new_york_dst_days() {
        let tz: Tz = "America/New_York".parse().unwrap();
        // Spring forward: Sunday 9 March 2025 is 23 hours long.
        let (start, end) = day_bounds_utc(date(2025, 3, 9), tz);
        assert_eq!(start, utc(2025, 3, 9, 5, 0));
        assert_eq!(end, utc(2025, 3, 10, 4, 0));
        assert_eq!(end - start, Duration::hours(23));
        // Fall back: Sunday 2 November 2025 is 25 hours long.
        let (start, end) = day_bounds_utc(date(2025, 11, 2), tz);
        assert_eq!(start, utc(2025, 11, 2, 4, 0));
        assert_eq!(end, utc(2025, 11, 3, 5, 0));
        assert_eq!(end - start, Duration::hours(25));
        // An ordinary day.
        let (start, end) = day_bounds_utc(date(2025, 7, 4), tz);
        assert_eq!(
            (start, end - start),
            (utc(2025, 7, 4, 4, 0), Duration::hours(24))
        );
        // 03:30Z on Monday 10 March is still Sunday evening in New York.
        let (d, s) = todays_slots(utc(2025, 3, 10, 3, 30), tz);
        assert_eq!(d, date(2025, 3, 9));
        assert_eq!(names(s), ["educational", "framework"]);
    }

    #[test]
    fn midnight_skipped_by_dst() {
        // America/Havana springs forward at 00:00 → 01:00 (9 March 2025): the day starts at 01:00.
        let tz: Tz = "America/Havana".parse().unwrap();
        let (start, end) = day_bounds_utc(date(2025, 3, 9), tz);
        assert_eq!(start, utc(2025, 3, 9, 5, 0));
        assert_eq!(end - start, Duration::hours(23));
    }

    #[test]
    fn extreme_dates_do_not_panic() {
        let tz: Tz = "Pacific/Kiritimati".parse().unwrap();
        let (s, e) = day_bounds_utc(NaiveDate::MAX, tz);
        assert!(e >= s);
        let (s, e) = day_bounds_utc(NaiveDate::MIN, tz);
        assert!(e >= s);
        assert!(week(DateTime::<Utc>::MAX_UTC, Tz::UTC).len() <= 7);
    }

    #[test]
    fn week_starts_today_in_the_zone() {
        let tz: Tz = "Pacific/Auckland".parse().unwrap();
        let w = week(utc(2025, 6, 15, 12, 30), tz);
        assert_eq!(w.len(), 7);
        assert_eq!(w[0].0, date(2025, 6, 16));
        assert_eq!(w[6].0, date(2025, 6, 22));
        assert_eq!(names(w[0].1), ["framework", "research"]);
        assert_eq!(names(w[6].1), ["educational", "framework"]);
    }

    #[test]
    fn pick_slot_rules() {
        let today = slots_for_weekday(Weekday::Wed); // case_study, deep_dive
        let mut used = HashMap::new();
        // Neither used, no weights: first.
        assert_eq!(pick_slot(today, &used, None).name, "case_study");
        // Neither used: the higher weight wins.
        let w = BTreeMap::from([
            ("deep_dive".to_string(), 0.2),
            ("case_study".to_string(), 0.1),
        ]);
        assert_eq!(pick_slot(today, &used, Some(&w)).name, "deep_dive");
        // Never used beats used.
        used.insert("case_study".to_string(), utc(2025, 1, 1, 0, 0));
        assert_eq!(pick_slot(today, &used, None).name, "deep_dive");
        // Both used: the one used longer ago.
        used.insert("deep_dive".to_string(), utc(2025, 1, 2, 0, 0));
        assert_eq!(pick_slot(today, &used, Some(&w)).name, "case_study");
        // Same instant: weight, then order; NaN weight counts as 0.
        used.insert("deep_dive".to_string(), utc(2025, 1, 1, 0, 0));
        assert_eq!(pick_slot(today, &used, Some(&w)).name, "deep_dive");
        let nan = BTreeMap::from([("deep_dive".to_string(), f64::NAN)]);
        assert_eq!(pick_slot(today, &used, Some(&nan)).name, "case_study");
        // Saturday's practical_tip + news, practical_tip used Tuesday.
        let sat = slots_for_weekday(Weekday::Sat);
        let used = HashMap::from([("practical_tip".to_string(), utc(2025, 1, 7, 9, 0))]);
        assert_eq!(pick_slot(sat, &used, None).name, "news");
    }
}
