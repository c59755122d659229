//! The CI integrations, with the real tools: the pre-commit hooks (`.pre-commit-hooks.yaml`) run
//! by `pre-commit try-repo` on a fresh git repository. `.ci/run` installs pre-commit (PyPI).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::common::{outcome, require};

const RAW_POSTGRES: &str = "\
apiVersion: apps/v1
kind: Deployment
metadata: {name: db, namespace: shop}
spec:
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      containers: [{name: postgres, image: postgres:16}]
";

const WEB_WITH_ITS_NETWORK_POLICY: &str = "\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: ghcr.io/acme/web:1.0}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web, namespace: shop}
spec:
  podSelector: {matchLabels: {app: web}}
  policyTypes: [Ingress]
";

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn git(dir: &Path, args: &[&str]) {
    let status = Command::new("git")
        .current_dir(dir)
        .args(args)
        .status()
        .expect("git runs");
    assert!(status.success(), "git {args:?}");
}

/// A repository holding this repository's hook definitions (and the script a hook runs) at
/// its root: what pre-commit reads of a hook repository, without cloning the whole tree.
fn hook_repository(test: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("pre-commit")
        .join(format!("{test}-hooks"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("scripts")).expect("hook repository");
    for file in [".pre-commit-hooks.yaml", "scripts/pre-commit-from-source"] {
        std::fs::copy(workspace().join(file), dir.join(file)).expect("hook files");
    }
    git(&dir, &["init", "-q"]);
    git(&dir, &["add", "."]);
    git(
        &dir,
        &[
            "-c",
            "user.name=test",
            "-c",
            "user.email=test@example.com",
            "commit",
            "-qm",
            "hooks",
        ],
    );
    dir
}

/// `pre-commit try-repo <the hooks> upstream-first` on a new repository holding `file`, with
/// the scanner under test first on PATH.
fn pre_commit(test: &str, file: &str, contents: &str) -> Output {
    let hooks = hook_repository(test);
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("pre-commit")
        .join(test);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("repository");
    git(&dir, &["init", "-q"]);
    std::fs::write(dir.join(file), contents).expect("manifest");
    git(&dir, &["add", file]);
    let binary = Path::new(env!("CARGO_BIN_EXE_upstream-first"));
    let path = std::env::join_paths(
        std::iter::once(binary.parent().expect("bin dir").to_path_buf()).chain(
            std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()),
        ),
    )
    .expect("PATH");
    Command::new("pre-commit")
        .current_dir(&dir)
        .env("PATH", path)
        .env("PRE_COMMIT_HOME", dir.with_extension("cache"))
        .env(
            "UPSTREAM_FIRST_CACHE_DIR",
            Path::new(env!("CARGO_TARGET_TMPDIR")).join("upstream-first-cache"),
        )
        .args([
            "try-repo",
            hooks.to_str().expect("utf-8"),
            "upstream-first",
            "--files",
            file,
        ])
        .output()
        .unwrap_or_else(|e| {
            panic!("pre-commit is not installed ({e}): `pip install pre-commit`, as .ci/run does")
        })
}

#[test]
fn the_pre_commit_hook_fails_a_violating_manifest_and_passes_a_compliant_one() {
    require(&["no-raw-datastores", "require-network-policy"]);
    let (code, stdout, stderr) = outcome(&pre_commit("violating", "db.yaml", RAW_POSTGRES));
    assert_eq!(code, 1, "{stdout}\n{stderr}");
    assert!(
        stdout.contains("upstream-first scan") && stdout.contains("Failed"),
        "{stdout}"
    );
    assert!(
        stdout.contains(
            "FAIL  no-raw-datastores  container postgres (image postgres:16) runs PostgreSQL"
        ),
        "{stdout}"
    );

    let (code, stdout, stderr) = outcome(&pre_commit(
        "compliant",
        "web.yaml",
        WEB_WITH_ITS_NETWORK_POLICY,
    ));
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(stdout.contains("Passed"), "{stdout}");
}
