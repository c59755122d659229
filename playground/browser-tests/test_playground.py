"""The playground in a real browser: what it shows equals `upstream-first scan --format json`
on the same input, object by object; shared links reproduce a result; broken YAML is reported
with its line while the other documents are judged."""

import base64
import collections
import json
import subprocess
import zlib

import pytest

from conftest import CORPUS, ROOT

CORPUS_CONFIG = (CORPUS / "config.yaml").read_text()
EXAMPLE_CONFIG = (ROOT / "examples" / "config.yaml").read_text()
CORPUS_FILES = sorted(path.name for path in CORPUS.glob("*.yaml") if path.name != "config.yaml")
BUNDLES = [
    line.split("\t")[2].split(",")
    for line in (CORPUS / "expected.tsv").read_text().splitlines()
    if line.startswith("@bundle\t")
]


def open_page(browser, url):
    page = browser.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(url)
    # The example bundle is scanned on load (or the shared input).
    page.wait_for_function("window.playground && window.playground.scans > 0", timeout=30_000)
    page.page_errors = errors
    return page


def wait_for_scan_of(page, names, config):
    page.wait_for_function(
        """([names, config]) => {
            const input = window.playground.lastInput;
            return input && input.config === config
                && JSON.stringify(input.files.map((f) => f.name)) === JSON.stringify(names);
        }""",
        arg=[names, config],
        timeout=30_000,
    )


def shown(page):
    """What the page shows: (object, policy) -> (verdict, message), several per key kept."""
    return page.evaluate(
        """() => [...document.querySelectorAll('.object')].flatMap((object) =>
            [...object.querySelectorAll('.verdict')].map((verdict) => {
                const finding = object.querySelector(
                    `.finding[data-policy="${verdict.dataset.policy}"] .message`);
                return [object.dataset.object, verdict.dataset.policy, verdict.dataset.verdict,
                        finding ? finding.textContent : null];
            }))"""
    )


def scanned(scanner, paths, config_text, tmp_path):
    config = tmp_path / "config.yaml"
    config.write_text(config_text)
    run = subprocess.run(
        [scanner, "scan", "--format", "json", "--config", config, *paths],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert run.returncode in (0, 1), run.stderr
    report = json.loads(run.stdout)
    return report, [
        [
            f"{r['apiVersion']}/{r['kind']}/{r['namespace'] or ''}/{r['name']}",
            r["policy"],
            r["verdict"],
            None if r["verdict"] == "pass" else r["message"],
        ]
        for r in report["results"]
    ]


def as_multiset(rows):
    return collections.Counter(json.dumps(row) for row in rows)


def set_config(page, text):
    page.fill("#config", text)


def paste(page, text):
    """Pastes `text` as the only input, as a user replacing whatever was loaded."""
    page.click("#clear")
    page.fill("#manifests", text)


@pytest.fixture(scope="module")
def page(browser, site_url):
    page = open_page(browser, site_url)
    yield page
    assert page.page_errors == []
    page.close()


@pytest.mark.parametrize("files", [[name] for name in CORPUS_FILES] + BUNDLES, ids=lambda f: "+".join(f))
def test_corpus_verdicts_equal_the_scanner(page, scanner, tmp_path, files):
    set_config(page, CORPUS_CONFIG)
    page.set_input_files("#open-files", [str(CORPUS / name) for name in files])
    wait_for_scan_of(page, sorted(files), CORPUS_CONFIG)
    report, expected = scanned(scanner, [CORPUS / name for name in files], CORPUS_CONFIG, tmp_path)
    assert as_multiset(shown(page)) == as_multiset(expected)
    summary = page.text_content("#summary")
    assert f"{report['summary']['evaluations']} evaluations" in summary


def test_the_examples_are_judged_on_load(browser, site_url, artifacts):
    page = open_page(browser, site_url)
    verdicts = {v for _, _, v, _ in shown(page)}
    assert "fail" in verdicts and "pass" in verdicts
    assert page.input_value("#config") == EXAMPLE_CONFIG
    # pvc-contract, mutating, passes the claim that names no class and shows its patch.
    claim = '.object[data-object="v1/PersistentVolumeClaim/payments/payments-db-data"]'
    assert page.get_attribute(f"{claim} .verdict", "data-verdict") == "pass"
    assert '"path": "/spec/storageClassName"' in page.text_content(f"{claim} .patch")
    first = page.evaluate("window.playground.firstVerdictMs")
    (artifacts / "first-verdict.json").write_text(json.dumps({"firstVerdictMs": first}))
    page.screenshot(path=str(artifacts / "playground-examples.png"), full_page=True)
    page.click("[data-tab=markdown]")
    assert "upstream-first" in page.text_content("#markdown")
    page.screenshot(path=str(artifacts / "playground-markdown.png"))
    assert page.page_errors == []
    page.close()


def test_a_shared_link_reproduces_the_result(browser, site_url):
    page = open_page(browser, site_url)
    text = (CORPUS / "n8n-hosting-postgres-deployment.yaml").read_text()
    paste(page, text)
    wait_for_scan_of(page, ["pasted.yaml"], EXAMPLE_CONFIG)
    before = shown(page)
    assert before
    page.click("#share")
    page.wait_for_function("window.playground.sharedUrl !== undefined")
    link = page.evaluate("window.playground.sharedUrl")
    page.close()

    shared = open_page(browser, link)
    wait_for_scan_of(shared, ["pasted.yaml"], EXAMPLE_CONFIG)
    assert shared.input_value("#manifests") == text
    assert as_multiset(shown(shared)) == as_multiset(before)
    shared.close()


def test_a_link_made_elsewhere_opens(browser, site_url):
    """The fragment is deflate-raw JSON in base64url: a link any tool can write."""
    text = (CORPUS / "gcp-boutique-netpol-redis.yaml").read_text()
    state = {"files": [{"name": "netpol.yaml", "text": text}], "config": CORPUS_CONFIG}
    compressor = zlib.compressobj(wbits=-15)
    packed = compressor.compress(json.dumps(state).encode()) + compressor.flush()
    fragment = base64.urlsafe_b64encode(packed).decode().rstrip("=")
    page = open_page(browser, f"{site_url}#s={fragment}")
    wait_for_scan_of(page, ["netpol.yaml"], CORPUS_CONFIG)
    assert page.input_value("#manifests") == text
    page.close()


BROKEN = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: fine
  namespace: default
data:
  key: value
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: broken
  labels: [unclosed
---
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: redis
  namespace: default
spec:
  serviceName: redis
  selector:
    matchLabels: {app: redis}
  template:
    metadata:
      labels: {app: redis}
    spec:
      containers:
        - name: redis
          image: redis:7.2
          ports: [{containerPort: 6379}]
"""


def test_broken_yaml_names_its_line_and_the_rest_is_judged(page, scanner, tmp_path):
    set_config(page, EXAMPLE_CONFIG)
    paste(page, BROKEN)
    wait_for_scan_of(page, ["pasted.yaml"], EXAMPLE_CONFIG)
    errors = page.locator("#input-errors li")
    assert errors.count() == 1
    assert errors.first.text_content().startswith("pasted.yaml:13:")
    redis = [row for row in shown(page) if row[0] == "apps/v1/StatefulSet/default/redis"]
    assert ["apps/v1/StatefulSet/default/redis", "no-raw-datastores", "fail"] in [r[:3] for r in redis]
    errors.first.click()
    selected = page.evaluate(
        "(() => { const t = document.getElementById('manifests');"
        " return t.value.slice(t.selectionStart, t.selectionEnd); })()"
    )
    assert selected.startswith("apiVersion: apps/v1\nkind: Deployment")
    page.click('.object[data-object="apps/v1/StatefulSet/default/redis"] h3')
    selected = page.evaluate(
        "(() => { const t = document.getElementById('manifests');"
        " return t.value.slice(t.selectionStart, t.selectionEnd); })()"
    )
    assert selected.startswith("apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: redis")
    assert selected.endswith("ports: [{containerPort: 6379}]")


def test_settings_a_policy_refuses_are_shown_with_its_message(page):
    refused = EXAMPLE_CONFIG.replace("allowedStorageClasses:", "allowedStorageClass:", 1)
    assert refused != EXAMPLE_CONFIG
    set_config(page, refused)
    paste(page, BROKEN)
    wait_for_scan_of(page, ["pasted.yaml"], refused)
    error = page.text_content("#config-error")
    assert "settings are invalid" in error and "allowedStorageClass" in error
    set_config(page, EXAMPLE_CONFIG)


def test_migrate_shows_the_replacements(browser, site_url):
    page = open_page(browser, site_url)
    page.click("[data-tab=migrate]")
    page.wait_for_selector("#migration figure.file")
    paths = page.eval_on_selector_all("#migration figcaption", "els => els.map(e => e.textContent)")
    assert any(path.startswith("MIGRATION.md") for path in paths)
    assert any("HelmRelease" in page.text_content("#migration") for _ in [0])
    page.close()
