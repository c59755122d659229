//! Fuzzing harnesses: one function per fuzz target of `fuzz/`.
//!
//! `fuzz/fuzz_targets/<target>.rs` hands libFuzzer's input to the function; the replay tests
//! (`cargo test`, no nightly) hand it every file of `fuzz/corpus/<target>/` and
//! `fuzz/regressions/<target>/` through [`replay`]. Each function asserts what must hold for
//! any input: no panic, and a sane answer (a rejection says why, a parsed value prints back to
//! itself, settings and validation agree).
//!
//! Natively, a policy's host capability calls fail (kubewarden-policy-sdk links stubs that
//! refuse every call), so the policy targets exercise how policies handle a host that refuses;
//! what they do with the host's answers is covered through the real host by the e2e tests.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::chart::parse_chart_label;
use crate::evaluation::{self, BAD_REQUEST, INVALID_SETTINGS, MALFORMED_REQUEST, Policy};
use crate::image::ImageReference;
use crate::quantity::Quantity;
use crate::selector::{LabelSelector, Labels, Selector};

/// Image references: a parsed reference prints to a normal form that parses back to itself.
pub fn image_reference(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(image) = ImageReference::parse(text) else {
        return;
    };
    assert!(!image.registry.is_empty() && !image.repository.is_empty());
    let normal = image.to_string();
    assert_eq!(
        ImageReference::parse(&normal).as_ref(),
        Ok(&image),
        "{text:?} prints as {normal:?}"
    );
    assert!(image.matches_repository(&image.repository));
    assert!(image.repository.ends_with(image.name()));
    for word in image.tag_words() {
        assert!(image.has_tag_word(word));
    }
}

/// Chart labels: the name and version are the label's two halves.
pub fn chart_label(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Some(label) = parse_chart_label(text) {
        assert!(!label.name.is_empty());
        assert_eq!(format!("{}-{}", label.name, label.version), text);
        assert!(label.semver().is_some(), "{text:?}: version without SemVer");
    }
}

/// Quantities: the text is kept, the value compares equal to itself and to its own reading,
/// and the byte count rounds up.
pub fn quantity(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(quantity) = Quantity::parse(text) else {
        return;
    };
    assert_eq!(quantity.as_str(), text);
    assert_eq!(quantity.to_string(), text);
    let again = Quantity::parse(quantity.as_str()).expect("a parsed quantity parses again");
    assert_eq!(again, quantity);
    assert_eq!(again.cmp(&quantity), std::cmp::Ordering::Equal);
    if quantity.is_zero() {
        assert_eq!(quantity.magnitude_nanos(), 0);
    }
    if let Some(bytes) = quantity.as_bytes_ceil() {
        assert!(!quantity.is_negative() || quantity.is_zero());
        assert!(bytes.saturating_mul(1_000_000_000) >= quantity.magnitude_nanos());
    }
    assert_eq!(Quantity::from_json(&Value::from(text)).ok(), Some(quantity));
}

/// Label selectors: the string syntax prints back to an equal selector; a `LabelSelector`
/// object converts to a selector that matches exactly like it. The input is a selector string,
/// or a JSON object `{"selector": …, "labels": {…}}`.
pub fn label_selector(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(selector) = Selector::parse(text) {
        let printed = selector.to_string();
        assert_eq!(
            Selector::parse(&printed).as_ref(),
            Ok(&selector),
            "{text:?} prints as {printed:?}"
        );
    }
    let Ok(input) = serde_json::from_str::<Value>(text) else {
        return;
    };
    let labels: Labels = input["labels"]
        .as_object()
        .map(|labels| {
            labels
                .iter()
                .filter_map(|(key, value)| Some((key.clone(), value.as_str()?.to_owned())))
                .collect()
        })
        .unwrap_or_default();
    if let Some(query) = input["selector"].as_str()
        && let Ok(selector) = Selector::parse(query)
    {
        let _ = selector.matches(&labels);
    }
    if let Ok(object) = LabelSelector::from_json(&input["selector"]) {
        let matched = object.matches(&labels);
        match object.to_selector() {
            Ok(selector) => assert_eq!(matched, Ok(selector.matches(&labels))),
            Err(error) => assert_eq!(matched, Err(error)),
        }
    }
}

/// A policy's whole `validate` path on an arbitrary payload, and its `validate_settings` on the
/// same bytes. A rejection always says why; settings that `validate_settings` refuses are
/// refused by `validate` with the same message.
pub fn policy<P: Policy>(data: &[u8]) {
    let settings = evaluation::validate_settings::<P>(data);
    assert_eq!(settings.valid, settings.message.is_none(), "{settings:?}");
    if let Some(message) = &settings.message {
        assert!(!message.trim().is_empty());
    }

    let payload: Option<Value> = serde_json::from_slice(data).ok();
    let response = evaluation::validate::<P>(data);
    let printed = serde_json::to_value(&response).expect("a response serialises");
    assert_eq!(printed["accepted"], Value::Bool(response.accepted));
    match &response.message {
        Some(message) => assert!(!message.trim().is_empty(), "{response:?}"),
        None => assert!(response.accepted, "a rejection without a message"),
    }
    if response.accepted {
        assert_eq!(response.code, None);
    } else {
        assert!(response.mutated_object.is_none());
        assert!(matches!(response.code, None | Some(BAD_REQUEST)));
    }
    for warning in response.warnings.iter().flatten() {
        assert!(!warning.trim().is_empty());
    }

    // Settings and validation agree (unless the request itself could not be read first).
    let Some(settings_value) = payload.as_ref().and_then(|p| p.get("settings")) else {
        return;
    };
    let malformed = response
        .message
        .as_deref()
        .is_some_and(|m| m.starts_with(MALFORMED_REQUEST));
    if malformed {
        return;
    }
    let raw = serde_json::to_vec(settings_value).expect("a JSON value serialises");
    let own = evaluation::validate_settings::<P>(&raw);
    if let Some(message) = own.message {
        assert_eq!(
            response.message,
            Some(format!("{INVALID_SETTINGS}: {message}"))
        );
    } else {
        let refused = response
            .message
            .as_deref()
            .is_some_and(|m| m.starts_with(INVALID_SETTINGS));
        assert!(!refused, "{response:?}");
    }
}

/// The fuzz directory of the workspace (`fuzz/`).
pub fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz")
}

/// The first bytes of a packed corpus: a target's corpus is kept as one file,
/// `fuzz/corpus/<target>.corpus`, rather than one file per input (tens of thousands), and
/// `cargo xtask corpus unpack` gives libFuzzer its directories back.
pub const PACKED_CORPUS_HEADER: &[u8] = b"upstream-first fuzz corpus v1\n";
/// The extension of a packed corpus.
pub const PACKED_CORPUS_EXTENSION: &str = "corpus";

/// Packs named inputs: the header, then for each input its name and its bytes, each after
/// its length (four bytes, little-endian).
pub fn pack_corpus(inputs: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut packed = PACKED_CORPUS_HEADER.to_vec();
    for (name, bytes) in inputs {
        for field in [name.as_bytes(), bytes.as_slice()] {
            let length = u32::try_from(field.len()).unwrap_or(u32::MAX);
            packed.extend_from_slice(&length.to_le_bytes());
            packed.extend_from_slice(field);
        }
    }
    packed
}

/// The named inputs of a packed corpus; an error says where it is broken.
pub fn unpack_corpus(packed: &[u8]) -> Result<Vec<(String, Vec<u8>)>, String> {
    let mut rest = packed
        .strip_prefix(PACKED_CORPUS_HEADER)
        .ok_or("not a packed corpus (no header)")?;
    let mut inputs = Vec::new();
    while !rest.is_empty() {
        let name = take_field(&mut rest, "a name")?;
        let name = String::from_utf8(name.to_vec()).map_err(|e| e.to_string())?;
        let bytes = take_field(&mut rest, &format!("input {name}"))?.to_vec();
        inputs.push((name, bytes));
    }
    Ok(inputs)
}

/// The next length-prefixed field of a packed corpus (`what` names it in an error).
fn take_field<'a>(rest: &mut &'a [u8], what: &str) -> Result<&'a [u8], String> {
    let (length, after) = rest
        .split_first_chunk::<4>()
        .ok_or_else(|| format!("{what}: no length"))?;
    let length = usize::try_from(u32::from_le_bytes(*length)).unwrap_or(usize::MAX);
    let field = after
        .get(..length)
        .ok_or_else(|| format!("{what}: {length} bytes announced, fewer left"))?;
    *rest = &after[length..];
    Ok(field)
}

/// Every input of `fuzz/corpus/<target>.corpus` (packed), `fuzz/corpus/<target>/` (unpacked
/// for a fuzzing run) and `fuzz/regressions/<target>/`, sorted by path.
pub fn inputs(target: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let mut inputs = Vec::new();
    let packed = fuzz_dir()
        .join("corpus")
        .join(format!("{target}.{PACKED_CORPUS_EXTENSION}"));
    if let Ok(bytes) = std::fs::read(&packed) {
        let unpacked =
            unpack_corpus(&bytes).unwrap_or_else(|e| panic!("reading {}: {e}", packed.display()));
        inputs.extend(
            unpacked
                .into_iter()
                .map(|(name, bytes)| (packed.join(name), bytes)),
        );
    }
    for kind in ["corpus", "regressions"] {
        let dir = fuzz_dir().join(kind).join(target);
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for path in entries.filter_map(|entry| entry.ok().map(|e| e.path())) {
            if path.is_file() {
                let bytes = std::fs::read(&path)
                    .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
                inputs.push((path, bytes));
            }
        }
    }
    inputs.sort();
    inputs
}

/// Runs `harness` on every input of `target` and returns how many there were; a panic names
/// the input.
pub fn replay(target: &str, harness: fn(&[u8])) -> usize {
    let inputs = inputs(target);
    // On a thread with the stack of a main thread: unoptimised (test) builds of sqlparser take
    // ~100 KB of stack per nesting level, so a 20-level SQL input the release build and the
    // wasm module parse fine overflows a test thread's default 2 MiB.
    let replayed = std::thread::Builder::new()
        .stack_size(REPLAY_STACK_BYTES)
        .spawn(move || {
            for (path, bytes) in &inputs {
                if std::panic::catch_unwind(|| harness(bytes)).is_err() {
                    panic!("fuzz input {} fails", path.display());
                }
            }
            inputs.len()
        })
        .expect("a replay thread")
        .join();
    match replayed {
        Ok(count) => count,
        Err(panic) => std::panic::resume_unwind(panic),
    }
}

/// A policy crate's replay test: every input of its fuzz target (`fuzz/corpus/<target>/` and
/// `fuzz/regressions/<target>/`) still passes the harness the target runs. Invoked under
/// `#[cfg(test)]`, where the policy's dev-dependency turns this module on.
#[macro_export]
macro_rules! policy_fuzz_replay {
    ($policy:path, $target:literal) => {
        mod fuzz_replay {
            #[test]
            fn fuzz_inputs_replay() {
                let replayed = $crate::fuzzing::replay($target, $crate::fuzzing::policy::<$policy>);
                assert!(replayed > 0, concat!("no inputs in fuzz/corpus/", $target));
            }
        }
    };
}

/// Stack of the replay thread: what Linux gives a main thread (and the fuzzers run on).
const REPLAY_STACK_BYTES: usize = 8 * 1024 * 1024;

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    /// Every corpus and regression input of the rules library's targets still passes.
    #[rstest]
    #[case("image_reference", image_reference)]
    #[case("chart_label", chart_label)]
    #[case("quantity", quantity)]
    #[case("label_selector", label_selector)]
    fn fuzz_inputs_replay(#[case] target: &str, #[case] harness: fn(&[u8])) {
        let replayed = replay(target, harness);
        assert!(replayed > 0, "no inputs in fuzz/corpus/{target}");
    }

    #[test]
    fn a_packed_corpus_unpacks_to_its_inputs() {
        let inputs = vec![
            ("a".to_owned(), b"SELECT 1".to_vec()),
            ("empty".to_owned(), Vec::new()),
        ];
        assert_eq!(unpack_corpus(&pack_corpus(&inputs)), Ok(inputs));
    }

    #[rstest]
    #[case::no_header(b"corpus".to_vec(), "not a packed corpus (no header)")]
    #[case::cut_length([PACKED_CORPUS_HEADER, &[1, 0]].concat(), "a name: no length")]
    #[case::cut_input(
        [PACKED_CORPUS_HEADER, &[1, 0, 0, 0], b"a", &[9, 0, 0, 0], b"xy"].concat(),
        "input a: 9 bytes announced, fewer left"
    )]
    fn a_broken_pack_says_where(#[case] packed: Vec<u8>, #[case] error: &str) {
        assert_eq!(unpack_corpus(&packed), Err(error.to_owned()));
    }
}
