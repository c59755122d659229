//! MongoDB shell scripts (`mongosh`/`mongo --eval`, script files): which calls write.
//!
//! The script is read as JavaScript tokens with strings, template literals and comments blanked
//! out; a call `.method(` whose method writes (`insertOne`, `updateMany`, `drop`,
//! `createCollection`, `bulkWrite`, `findOneAndUpdate`…) makes its statement a write, and so
//! does an `aggregate` with a `$out` or `$merge` stage and a `runCommand` whose command writes.

/// Method prefixes that write, followed by nothing or an upper-case letter
/// (`insert`, `insertOne`, `insertMany`; not `inserted`).
const WRITE_PREFIXES: &[&str] = &[
    "insert", "update", "delete", "replace", "drop", "create", "grant", "revoke",
];
/// Other methods that write.
const WRITE_METHODS: &[&str] = &[
    "bulkWrite",
    "findOneAndUpdate",
    "findOneAndDelete",
    "findOneAndReplace",
    "findAndModify",
    "renameCollection",
    "remove",
    "save",
    "shardCollection",
    "enableSharding",
];
/// Commands of `runCommand`/`adminCommand` that write.
const WRITE_COMMANDS: &[&str] = &[
    "insert",
    "update",
    "delete",
    "findAndModify",
    "create",
    "createIndexes",
    "drop",
    "dropDatabase",
    "dropIndexes",
    "renameCollection",
    "createUser",
    "updateUser",
    "dropUser",
    "createRole",
    "updateRole",
    "dropRole",
    "grantRolesToUser",
    "revokeRolesFromUser",
    "collMod",
    "shardCollection",
    "enableSharding",
];
/// Aggregation stages that write.
const WRITE_STAGES: &[&str] = &["$out", "$merge"];
/// Most `aggregate`/`runCommand` arguments read per statement, and their longest length.
const MAX_ARGUMENT_SCANS: usize = 64;
const MAX_ARGUMENT_CHARS: usize = 64 * 1024;

/// One write call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Write {
    /// The statement containing the call.
    pub statement: String,
    /// The method (`insertOne`, `aggregate $out`, `runCommand insert`).
    pub operation: String,
}

/// Finds the write calls of a script.
pub(crate) fn writes(script: &str) -> Vec<Write> {
    let raw: Vec<char> = script.chars().collect();
    let blank = blank(&raw);
    let mut out = Vec::new();
    for (start, end) in statements(&blank) {
        if let Some(operation) = write_call(&blank[start..end], &raw[start..end]) {
            let text: String = raw[start..end].iter().collect();
            out.push(Write {
                statement: text.trim().to_owned(),
                operation,
            });
        }
    }
    out
}

fn is_write_method(name: &str) -> bool {
    WRITE_METHODS.contains(&name)
        || WRITE_PREFIXES.iter().any(|p| {
            name.strip_prefix(p)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with(char::is_uppercase))
        })
}

/// The first write call of a statement (`code` has strings blanked, `text` is the original).
fn write_call(code: &[char], text: &[char]) -> Option<String> {
    let mut i = 0;
    let mut scans = 0usize;
    while i < code.len() {
        if code[i] != '.' {
            i += 1;
            continue;
        }
        let start = i + 1;
        let mut end = start;
        while end < code.len() && (code[end].is_alphanumeric() || matches!(code[end], '_' | '$')) {
            end += 1;
        }
        let mut after = end;
        while after < code.len() && code[after].is_whitespace() {
            after += 1;
        }
        i = start;
        if end == start || code.get(after) != Some(&'(') {
            continue;
        }
        let name: String = code[start..end].iter().collect();
        if is_write_method(&name) {
            return Some(name);
        }
        if !matches!(name.as_str(), "aggregate" | "runCommand" | "adminCommand")
            || scans >= MAX_ARGUMENT_SCANS
        {
            continue;
        }
        scans += 1;
        let args: String = text
            .get(after..)
            .unwrap_or_default()
            .iter()
            .take(MAX_ARGUMENT_CHARS)
            .collect();
        match name.as_str() {
            "aggregate" => {
                if let Some(stage) = WRITE_STAGES.iter().find(|s| args.contains(*s)) {
                    return Some(format!("aggregate {stage}"));
                }
            }
            "runCommand" | "adminCommand" => {
                let key: String = args
                    .trim_start_matches(|c: char| c == '(' || c == '{' || c.is_whitespace())
                    .trim_start_matches(['"', '\''])
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                if WRITE_COMMANDS.contains(&key.as_str()) {
                    return Some(format!("{name} {key}"));
                }
            }
            _ => {}
        }
    }
    None
}

/// The script with string, template and regular comment contents replaced by spaces
/// (quotes kept), same length in characters.
fn blank(raw: &[char]) -> Vec<char> {
    let mut out = raw.to_vec();
    let mut i = 0;
    while i < raw.len() {
        let c = raw[i];
        let next = raw.get(i + 1).copied();
        match c {
            '/' if next == Some('/') => {
                while i < raw.len() && raw[i] != '\n' {
                    out[i] = ' ';
                    i += 1;
                }
            }
            '/' if next == Some('*') => {
                let mut j = i;
                while j < raw.len() && !(raw[j] == '*' && raw.get(j + 1) == Some(&'/')) {
                    out[j] = ' ';
                    j += 1;
                }
                for slot in out.iter_mut().take((j + 2).min(raw.len())).skip(j) {
                    *slot = ' ';
                }
                i = j + 2;
            }
            '\'' | '"' | '`' => {
                let mut j = i + 1;
                while j < raw.len() && raw[j] != c {
                    if raw[j] == '\\' {
                        out[j] = ' ';
                        j += 1;
                    }
                    if j < raw.len() && raw[j] != '\n' {
                        out[j] = ' ';
                    }
                    j += 1;
                }
                i = j + 1;
            }
            _ => i += 1,
        }
    }
    out
}

/// Statement ranges: split at `;` and newlines outside brackets.
fn statements(code: &[char]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut depth = 0usize;
    let mut start = 0;
    for (i, c) in code.iter().enumerate() {
        match c {
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' => depth = depth.saturating_sub(1),
            ';' | '\n' if depth == 0 => {
                if code[start..i].iter().any(|c| !c.is_whitespace()) {
                    out.push((start, i));
                }
                start = i + 1;
            }
            _ => {}
        }
    }
    if code[start..].iter().any(|c| !c.is_whitespace()) {
        out.push((start, code.len()));
    }
    out
}

#[cfg(test)]
mod tests {
    use rstest::rstest;

    use super::*;

    #[rstest]
    #[case::insert_one("db.x.insertOne({})", "db.x.insertOne({})", "insertOne")]
    #[case::insert_many(
        "db.users.insertMany([{a: 1}, {a: 2}])",
        "db.users.insertMany([{a: 1}, {a: 2}])",
        "insertMany"
    )]
    #[case::update(
        "db.x.updateOne({_id: 1}, {$set: {a: 1}})",
        "db.x.updateOne({_id: 1}, {$set: {a: 1}})",
        "updateOne"
    )]
    #[case::delete("db.x.deleteMany({})", "db.x.deleteMany({})", "deleteMany")]
    #[case::replace("db.x.replaceOne({}, {})", "db.x.replaceOne({}, {})", "replaceOne")]
    #[case::drop("db.x.drop()", "db.x.drop()", "drop")]
    #[case::drop_database("db.dropDatabase()", "db.dropDatabase()", "dropDatabase")]
    #[case::create_collection(
        "db.createCollection('x')",
        "db.createCollection('x')",
        "createCollection"
    )]
    #[case::create_index("db.x.createIndex({a: 1})", "db.x.createIndex({a: 1})", "createIndex")]
    #[case::create_user(
        "db.getSiblingDB('admin').createUser({user: 'u', pwd: 'p', roles: []})",
        "db.getSiblingDB('admin').createUser({user: 'u', pwd: 'p', roles: []})",
        "createUser"
    )]
    #[case::bulk("db.x.bulkWrite([])", "db.x.bulkWrite([])", "bulkWrite")]
    #[case::find_one_and_update(
        "db.x.findOneAndUpdate({}, {$inc: {n: 1}})",
        "db.x.findOneAndUpdate({}, {$inc: {n: 1}})",
        "findOneAndUpdate"
    )]
    #[case::find_one_and_delete(
        "db.x.findOneAndDelete({})",
        "db.x.findOneAndDelete({})",
        "findOneAndDelete"
    )]
    #[case::find_one_and_replace(
        "db.x.findOneAndReplace({}, {})",
        "db.x.findOneAndReplace({}, {})",
        "findOneAndReplace"
    )]
    #[case::rename(
        "db.x.renameCollection('y')",
        "db.x.renameCollection('y')",
        "renameCollection"
    )]
    #[case::aggregate_out(
        "db.x.aggregate([{$match: {}}, {$out: 'y'}])",
        "db.x.aggregate([{$match: {}}, {$out: 'y'}])",
        "aggregate $out"
    )]
    #[case::aggregate_merge(
        "db.x.aggregate([{\"$merge\": {into: 'y'}}])",
        "db.x.aggregate([{\"$merge\": {into: 'y'}}])",
        "aggregate $merge"
    )]
    #[case::run_command(
        "db.runCommand({insert: 'x', documents: [{}]})",
        "db.runCommand({insert: 'x', documents: [{}]})",
        "runCommand insert"
    )]
    #[case::get_collection(
        "db.getCollection('x').insert({a: 1})",
        "db.getCollection('x').insert({a: 1})",
        "insert"
    )]
    #[case::multi_line(
        "const n = db.x.countDocuments();\nif (n === 0) {\n  db.x.insertOne({seed: true});\n}",
        "if (n === 0) {\n  db.x.insertOne({seed: true});\n}",
        "insertOne"
    )]
    fn finds_writes(#[case] script: &str, #[case] statement: &str, #[case] op: &str) {
        assert_eq!(
            writes(script),
            vec![Write {
                statement: statement.to_owned(),
                operation: op.to_owned()
            }]
        );
    }

    #[rstest]
    #[case::find("db.x.find()")]
    #[case::find_one("db.x.findOne({a: 1})")]
    #[case::count("db.x.countDocuments({})")]
    #[case::aggregate("db.x.aggregate([{$match: {a: 1}}, {$group: {_id: '$a'}}])")]
    #[case::in_string("db.x.find({note: 'db.y.insertOne(1)'})")]
    #[case::in_comment("// db.x.drop()\n/* db.x.deleteMany({}) */ db.x.find()")]
    #[case::ping("db.adminCommand({ping: 1})")]
    #[case::server_status("printjson(db.serverStatus())")]
    #[case::not_a_call("const update = db.x.updated;")]
    #[case::created_at("doc.createdAt(1)")]
    #[case::rs_status("rs.status()")]
    #[case::empty("")]
    #[case::unterminated("db.x.find('")]
    fn reads_pass(#[case] script: &str) {
        assert_eq!(writes(script), Vec::new());
    }
}
