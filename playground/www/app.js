// The playground page: editors, files, sharing and the rendering of results. Every verdict
// comes from the worker (worker.js), which runs the scanner's own code; nothing here judges.

const $ = (id) => document.getElementById(id);
const manifests = $("manifests");
const config = $("config");

/** What the page exposes to its tests: the last answers and when the first verdicts showed. */
const playground = (window.playground = { scans: 0, lastScan: null, firstVerdictMs: null });

const state = { files: [{ name: "pasted.yaml", text: "" }], current: 0, exampleConfig: "" };

// ---- the worker -------------------------------------------------------------------------

let worker;
let nextId = 0;
const pending = new Map();

function startWorker() {
  worker = new Worker(new URL("worker.js", import.meta.url), { type: "module" });
  worker.onerror = (event) => {
    $("status").textContent = `the engine's worker failed: ${event.message ?? "it could not be loaded"}`;
  };
  worker.onmessage = ({ data }) => {
    const resolve = pending.get(data.id);
    if (!resolve) return;
    pending.delete(data.id);
    if (data.result.crash) {
      worker.terminate();
      startWorker();
    }
    resolve(data);
  };
}
startWorker();

function ask(kind, request, extra = {}) {
  const id = ++nextId;
  return new Promise((resolve) => {
    pending.set(id, resolve);
    worker.postMessage({ id, kind, input: request, ...extra });
  });
}

function input() {
  return { files: state.files.filter((file) => file.text.trim() !== ""), config: config.value };
}

// ---- scanning -----------------------------------------------------------------------------

let scanTimer;
let latestScan = 0;

function scheduleScan(delay = 300) {
  clearTimeout(scanTimer);
  scanTimer = setTimeout(runScan, delay);
  $("status").textContent = "…";
}

async function runScan() {
  const ticket = ++latestScan;
  $("status").textContent = "scanning…";
  const request = input();
  const { result, ms } = await ask("scan", request);
  if (ticket !== latestScan) return; // a newer edit is being scanned
  playground.scans += 1;
  playground.lastScan = result;
  playground.lastInput = request;
  render(result, ms);
  if (playground.firstVerdictMs === null && result.report?.results.length) {
    playground.firstVerdictMs = performance.now();
  }
  if (isTab("migrate")) runMigrate();
}

const escape = (text) =>
  String(text ?? "").replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function render(result, ms) {
  const error = $("config-error");
  error.hidden = !result.configError && !result.crash;
  error.textContent = result.crash
    ? `The engine stopped: ${result.crash}`
    : `The policy configuration cannot be used: ${result.configError ?? ""}`;
  const report = result.report;
  if (!report) {
    $("objects").innerHTML = "";
    $("summary").textContent = "";
    $("status").textContent = "";
    return;
  }
  const s = report.summary;
  $("summary").textContent =
    `${s.objects} objects, ${s.evaluations} evaluations: ${s.fail} fail, ${s.warn} warn, ` +
    `${s.error} error, ${s.pass} pass` +
    (s.inputErrors ? `; ${s.inputErrors} document(s) could not be read` : "");
  $("status").textContent = `answered in ${Math.round(ms)} ms`;
  $("input-errors").innerHTML = report.errors
    .map(
      (e) =>
        `<li class="input-error" data-file="${escape(e.file)}" data-line="${e.line ?? ""}">` +
        `${escape(e.file)}${e.line ? `:${e.line}` : ""}${e.column ? `:${e.column}` : ""}: ` +
        `${escape(e.message)}</li>`,
    )
    .join("");
  $("notes").innerHTML = report.notes.map((n) => `<li>${escape(n)}</li>`).join("");
  $("markdown").textContent = result.markdown;
  renderObjects(report);
}

function renderObjects(report) {
  const urls = new Map(report.policies.map((p) => [p.name, p.url]));
  const objects = new Map();
  for (const r of report.results) {
    const key = [r.file, r.line, r.apiVersion, r.kind, r.namespace ?? "", r.name].join("\u0000");
    if (!objects.has(key)) objects.set(key, { ...r, evaluations: [] });
    objects.get(key).evaluations.push(r);
  }
  const html = [];
  for (const object of objects.values()) {
    const allPass = !object.evaluations.some(notable);
    const where = `${object.file}:${object.line}`;
    const id = `${object.apiVersion}/${object.kind}/${object.namespace ?? ""}/${object.name}`;
    html.push(
      `<article class="object${allPass ? " all-pass" : ""}" data-object="${escape(id)}" ` +
        `data-file="${escape(object.file)}" data-line="${object.line}">` +
        `<h3><span class="kind">${escape(object.kind)}</span> ` +
        `${object.namespace ? `${escape(object.namespace)}/` : ""}${escape(object.name)}` +
        `<small>${escape(where)}${object.template ? ` · ${escape(object.template)}` : ""}</small></h3>` +
        `<div class="verdicts">` +
        object.evaluations
          .map(
            (e) =>
              `<span class="verdict v-${e.verdict}" data-policy="${escape(e.policy)}" ` +
              `data-verdict="${e.verdict}">${escape(e.policy)}: ${e.verdict}</span>`,
          )
          .join("") +
        `</div>` +
        object.evaluations
          .filter(notable)
          .map((e) => finding(e, urls.get(e.policy)))
          .join("") +
        `</article>`,
    );
  }
  $("objects").innerHTML = html.join("");
}

/** What an object shows in full: a verdict other than pass, or a mutating policy's patch. */
const notable = (e) => e.verdict !== "pass" || e.patch;

function finding(e, url) {
  const parts = [`<div class="finding v-${e.verdict}" data-policy="${escape(e.policy)}">`];
  parts.push(`<p class="policy">${escape(e.policy)}${url ? ` · <a href="${escape(url)}" target="_blank" rel="noopener">the rule</a>` : ""}</p>`);
  if (e.message) parts.push(`<pre class="message">${escape(e.message)}</pre>`);
  for (const warning of e.warnings ?? []) parts.push(`<pre class="warning">${escape(warning)}</pre>`);
  if (e.patch) parts.push(`<p>JSONPatch:</p><pre class="patch">${escape(JSON.stringify(e.patch, null, 2))}</pre>`);
  if (e.migration) {
    parts.push(
      `<p class="migration">Replacement: ${escape(e.migration.replacement)} (${escape(e.migration.target)}) · ` +
        `<button type="button" class="go-migrate">see what migrate writes</button></p>`,
    );
  }
  parts.push("</div>");
  return parts.join("");
}

// ---- migrate ------------------------------------------------------------------------------

async function runMigrate() {
  $("migration").innerHTML = "<p>planning…</p>";
  const { result } = await ask("migrate", input(), { target: $("migrate-target").value });
  if (result.crash || result.configError) {
    $("migration").innerHTML = `<p class="error">${escape(result.crash ?? result.configError)}</p>`;
    return;
  }
  const list = [
    ...result.errors.map((e) => `<p class="error">${escape(e)}</p>`),
    ...result.notes.map((n) => `<p class="note">${escape(n)}</p>`),
  ];
  if (!result.files.length) list.push("<p>No workload to replace: the migrating policies reject none.</p>");
  result.files.forEach((file, index) => {
    list.push(
      `<figure class="file"><figcaption>${escape(file.path)} ` +
        `<button type="button" class="copy" data-index="${index}">Copy</button></figcaption>` +
        `<pre>${escape(file.text)}</pre></figure>`,
    );
  });
  $("migration").innerHTML = list.join("");
  $("migration").querySelectorAll("button.copy").forEach((button) => {
    button.onclick = () => copy(result.files[Number(button.dataset.index)].text, button);
  });
}

async function copy(text, button) {
  try {
    await navigator.clipboard.writeText(text);
    button.textContent = "Copied";
  } catch {
    button.textContent = "Copy failed: select the text";
  }
}

// ---- tabs, files and the editors ---------------------------------------------------------------

function isTab(name) {
  return document.querySelector(`[data-tab="${name}"]`).getAttribute("aria-selected") === "true";
}

function showTab(name) {
  document.querySelectorAll("[data-tab]").forEach((tab) => {
    tab.setAttribute("aria-selected", String(tab.dataset.tab === name));
  });
  document.querySelectorAll("[data-panel]").forEach((panel) => {
    panel.hidden = panel.dataset.panel !== name;
  });
  if (name === "migrate") runMigrate();
}

function renderFileTabs() {
  const tabs = $("file-tabs");
  if (state.files.length < 2) {
    tabs.innerHTML = `<span class="file-name">${escape(state.files[0].name)}</span>`;
  } else {
    tabs.innerHTML =
      `<select id="file-select" aria-label="File">` +
      state.files
        .map((f, i) => `<option value="${i}"${i === state.current ? " selected" : ""}>${escape(f.name)}</option>`)
        .join("") +
      `</select>`;
    $("file-select").onchange = (event) => selectFile(Number(event.target.value));
  }
}

function selectFile(index) {
  state.current = index;
  manifests.value = state.files[index].text;
  renderFileTabs();
}

function setFiles(files) {
  state.files = files.length ? files : [{ name: "pasted.yaml", text: "" }];
  selectFile(0);
  scheduleScan(0);
}

/**
 * Selects, in the editor, `file` from `line` to the end of its document (an object), or the
 * whole document around `line` (a reading error).
 */
function highlight(file, line, wholeDocument = false) {
  const index = state.files.findIndex((f) => f.name === file);
  if (index < 0) return;
  if (index !== state.current) selectFile(index);
  const lines = manifests.value.split("\n");
  const separator = (i) => /^---(\s|$)/.test(lines[i]);
  let first = Math.min(Math.max(line - 1, 0), lines.length - 1);
  if (wholeDocument) {
    while (first > 0 && !separator(first - 1)) first--;
  }
  let last = first;
  while (last + 1 < lines.length && !separator(last + 1)) last++;
  while (last > first && lines[last].trim() === "") last--;
  const offset = (i) => lines.slice(0, i).reduce((sum, text) => sum + text.length + 1, 0);
  manifests.focus();
  manifests.setSelectionRange(offset(first), offset(last) + lines[last].length);
  const lineHeight = parseFloat(getComputedStyle(manifests).lineHeight) || 16;
  manifests.scrollTop = Math.max(0, (first - 2) * lineHeight);
}

async function readDropped(items) {
  const files = [];
  const walk = async (entry, prefix) => {
    if (entry.isFile) {
      const file = await new Promise((resolve, reject) => entry.file(resolve, reject));
      if (/\.(ya?ml|json)$/i.test(file.name)) files.push({ name: prefix + file.name, text: await file.text() });
    } else if (entry.isDirectory) {
      const reader = entry.createReader();
      for (;;) {
        const batch = await new Promise((resolve, reject) => reader.readEntries(resolve, reject));
        if (!batch.length) break;
        for (const child of batch) await walk(child, `${prefix}${entry.name}/`);
      }
    }
  };
  for (const entry of items.map((item) => item.webkitGetAsEntry?.()).filter(Boolean)) await walk(entry, "");
  return files.sort((a, b) => a.name.localeCompare(b.name));
}

async function readPicked(list) {
  const files = [];
  for (const file of list) {
    if (/\.(ya?ml|json)$/i.test(file.name)) {
      files.push({ name: file.webkitRelativePath || file.name, text: await file.text() });
    }
  }
  return files.sort((a, b) => a.name.localeCompare(b.name));
}

async function loadExample() {
  const index = await (await fetch("examples/index.json")).json();
  const files = await Promise.all(
    index.bundle.map(async (name) => ({
      name: `examples/${name}`,
      text: await (await fetch(`examples/${name}`)).text(),
    })),
  );
  state.exampleConfig = await (await fetch(`examples/${index.config}`)).text();
  return files;
}

// ---- sharing: the input and configuration, compressed, in the URL fragment ---------------------

async function pack(value) {
  const stream = new Blob([JSON.stringify(value)]).stream().pipeThrough(new CompressionStream("deflate-raw"));
  const bytes = new Uint8Array(await new Response(stream).arrayBuffer());
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

async function unpack(text) {
  const binary = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
  const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("deflate-raw"));
  return JSON.parse(await new Response(stream).text());
}

async function shareLink() {
  const fragment = await pack({ files: state.files, config: config.value });
  history.replaceState(null, "", `#s=${fragment}`);
  playground.sharedUrl = location.href;
  try {
    await navigator.clipboard.writeText(location.href);
    $("status").textContent = "link copied";
  } catch {
    $("status").textContent = "the link is in the address bar";
  }
}

// ---- wiring --------------------------------------------------------------------------------

manifests.addEventListener("input", () => {
  state.files[state.current].text = manifests.value;
  scheduleScan();
});
config.addEventListener("input", () => scheduleScan());
$("show-passing").addEventListener("change", (event) => {
  $("objects").classList.toggle("show-passing", event.target.checked);
});
$("objects").addEventListener("click", (event) => {
  if (event.target.closest("a, button.go-migrate")) {
    if (event.target.closest("button.go-migrate")) showTab("migrate");
    return;
  }
  const object = event.target.closest(".object");
  if (object) highlight(object.dataset.file, Number(object.dataset.line));
});
$("input-errors").addEventListener("click", (event) => {
  const error = event.target.closest(".input-error");
  if (error) highlight(error.dataset.file, Number(error.dataset.line) || 1, true);
});
document.querySelectorAll("[data-tab]").forEach((tab) => {
  tab.addEventListener("click", () => showTab(tab.dataset.tab));
});
$("migrate-target").addEventListener("change", runMigrate);
$("load-example").addEventListener("click", async () => setFiles(await loadExample()));
$("clear").addEventListener("click", () => setFiles([]));
$("reset-config").addEventListener("click", () => {
  config.value = state.exampleConfig;
  scheduleScan(0);
});
$("share").addEventListener("click", shareLink);
$("open-files").addEventListener("change", async (event) => setFiles(await readPicked(event.target.files)));
$("open-folder").addEventListener("change", async (event) => setFiles(await readPicked(event.target.files)));
document.addEventListener("dragover", (event) => event.preventDefault());
document.addEventListener("drop", async (event) => {
  if (event.target === manifests || event.target === config) return; // a text drop
  event.preventDefault();
  setFiles(await readDropped([...event.dataTransfer.items]));
});

async function start() {
  const examples = await loadExample();
  const shared = location.hash.startsWith("#s=") ? await unpack(location.hash.slice(3)).catch(() => null) : null;
  if (shared) {
    config.value = shared.config ?? "";
    setFiles(shared.files ?? []);
  } else {
    config.value = state.exampleConfig;
    setFiles(examples);
  }
}
start();
