//! Versioned migration tools, which are allowed: recognised by command or by image.

use upstream_first_rules::image::ImageReference;

use crate::text::{Field, basename};

/// Tool ids, the default `allowedTools`.
pub const DEFAULT_ALLOWED_TOOLS: &[&str] = &[
    FLYWAY,
    LIQUIBASE,
    ATLAS,
    SQITCH,
    GOLANG_MIGRATE,
    DBMATE,
    GOOSE,
    ALEMBIC,
    PRISMA_MIGRATE,
    HASURA,
    KONG_MIGRATIONS,
    DJANGO_MIGRATE,
    RAILS_DB_MIGRATE,
];

const FLYWAY: &str = "flyway";
const LIQUIBASE: &str = "liquibase";
const ATLAS: &str = "atlas";
const SQITCH: &str = "sqitch";
const GOLANG_MIGRATE: &str = "golang-migrate";
const DBMATE: &str = "dbmate";
const GOOSE: &str = "goose";
const ALEMBIC: &str = "alembic";
const PRISMA_MIGRATE: &str = "prisma-migrate";
const HASURA: &str = "hasura";
const KONG_MIGRATIONS: &str = "kong-migrations";
const DJANGO_MIGRATE: &str = "django-migrate";
const RAILS_DB_MIGRATE: &str = "rails-db-migrate";

/// Image repositories (last path segment) of each tool.
const TOOL_IMAGES: &[(&str, &str)] = &[
    (FLYWAY, "flyway"),
    (LIQUIBASE, "liquibase"),
    (ATLAS, "atlas"),
    (SQITCH, "sqitch"),
    (GOLANG_MIGRATE, "migrate"),
    (DBMATE, "dbmate"),
    (GOOSE, "goose"),
];
/// Hasura's migrations image: `hasura/graphql-engine:<version>.cli-migrations-v3`, from any
/// registry or mirror.
const HASURA_IMAGE: &str = "hasura/graphql-engine";
const HASURA_MIGRATIONS_TAG: &str = "cli-migrations";

/// The allowed tool a command runs, if any.
pub(crate) fn match_command(argv: &[Field], allowed: &[String]) -> Option<String> {
    let words: Vec<&str> = argv.iter().map(Field::as_str).collect();
    let builtin = builtin_command(&words);
    if let Some(tool) = builtin
        && allowed.iter().any(|a| a == tool)
    {
        return Some(tool.to_owned());
    }
    let program = basename(words.first()?);
    // The name first: it is one comparison, the defaults are a dozen, for every command.
    allowed
        .iter()
        .find(|a| a.as_str() == program && !DEFAULT_ALLOWED_TOOLS.contains(&a.as_str()))
        .cloned()
}

fn builtin_command(words: &[&str]) -> Option<&'static str> {
    let words = strip_runner(words);
    let program = basename(words.first()?);
    let sub = words.get(1).copied().unwrap_or("");
    let tool = match program {
        "flyway" | "flyway.cmd" => FLYWAY,
        "liquibase" => LIQUIBASE,
        "atlas" if matches!(sub, "migrate" | "schema") => ATLAS,
        "sqitch" => SQITCH,
        "migrate" => GOLANG_MIGRATE,
        "dbmate" => DBMATE,
        "goose" => GOOSE,
        "alembic" => ALEMBIC,
        "prisma" if sub == "migrate" => PRISMA_MIGRATE,
        "hasura" | "hasura-cli" if matches!(sub, "metadata" | "migrate" | "deploy") => HASURA,
        "kong" if sub == "migrations" => KONG_MIGRATIONS,
        "manage.py" if sub == "migrate" => DJANGO_MIGRATE,
        "django-admin" if sub == "migrate" => DJANGO_MIGRATE,
        "rails" | "rake"
            if words[1..]
                .iter()
                .any(|w| *w == "db:migrate" || w.starts_with("db:migrate:")) =>
        {
            RAILS_DB_MIGRATE
        }
        p if is_python(p) => {
            // python [-u] manage.py migrate | python -m alembic … | python -m django migrate
            let args: Vec<&str> = words[1..]
                .iter()
                .copied()
                .skip_while(|w| w.starts_with('-') && *w != "-m")
                .collect();
            match args.as_slice() {
                ["-m", "alembic", ..] => ALEMBIC,
                ["-m", "django", "migrate", ..] => DJANGO_MIGRATE,
                [script, "migrate", ..] if basename(script) == "manage.py" => DJANGO_MIGRATE,
                _ => return None,
            }
        }
        _ => return None,
    };
    Some(tool)
}

/// Drops package runners: `npx [-y] prisma@5 …`, `yarn prisma …`, `pnpm exec …`,
/// `bundle exec rake …`.
fn strip_runner<'a>(words: &[&'a str]) -> Vec<&'a str> {
    let mut words: Vec<&str> = words.to_vec();
    for _ in 0..3 {
        let Some(first) = words.first() else {
            break;
        };
        let skip = match basename(first) {
            "npx" | "bunx" | "pnpx" => 1,
            "yarn" | "pnpm" | "bun" | "npm" | "bundle" => match words.get(1).copied() {
                Some("exec" | "dlx" | "run" | "x") => 2,
                _ => 1,
            },
            _ => break,
        };
        words.drain(..skip.min(words.len()));
        while words.first().is_some_and(|w| w.starts_with('-')) {
            let w = words.remove(0);
            if matches!(w, "-p" | "--package") && !words.is_empty() {
                words.remove(0);
            }
        }
        if let Some(first) = words.first_mut()
            && let Some((name, _version)) = first.rsplit_once('@')
            && !name.is_empty()
        {
            *first = name;
        }
    }
    words
}

fn is_python(program: &str) -> bool {
    program
        .strip_prefix("python")
        .is_some_and(|v| v.chars().all(|c| c.is_ascii_digit() || c == '.'))
}

/// The allowed tool an image is, if any. Images are matched by repository, whatever the
/// registry or mirror; a reference that does not parse is no tool.
pub(crate) fn match_image(image: &str, allowed: &[String]) -> Option<String> {
    let image = ImageReference::parse(image).ok()?;
    let last = image.name();
    let builtin = if image.matches_repository(HASURA_IMAGE) {
        image
            .tag
            .as_deref()
            .is_some_and(|tag| tag.contains(HASURA_MIGRATIONS_TAG))
            .then_some(HASURA)
    } else {
        TOOL_IMAGES
            .iter()
            .find(|(_, segment)| *segment == last)
            .map(|(tool, _)| *tool)
    };
    if let Some(tool) = builtin
        && allowed.iter().any(|a| a == tool)
    {
        return Some(tool.to_owned());
    }
    allowed
        .iter()
        .find(|a| !DEFAULT_ALLOWED_TOOLS.contains(&a.as_str()) && a.as_str() == last)
        .cloned()
}

/// The last path segment of an image's repository (`psql` for `docker.io/x/psql:16`); `None`
/// when the reference does not parse.
pub(crate) fn image_name(image: &str) -> Option<String> {
    ImageReference::parse(image)
        .ok()
        .map(|image| image.name().to_owned())
}

#[cfg(test)]
mod tests {
    use rstest::rstest;

    use super::*;
    use crate::text::known_fields;

    fn defaults() -> Vec<String> {
        DEFAULT_ALLOWED_TOOLS
            .iter()
            .map(|t| (*t).to_owned())
            .collect()
    }

    fn command(argv: &[&str]) -> Option<String> {
        let fields = known_fields(argv);
        match_command(&fields, &defaults())
    }

    #[rstest]
    #[case::flyway(&["flyway", "migrate"], FLYWAY)]
    #[case::flyway_path(&["/flyway/flyway", "-url=jdbc:postgresql://db/app", "migrate"], FLYWAY)]
    #[case::liquibase(&["liquibase", "--changelog-file=c.xml", "update"], LIQUIBASE)]
    #[case::atlas_migrate(&["atlas", "migrate", "apply", "--url", "x"], ATLAS)]
    #[case::atlas_schema(&["atlas", "schema", "apply"], ATLAS)]
    #[case::sqitch(&["sqitch", "deploy"], SQITCH)]
    #[case::golang_migrate(&["migrate", "-path", "/m", "-database", "x", "up"], GOLANG_MIGRATE)]
    #[case::dbmate(&["dbmate", "up"], DBMATE)]
    #[case::goose(&["goose", "postgres", "x", "up"], GOOSE)]
    #[case::alembic(&["alembic", "upgrade", "head"], ALEMBIC)]
    #[case::python_alembic(&["python3", "-m", "alembic", "upgrade", "head"], ALEMBIC)]
    #[case::prisma(&["prisma", "migrate", "deploy"], PRISMA_MIGRATE)]
    #[case::npx_prisma(&["npx", "--yes", "prisma@5.10.0", "migrate", "deploy"], PRISMA_MIGRATE)]
    #[case::pnpm_prisma(&["pnpm", "exec", "prisma", "migrate", "deploy"], PRISMA_MIGRATE)]
    #[case::hasura_metadata(&["hasura", "metadata", "apply"], HASURA)]
    #[case::hasura_migrate(&["hasura-cli", "migrate", "apply", "--all-databases"], HASURA)]
    #[case::kong(&["kong", "migrations", "bootstrap"], KONG_MIGRATIONS)]
    #[case::django(&["python", "manage.py", "migrate", "--noinput"], DJANGO_MIGRATE)]
    #[case::django_path(&["python3.12", "-u", "/app/manage.py", "migrate"], DJANGO_MIGRATE)]
    #[case::django_direct(&["./manage.py", "migrate"], DJANGO_MIGRATE)]
    #[case::django_admin(&["django-admin", "migrate"], DJANGO_MIGRATE)]
    #[case::rails(&["bin/rails", "db:migrate"], RAILS_DB_MIGRATE)]
    #[case::rake(&["bundle", "exec", "rake", "db:migrate"], RAILS_DB_MIGRATE)]
    #[case::rails_status(&["rails", "db:migrate:status"], RAILS_DB_MIGRATE)]
    fn recognises_commands(#[case] argv: &[&str], #[case] tool: &str) {
        assert_eq!(command(argv).as_deref(), Some(tool));
    }

    #[rstest]
    #[case::prisma_db_execute(&["prisma", "db", "execute", "--file", "x.sql"])]
    #[case::hasura_seed(&["hasura", "seed", "apply"])]
    #[case::kong_start(&["kong", "start"])]
    #[case::django_shell(&["python", "manage.py", "shell"])]
    #[case::rails_seed(&["rails", "db:seed"])]
    #[case::atlas_other(&["atlas", "version"])]
    #[case::psql(&["psql", "-c", "x"])]
    #[case::python_script(&["python", "seed.py"])]
    #[case::empty(&[])]
    fn other_commands_are_not_tools(#[case] argv: &[&str]) {
        assert_eq!(command(argv), None);
    }

    #[test]
    fn allowed_list_restricts_and_extends() {
        let flyway = [Field::known("flyway"), Field::known("migrate")];
        assert_eq!(match_command(&flyway, &["liquibase".to_owned()]), None);
        let custom = [Field::known("/bin/my-migrator"), Field::known("up")];
        assert_eq!(
            match_command(&custom, &["my-migrator".to_owned()]).as_deref(),
            Some("my-migrator")
        );
        assert_eq!(
            match_image(
                "registry.corp/team/my-migrator:1",
                &["my-migrator".to_owned()]
            )
            .as_deref(),
            Some("my-migrator")
        );
    }

    #[rstest]
    #[case::flyway("flyway/flyway:10", Some(FLYWAY))]
    #[case::flyway_registry(
        "docker.io/flyway/flyway:10.1@sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        Some(FLYWAY)
    )]
    #[case::invalid_reference("docker.io/flyway/flyway:10.1@sha256:abcd", None)]
    #[case::redgate("redgate/flyway", Some(FLYWAY))]
    #[case::liquibase("liquibase/liquibase:4.25", Some(LIQUIBASE))]
    #[case::liquibase_official("liquibase", Some(LIQUIBASE))]
    #[case::atlas("arigaio/atlas:latest", Some(ATLAS))]
    #[case::migrate("migrate/migrate:v4.17.0", Some(GOLANG_MIGRATE))]
    #[case::dbmate("ghcr.io/amacneil/dbmate:2", Some(DBMATE))]
    #[case::hasura_migrations("hasura/graphql-engine:v2.36.0.cli-migrations-v3", Some(HASURA))]
    #[case::hasura_mirror(
        "registry.corp/mirror/hasura/graphql-engine:v2.36.0.cli-migrations-v3",
        Some(HASURA)
    )]
    #[case::hasura_server("hasura/graphql-engine:v2.36.0", None)]
    #[case::postgres("postgres:16", None)]
    #[case::substring("example/flyway-helper:1", None)]
    #[case::port_registry("localhost:5000/flyway:1", Some(FLYWAY))]
    fn recognises_images(#[case] image: &str, #[case] tool: Option<&str>) {
        assert_eq!(match_image(image, &defaults()).as_deref(), tool);
    }

    #[rstest]
    #[case("postgres", Some("postgres"))]
    #[case("docker.io/curlimages/curl:8.5.0", Some("curl"))]
    #[case(
        "localhost:5000/x/y:1@sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        Some("y")
    )]
    #[case("Not/Valid", None)]
    fn names_images(#[case] image: &str, #[case] name: Option<&str>) {
        assert_eq!(image_name(image).as_deref(), name);
    }
}
