//! A getopt-like reader for command lines of known programs.

use crate::text::Field;

/// Which options of a program take a value.
pub(crate) struct Spec {
    /// Short options that take a value, attached (`-cSQL`) or as the next argument.
    pub short_value: &'static str,
    /// Short options whose value can only be attached (`mysql -pSECRET`).
    pub short_attached: &'static str,
    /// Long options (without `--`) that take a value, `--name=value` or `--name value`.
    pub long_value: &'static [&'static str],
    /// Whether options may follow positional arguments (GNU style). When false, the first
    /// positional ends the options.
    pub interleaved: bool,
}

/// One option, named as written (`-c`, `--command`), with its value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Opt {
    pub name: String,
    pub value: Option<Field>,
}

/// A parsed command line.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Parsed {
    pub opts: Vec<Opt>,
    pub positionals: Vec<Field>,
}

impl Parsed {
    /// Values of the options with one of these names, in order.
    pub(crate) fn values<'a>(
        &'a self,
        names: &'a [&str],
    ) -> impl Iterator<Item = (&'a str, &'a Field)> {
        self.opts.iter().filter_map(move |o| {
            if names.contains(&o.name.as_str()) {
                o.value.as_ref().map(|v| (o.name.as_str(), v))
            } else {
                None
            }
        })
    }

    /// Whether an option with one of these names is present.
    pub(crate) fn has(&self, names: &[&str]) -> bool {
        self.opts.iter().any(|o| names.contains(&o.name.as_str()))
    }
}

/// Parses `args` (without the program name).
pub(crate) fn parse(args: &[Field], spec: &Spec) -> Parsed {
    let mut out = Parsed::default();
    let mut i = 0;
    let mut options_done = false;
    while i < args.len() {
        let field = &args[i];
        let arg = field.as_str();
        i += 1;
        if options_done || arg == "-" || !arg.starts_with('-') {
            out.positionals.push(field.clone());
            if !spec.interleaved {
                options_done = true;
            }
            continue;
        }
        if arg == "--" {
            options_done = true;
            continue;
        }
        if let Some(long) = arg.strip_prefix("--") {
            let (name, attached) = match long.split_once('=') {
                Some((n, _)) => (n, Some(field.tail(2 + n.len() + 1))),
                None => (long, None),
            };
            let value = if attached.is_some() {
                attached
            } else if spec.long_value.contains(&name) && i < args.len() {
                i += 1;
                Some(args[i - 1].clone())
            } else {
                None
            };
            out.opts.push(Opt {
                name: ["--", name].concat(),
                value,
            });
            continue;
        }
        // A cluster of short options: `-Xc`, `-cSQL`, `-XPOST`.
        let mut offset = 1;
        for c in arg[1..].chars() {
            offset += c.len_utf8();
            let mut name = String::with_capacity(1 + c.len_utf8());
            name.push('-');
            name.push(c);
            if spec.short_value.contains(c) {
                let value = if offset < arg.len() {
                    Some(field.tail(offset))
                } else if i < args.len() {
                    i += 1;
                    Some(args[i - 1].clone())
                } else {
                    None
                };
                out.opts.push(Opt { name, value });
                break;
            }
            if spec.short_attached.contains(c) {
                let value = (offset < arg.len()).then(|| field.tail(offset));
                out.opts.push(Opt { name, value });
                break;
            }
            out.opts.push(Opt { name, value: None });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use rstest::rstest;

    use super::*;
    use crate::text::known_fields;

    const SPEC: Spec = Spec {
        short_value: "cfU",
        short_attached: "p",
        long_value: &["command", "file"],
        interleaved: true,
    };

    fn render(p: &Parsed) -> Vec<String> {
        let mut out: Vec<String> = p
            .opts
            .iter()
            .map(|o| match &o.value {
                Some(v) => format!("{}={}", o.name, v.as_str()),
                None => o.name.clone(),
            })
            .collect();
        out.extend(p.positionals.iter().map(|f| format!("@{}", f.as_str())));
        out
    }

    #[rstest]
    #[case::separate(&["-c", "SELECT 1"], &["-c=SELECT 1"])]
    #[case::attached(&["-cSELECT"], &["-c=SELECT"])]
    #[case::cluster(&["-Xc", "SQL", "db"], &["-X", "-c=SQL", "@db"])]
    #[case::long_eq(&["--command=SELECT 1"], &["--command=SELECT 1"])]
    #[case::long_sep(&["--file", "/x.sql", "--echo-all"], &["--file=/x.sql", "--echo-all"])]
    #[case::attached_only(&["-p", "db", "-psecret"], &["-p", "-p=secret", "@db"])]
    #[case::double_dash(&["--", "-c"], &["@-c"])]
    #[case::dash_is_positional(&["-f", "-", "-"], &["-f=-", "@-"])]
    #[case::missing_value(&["-c"], &["-c"])]
    #[case::non_ascii(&["-é", "x"], &["-é", "@x"])]
    fn parses(#[case] args: &[&str], #[case] expected: &[&str]) {
        assert_eq!(render(&parse(&known_fields(args), &SPEC)), expected);
    }

    #[test]
    fn stops_at_first_positional_when_not_interleaved() {
        let spec = Spec {
            interleaved: false,
            ..SPEC
        };
        assert_eq!(
            render(&parse(&known_fields(&["-x", "script", "-c"]), &spec)),
            ["-x", "@script", "@-c"]
        );
    }
}
