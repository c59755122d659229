//! `cargo xtask playground`: builds the browser playground into `target/playground/site/` (the
//! page, its worker, the engine compiled to `wasm32-unknown-unknown` and bound by
//! `wasm-bindgen`, and the example bundle), serves it, and runs its browser tests.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::{env, fs};

use anyhow::{Context, Result, bail};

use crate::{build_cdylib, cargo, ensure_target, run, target_dir, workspace_root};

const BROWSER_TARGET: &str = "wasm32-unknown-unknown";
const CRATE: &str = "upstream-first-playground";

/// Builds the site and returns its directory.
pub fn build() -> Result<PathBuf> {
    ensure_target(BROWSER_TARGET)?;
    // wasm-bindgen reads the features the module uses from its `target_features` section,
    // which the profile's `strip` removes; wasm-bindgen strips the rest.
    let artifact = build_cdylib(BROWSER_TARGET, CRATE, &[], &["-C", "strip=none"])?;
    let root = workspace_root();
    let target = target_dir();
    let site = target.join("playground").join("site");
    fs::create_dir_all(target.join("playground")).context("creating target/playground")?;
    if site.exists() {
        fs::remove_dir_all(&site).with_context(|| format!("emptying {}", site.display()))?;
    }
    let module = target
        .join("playground")
        .join(artifact.file_name().unwrap_or_default());
    drop_guest_export(&artifact, &module)?;
    run(Command::new(wasm_bindgen()?)
        .args([
            "--target",
            "web",
            "--no-typescript",
            "--remove-name-section",
        ])
        .args(["--remove-producers-section", "--out-dir"])
        .arg(site.join("pkg"))
        .arg(&module))?;
    copy_dir(&root.join("playground").join("www"), &site)?;
    copy_examples(&root.join("examples"), &site.join("examples"))?;
    eprintln!("built the playground in {}", site.display());
    Ok(site)
}

/// The rules library is also the policies' waPC guest library, and wapc-guest exports
/// `__guest_call` from every wasm32 library it is linked into, importing three functions of a
/// waPC host. The page's module is no waPC guest: without the export, wasm-bindgen's
/// collection of unused code drops the function and the imports, which a page could not give.
fn drop_guest_export(artifact: &Path, module: &Path) -> Result<()> {
    const GUEST_EXPORT: &str = "__guest_call";
    let bytes = fs::read(artifact).with_context(|| format!("reading {}", artifact.display()))?;
    let mut output = wasm_encoder::Module::new();
    for payload in wasmparser::Parser::new(0).parse_all(&bytes) {
        let payload = payload.context("reading the playground's module")?;
        if let wasmparser::Payload::ExportSection(reader) = &payload {
            let mut exports = wasm_encoder::ExportSection::new();
            for export in reader.clone() {
                let export = export.context("reading an export")?;
                if export.name == GUEST_EXPORT {
                    continue;
                }
                let kind = match export.kind {
                    wasmparser::ExternalKind::Func => wasm_encoder::ExportKind::Func,
                    wasmparser::ExternalKind::Table => wasm_encoder::ExportKind::Table,
                    wasmparser::ExternalKind::Memory => wasm_encoder::ExportKind::Memory,
                    wasmparser::ExternalKind::Global => wasm_encoder::ExportKind::Global,
                    wasmparser::ExternalKind::Tag => wasm_encoder::ExportKind::Tag,
                    other => bail!("unexpected export kind {other:?}"),
                };
                exports.export(export.name, kind, export.index);
            }
            output.section(&exports);
        } else if let Some((id, range)) = payload.as_section() {
            output.section(&wasm_encoder::RawSection {
                id,
                data: &bytes[range],
            });
        }
    }
    fs::write(module, output.finish()).with_context(|| format!("writing {}", module.display()))
}

/// The `wasm-bindgen` of exactly the version Cargo.lock pins (its output must match the
/// crate's), installed from crates.io when missing.
fn wasm_bindgen() -> Result<PathBuf> {
    // Cargo names the locked package: `registry+…#wasm-bindgen@0.2.130`.
    let pkgid = Command::new(env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned()))
        .current_dir(workspace_root())
        .args(["pkgid", "wasm-bindgen"])
        .output()
        .context("running cargo pkgid")?;
    let version = String::from_utf8_lossy(&pkgid.stdout)
        .trim()
        .rsplit_once('@')
        .map(|(_, version)| version.to_owned())
        .filter(|_| pkgid.status.success())
        .context("Cargo.lock pins no wasm-bindgen")?;
    let installed = Command::new("wasm-bindgen").arg("--version").output();
    if let Ok(output) = installed
        && String::from_utf8_lossy(&output.stdout)
            .split_whitespace()
            .nth(1)
            == Some(&version)
    {
        return Ok(PathBuf::from("wasm-bindgen"));
    }
    eprintln!("installing wasm-bindgen-cli {version} (the version Cargo.lock pins)");
    let exact = format!("={version}");
    let install = ["install", "wasm-bindgen-cli", "--version", exact.as_str()];
    // With the versions its own lock file names, when the registry still has them all; a
    // yanked one (webpki-roots 1.0.11 for 0.2.130) makes `--locked` fail, and then the newest
    // compatible ones are taken: the tool's own version, which must match the crate's, is
    // pinned either way.
    if cargo(&install, &["--locked".to_owned()]).is_err() {
        eprintln!("retrying without --locked: a dependency its lock file names is gone");
        cargo(&install, &[])?;
    }
    Ok(PathBuf::from("wasm-bindgen"))
}

fn copy_dir(from: &Path, to: &Path) -> Result<()> {
    fs::create_dir_all(to).with_context(|| format!("creating {}", to.display()))?;
    for entry in fs::read_dir(from).with_context(|| format!("reading {}", from.display()))? {
        let entry = entry?;
        let dest = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_dir(&entry.path(), &dest)?;
        } else {
            fs::copy(entry.path(), &dest)
                .with_context(|| format!("copying {}", entry.path().display()))?;
        }
    }
    Ok(())
}

/// The example bundle and configuration, with `index.json` listing them for the page.
fn copy_examples(examples: &Path, to: &Path) -> Result<()> {
    copy_dir(examples, to)?;
    let mut bundle = Vec::new();
    collect_yaml(&to.join("bundle"), to, &mut bundle)?;
    bundle.sort();
    let list = bundle
        .iter()
        .map(|name| format!("{name:?}"))
        .collect::<Vec<_>>()
        .join(", ");
    fs::write(
        to.join("index.json"),
        format!("{{\"config\": \"config.yaml\", \"bundle\": [{list}]}}\n"),
    )
    .context("writing examples/index.json")
}

fn collect_yaml(dir: &Path, base: &Path, out: &mut Vec<String>) -> Result<()> {
    for entry in fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
        let path = entry?.path();
        if path.is_dir() {
            collect_yaml(&path, base, out)?;
        } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
            let relative = path.strip_prefix(base).unwrap_or(&path);
            out.push(relative.to_string_lossy().replace('\\', "/"));
        }
    }
    Ok(())
}

/// Serves `site` on 127.0.0.1:`port` until interrupted.
pub fn serve(site: &Path, port: u16) -> Result<()> {
    let listener = TcpListener::bind(("127.0.0.1", port))
        .with_context(|| format!("listening on 127.0.0.1:{port}"))?;
    eprintln!("serving the playground on http://127.0.0.1:{port}/ (Ctrl-C stops)");
    for stream in listener.incoming().flatten() {
        let site = site.to_owned();
        std::thread::spawn(move || {
            if let Err(e) = answer(&site, stream) {
                eprintln!("request failed: {e:#}");
            }
        });
    }
    Ok(())
}

/// Answers one GET with a file of `site` (no directory listing, nothing outside it).
fn answer(site: &Path, mut stream: TcpStream) -> Result<()> {
    let mut request_line = String::new();
    BufReader::new(&stream).read_line(&mut request_line)?;
    let path = request_line.split_whitespace().nth(1).unwrap_or("/");
    let path = path.split(['?', '#']).next().unwrap_or("/");
    let relative = if path.ends_with('/') {
        format!("{path}index.html")
    } else {
        path.to_owned()
    };
    let file = relative
        .split('/')
        .filter(|part| !part.is_empty() && *part != "." && *part != "..")
        .fold(site.to_owned(), |dir, part| dir.join(part));
    let (status, body, content_type) = match fs::read(&file) {
        Ok(body) => ("200 OK", body, content_type(&file)),
        Err(_) => ("404 Not Found", b"not found".to_vec(), "text/plain"),
    };
    write!(
        stream,
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n",
        body.len()
    )?;
    stream.write_all(&body)?;
    Ok(())
}

fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()) {
        Some("html") => "text/html; charset=utf-8",
        Some("js") => "text/javascript",
        Some("css") => "text/css",
        Some("wasm") => "application/wasm",
        Some("json") => "application/json",
        Some("yaml" | "yml") => "text/yaml; charset=utf-8",
        Some("png") => "image/png",
        _ => "application/octet-stream",
    }
}

/// The playground's benchmark (`playground/browser-tests/bench.py`): transfer size, time to
/// the first verdicts, a 1,000-object paste.
pub fn bench(site: &Path) -> Result<()> {
    run(
        Command::new(env::var("PYTHON").unwrap_or_else(|_| "python3".to_owned()))
            .current_dir(workspace_root().join("playground").join("browser-tests"))
            .arg("bench.py")
            .env("PLAYGROUND_SITE", site),
    )
}

/// The browser tests (`playground/browser-tests/`, pytest with Playwright on Debian's Chromium) against
/// the built site, comparing with the scanner built by `cargo test`.
pub fn test(site: &Path) -> Result<()> {
    let root = workspace_root();
    cargo(&["build", "--package", "upstream-first"], &[])?;
    let scanner = target_dir().join("debug").join("upstream-first");
    let artifacts = target_dir().join("playground").join("artifacts");
    run(
        Command::new(env::var("PYTHON").unwrap_or_else(|_| "python3".to_owned()))
            .current_dir(&root)
            .args(["-m", "pytest", "-q", "playground/browser-tests"])
            .env("PLAYGROUND_SITE", site)
            .env("UPSTREAM_FIRST", scanner)
            .env("PLAYGROUND_ARTIFACTS", artifacts),
    )
}
