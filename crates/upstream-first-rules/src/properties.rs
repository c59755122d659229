//! Property tests: label-selector matching and quantity comparison against straightforward
//! reference implementations written here, on generated inputs.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use proptest::prelude::*;
use serde_json::{Value, json};

use crate::quantity::Quantity;
use crate::selector::{LabelSelector, Labels, Selector};

// ---------------------------------------------------------------------------------------
// Label selectors
// ---------------------------------------------------------------------------------------

const KEYS: [&str; 4] = ["app", "tier", "example.com/team", "v"];
const VALUES: [&str; 6] = ["a", "b", "c", "1", "2", "10"];

/// One requirement, as the reference reads it.
#[derive(Debug, Clone)]
enum Requirement {
    In(&'static str, Vec<&'static str>),
    NotIn(&'static str, Vec<&'static str>),
    Exists(&'static str),
    DoesNotExist(&'static str),
    Equals(&'static str, &'static str),
    DoubleEquals(&'static str, &'static str),
    NotEquals(&'static str, &'static str),
    GreaterThan(&'static str, i64),
    LessThan(&'static str, i64),
}

impl Requirement {
    /// The definition, written out: `In` needs the key with one of the values, `NotIn` is its
    /// negation (so a missing key matches), `Gt`/`Lt` need an integer label value.
    fn matches(&self, labels: &BTreeMap<&str, &str>) -> bool {
        let integer = |key: &str| labels.get(key).and_then(|v| v.parse::<i64>().ok());
        match self {
            Self::In(key, values) => labels.get(key).is_some_and(|v| values.contains(v)),
            Self::NotIn(key, values) => !labels.get(key).is_some_and(|v| values.contains(v)),
            Self::Exists(key) => labels.contains_key(key),
            Self::DoesNotExist(key) => !labels.contains_key(key),
            Self::Equals(key, value) | Self::DoubleEquals(key, value) => {
                labels.get(key) == Some(value)
            }
            Self::NotEquals(key, value) => labels.get(key) != Some(value),
            Self::GreaterThan(key, bound) => integer(key).is_some_and(|v| v > *bound),
            Self::LessThan(key, bound) => integer(key).is_some_and(|v| v < *bound),
        }
    }

    /// The string syntax of the `labelSelector` query parameter (bounds are never negative:
    /// like apimachinery, a `Gt`/`Lt` bound must also be a valid label value).
    fn query(&self) -> String {
        match self {
            Self::In(key, values) => format!("{key} in ({})", values.join(",")),
            Self::NotIn(key, values) => format!("{key} notin ({})", values.join(",")),
            Self::Exists(key) => (*key).to_owned(),
            Self::DoesNotExist(key) => format!("!{key}"),
            Self::Equals(key, value) => format!("{key}={value}"),
            Self::DoubleEquals(key, value) => format!("{key}=={value}"),
            Self::NotEquals(key, value) => format!("{key}!={value}"),
            Self::GreaterThan(key, bound) => format!("{key}>{bound}"),
            Self::LessThan(key, bound) => format!("{key}<{bound}"),
        }
    }

    /// The `matchExpressions` entry, for the operators a `LabelSelector` object has.
    fn expression(&self) -> Option<Value> {
        let (key, operator, values) = match self {
            Self::In(key, values) => (key, "In", values.clone()),
            Self::NotIn(key, values) => (key, "NotIn", values.clone()),
            Self::Exists(key) => (key, "Exists", Vec::new()),
            Self::DoesNotExist(key) => (key, "DoesNotExist", Vec::new()),
            _ => return None,
        };
        Some(json!({"key": key, "operator": operator, "values": values}))
    }
}

fn key() -> impl Strategy<Value = &'static str> {
    proptest::sample::select(&KEYS[..])
}

fn value() -> impl Strategy<Value = &'static str> {
    proptest::sample::select(&VALUES[..])
}

fn values() -> impl Strategy<Value = Vec<&'static str>> {
    proptest::collection::vec(value(), 1..4)
}

fn requirement() -> impl Strategy<Value = Requirement> {
    prop_oneof![
        (key(), values()).prop_map(|(k, v)| Requirement::In(k, v)),
        (key(), values()).prop_map(|(k, v)| Requirement::NotIn(k, v)),
        key().prop_map(Requirement::Exists),
        key().prop_map(Requirement::DoesNotExist),
        (key(), value()).prop_map(|(k, v)| Requirement::Equals(k, v)),
        (key(), value()).prop_map(|(k, v)| Requirement::DoubleEquals(k, v)),
        (key(), value()).prop_map(|(k, v)| Requirement::NotEquals(k, v)),
        (key(), 0i64..12).prop_map(|(k, b)| Requirement::GreaterThan(k, b)),
        (key(), 0i64..12).prop_map(|(k, b)| Requirement::LessThan(k, b)),
    ]
}

fn labels() -> impl Strategy<Value = BTreeMap<&'static str, &'static str>> {
    proptest::collection::btree_map(key(), value(), 0..5)
}

fn owned(labels: &BTreeMap<&str, &str>) -> Labels {
    labels
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// A parsed `labelSelector` string matches exactly the labels the definition says.
    #[test]
    fn query_selectors_match_like_the_definition(
        requirements in proptest::collection::vec(requirement(), 0..5),
        labels in labels(),
    ) {
        let query = requirements.iter().map(Requirement::query).collect::<Vec<_>>().join(",");
        let selector = Selector::parse(&query).expect("generated selectors are valid");
        let expected = requirements.iter().all(|r| r.matches(&labels));
        prop_assert_eq!(selector.matches(&owned(&labels)), expected, "{} on {:?}", query, labels);
        // The printed form is the same selector.
        let printed = Selector::parse(&selector.to_string()).expect("printed selectors parse");
        prop_assert_eq!(printed, selector);
    }

    /// A `LabelSelector` object (`matchLabels` and `matchExpressions`) matches exactly the
    /// labels the definition says.
    #[test]
    fn label_selector_objects_match_like_the_definition(
        match_labels in proptest::collection::btree_map(key(), value(), 0..3),
        requirements in proptest::collection::vec(requirement(), 0..4),
        labels in labels(),
    ) {
        let expressions: Vec<Value> =
            requirements.iter().filter_map(Requirement::expression).collect();
        let object = json!({"matchLabels": match_labels, "matchExpressions": expressions});
        let selector = LabelSelector::from_json(&object).expect("generated selectors are valid");
        let expected = match_labels.iter().all(|(k, v)| labels.get(k) == Some(v))
            && requirements
                .iter()
                .filter(|r| r.expression().is_some())
                .all(|r| r.matches(&labels));
        prop_assert_eq!(selector.matches(&owned(&labels)), Ok(expected), "{} on {:?}", object, labels);
    }
}

// ---------------------------------------------------------------------------------------
// Quantities
// ---------------------------------------------------------------------------------------

/// A generated quantity: sign, integer part, fraction digits and suffix.
#[derive(Debug, Clone)]
struct QuantitySpec {
    sign: &'static str,
    integer: u32,
    /// The fraction's digits as written (`"05"` is `.05`), or `None` for no decimal point.
    fraction: Option<String>,
    suffix: Suffix,
}

#[derive(Debug, Clone)]
enum Suffix {
    /// A decimal SI suffix and its power of ten.
    Decimal(&'static str, i32),
    /// A binary SI suffix and its power of two.
    Binary(&'static str, u32),
    /// `e<n>` or `E<n>`.
    Exponent(char, i32),
}

impl QuantitySpec {
    fn text(&self) -> String {
        let number = match &self.fraction {
            Some(fraction) => format!("{}.{fraction}", self.integer),
            None => self.integer.to_string(),
        };
        let suffix = match &self.suffix {
            Suffix::Decimal(s, _) | Suffix::Binary(s, _) => (*s).to_owned(),
            Suffix::Exponent(e, n) => format!("{e}{n}"),
        };
        format!("{}{number}{suffix}", self.sign)
    }

    /// The value in nano-units, signed: `digits × 10^(9 - fraction length + exponent)
    /// × 2^binary`, rounded up (away from zero) to a whole nano-unit, binary SI values capped
    /// at `2^63 - 1` units, as apimachinery stores them.
    fn reference_nanos(&self) -> i128 {
        let fraction = self.fraction.clone().unwrap_or_default();
        let digits: i128 = format!("{}{fraction}", self.integer)
            .parse()
            .expect("generated digits");
        let (exp10, exp2) = match self.suffix {
            Suffix::Decimal(_, e) | Suffix::Exponent(_, e) => (e, 0),
            Suffix::Binary(_, p) => (0, p),
        };
        let scale = 9 - fraction.len() as i32 + exp10;
        let scaled = digits * (1i128 << exp2);
        let mut magnitude = if scale >= 0 {
            scaled * 10i128.pow(scale as u32)
        } else {
            let divisor = 10i128.pow(scale.unsigned_abs());
            (scaled + divisor - 1) / divisor
        };
        if matches!(self.suffix, Suffix::Binary(..)) {
            magnitude = magnitude.min(i128::from(i64::MAX) * 1_000_000_000);
        }
        if self.sign == "-" {
            -magnitude
        } else {
            magnitude
        }
    }
}

fn quantity_spec() -> impl Strategy<Value = QuantitySpec> {
    let suffix = prop_oneof![
        proptest::sample::select(vec![
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
        ])
        .prop_map(|(s, e)| Suffix::Decimal(s, e)),
        proptest::sample::select(vec![
            ("Ki", 10),
            ("Mi", 20),
            ("Gi", 30),
            ("Ti", 40),
            ("Pi", 50),
            ("Ei", 60),
        ])
        .prop_map(|(s, p)| Suffix::Binary(s, p)),
        (proptest::sample::select(vec!['e', 'E']), -12i32..=15)
            .prop_map(|(e, n)| Suffix::Exponent(e, n)),
    ];
    (
        proptest::sample::select(vec!["", "+", "-"]),
        prop_oneof![0u32..10, 0u32..2000, 0u32..1_000_000],
        proptest::option::of("[0-9]{1,3}"),
        suffix,
    )
        .prop_map(|(sign, integer, fraction, suffix)| QuantitySpec {
            sign,
            integer,
            fraction,
            suffix,
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(5000))]

    /// Quantities compare exactly like their reference values (`0.5Ti == 512Gi`, `1T < 1Ti`).
    #[test]
    fn quantities_compare_like_their_values(a in quantity_spec(), b in quantity_spec()) {
        let (qa, qb) = (
            Quantity::parse(&a.text()).expect("generated quantities are valid"),
            Quantity::parse(&b.text()).expect("generated quantities are valid"),
        );
        let (ra, rb) = (a.reference_nanos(), b.reference_nanos());
        prop_assert_eq!(qa.cmp(&qb), ra.cmp(&rb), "{} vs {}", a.text(), b.text());
        prop_assert_eq!(qa == qb, ra == rb);
        prop_assert_eq!(qa.magnitude_nanos(), ra.unsigned_abs());
        prop_assert_eq!(qa.is_negative(), ra < 0);
        let ceil_bytes = (ra >= 0).then(|| ra.unsigned_abs().div_ceil(1_000_000_000));
        prop_assert_eq!(qa.as_bytes_ceil(), ceil_bytes);
    }

    /// The same value written two ways is equal: `<n>Ki` is `<n × 1024>`, `<n>k` is `<n>e3`.
    #[test]
    fn equal_values_written_differently_are_equal(n in 0u64..1_000_000) {
        let binary = Quantity::parse(&format!("{n}Ki")).expect("valid");
        let plain = Quantity::parse(&(n * 1024).to_string()).expect("valid");
        prop_assert_eq!(binary.cmp(&plain), Ordering::Equal);
        let si = Quantity::parse(&format!("{n}k")).expect("valid");
        let exponent = Quantity::parse(&format!("{n}e3")).expect("valid");
        prop_assert_eq!(si, exponent);
    }
}
