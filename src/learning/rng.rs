//! A small, portable, seedable PRNG: SplitMix64 seeding xoshiro256**.
//!
//! Why our own: selection and the demo dataset must be reproducible from a seed on every platform and
//! across dependency upgrades; pulling in `rand` would tie the stream to its version. The integer
//! stream is bit-for-bit identical everywhere; `normal`/`lognormal` go through `ln`/`cos`/`exp`, whose
//! last bit may differ between libms, which is fine for synthetic data.

/// xoshiro256** generator (Blackman & Vigna), seeded through SplitMix64.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rng {
    s: [u64; 4],
}

/// One SplitMix64 step: advances `state` and returns the mixed output.
fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl Rng {
    /// A generator whose whole stream is determined by `seed`.
    pub fn new(seed: u64) -> Self {
        let mut sm = seed;
        let s = [
            splitmix64(&mut sm),
            splitmix64(&mut sm),
            splitmix64(&mut sm),
            splitmix64(&mut sm),
        ];
        // SplitMix64 is a bijection of distinct states, so all four words cannot be zero; the
        // all-zero state (the only bad one for xoshiro) is unreachable.
        Rng { s }
    }

    /// Next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        let result = self.s[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = self.s[1] << 17;
        self.s[2] ^= self.s[0];
        self.s[3] ^= self.s[1];
        self.s[1] ^= self.s[2];
        self.s[0] ^= self.s[3];
        self.s[2] ^= t;
        self.s[3] = self.s[3].rotate_left(45);
        result
    }

    /// Uniform in [0, 1) with 53 bits of precision.
    pub fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform integer in `0..n` without modulo bias (Lemire's method). `n == 0` returns 0.
    pub fn below(&mut self, n: usize) -> usize {
        if n <= 1 {
            return 0;
        }
        let n = n as u64;
        // Rejection threshold: 2^64 mod n.
        let threshold = n.wrapping_neg() % n;
        loop {
            let m = u128::from(self.next_u64()) * u128::from(n);
            if (m as u64) >= threshold {
                return (m >> 64) as usize;
            }
        }
    }

    /// Uniform in [lo, hi). Returns `lo` when the range is empty, inverted or not finite.
    pub fn range_f64(&mut self, lo: f64, hi: f64) -> f64 {
        if !(lo.is_finite() && hi.is_finite()) || hi <= lo {
            return lo;
        }
        let x = lo + (hi - lo) * self.next_f64();
        // Rounding can land exactly on `hi` for huge ranges; keep the interval half-open.
        if x >= hi { lo } else { x }
    }

    /// True with probability `p` (p ≤ 0 or NaN: never; p ≥ 1: always). Always consumes one draw so
    /// the stream position does not depend on `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        self.next_f64() < p
    }

    /// A uniformly chosen element, `None` for an empty slice.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> Option<&'a T> {
        if items.is_empty() {
            return None;
        }
        items.get(self.below(items.len()))
    }

    /// Roulette-wheel index: `i` with probability `w[i] / Σw`. Non-finite and non-positive weights
    /// count as 0; `None` when no weight is positive. Scales by the largest weight first so huge
    /// weights cannot overflow the sum.
    pub fn weighted_index(&mut self, weights: &[f64]) -> Option<usize> {
        let usable = |w: f64| w.is_finite() && w > 0.0;
        let max = weights
            .iter()
            .copied()
            .filter(|w| usable(*w))
            .fold(0.0_f64, f64::max);
        if max <= 0.0 {
            return None;
        }
        let scaled = |w: f64| if usable(w) { w / max } else { 0.0 };
        let total: f64 = weights.iter().map(|w| scaled(*w)).sum();
        let target = self.next_f64() * total;
        let mut acc = 0.0;
        let mut last = None;
        for (i, w) in weights.iter().enumerate() {
            let w = scaled(*w);
            if w <= 0.0 {
                continue;
            }
            acc += w;
            last = Some(i);
            if target < acc {
                return Some(i);
            }
        }
        // Floating-point shortfall at the very end of the wheel: the last positive entry.
        last
    }

    /// Normal deviate (Box–Muller). A non-finite or negative `sd` is treated as 0.
    pub fn normal(&mut self, mean: f64, sd: f64) -> f64 {
        // u1 in (0, 1] so ln(u1) is finite.
        let u1 = 1.0 - self.next_f64();
        let u2 = self.next_f64();
        let z = (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos();
        let sd = if sd.is_finite() && sd > 0.0 { sd } else { 0.0 };
        mean + sd * z
    }

    /// Log-normal deviate: `exp(normal(mu, sigma))`.
    pub fn lognormal(&mut self, mu: f64, sigma: f64) -> f64 {
        self.normal(mu, sigma).exp()
    }

    /// Fisher–Yates shuffle in place.
    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.below(i + 1);
            items.swap(i, j);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splitmix_reference_values() {
        // Published SplitMix64 outputs for seed 0.
        let mut st = 0;
        assert_eq!(splitmix64(&mut st), 0xe220_a839_7b1d_cdaf);
        assert_eq!(splitmix64(&mut st), 0x6e78_9e6a_a1b9_65f4);
        assert_eq!(splitmix64(&mut st), 0x06c4_5d18_8009_454f);
    }

    #[test]
    fn fixed_stream_for_fixed_seed() {
        let mut r = Rng::new(0);
        assert_eq!(r.next_u64(), 0x99ec_5f36_cb75_f2b4);
        assert_eq!(r.next_u64(), 0xbf6e_1f78_4956_452a);
        assert_eq!(r.next_u64(), 0x1a5f_849d_4933_e6e0);
        assert_eq!(r.next_u64(), 0x6aa5_94f1_262d_2d2c);
        let mut r = Rng::new(42);
        assert_eq!(r.next_u64(), 0x1578_0b2e_0c2e_c716);
        assert_eq!(r.next_u64(), 0x6104_d986_6d11_3a7e);
        let mut r = Rng::new(42);
        assert_eq!(r.next_f64(), 0.083_862_971_059_882_16);
        assert_eq!(r.next_f64(), 0.378_980_250_662_668_6);
        assert_eq!(r.next_f64(), 0.680_043_411_028_139_4);
    }

    #[test]
    fn same_seed_same_stream_different_seed_different_stream() {
        let a: Vec<u64> = {
            let mut r = Rng::new(7);
            (0..100).map(|_| r.next_u64()).collect()
        };
        let b: Vec<u64> = {
            let mut r = Rng::new(7);
            (0..100).map(|_| r.next_u64()).collect()
        };
        let c: Vec<u64> = {
            let mut r = Rng::new(8);
            (0..100).map(|_| r.next_u64()).collect()
        };
        assert_eq!(a, b);
        assert_ne!(a, c);
    }

    #[test]
    fn bounded_helpers_stay_in_range() {
        let mut r = Rng::new(1);
        for _ in 0..10_000 {
            let f = r.next_f64();
            assert!((0.0..1.0).contains(&f));
            assert!(r.below(7) < 7);
            let x = r.range_f64(-2.0, 3.0);
            assert!((-2.0..3.0).contains(&x));
        }
        assert_eq!(r.below(0), 0);
        assert_eq!(r.below(1), 0);
        assert_eq!(r.range_f64(5.0, 5.0), 5.0);
        assert_eq!(r.range_f64(5.0, 1.0), 5.0);
        assert!(r.range_f64(f64::NAN, 1.0).is_nan());
        assert!(!r.chance(0.0));
        assert!(!r.chance(f64::NAN));
        assert!(r.chance(1.0));
        let empty: [u8; 0] = [];
        assert_eq!(r.pick(&empty), None);
        assert_eq!(r.pick(&[9]), Some(&9));
    }

    #[test]
    fn below_is_roughly_uniform() {
        let mut r = Rng::new(3);
        let mut counts = [0u32; 5];
        for _ in 0..50_000 {
            counts[r.below(5)] += 1;
        }
        for c in counts {
            assert!((9_300..10_700).contains(&c), "{counts:?}");
        }
    }

    #[test]
    fn weighted_index_follows_weights() {
        let mut r = Rng::new(11);
        assert_eq!(r.weighted_index(&[]), None);
        assert_eq!(
            r.weighted_index(&[0.0, -1.0, f64::NAN, f64::INFINITY]),
            None
        );
        assert_eq!(r.weighted_index(&[0.0, 2.0, f64::NAN]), Some(1));
        let mut counts = [0u32; 3];
        for _ in 0..30_000 {
            if let Some(i) = r.weighted_index(&[1.0, 0.0, 3.0]) {
                counts[i] += 1;
            }
        }
        assert_eq!(counts[1], 0);
        let share = f64::from(counts[2]) / 30_000.0;
        assert!((share - 0.75).abs() < 0.02, "{counts:?}");
        // Huge weights do not overflow into infinity.
        assert!(r.weighted_index(&[f64::MAX, f64::MAX]).is_some());
    }

    #[test]
    fn normal_and_lognormal_moments() {
        let mut r = Rng::new(5);
        let n = 40_000;
        let xs: Vec<f64> = (0..n).map(|_| r.normal(2.0, 3.0)).collect();
        let mean = xs.iter().sum::<f64>() / n as f64;
        let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n as f64;
        assert!((mean - 2.0).abs() < 0.06, "{mean}");
        assert!((var.sqrt() - 3.0).abs() < 0.06, "{var}");
        assert!(xs.iter().all(|x| x.is_finite()));
        for _ in 0..1000 {
            assert!(r.lognormal(0.0, 1.0) > 0.0);
        }
        assert_eq!(r.normal(1.5, f64::NAN), 1.5);
    }

    #[test]
    fn shuffle_is_a_permutation() {
        let mut r = Rng::new(9);
        let mut v: Vec<u32> = (0..50).collect();
        r.shuffle(&mut v);
        let mut sorted = v.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, (0..50).collect::<Vec<_>>());
        assert_ne!(v, sorted);
    }
}
