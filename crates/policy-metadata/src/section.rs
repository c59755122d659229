//! The `io.kubewarden.metadata` custom section: written as `kwctl annotate` writes it, read as
//! policy-server reads it (the first such section wins).

use std::borrow::Cow;

use wasm_encoder::{CustomSection, RawSection};
use wasmparser::{Encoding, Parser, Payload};

use crate::{METADATA_SECTION, Metadata, MetadataError, annotations};

/// The payload of the first `io.kubewarden.metadata` section of `wasm`, if any.
pub fn metadata_section(wasm: &[u8]) -> Result<Option<&[u8]>, MetadataError> {
    for payload in Parser::new(0).parse_all(wasm) {
        match payload? {
            Payload::Version {
                encoding: Encoding::Component,
                ..
            } => return Err(MetadataError::Component),
            Payload::CustomSection(section) if section.name() == METADATA_SECTION => {
                return Ok(Some(section.data()));
            }
            _ => {}
        }
    }
    Ok(None)
}

/// The metadata of an annotated module; `None` when it has no `io.kubewarden.metadata` section.
pub fn read_metadata(wasm: &[u8]) -> Result<Option<Metadata>, MetadataError> {
    metadata_section(wasm)?
        .map(|data| serde_json::from_slice(data).map_err(MetadataError::from))
        .transpose()
}

/// `kwctl annotate`: the module with `metadata` as JSON in an `io.kubewarden.metadata` custom
/// section, and `usage` (the README, `--usage-path`) as its `io.kubewarden.policy.usage`
/// annotation. The metadata must carry its `protocolVersion` (kwctl asks the module; see
/// [`crate::SDK_PROTOCOL_VERSION`]) and pass [`Metadata::validate`]. Every other section is
/// kept byte for byte; an existing metadata section is replaced, so annotating twice gives the
/// same module.
pub fn annotate(
    wasm: &[u8],
    metadata: &Metadata,
    usage: Option<&str>,
) -> Result<Vec<u8>, MetadataError> {
    let mut metadata = metadata.clone();
    if let Some(usage) = usage {
        metadata.set_annotation(annotations::USAGE, usage);
    }
    if metadata.protocol_version.is_none() {
        return Err(MetadataError::Invalid(
            "protocolVersion: must be set before the module is annotated".to_owned(),
        ));
    }
    metadata.validate().map_err(MetadataError::Invalid)?;
    let json = serde_json::to_vec(&metadata)?;

    let mut module = wasm_encoder::Module::new();
    for payload in Parser::new(0).parse_all(wasm) {
        let payload = payload?;
        match &payload {
            Payload::Version {
                encoding: Encoding::Component,
                ..
            } => return Err(MetadataError::Component),
            Payload::CustomSection(section) if section.name() == METADATA_SECTION => continue,
            _ => {}
        }
        if let Some((id, range)) = payload.as_section() {
            module.section(&RawSection {
                id,
                data: &wasm[range],
            });
        }
    }
    module.section(&CustomSection {
        name: Cow::Borrowed(METADATA_SECTION),
        data: Cow::Owned(json),
    });
    Ok(module.finish())
}

#[cfg(test)]
mod tests {
    use wasm_encoder::{
        CodeSection, ExportKind, ExportSection, Function, FunctionSection, Instruction,
        TypeSection, ValType,
    };

    use super::*;
    use crate::{ProtocolVersion, SDK_PROTOCOL_VERSION};

    /// A small module with a function, an export and a custom section of its own.
    fn module() -> Vec<u8> {
        let mut module = wasm_encoder::Module::new();
        let mut types = TypeSection::new();
        types.ty().function([], [ValType::I32]);
        module.section(&types);
        let mut functions = FunctionSection::new();
        functions.function(0);
        module.section(&functions);
        let mut exports = ExportSection::new();
        exports.export("answer", ExportKind::Func, 0);
        module.section(&exports);
        let mut code = CodeSection::new();
        let mut body = Function::new([]);
        body.instruction(&Instruction::I32Const(42));
        body.instruction(&Instruction::End);
        code.function(&body);
        module.section(&code);
        module.section(&CustomSection {
            name: Cow::Borrowed("producers"),
            data: Cow::Borrowed(b"\x00"),
        });
        module.finish()
    }

    fn metadata() -> Metadata {
        let mut metadata = Metadata::from_yaml(
            "rules: [{apiGroups: [''], apiVersions: [v1], resources: [pods], operations: [CREATE]}]\nannotations: {io.kubewarden.policy.title: example}",
        )
        .expect("valid metadata");
        metadata.protocol_version = Some(SDK_PROTOCOL_VERSION);
        metadata
    }

    /// Every section but the metadata, as (id, bytes).
    fn other_sections(wasm: &[u8]) -> Vec<(u8, Vec<u8>)> {
        Parser::new(0)
            .parse_all(wasm)
            .map(|payload| payload.expect("valid module"))
            .filter(|payload| {
                !matches!(payload, Payload::CustomSection(s) if s.name() == METADATA_SECTION)
            })
            .filter_map(|payload| payload.as_section())
            .map(|(id, range)| (id, wasm[range].to_vec()))
            .collect()
    }

    #[test]
    fn the_section_round_trips_with_the_usage_and_keeps_every_other_section() {
        let original = module();
        let annotated = annotate(&original, &metadata(), Some("# example\n")).expect("annotated");
        let read = read_metadata(&annotated)
            .expect("valid module")
            .expect("annotated module");
        let mut expected = metadata();
        expected.set_annotation(annotations::USAGE, "# example\n");
        assert_eq!(read, expected);
        assert_eq!(read.protocol_version, Some(ProtocolVersion::V1));
        assert_eq!(other_sections(&annotated), other_sections(&original));
        assert!(annotated.starts_with(&original[..8]), "same header");
    }

    #[test]
    fn annotating_again_replaces_the_section() {
        let once = annotate(&module(), &metadata(), None).expect("annotated");
        let mut changed = metadata();
        changed.mutating = true;
        let twice = annotate(&once, &changed, None).expect("annotated again");
        let sections = Parser::new(0)
            .parse_all(&twice)
            .filter(|p| matches!(p, Ok(Payload::CustomSection(s)) if s.name() == METADATA_SECTION))
            .count();
        assert_eq!(sections, 1);
        assert_eq!(
            read_metadata(&twice).expect("valid").expect("annotated"),
            changed
        );
        assert_eq!(annotate(&once, &metadata(), None).expect("same"), once);
    }

    #[test]
    fn a_module_without_the_section_has_no_metadata() {
        assert_eq!(read_metadata(&module()).expect("valid module"), None);
    }

    #[test]
    fn a_module_needs_its_protocol_version_and_valid_metadata() {
        let mut without_version = metadata();
        without_version.protocol_version = None;
        assert_eq!(
            annotate(&module(), &without_version, None)
                .expect_err("no protocol version")
                .to_string(),
            "invalid policy metadata: protocolVersion: must be set before the module is annotated"
        );
        let mut invalid = metadata();
        invalid.rules[0].resources.clear();
        assert_eq!(
            annotate(&module(), &invalid, None)
                .expect_err("invalid rule")
                .to_string(),
            "invalid policy metadata: rules[0].resources: must not be empty"
        );
    }

    #[test]
    fn bad_input_is_an_error_not_a_panic() {
        assert!(matches!(
            read_metadata(b"not wasm"),
            Err(MetadataError::Wasm(_))
        ));
        let module = module();
        assert!(read_metadata(&module[..module.len() - 3]).is_err());
        assert!(annotate(b"\0asm", &metadata(), None).is_err());
        let bad_json = {
            let mut module = wasm_encoder::Module::new();
            module.section(&CustomSection {
                name: Cow::Borrowed(METADATA_SECTION),
                data: Cow::Borrowed(b"{not json"),
            });
            module.finish()
        };
        assert!(
            read_metadata(&bad_json)
                .expect_err("bad JSON")
                .to_string()
                .starts_with("invalid io.kubewarden.metadata section: ")
        );
    }
}
