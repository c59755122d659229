//! HTTP writes with `curl` and `wget` to in-cluster service hosts.

use crate::cli::{self, Spec};
use crate::text::{Field, basename};

/// Client names, as they appear in findings.
pub(crate) const CURL: &str = "curl";
pub(crate) const WGET: &str = "wget";

/// Methods that write.
const WRITE_METHODS: &[&str] = &["POST", "PUT", "PATCH", "DELETE"];

/// Top-level domains that make a two-label host (`example.com`) public rather than
/// `service.namespace`.
const PUBLIC_TLDS: &[&str] = &[
    "com",
    "net",
    "org",
    "io",
    "dev",
    "app",
    "ai",
    "co",
    "cloud",
    "info",
    "biz",
    "me",
    "tech",
    "xyz",
    "site",
    "online",
    "gov",
    "edu",
    "mil",
    "int",
    "eu",
    "us",
    "uk",
    "de",
    "fr",
    "nl",
    "jp",
    "cn",
    "ru",
    "br",
    "in",
    "au",
    "ca",
    "ch",
    "se",
    "no",
    "es",
    "it",
    "pl",
    "be",
    "at",
    "dk",
    "fi",
    "cz",
    "kr",
    "tw",
    "sg",
    "hk",
    "nz",
    "za",
    "mx",
    "ar",
    "tv",
    "cc",
    "ly",
    "sh",
    "gg",
    "to",
    "fm",
    "ws",
    "so",
    "run",
    "page",
    "link",
    "zone",
    "host",
    "space",
    "network",
    "systems",
    "local",
    "localhost",
    "internal",
    "test",
    "example",
    "invalid",
    "arpa",
];

const CURL_SPEC: Spec = Spec {
    short_value: "AbcCdDeEFHKmoPQrtTuUwxXyYz",
    short_attached: "",
    long_value: &[
        "data",
        "data-raw",
        "data-binary",
        "data-urlencode",
        "data-ascii",
        "json",
        "form",
        "form-string",
        "upload-file",
        "request",
        "header",
        "user",
        "output",
        "url",
        "cacert",
        "capath",
        "cert",
        "key",
        "cert-type",
        "key-type",
        "connect-timeout",
        "max-time",
        "retry",
        "retry-delay",
        "retry-max-time",
        "user-agent",
        "cookie",
        "cookie-jar",
        "referer",
        "proxy",
        "resolve",
        "connect-to",
        "write-out",
        "oauth2-bearer",
        "config",
        "dump-header",
        "range",
        "max-filesize",
        "max-redirs",
        "interface",
        "dns-servers",
        "unix-socket",
        "abstract-unix-socket",
        "limit-rate",
        "noproxy",
        "proxy-user",
        "expect100-timeout",
        "aws-sigv4",
        "variable",
        "url-query",
        "trace",
        "trace-ascii",
        "stderr",
        "local-port",
        "ciphers",
        "pinnedpubkey",
        "request-target",
        "keepalive-time",
        "speed-limit",
        "speed-time",
        "time-cond",
        "continue-at",
        "quote",
        "pass",
        "hostpubmd5",
        "hostpubsha256",
        "proto",
        "proto-redir",
        "socks5",
        "socks5-hostname",
        "output-dir",
        "create-file-mode",
        "happy-eyeballs-timeout-ms",
        "sasl-authzid",
        "login-options",
        "mail-from",
        "mail-rcpt",
        "tls-max",
        "tls13-ciphers",
        "curves",
        "crlfile",
    ],
    interleaved: true,
};

const WGET_SPEC: Spec = Spec {
    short_value: "OoaeiBtTwQPUlARDIXYYC",
    short_attached: "",
    long_value: &[
        "post-data",
        "post-file",
        "method",
        "body-data",
        "body-file",
        "header",
        "user",
        "password",
        "http-user",
        "http-password",
        "output-document",
        "output-file",
        "append-output",
        "user-agent",
        "timeout",
        "tries",
        "wait",
        "directory-prefix",
        "load-cookies",
        "save-cookies",
        "ca-certificate",
        "ca-directory",
        "certificate",
        "private-key",
        "referer",
        "input-file",
        "execute",
        "bind-address",
        "dns-timeout",
        "connect-timeout",
        "read-timeout",
        "limit-rate",
        "quota",
        "base",
        "config",
    ],
    interleaved: true,
};

/// One HTTP write.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Write {
    pub method: String,
    pub host: String,
    pub url: String,
}

/// The HTTP writes of a `curl`/`wget` command line to in-cluster hosts; `None` when `argv` is
/// neither client. The first element is the client name.
pub(crate) fn writes(argv: &[Field]) -> Option<(&'static str, Vec<Write>)> {
    let program = basename(argv.first()?.as_str());
    let args = &argv[1..];
    let (client, method, urls) = match program {
        "curl" => {
            let parsed = cli::parse(args, &CURL_SPEC);
            let explicit = parsed
                .values(&["-X", "--request"])
                .last()
                .map(|(_, v)| v.as_str().to_ascii_uppercase());
            let method = explicit.unwrap_or_else(|| {
                if parsed.has(&["-G", "--get"]) {
                    "GET".to_owned()
                } else if parsed.has(&["-T", "--upload-file"]) {
                    "PUT".to_owned()
                } else if parsed.has(&[
                    "-d",
                    "--data",
                    "--data-raw",
                    "--data-binary",
                    "--data-urlencode",
                    "--data-ascii",
                    "--json",
                    "-F",
                    "--form",
                    "--form-string",
                ]) {
                    "POST".to_owned()
                } else if parsed.has(&["-I", "--head"]) {
                    "HEAD".to_owned()
                } else {
                    "GET".to_owned()
                }
            });
            let mut urls: Vec<Field> = parsed.values(&["--url"]).map(|(_, v)| v.clone()).collect();
            urls.extend(parsed.positionals.iter().cloned());
            (CURL, method, urls)
        }
        "wget" => {
            let parsed = cli::parse(args, &WGET_SPEC);
            let explicit = parsed
                .values(&["--method"])
                .last()
                .map(|(_, v)| v.as_str().to_ascii_uppercase());
            let method = explicit.unwrap_or_else(|| {
                if parsed.has(&["--post-data", "--post-file"]) {
                    "POST".to_owned()
                } else {
                    "GET".to_owned()
                }
            });
            (WGET, method, parsed.positionals)
        }
        _ => return None,
    };
    if !WRITE_METHODS.contains(&method.as_str()) {
        return Some((client, Vec::new()));
    }
    let writes = urls
        .iter()
        .filter(|u| !u.has_unknown())
        .filter_map(|u| host_of(u.as_str()).map(|h| (h, u.as_str().to_owned())))
        .filter(|(h, _)| is_in_cluster_host(h))
        .map(|(host, url)| Write {
            method: method.clone(),
            host,
            url,
        })
        .collect();
    Some((client, writes))
}

/// The host of a URL (`http://hasura:8080/v1/metadata` → `hasura`), also without a scheme
/// (`hasura:8080/x`). `None` when it does not look like a URL.
pub(crate) fn host_of(url: &str) -> Option<String> {
    let (rest, schemeless) = match url.split_once("://") {
        Some((scheme, rest)) => {
            let scheme = scheme.to_ascii_lowercase();
            if !matches!(scheme.as_str(), "http" | "https") {
                return None;
            }
            (rest, false)
        }
        None => (url, true),
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    if schemeless
        && (authority.contains('@')
            || authority.split_once(':').is_some_and(|(_, port)| {
                port.is_empty() || !port.chars().all(|c| c.is_ascii_digit())
            }))
    {
        return None;
    }
    let host_port = authority.rsplit('@').next().unwrap_or("");
    if host_port.starts_with('[') {
        return None; // IPv6 literal
    }
    let host = host_port.split(':').next().unwrap_or("");
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    let valid = !host.is_empty()
        && host.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                && !label.starts_with('-')
        });
    valid.then_some(host)
}

/// Whether a host names a Kubernetes service: a bare name (`hasura`), `svc.ns`,
/// `svc.ns.svc`, `svc.ns.svc.cluster.local` (or another cluster domain). IP addresses,
/// `localhost` and public names (`api.github.com`, `example.com`) are not.
pub(crate) fn is_in_cluster_host(host: &str) -> bool {
    let labels: Vec<&str> = host.split('.').collect();
    if labels.iter().all(|l| l.chars().all(|c| c.is_ascii_digit())) {
        return false; // an IP address or a number
    }
    if !labels
        .first()
        .is_some_and(|l| l.chars().any(|c| c.is_ascii_alphabetic()))
    {
        return false;
    }
    match labels.as_slice() {
        [single] => *single != "localhost",
        [_, ns] => !PUBLIC_TLDS.contains(ns),
        _ => labels.get(2) == Some(&"svc"),
    }
}

#[cfg(test)]
mod tests {
    use rstest::rstest;

    use super::*;
    use crate::text::known_fields;

    fn run(argv: &[&str]) -> Vec<String> {
        let fields = known_fields(argv);
        writes(&fields)
            .map(|(_, w)| w)
            .unwrap_or_default()
            .into_iter()
            .map(|w| format!("{} {}", w.method, w.host))
            .collect()
    }

    #[rstest]
    #[case::x_post(&["curl", "-X", "POST", "http://hasura:8080/v1/metadata"], &["POST hasura"])]
    #[case::request(&["curl", "--request", "PUT", "http://svc.ns:80/x"], &["PUT svc.ns"])]
    #[case::attached(&["curl", "-XPOST", "http://api.ns.svc/x"], &["POST api.ns.svc"])]
    #[case::lowercase(&["curl", "-X", "delete", "http://api.ns.svc.cluster.local/x"], &["DELETE api.ns.svc.cluster.local"])]
    #[case::patch(&["curl", "-sS", "-X", "PATCH", "-H", "Content-Type: application/json", "http://keycloak:8080/x"], &["PATCH keycloak"])]
    #[case::data(&["curl", "-d", "{}", "http://hasura:8080/v1/metadata"], &["POST hasura"])]
    #[case::data_raw(&["curl", "--data-raw", "{}", "hasura:8080/v1/query"], &["POST hasura"])]
    #[case::data_binary(&["curl", "--data-binary", "@/x.json", "http://a.b.svc:1/"], &["POST a.b.svc"])]
    #[case::data_urlencode(&["curl", "--data-urlencode", "a=b", "http://a/"], &["POST a"])]
    #[case::json(&["curl", "--json", "{}", "http://grafana.monitoring/api/dashboards/db"], &["POST grafana.monitoring"])]
    #[case::form(&["curl", "-F", "f=@x", "http://nexus:8081/upload"], &["POST nexus"])]
    #[case::upload(&["curl", "-T", "x.json", "http://minio:9000/b/x"], &["PUT minio"])]
    #[case::url_option(&["curl", "-d", "x", "--url", "http://hasura/v1"], &["POST hasura"])]
    #[case::cluster_domain(&["curl", "-d", "x", "http://a.ns.svc.corp.example/"], &["POST a.ns.svc.corp.example"])]
    #[case::wget_post(&["wget", "--post-data={}", "http://hasura:8080/v1/metadata"], &["POST hasura"])]
    #[case::wget_post_file(&["wget", "-q", "--post-file", "/x.json", "-O-", "http://app:80/"], &["POST app"])]
    #[case::wget_method(&["wget", "--method=DELETE", "http://app.ns/x"], &["DELETE app.ns"])]
    fn finds_writes(#[case] argv: &[&str], #[case] expected: &[&str]) {
        assert_eq!(run(argv), expected);
    }

    #[rstest]
    #[case::get(&["curl", "https://example.com"])]
    #[case::get_in_cluster(&["curl", "-sf", "http://hasura:8080/healthz"])]
    #[case::head(&["curl", "-I", "http://hasura/"])]
    #[case::get_with_data(&["curl", "-G", "-d", "q=1", "http://hasura/"])]
    #[case::public_post(&["curl", "-X", "POST", "https://api.github.com/repos"])]
    #[case::public_two_labels(&["curl", "-d", "x", "https://example.com/hook"])]
    #[case::localhost(&["curl", "-d", "x", "http://localhost:8080/"])]
    #[case::ip(&["curl", "-d", "x", "http://10.0.0.1:8080/"])]
    #[case::ipv6(&["curl", "-d", "x", "http://[::1]:8080/"])]
    #[case::option_value_not_url(&["curl", "--max-time", "5", "-d", "x", "https://example.com"])]
    #[case::unknown_host(&["curl", "-d", "x", "$HASURA_URL/v1/metadata"])]
    #[case::wget_get(&["wget", "-qO-", "http://hasura:8080/healthz"])]
    #[case::not_http(&["curl", "-T", "x", "ftp://files/x"])]
    fn no_writes(#[case] argv: &[&str]) {
        assert!(run(argv).is_empty(), "{:?}", run(argv));
    }

    #[test]
    fn other_programs_are_not_http_clients() {
        assert!(writes(&[Field::known("http"), Field::known("POST")]).is_none());
    }

    #[test]
    fn unknown_parts_are_not_hosts() {
        let argv = vec![
            Field::known("curl"),
            Field::known("-d"),
            Field::known("x"),
            Field::unknown("$URL"),
        ];
        assert_eq!(writes(&argv).map(|(_, w)| w.len()), Some(0));
    }

    #[rstest]
    #[case("http://user:pw@svc:8080/x?y#z", Some("svc"))]
    #[case("HTTPS://Svc.NS./", Some("svc.ns"))]
    #[case("svc:8080/path", Some("svc"))]
    #[case("mailto:x@y", None)]
    #[case("@/data.json", None)]
    #[case("", None)]
    fn hosts(#[case] url: &str, #[case] host: Option<&str>) {
        assert_eq!(host_of(url).as_deref(), host);
    }
}
