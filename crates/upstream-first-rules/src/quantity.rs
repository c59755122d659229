//! Kubernetes resource quantities (`resource.Quantity`), parsed exactly.
//!
//! The grammar is apimachinery's:
//!
//! ```text
//! <quantity>        ::= <signedNumber><suffix>
//! <signedNumber>    ::= <number> | <sign><number>
//! <sign>            ::= "+" | "-"
//! <number>          ::= <digits> | <digits>.<digits> | <digits>. | .<digits>
//! <suffix>          ::= <binarySI> | <decimalExponent> | <decimalSI>
//! <binarySI>        ::= Ki | Mi | Gi | Ti | Pi | Ei
//! <decimalSI>       ::= n | u | m | "" | k | M | G | T | P | E
//! <decimalExponent> ::= "e" <signedNumber> | "E" <signedNumber>   (an integer exponent)
//! ```
//!
//! Values are held exactly as a count of nano-units (`10^-9`) in a `u128` plus a sign, never
//! as a float, so `0.5Ti == 512Gi`, `1e12 == 1T` and `1T < 1Ti` hold exactly. Like
//! apimachinery, a value finer than a nano-unit is rounded up (away from zero) to the next
//! nano-unit, and a binary-SI value (`Ki` … `Ei`) larger than `2^63 - 1` is capped at
//! `2^63 - 1`, so comparisons agree with what the API server stores.
//!
//! Deliberate differences from apimachinery, all stricter:
//! - a number must have at least one digit: apimachinery reads `Gi` or `.` as zero, this
//!   parser rejects them;
//! - a decimal exponent must fit in an `i64`, and a value must stay below `u128::MAX`
//!   nano-units (about `3.4e29`); larger decimal values are rejected as out of range
//!   (apimachinery keeps arbitrary precision there, but no storage request is that large).

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::str::FromStr;

use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};
use serde_json::Value;

/// Explains an empty quantity.
pub const MSG_EMPTY: &str = "a quantity must not be empty";
/// Explains a quantity that does not start with a number.
pub const MSG_MISSING_NUMBER: &str =
    "expected a number (digits with an optional sign and decimal point) at the start";
/// Lists the accepted suffixes.
pub const MSG_EXPECTED_SUFFIX: &str = "expected no suffix, a binary SI suffix (Ki, Mi, Gi, Ti, Pi, Ei), \
     a decimal SI suffix (n, u, m, k, M, G, T, P, E) or a decimal exponent (e3, E-6)";
/// Explains a value beyond the supported range.
pub const MSG_OUT_OF_RANGE: &str = "the value is out of the supported range (at most about 3.4e29)";
/// Explains a JSON value that is neither a string nor a number.
pub const MSG_NOT_STRING_OR_NUMBER: &str = "a quantity must be a string or a number";

/// Nano-units per unit: quantities are stored as a count of `10^-9`.
const NANOS_PER_UNIT: u128 = 1_000_000_000;
/// Decimal exponent of the storage unit (nano).
const NANO_EXPONENT: i64 = 9;
/// apimachinery caps binary-SI quantities at `math.MaxInt64` units.
const BINARY_SI_MAX_NANOS: u128 = (i64::MAX as u128) * NANOS_PER_UNIT;

/// Decimal SI suffixes and their powers of ten.
const DECIMAL_SI_SUFFIXES: [(&str, i64); 10] = [
    ("n", -9),
    ("u", -6),
    ("m", -3),
    ("", 0),
    ("k", 3),
    ("M", 6),
    ("G", 9),
    ("T", 12),
    ("P", 15),
    ("E", 18),
];

/// Binary SI suffixes and their powers of two.
const BINARY_SI_SUFFIXES: [(&str, u32); 6] = [
    ("Ki", 10),
    ("Mi", 20),
    ("Gi", 30),
    ("Ti", 40),
    ("Pi", 50),
    ("Ei", 60),
];

/// Why a quantity was rejected. Every message names the input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QuantityError {
    /// The string is empty.
    #[error("invalid quantity \"\": {}", MSG_EMPTY)]
    Empty,
    /// No digits where the number should be (`Gi`, `abc`, `--1`).
    #[error("invalid quantity {input:?}: {}", MSG_MISSING_NUMBER)]
    MissingNumber {
        /// The rejected text.
        input: String,
    },
    /// The text after the number is not a suffix (`1GB`, `1 Gi`, `1.2.3Gi`, `1e`).
    #[error(
        "invalid quantity {input:?}: unknown suffix {suffix:?}; {}",
        MSG_EXPECTED_SUFFIX
    )]
    UnknownSuffix {
        /// The rejected text.
        input: String,
        /// The part after the number.
        suffix: String,
    },
    /// The value does not fit the exact representation.
    #[error("invalid quantity {input:?}: {}", MSG_OUT_OF_RANGE)]
    OutOfRange {
        /// The rejected text.
        input: String,
    },
    /// A JSON value that is neither a string nor a number.
    #[error("invalid quantity {found}: {}", MSG_NOT_STRING_OR_NUMBER)]
    NotStringOrNumber {
        /// The offending JSON value, rendered.
        found: String,
    },
}

/// A Kubernetes quantity: its original text and its exact value.
///
/// Equality, ordering and hashing use the value only (`1e12 == 1T`); `Display` prints the
/// original text.
#[derive(Debug, Clone)]
pub struct Quantity {
    text: String,
    negative: bool,
    nanos: u128,
}

/// Which suffix family a quantity used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    BinarySi,
    Decimal,
}

impl Quantity {
    /// Parses a quantity string exactly (no surrounding whitespace allowed, as in
    /// apimachinery's `ParseQuantity`).
    pub fn parse(input: &str) -> Result<Self, QuantityError> {
        if input.is_empty() {
            return Err(QuantityError::Empty);
        }
        let bytes = input.as_bytes();
        let (negative, mut pos) = match bytes[0] {
            b'-' => (true, 1),
            b'+' => (false, 1),
            _ => (false, 0),
        };
        let int_start = pos;
        pos += count_digits(&bytes[pos..]);
        let int_digits = &bytes[int_start..pos];
        let mut frac_digits: &[u8] = &[];
        if bytes.get(pos) == Some(&b'.') {
            pos += 1;
            let frac_start = pos;
            pos += count_digits(&bytes[pos..]);
            frac_digits = &bytes[frac_start..pos];
        }
        if int_digits.is_empty() && frac_digits.is_empty() {
            return Err(QuantityError::MissingNumber {
                input: input.to_owned(),
            });
        }
        // Only ASCII bytes were consumed, so `pos` is a char boundary.
        let suffix = &input[pos..];
        let (format, exp10, exp2) =
            interpret_suffix(suffix).ok_or_else(|| QuantityError::UnknownSuffix {
                input: input.to_owned(),
                suffix: suffix.to_owned(),
            })?;
        let nanos = to_nanos(int_digits, frac_digits, exp10, exp2);
        let nanos = match format {
            Format::BinarySi => nanos.map_or(BINARY_SI_MAX_NANOS, |n| n.min(BINARY_SI_MAX_NANOS)),
            Format::Decimal => nanos.ok_or_else(|| QuantityError::OutOfRange {
                input: input.to_owned(),
            })?,
        };
        Ok(Self {
            text: input.to_owned(),
            negative: negative && nanos != 0,
            nanos,
        })
    }

    /// Reads a quantity from a JSON value the way apimachinery's `UnmarshalJSON` does: a
    /// string (surrounding whitespace trimmed) or a number.
    pub fn from_json(value: &Value) -> Result<Self, QuantityError> {
        match value {
            Value::String(s) => Self::parse(s.trim()),
            Value::Number(n) => Self::parse(&n.to_string()),
            other => Err(QuantityError::NotStringOrNumber {
                found: other.to_string(),
            }),
        }
    }

    /// The text this quantity was parsed from.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Whether the value is below zero.
    pub fn is_negative(&self) -> bool {
        self.negative
    }

    /// Whether the value is zero.
    pub fn is_zero(&self) -> bool {
        self.nanos == 0
    }

    /// The absolute value in nano-units (`10^-9`).
    pub fn magnitude_nanos(&self) -> u128 {
        self.nanos
    }

    /// The value in whole units (bytes, for storage), rounded up; `None` when negative.
    pub fn as_bytes_ceil(&self) -> Option<u128> {
        if self.negative {
            return None;
        }
        Some(self.nanos.div_ceil(NANOS_PER_UNIT))
    }
}

fn count_digits(bytes: &[u8]) -> usize {
    bytes.iter().take_while(|b| b.is_ascii_digit()).count()
}

/// Returns the format, the power of ten and the power of two a suffix stands for.
fn interpret_suffix(suffix: &str) -> Option<(Format, i64, u32)> {
    if let Some((_, exp10)) = DECIMAL_SI_SUFFIXES.iter().find(|(s, _)| *s == suffix) {
        return Some((Format::Decimal, *exp10, 0));
    }
    if let Some((_, exp2)) = BINARY_SI_SUFFIXES.iter().find(|(s, _)| *s == suffix) {
        return Some((Format::BinarySi, 0, *exp2));
    }
    let exponent = suffix
        .strip_prefix('e')
        .or_else(|| suffix.strip_prefix('E'))?;
    let digits = exponent
        .strip_prefix(['+', '-'])
        .unwrap_or(exponent)
        .as_bytes();
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    exponent
        .parse::<i64>()
        .ok()
        .map(|e| (Format::Decimal, e, 0))
}

/// Computes `ceil(D × 10^(exp10 - frac_len) × 2^exp2)` in nano-units, where `D` is the
/// integer spelled by `int_digits ++ frac_digits`. `None` when it does not fit a `u128`.
fn to_nanos(int_digits: &[u8], frac_digits: &[u8], exp10: i64, exp2: u32) -> Option<u128> {
    let all: Vec<u8> = int_digits
        .iter()
        .chain(frac_digits)
        .copied()
        .skip_while(|d| *d == b'0')
        .collect();
    if all.is_empty() {
        return Some(0);
    }
    let frac_len = i64::try_from(frac_digits.len()).ok()?;
    let scale = NANO_EXPONENT.saturating_add(exp10).saturating_sub(frac_len);
    let binary = 1u128 << exp2;
    if scale >= 0 {
        let pow10 = 10u128.checked_pow(u32::try_from(scale).ok()?)?;
        return digits_to_u128(&all)?
            .checked_mul(pow10)?
            .checked_mul(binary);
    }
    // Divide by 10^shift: the last `shift` digits (left-padded with zeros) are the fraction.
    let shift = scale.unsigned_abs();
    let len = all.len() as u64;
    let whole_len = usize::try_from(len.saturating_sub(shift)).ok()?;
    let (whole, fraction) = all.split_at(whole_len);
    let padding = shift.saturating_sub(len);
    let whole = digits_to_u128(whole)?.checked_mul(binary)?;
    whole.checked_add(ceil_fraction_times(fraction, padding, binary))
}

fn digits_to_u128(digits: &[u8]) -> Option<u128> {
    digits.iter().try_fold(0u128, |acc, d| {
        acc.checked_mul(10)?.checked_add(u128::from(d - b'0'))
    })
}

/// `ceil(0.[padding zeros][digits] × multiplier)`, by long multiplication from the right.
fn ceil_fraction_times(digits: &[u8], padding: u64, multiplier: u128) -> u128 {
    let mut carry = 0u128;
    let mut inexact = false;
    for d in digits.iter().rev() {
        let t = u128::from(d - b'0') * multiplier + carry;
        inexact |= !t.is_multiple_of(10);
        carry = t / 10;
    }
    // Leading zeros of the fraction: each one divides the carry by ten.
    let mut remaining = padding;
    while remaining > 0 && carry > 0 {
        inexact |= !carry.is_multiple_of(10);
        carry /= 10;
        remaining -= 1;
    }
    carry + u128::from(inexact)
}

impl FromStr for Quantity {
    type Err = QuantityError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl fmt::Display for Quantity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl PartialEq for Quantity {
    fn eq(&self, other: &Self) -> bool {
        self.negative == other.negative && self.nanos == other.nanos
    }
}

impl Eq for Quantity {}

impl Hash for Quantity {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.negative.hash(state);
        self.nanos.hash(state);
    }
}

impl PartialOrd for Quantity {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Quantity {
    fn cmp(&self, other: &Self) -> Ordering {
        match (self.negative, other.negative) {
            (false, false) => self.nanos.cmp(&other.nanos),
            (true, true) => other.nanos.cmp(&self.nanos),
            (false, true) => Ordering::Greater,
            (true, false) => Ordering::Less,
        }
    }
}

impl Serialize for Quantity {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.text)
    }
}

impl<'de> Deserialize<'de> for Quantity {
    /// Accepts a string or a number, like [`Quantity::from_json`].
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(QuantityVisitor)
    }
}

struct QuantityVisitor;

impl Visitor<'_> for QuantityVisitor {
    type Value = Quantity;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a Kubernetes quantity (a string such as \"500Gi\", or a number)")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Quantity, E> {
        Quantity::parse(v.trim()).map_err(E::custom)
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Quantity, E> {
        Quantity::parse(&v.to_string()).map_err(E::custom)
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Quantity, E> {
        Quantity::parse(&v.to_string()).map_err(E::custom)
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Quantity, E> {
        Quantity::parse(&v.to_string()).map_err(E::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;
    use serde_json::json;

    const KI: u128 = 1 << 10;
    const GI: u128 = 1 << 30;
    const TI: u128 = 1 << 40;

    fn q(s: &str) -> Quantity {
        match Quantity::parse(s) {
            Ok(q) => q,
            Err(e) => panic!("{s:?} should parse: {e}"),
        }
    }

    #[rstest]
    #[case::binary_gi("500Gi", false, 500 * GI * NANOS_PER_UNIT)]
    #[case::decimal_t("1T", false, 1_000_000_000_000 * NANOS_PER_UNIT)]
    #[case::exponent("1e12", false, 1_000_000_000_000 * NANOS_PER_UNIT)]
    #[case::upper_exponent("1E6", false, 1_000_000 * NANOS_PER_UNIT)]
    #[case::exponent_plus("2e+3", false, 2_000 * NANOS_PER_UNIT)]
    #[case::exponent_negative("5e-3", false, 5_000_000)]
    #[case::fraction_ti("0.5Ti", false, TI / 2 * NANOS_PER_UNIT)]
    #[case::mi("1500Mi", false, 1500 * (1 << 20) * NANOS_PER_UNIT)]
    #[case::milli("100m", false, 100_000_000)]
    #[case::fraction_gi("1.5Gi", false, 3 * GI / 2 * NANOS_PER_UNIT)]
    #[case::plus_sign("+1Ki", false, KI * NANOS_PER_UNIT)]
    #[case::plain("10", false, 10 * NANOS_PER_UNIT)]
    #[case::zero("0", false, 0)]
    #[case::negative_zero("-0", false, 0)]
    #[case::zero_with_suffix("0Gi", false, 0)]
    #[case::negative("-1.5", true, 1_500_000_000)]
    #[case::leading_dot(".5", false, 500_000_000)]
    #[case::trailing_dot("5.", false, 5 * NANOS_PER_UNIT)]
    #[case::trailing_dot_suffix("1.G", false, 1_000_000_000 * NANOS_PER_UNIT)]
    #[case::leading_zeros("007k", false, 7_000 * NANOS_PER_UNIT)]
    #[case::nano("1n", false, 1)]
    #[case::micro("3u", false, 3_000)]
    #[case::exa("1E", false, 1_000_000_000_000_000_000 * NANOS_PER_UNIT)]
    #[case::sub_nano_rounds_up("0.1n", false, 1)]
    #[case::negative_sub_nano_rounds_away("-0.1n", true, 1)]
    #[case::tiny_exponent("1e-300", false, 1)]
    #[case::tiny_binary("0.0000000000001Ki", false, 1)]
    #[case::binary_fraction_exact("0.001Ki", false, 1_024_000_000)]
    #[case::binary_fraction_rounds("0.0000000001Ki", false, 103)]
    #[case::zero_huge_exponent("0e999999999999", false, 0)]
    #[case::long_fraction("1.0000000000000000000000000000000000000000001", false, NANOS_PER_UNIT + 1)]
    fn parses_exact_values(#[case] input: &str, #[case] negative: bool, #[case] nanos: u128) {
        let quantity = q(input);
        assert_eq!(quantity.is_negative(), negative, "{input}");
        assert_eq!(quantity.magnitude_nanos(), nanos, "{input}");
        assert_eq!(quantity.to_string(), input);
        assert_eq!(quantity.as_str(), input);
    }

    #[rstest]
    #[case::binary_cap("8Ei", i64::MAX as u128)]
    #[case::binary_cap_larger("9999999999999999999999999999999999999999999Ei", i64::MAX as u128)]
    #[case::below_cap("7Ei", 7 << 60)]
    fn caps_binary_si_like_apimachinery(#[case] input: &str, #[case] units: u128) {
        assert_eq!(q(input).as_bytes_ceil(), Some(units));
    }

    #[rstest]
    #[case::empty("", "invalid quantity \"\": a quantity must not be empty")]
    #[case::suffix_only(
        "Gi",
        "invalid quantity \"Gi\": expected a number (digits with an optional sign and decimal point) at the start"
    )]
    #[case::double_sign(
        "--1",
        "invalid quantity \"--1\": expected a number (digits with an optional sign and decimal point) at the start"
    )]
    #[case::letters(
        "abc",
        "invalid quantity \"abc\": expected a number (digits with an optional sign and decimal point) at the start"
    )]
    #[case::dot_only(
        ".",
        "invalid quantity \".\": expected a number (digits with an optional sign and decimal point) at the start"
    )]
    #[case::leading_space(
        " 1",
        "invalid quantity \" 1\": expected a number (digits with an optional sign and decimal point) at the start"
    )]
    #[case::two_dots(
        "1.2.3Gi",
        "invalid quantity \"1.2.3Gi\": unknown suffix \".3Gi\"; expected no suffix, a binary SI suffix (Ki, Mi, Gi, Ti, Pi, Ei), a decimal SI suffix (n, u, m, k, M, G, T, P, E) or a decimal exponent (e3, E-6)"
    )]
    #[case::gb(
        "1GB",
        "invalid quantity \"1GB\": unknown suffix \"GB\"; expected no suffix, a binary SI suffix (Ki, Mi, Gi, Ti, Pi, Ei), a decimal SI suffix (n, u, m, k, M, G, T, P, E) or a decimal exponent (e3, E-6)"
    )]
    #[case::inner_space(
        "1 Gi",
        "invalid quantity \"1 Gi\": unknown suffix \" Gi\"; expected no suffix, a binary SI suffix (Ki, Mi, Gi, Ti, Pi, Ei), a decimal SI suffix (n, u, m, k, M, G, T, P, E) or a decimal exponent (e3, E-6)"
    )]
    #[case::bare_exponent(
        "1e",
        "invalid quantity \"1e\": unknown suffix \"e\"; expected no suffix, a binary SI suffix (Ki, Mi, Gi, Ti, Pi, Ei), a decimal SI suffix (n, u, m, k, M, G, T, P, E) or a decimal exponent (e3, E-6)"
    )]
    #[case::exponent_sign_only(
        "1e-",
        "invalid quantity \"1e-\": unknown suffix \"e-\"; expected no suffix, a binary SI suffix (Ki, Mi, Gi, Ti, Pi, Ei), a decimal SI suffix (n, u, m, k, M, G, T, P, E) or a decimal exponent (e3, E-6)"
    )]
    #[case::fractional_exponent(
        "1e1.5",
        "invalid quantity \"1e1.5\": unknown suffix \"e1.5\"; expected no suffix, a binary SI suffix (Ki, Mi, Gi, Ti, Pi, Ei), a decimal SI suffix (n, u, m, k, M, G, T, P, E) or a decimal exponent (e3, E-6)"
    )]
    #[case::upper_k(
        "1K",
        "invalid quantity \"1K\": unknown suffix \"K\"; expected no suffix, a binary SI suffix (Ki, Mi, Gi, Ti, Pi, Ei), a decimal SI suffix (n, u, m, k, M, G, T, P, E) or a decimal exponent (e3, E-6)"
    )]
    #[case::trailing_space(
        "1Gi ",
        "invalid quantity \"1Gi \": unknown suffix \"Gi \"; expected no suffix, a binary SI suffix (Ki, Mi, Gi, Ti, Pi, Ei), a decimal SI suffix (n, u, m, k, M, G, T, P, E) or a decimal exponent (e3, E-6)"
    )]
    #[case::milli_binary(
        "0.1mi",
        "invalid quantity \"0.1mi\": unknown suffix \"mi\"; expected no suffix, a binary SI suffix (Ki, Mi, Gi, Ti, Pi, Ei), a decimal SI suffix (n, u, m, k, M, G, T, P, E) or a decimal exponent (e3, E-6)"
    )]
    #[case::non_ascii(
        "1µ",
        "invalid quantity \"1µ\": unknown suffix \"µ\"; expected no suffix, a binary SI suffix (Ki, Mi, Gi, Ti, Pi, Ei), a decimal SI suffix (n, u, m, k, M, G, T, P, E) or a decimal exponent (e3, E-6)"
    )]
    #[case::too_large(
        "1e30",
        "invalid quantity \"1e30\": the value is out of the supported range (at most about 3.4e29)"
    )]
    #[case::huge_exponent(
        "1e99999999999",
        "invalid quantity \"1e99999999999\": the value is out of the supported range (at most about 3.4e29)"
    )]
    fn rejects_malformed(#[case] input: &str, #[case] message: &str) {
        match Quantity::parse(input) {
            Ok(q) => panic!("{input:?} should be rejected, got {:?}", q),
            Err(e) => assert_eq!(e.to_string(), message),
        }
    }

    #[rstest]
    #[case::half_ti_is_512_gi("0.5Ti", "512Gi", Ordering::Equal)]
    #[case::exponent_is_tera("1e12", "1T", Ordering::Equal)]
    #[case::mi_over_gi("1500Mi", "1Gi", Ordering::Greater)]
    #[case::tera_under_tebi("1T", "1Ti", Ordering::Less)]
    #[case::milli_is_fraction("100m", "0.1", Ordering::Equal)]
    #[case::kilo_is_thousand("1k", "1000", Ordering::Equal)]
    #[case::kibi_over_kilo("1Ki", "1k", Ordering::Greater)]
    #[case::fraction_gi("1.5Gi", "1536Mi", Ordering::Equal)]
    #[case::zero_forms("0", "-0Gi", Ordering::Equal)]
    #[case::negative_below_zero("-1", "0", Ordering::Less)]
    #[case::negatives_reverse("-2", "-1", Ordering::Less)]
    #[case::exponent_vs_mega("1E6", "1M", Ordering::Equal)]
    #[case::exa_vs_exponent("1E", "1e18", Ordering::Equal)]
    #[case::plus_sign("+1Ki", "1024", Ordering::Equal)]
    #[case::nano_rounding("0.1n", "1n", Ordering::Equal)]
    #[case::one_nano_apart("1.000000001", "1", Ordering::Greater)]
    #[case::large_decimal("100P", "1e17", Ordering::Equal)]
    #[case::binary_cap("9Ei", "8Ei", Ordering::Equal)]
    fn compares_exactly(#[case] left: &str, #[case] right: &str, #[case] expected: Ordering) {
        assert_eq!(q(left).cmp(&q(right)), expected, "{left} vs {right}");
        assert_eq!(
            q(right).cmp(&q(left)),
            expected.reverse(),
            "{right} vs {left}"
        );
        assert_eq!(q(left) == q(right), expected == Ordering::Equal);
    }

    #[rstest]
    #[case::gibi("1Gi", Some(GI))]
    #[case::rounds_up("1500m", Some(2))]
    #[case::exact_milli("2000m", Some(2))]
    #[case::nano("1n", Some(1))]
    #[case::zero("0", Some(0))]
    #[case::negative("-1", None)]
    #[case::large("100e27", Some(100_000_000_000_000_000_000_000_000_000))]
    fn converts_to_bytes(#[case] input: &str, #[case] bytes: Option<u128>) {
        assert_eq!(q(input).as_bytes_ceil(), bytes);
    }

    #[rstest]
    #[case::string(json!("500Gi"), "500Gi")]
    #[case::padded_string(json!(" 1Ti "), "1Ti")]
    #[case::integer(json!(1024), "1024")]
    #[case::negative_integer(json!(-3), "-3")]
    #[case::float(json!(0.5), "0.5")]
    fn reads_json(#[case] value: Value, #[case] text: &str) {
        let quantity = match Quantity::from_json(&value) {
            Ok(q) => q,
            Err(e) => panic!("{value} should parse: {e}"),
        };
        assert_eq!(quantity.as_str(), text);
        assert_eq!(quantity, q(text));
    }

    #[rstest]
    #[case::null(json!(null), "invalid quantity null: a quantity must be a string or a number")]
    #[case::object(
        json!({"size": "1Gi"}),
        "invalid quantity {\"size\":\"1Gi\"}: a quantity must be a string or a number"
    )]
    #[case::bad_string(
        json!("1GB"),
        "invalid quantity \"1GB\": unknown suffix \"GB\"; expected no suffix, a binary SI suffix (Ki, Mi, Gi, Ti, Pi, Ei), a decimal SI suffix (n, u, m, k, M, G, T, P, E) or a decimal exponent (e3, E-6)"
    )]
    fn rejects_bad_json(#[case] value: Value, #[case] message: &str) {
        match Quantity::from_json(&value) {
            Ok(q) => panic!("{value} should be rejected, got {q:?}"),
            Err(e) => assert_eq!(e.to_string(), message),
        }
    }

    #[test]
    fn serde_round_trip() {
        #[derive(Deserialize, Serialize)]
        struct Settings {
            max: Quantity,
            count: Quantity,
        }
        let settings: Settings = match serde_json::from_value(json!({"max": "0.5Ti", "count": 3})) {
            Ok(s) => s,
            Err(e) => panic!("settings should parse: {e}"),
        };
        assert_eq!(settings.max, q("512Gi"));
        assert_eq!(settings.count, q("3"));
        assert_eq!(
            serde_json::to_value(&settings).ok(),
            Some(json!({"max": "0.5Ti", "count": "3"}))
        );
        let bad = serde_json::from_value::<Settings>(json!({"max": "1GB", "count": 1}));
        assert!(bad.is_err_and(|e| {
            e.to_string()
                .starts_with("invalid quantity \"1GB\": unknown suffix")
        }));
    }

    #[test]
    fn equal_values_hash_equally() {
        use std::collections::HashSet;
        let set: HashSet<Quantity> = ["1e12", "1T", "1000G", "0.5Ti", "512Gi"]
            .into_iter()
            .map(q)
            .collect();
        assert_eq!(set.len(), 2);
    }
}
