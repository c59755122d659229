//! Database clients, and how a script reaches them: inline flags, files, or standard input.

use crate::cli::{self, Spec};
use crate::text::{Field, basename};
use sql_writes::Dialect;

/// Client names, as they appear in findings.
pub(crate) const PSQL: &str = "psql";
pub(crate) const MYSQL: &str = "mysql";
pub(crate) const MARIADB: &str = "mariadb";
pub(crate) const CLICKHOUSE_CLIENT: &str = "clickhouse-client";
pub(crate) const SQLCMD: &str = "sqlcmd";
pub(crate) const CQLSH: &str = "cqlsh";
pub(crate) const COCKROACH_SQL: &str = "cockroach sql";
pub(crate) const MONGOSH: &str = "mongosh";
pub(crate) const MONGO: &str = "mongo";

/// `via` of a SQL text given as a bare argument (`clickhouse-client "INSERT …"`).
pub(crate) const VIA_ARGUMENT: &str = "argument";

/// A database client.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Client {
    Psql,
    Mysql,
    Mariadb,
    ClickHouse,
    Sqlcmd,
    Cqlsh,
    Cockroach,
    Mongosh,
    Mongo,
}

impl Client {
    pub(crate) const fn name(self) -> &'static str {
        match self {
            Self::Psql => PSQL,
            Self::Mysql => MYSQL,
            Self::Mariadb => MARIADB,
            Self::ClickHouse => CLICKHOUSE_CLIENT,
            Self::Sqlcmd => SQLCMD,
            Self::Cqlsh => CQLSH,
            Self::Cockroach => COCKROACH_SQL,
            Self::Mongosh => MONGOSH,
            Self::Mongo => MONGO,
        }
    }

    /// The SQL dialect; `None` for the MongoDB shells.
    pub(crate) const fn dialect(self) -> Option<Dialect> {
        match self {
            Self::Psql | Self::Cockroach => Some(Dialect::Postgres),
            Self::Mysql | Self::Mariadb => Some(Dialect::MySql),
            Self::ClickHouse => Some(Dialect::ClickHouse),
            Self::Sqlcmd => Some(Dialect::MsSql),
            Self::Cqlsh => Some(Dialect::Cql),
            Self::Mongosh | Self::Mongo => None,
        }
    }

    const fn spec(self) -> &'static Spec {
        match self {
            Self::Psql => &PSQL_SPEC,
            Self::Mysql | Self::Mariadb => &MYSQL_SPEC,
            Self::ClickHouse => &CLICKHOUSE_SPEC,
            Self::Sqlcmd => &SQLCMD_SPEC,
            Self::Cqlsh => &CQLSH_SPEC,
            Self::Cockroach => &COCKROACH_SPEC,
            Self::Mongosh | Self::Mongo => &MONGO_SPEC,
        }
    }
}

const PSQL_SPEC: Spec = Spec {
    short_value: "cdfhpUvoLPFRT",
    short_attached: "",
    long_value: &[
        "command",
        "dbname",
        "file",
        "host",
        "port",
        "username",
        "set",
        "variable",
        "output",
        "log-file",
        "pset",
        "field-separator",
        "record-separator",
        "table-attr",
    ],
    interleaved: true,
};

const MYSQL_SPEC: Spec = Spec {
    short_value: "eDhPSuOT",
    short_attached: "p#",
    long_value: &[
        "execute",
        "database",
        "host",
        "port",
        "socket",
        "user",
        "default-character-set",
        "defaults-file",
        "defaults-extra-file",
        "defaults-group-suffix",
        "init-command",
        "login-path",
        "protocol",
        "ssl-ca",
        "ssl-capath",
        "ssl-cert",
        "ssl-cipher",
        "ssl-key",
        "ssl-mode",
        "connect-timeout",
        "max-allowed-packet",
        "net-buffer-length",
        "tee",
        "pager",
        "prompt",
        "delimiter",
        "plugin-dir",
        "default-auth",
        "character-sets-dir",
        "bind-address",
    ],
    interleaved: true,
};

const CLICKHOUSE_SPEC: Spec = Spec {
    short_value: "hqudfC",
    short_attached: "",
    long_value: &[
        "query",
        "host",
        "port",
        "user",
        "password",
        "database",
        "format",
        "config-file",
        "config",
        "queries-file",
        "log-level",
        "max_threads",
        "connection",
        "history_file",
    ],
    interleaved: true,
};

const SQLCMD_SPEC: Spec = Spec {
    short_value: "SUPdQqioHvltswhamVyYzZfcK",
    short_attached: "krN",
    long_value: &[
        "server",
        "user-name",
        "password",
        "database-name",
        "query",
        "initial-query",
        "input-file",
        "output-file",
        "variables",
        "headers",
        "column-separator",
        "packet-size",
        "login-timeOut",
        "query-timeout",
        "authentication-method",
        "application-intent",
        "batch-terminator",
        "format",
    ],
    interleaved: true,
};

const CQLSH_SPEC: Spec = Spec {
    short_value: "efupkb",
    short_attached: "",
    long_value: &[
        "execute",
        "file",
        "username",
        "password",
        "keyspace",
        "cqlshrc",
        "cqlversion",
        "protocol-version",
        "connect-timeout",
        "request-timeout",
        "encoding",
        "secure-connect-bundle",
        "credentials",
    ],
    interleaved: true,
};

const COCKROACH_SPEC: Spec = Spec {
    short_value: "efupd",
    short_attached: "",
    long_value: &[
        "execute",
        "file",
        "url",
        "host",
        "port",
        "user",
        "database",
        "certs-dir",
        "format",
        "set",
        "watch",
        "cluster-name",
    ],
    interleaved: true,
};

const MONGO_SPEC: Spec = Spec {
    short_value: "fup",
    short_attached: "",
    long_value: &[
        "eval",
        "file",
        "host",
        "port",
        "username",
        "password",
        "authenticationDatabase",
        "authenticationMechanism",
        "awsAccessKeyId",
        "awsSecretAccessKey",
        "awsSessionToken",
        "gssapiServiceName",
        "sspiHostnameCanonicalization",
        "tlsCAFile",
        "tlsCertificateKeyFile",
        "tlsCertificateKeyFilePassword",
        "tlsCRLFile",
        "tlsCertificateSelector",
        "tlsDisabledProtocols",
        "apiVersion",
        "sslCAFile",
        "sslPEMKeyFile",
        "sslPEMKeyPassword",
        "sslCRLFile",
        "keyVaultNamespace",
        "kmsURL",
    ],
    interleaved: true,
};

/// Recognises a client; returns it and the index of its first own argument.
pub(crate) fn detect(argv: &[Field]) -> Option<(Client, usize)> {
    let program = basename(argv.first()?.as_str());
    let sub = argv.get(1).map(Field::as_str);
    let found = match program {
        "psql" => (Client::Psql, 1),
        "mysql" => (Client::Mysql, 1),
        "mariadb" => (Client::Mariadb, 1),
        "clickhouse-client" => (Client::ClickHouse, 1),
        "clickhouse" if sub == Some("client") => (Client::ClickHouse, 2),
        "sqlcmd" => (Client::Sqlcmd, 1),
        "cqlsh" | "cqlsh.py" => (Client::Cqlsh, 1),
        "cockroach" if sub == Some("sql") => (Client::Cockroach, 2),
        "mongosh" => (Client::Mongosh, 1),
        "mongo" => (Client::Mongo, 1),
        _ => return None,
    };
    Some(found)
}

/// One way a script reaches the client.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Source {
    /// Text given on the command line (`-c`, `--execute`, `--eval`…), with the flag.
    Inline { flag: String, text: Field },
    /// A file given on the command line (`-f`, `--file`, `-i`), with the flag.
    File { flag: String, path: Field },
    /// The client reads its standard input.
    Stdin,
}

/// Where the client's scripts come from, in command-line order.
pub(crate) fn sources(client: Client, args: &[Field]) -> Vec<Source> {
    let parsed = cli::parse(args, client.spec());
    let mut out = Vec::new();
    for opt in &parsed.opts {
        let Some(value) = &opt.value else {
            continue;
        };
        let flag = opt.name.clone();
        let inline = || Source::Inline {
            flag: flag.clone(),
            text: value.clone(),
        };
        let file = || {
            if value.as_str() == "-" {
                Source::Stdin
            } else {
                Source::File {
                    flag: flag.clone(),
                    path: value.clone(),
                }
            }
        };
        match (client, opt.name.as_str()) {
            (Client::Psql, "-c" | "--command")
            | (Client::Mysql | Client::Mariadb, "-e" | "--execute")
            | (Client::ClickHouse, "-q" | "--query" | "--multiquery" | "-n")
            | (Client::Sqlcmd, "-Q" | "-q" | "--query" | "--initial-query")
            | (Client::Cqlsh | Client::Cockroach, "-e" | "--execute")
            | (Client::Mongosh | Client::Mongo, "--eval") => out.push(inline()),
            (Client::Psql | Client::Cqlsh | Client::Cockroach, "-f" | "--file")
            | (Client::ClickHouse, "--queries-file")
            | (Client::Mongosh | Client::Mongo, "-f" | "--file") => out.push(file()),
            (Client::Sqlcmd, "-i" | "--input-file") => {
                for part in value.as_str().split(',').filter(|p| !p.trim().is_empty()) {
                    let mut path = Field::default();
                    if value.has_unknown() {
                        path.push_unknown(part.trim());
                    } else {
                        path.push_known(part.trim());
                    }
                    out.push(Source::File {
                        flag: flag.clone(),
                        path,
                    });
                }
            }
            _ => {}
        }
    }
    for p in &parsed.positionals {
        match client {
            // A query as a bare argument.
            Client::ClickHouse if p.as_str().trim().contains(char::is_whitespace) => {
                out.push(Source::Inline {
                    flag: VIA_ARGUMENT.to_owned(),
                    text: p.clone(),
                });
            }
            // `mongosh [address] script.js…`
            Client::Mongosh | Client::Mongo if p.as_str().ends_with(".js") => {
                out.push(Source::File {
                    flag: VIA_ARGUMENT.to_owned(),
                    path: p.clone(),
                });
            }
            Client::Sqlcmd if p.as_str().ends_with(".sql") => out.push(Source::File {
                flag: VIA_ARGUMENT.to_owned(),
                path: p.clone(),
            }),
            _ => {}
        }
    }
    if out.is_empty() {
        out.push(Source::Stdin);
    }
    out
}

#[cfg(test)]
mod tests {
    use rstest::rstest;

    use super::*;
    use crate::text::known_fields;

    #[rstest]
    #[case::psql(&["psql", "-c", "x"], Some((Client::Psql, 1)))]
    #[case::psql_path(&["/usr/lib/postgresql/16/bin/psql"], Some((Client::Psql, 1)))]
    #[case::mysql(&["mysql"], Some((Client::Mysql, 1)))]
    #[case::mariadb(&["/usr/bin/mariadb"], Some((Client::Mariadb, 1)))]
    #[case::clickhouse_client(&["clickhouse-client"], Some((Client::ClickHouse, 1)))]
    #[case::clickhouse_sub(&["clickhouse", "client", "-q", "x"], Some((Client::ClickHouse, 2)))]
    #[case::clickhouse_server(&["clickhouse", "server"], None)]
    #[case::sqlcmd(&["/opt/mssql-tools18/bin/sqlcmd"], Some((Client::Sqlcmd, 1)))]
    #[case::cqlsh(&["cqlsh"], Some((Client::Cqlsh, 1)))]
    #[case::cockroach_sql(&["cockroach", "sql", "-e", "x"], Some((Client::Cockroach, 2)))]
    #[case::cockroach_init(&["cockroach", "init"], None)]
    #[case::mongosh(&["mongosh"], Some((Client::Mongosh, 1)))]
    #[case::mongo(&["mongo"], Some((Client::Mongo, 1)))]
    #[case::pg_isready(&["pg_isready"], None)]
    #[case::redis(&["redis-cli", "ping"], None)]
    #[case::kafka(&["kafka-topics", "--create"], None)]
    #[case::mysqladmin(&["mysqladmin", "ping"], None)]
    fn detects(#[case] argv: &[&str], #[case] expected: Option<(Client, usize)>) {
        assert_eq!(detect(&known_fields(argv)), expected);
    }

    fn render(client: Client, args: &[&str]) -> Vec<String> {
        sources(client, &known_fields(args))
            .into_iter()
            .map(|s| match s {
                Source::Inline { flag, text } => format!("{flag} {}", text.as_str()),
                Source::File { flag, path } => format!("{flag} @{}", path.as_str()),
                Source::Stdin => "stdin".to_owned(),
            })
            .collect()
    }

    #[rstest]
    #[case::psql_c(Client::Psql, &["-h", "db", "-c", "SELECT 1"], &["-c SELECT 1"])]
    #[case::psql_c_twice(Client::Psql, &["-c", "A", "--command=B"], &["-c A", "--command B"])]
    #[case::psql_cluster(Client::Psql, &["-Xc", "A"], &["-c A"])]
    #[case::psql_f(Client::Psql, &["-f", "/sql/x.sql", "--file=/sql/y.sql"], &["-f @/sql/x.sql", "--file @/sql/y.sql"])]
    #[case::psql_f_dash(Client::Psql, &["-f", "-"], &["stdin"])]
    #[case::psql_stdin(Client::Psql, &["-v", "ON_ERROR_STOP=1", "--username", "u", "db"], &["stdin"])]
    #[case::psql_v_is_not_c(Client::Psql, &["-v", "c=1"], &["stdin"])]
    #[case::mysql_e(Client::Mysql, &["-uroot", "-psecret", "-e", "SHOW TABLES"], &["-e SHOW TABLES"])]
    #[case::mysql_e_attached(Client::Mysql, &["-e\"SELECT 1\""], &["-e \"SELECT 1\""])]
    #[case::mysql_execute(Client::Mariadb, &["--execute=DROP TABLE t", "db"], &["--execute DROP TABLE t"])]
    #[case::mysql_p_not_value(Client::Mysql, &["-p", "db"], &["stdin"])]
    #[case::mysql_f_is_force(Client::Mysql, &["-f", "db"], &["stdin"])]
    #[case::clickhouse_q(Client::ClickHouse, &["-q", "SELECT 1"], &["-q SELECT 1"])]
    #[case::clickhouse_query(Client::ClickHouse, &["--host", "ch", "--query", "INSERT INTO t VALUES (1)"], &["--query INSERT INTO t VALUES (1)"])]
    #[case::clickhouse_multiquery(Client::ClickHouse, &["--multiquery=CREATE TABLE t (a Int8)"], &["--multiquery CREATE TABLE t (a Int8)"])]
    #[case::clickhouse_format_f(Client::ClickHouse, &["-f", "CSV", "-q", "SELECT 1"], &["-q SELECT 1"])]
    #[case::clickhouse_positional(Client::ClickHouse, &["--multiquery", "CREATE TABLE t (a Int8)"], &["argument CREATE TABLE t (a Int8)"])]
    #[case::clickhouse_queries_file(Client::ClickHouse, &["--queries-file", "/sql/x.sql"], &["--queries-file @/sql/x.sql"])]
    #[case::sqlcmd_q(Client::Sqlcmd, &["-S", "db", "-Q", "SELECT 1"], &["-Q SELECT 1"])]
    #[case::sqlcmd_i(Client::Sqlcmd, &["-i", "/a.sql,/b.sql"], &["-i @/a.sql", "-i @/b.sql"])]
    #[case::cqlsh_e(Client::Cqlsh, &["cassandra", "9042", "-e", "DESCRIBE KEYSPACES"], &["-e DESCRIBE KEYSPACES"])]
    #[case::cqlsh_f(Client::Cqlsh, &["--file", "/cql/x.cql"], &["--file @/cql/x.cql"])]
    #[case::cockroach_e(Client::Cockroach, &["--insecure", "-e", "A", "-e", "B"], &["-e A", "-e B"])]
    #[case::cockroach_f(Client::Cockroach, &["-f", "/x.sql"], &["-f @/x.sql"])]
    #[case::mongosh_eval(Client::Mongosh, &["mongodb://db/app", "--quiet", "--eval", "db.x.find()"], &["--eval db.x.find()"])]
    #[case::mongosh_file(Client::Mongosh, &["db/app", "/scripts/seed.js"], &["argument @/scripts/seed.js"])]
    #[case::mongo_f(Client::Mongo, &["-f", "/x.js"], &["-f @/x.js"])]
    #[case::mongosh_stdin(Client::Mongosh, &["mongodb://db"], &["stdin"])]
    fn finds_sources(#[case] client: Client, #[case] args: &[&str], #[case] expected: &[&str]) {
        assert_eq!(render(client, args), expected);
    }
}
