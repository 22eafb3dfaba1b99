//! Model prices and token estimates.
//!
//! Why prefix matching with a '-' boundary: providers return dated names (`gpt-4o-mini-2024-07-18`),
//! and a naive "starts with" would price that as `gpt-4o`, 16× too dear. Why the dearest price for an
//! unknown model: over-estimating spend can only make the budget stricter, never let it overrun.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::learning::objective::InvalidParam;

/// Price of a model in US dollars per 1,000,000 tokens.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ModelPrice {
    /// $ per 1M prompt tokens.
    pub input_per_m: f64,
    /// $ per 1M completion tokens.
    pub output_per_m: f64,
}

impl ModelPrice {
    /// Both prices must be finite and ≥ 0.
    pub fn validate(&self) -> Result<(), InvalidParam> {
        for (name, value) in [
            ("input_per_m", self.input_per_m),
            ("output_per_m", self.output_per_m),
        ] {
            if !(value.is_finite() && value >= 0.0) {
                return Err(InvalidParam {
                    name,
                    value,
                    expected: "a finite price >= 0",
                });
            }
        }
        Ok(())
    }
}

/// How a model name was matched to a price.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum PriceMatch {
    /// The name is in the table.
    Exact,
    /// Priced as this known family (the longest known prefix followed by '-').
    Prefix(String),
    /// Not known: priced at the dearest known price (warn about it).
    Unknown,
}

/// Known model prices, keyed by lower-case model name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PriceTable {
    prices: BTreeMap<String, ModelPrice>,
}

/// Used only if a table were somehow empty: the dearest default (gpt-4-turbo).
const FALLBACK_PRICE: ModelPrice = ModelPrice {
    input_per_m: 10.0,
    output_per_m: 30.0,
};

impl Default for PriceTable {
    fn default() -> Self {
        let prices = [
            ("gpt-4o-mini", 0.15, 0.60),
            ("gpt-4o", 2.50, 10.00),
            ("gpt-4-turbo", 10.00, 30.00),
            ("gpt-3.5-turbo", 0.50, 1.50),
        ]
        .into_iter()
        .map(|(name, input_per_m, output_per_m)| {
            (
                name.to_owned(),
                ModelPrice {
                    input_per_m,
                    output_per_m,
                },
            )
        })
        .collect();
        PriceTable { prices }
    }
}

impl PriceTable {
    /// Adds or replaces one model's price (from config). Names are matched case-insensitively.
    pub fn with_override(mut self, name: &str, price: ModelPrice) -> Result<Self, InvalidParam> {
        price.validate()?;
        self.prices.insert(name.trim().to_ascii_lowercase(), price);
        Ok(self)
    }

    /// Known models and prices, sorted by name.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &ModelPrice)> {
        self.prices.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// The dearest known price (by output price, then input price).
    pub fn dearest(&self) -> ModelPrice {
        self.prices
            .values()
            .copied()
            .max_by(|a, b| {
                a.output_per_m
                    .total_cmp(&b.output_per_m)
                    .then(a.input_per_m.total_cmp(&b.input_per_m))
            })
            .unwrap_or(FALLBACK_PRICE)
    }

    /// Prices a model name: exact name, then the longest known prefix followed by '-'
    /// (`gpt-4o-mini-2024-07-18` → gpt-4o-mini, `gpt-4o-2024-08-06` → gpt-4o), else the dearest
    /// known price with [`PriceMatch::Unknown`]. Case-insensitive; surrounding spaces ignored.
    pub fn price_for(&self, model: &str) -> (ModelPrice, PriceMatch) {
        let name = model.trim().to_ascii_lowercase();
        if let Some(p) = self.prices.get(&name) {
            return (*p, PriceMatch::Exact);
        }
        let family = self
            .prices
            .iter()
            .filter(|(known, _)| {
                name.strip_prefix(known.as_str())
                    .is_some_and(|rest| rest.starts_with('-'))
            })
            .max_by_key(|(known, _)| known.len());
        match family {
            Some((known, p)) => (*p, PriceMatch::Prefix(known.clone())),
            None => (self.dearest(), PriceMatch::Unknown),
        }
    }
}

/// Cost in dollars of a call. Invalid (NaN, negative) price components count as 0.
pub fn cost_usd(price: &ModelPrice, prompt_tokens: u64, completion_tokens: u64) -> f64 {
    let per_m = |p: f64| if p.is_finite() && p > 0.0 { p } else { 0.0 };
    (prompt_tokens as f64 * per_m(price.input_per_m)
        + completion_tokens as f64 * per_m(price.output_per_m))
        / 1_000_000.0
}

/// Prompt tokens estimated from characters: chars / 4, rounded up.
pub fn estimate_prompt_tokens(prompt_chars: usize) -> u64 {
    prompt_chars.div_ceil(4) as u64
}

/// Tokens to reserve before a call: (estimated prompt tokens, max completion tokens).
pub fn reservation_tokens(prompt_chars: usize, max_tokens: u32) -> (u64, u64) {
    (estimate_prompt_tokens(prompt_chars), u64::from(max_tokens))
}

/// Dollars to reserve before a call (the worst case: the full max_tokens completion).
pub fn reservation_usd(price: &ModelPrice, prompt_chars: usize, max_tokens: u32) -> f64 {
    let (prompt, completion) = reservation_tokens(prompt_chars, max_tokens);
    cost_usd(price, prompt, completion)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn price(i: f64, o: f64) -> ModelPrice {
        ModelPrice {
            input_per_m: i,
            output_per_m: o,
        }
    }

    #[test]
    fn matching_examples() {
        let t = PriceTable::default();
        assert_eq!(
            t.price_for("gpt-4o-mini"),
            (price(0.15, 0.60), PriceMatch::Exact)
        );
        assert_eq!(
            t.price_for("gpt-4o"),
            (price(2.50, 10.0), PriceMatch::Exact)
        );
        assert_eq!(
            t.price_for("gpt-4o-mini-2024-07-18"),
            (price(0.15, 0.60), PriceMatch::Prefix("gpt-4o-mini".into()))
        );
        assert_eq!(
            t.price_for("gpt-4o-2024-08-06"),
            (price(2.50, 10.0), PriceMatch::Prefix("gpt-4o".into()))
        );
        assert_eq!(
            t.price_for("gpt-4-turbo-preview"),
            (price(10.0, 30.0), PriceMatch::Prefix("gpt-4-turbo".into()))
        );
        assert_eq!(
            t.price_for("gpt-3.5-turbo-0125"),
            (price(0.5, 1.5), PriceMatch::Prefix("gpt-3.5-turbo".into()))
        );
        assert_eq!(
            t.price_for(" GPT-4o-Mini "),
            (price(0.15, 0.60), PriceMatch::Exact)
        );
        // No '-' boundary: not a family member.
        assert_eq!(t.price_for("gpt-4omni").1, PriceMatch::Unknown);
        assert_eq!(t.price_for("gpt-4").1, PriceMatch::Unknown);
        // Unknown models are priced at the dearest known price.
        assert_eq!(
            t.price_for("claude-3-opus"),
            (price(10.0, 30.0), PriceMatch::Unknown)
        );
        assert_eq!(t.price_for("").1, PriceMatch::Unknown);
    }

    #[test]
    fn overrides() {
        let t = PriceTable::default()
            .with_override("My-Model", price(1.0, 50.0))
            .unwrap();
        assert_eq!(
            t.price_for("my-model-v2").1,
            PriceMatch::Prefix("my-model".into())
        );
        assert_eq!(t.dearest(), price(1.0, 50.0));
        assert_eq!(t.price_for("mystery").0, price(1.0, 50.0));
        let t = t.with_override("gpt-4o", price(2.0, 8.0)).unwrap();
        assert_eq!(t.price_for("gpt-4o-2024-11-20").0, price(2.0, 8.0));
        let e = PriceTable::default()
            .with_override("x", price(f64::NAN, 1.0))
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "input_per_m must be a finite price >= 0 (got NaN)"
        );
        assert!(
            PriceTable::default()
                .with_override("x", price(1.0, -1.0))
                .is_err()
        );
        assert_eq!(PriceTable::default().iter().count(), 4);
    }

    #[test]
    fn costs_and_estimates() {
        let mini = price(0.15, 0.60);
        assert!((cost_usd(&mini, 1_000_000, 1_000_000) - 0.75).abs() < 1e-12);
        assert!((cost_usd(&mini, 2_000, 500) - 0.0006).abs() < 1e-12);
        assert_eq!(cost_usd(&mini, 0, 0), 0.0);
        assert_eq!(cost_usd(&price(f64::NAN, -1.0), 10, 10), 0.0);
        assert_eq!(estimate_prompt_tokens(0), 0);
        assert_eq!(estimate_prompt_tokens(1), 1);
        assert_eq!(estimate_prompt_tokens(4), 1);
        assert_eq!(estimate_prompt_tokens(5), 2);
        assert_eq!(
            estimate_prompt_tokens(usize::MAX),
            (usize::MAX / 4 + 1) as u64
        );
        assert_eq!(reservation_tokens(1001, 500), (251, 500));
        let gpt4o = price(2.5, 10.0);
        assert!((reservation_usd(&gpt4o, 4000, 1000) - (0.0025 + 0.01)).abs() < 1e-12);
    }

    proptest! {
        #[test]
        fn dated_names_match_their_family(
            family_idx in 0usize..4,
            y in 2020u32..2100,
            m in 1u32..=12,
            d in 1u32..=31,
        ) {
            let t = PriceTable::default();
            let families: Vec<(&str, ModelPrice)> = t.iter().map(|(n, p)| (n, *p)).collect();
            let (family, expect) = families[family_idx];
            let dated = format!("{family}-{y:04}-{m:02}-{d:02}");
            prop_assert_eq!(t.price_for(&dated), (expect, PriceMatch::Prefix(family.to_owned())));
        }

        #[test]
        fn any_name_gets_a_price(name in ".{0,40}") {
            let (p, _) = PriceTable::default().price_for(&name);
            prop_assert!(p.validate().is_ok());
        }
    }
}
