// The two deployable files work in a real browser, unchanged: a loopback
// HTTP server serves mailcheck.mjs and mailcheck.wasm next to a page that
// loads them, and headless Chromium prints the DOM the page produced.
// Skipped when Chromium is not installed.
// ctest-labels: wasm
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { readFileSync, existsSync } from 'node:fs';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { unavailable, mailcheckDir, importMailcheck } from './helpers.mjs';

const chromium = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome']
  .find((p) => existsSync(p));
const skip = unavailable || (!chromium && 'no Chromium installed');

const ADDRESSES = ['Someone@Gmial.com', 'jürgen@ex ample.org', 'ann@BÜCHER.example.de', '', 'info@[192.0.2.1]'];
const PAGE = `<!doctype html><meta charset="utf-8"><title>mailcheck</title><pre id="out">pending</pre>
<script type="module">
import { load } from './mailcheck.mjs';
const out = document.getElementById('out');
try {
  const mc = await load();
  const addresses = ${JSON.stringify(ADDRESSES)};
  const answer = { one: addresses.map((a) => mc.check(a)), many: mc.checkMany(addresses.join('\\n')) };
  out.textContent = 'RESULT ' + JSON.stringify(answer);
} catch (e) {
  out.textContent = 'ERROR ' + e;
}
</script>`;

const TYPES = { '.mjs': 'text/javascript', '.wasm': 'application/wasm', '.html': 'text/html' };

/** Serves the page and the two files; `wasmType` is the .wasm's content type. */
function serve(wasmType = TYPES['.wasm']) {
  const server = createServer((req, res) => {
    const name = req.url === '/' ? 'index.html' : path.basename(req.url);
    if (name === 'index.html') {
      res.writeHead(200, { 'content-type': TYPES['.html'] });
      return res.end(PAGE);
    }
    const file = path.join(mailcheckDir, name);
    if (!name.startsWith('mailcheck') || !existsSync(file)) {
      res.writeHead(404);
      return res.end();
    }
    const type = name.endsWith('.wasm') ? wasmType : TYPES[path.extname(name)];
    res.writeHead(200, { 'content-type': type ?? 'application/octet-stream' });
    res.end(readFileSync(file));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

function dumpDom(url) {
  return new Promise((resolve, reject) => {
    const p = spawn(chromium, ['--headless=new', '--no-sandbox', '--disable-gpu', '--no-first-run',
      '--disable-extensions', '--virtual-time-budget=10000', '--dump-dom', url], { stdio: ['ignore', 'pipe', 'ignore'] });
    let dom = '';
    p.stdout.on('data', (d) => { dom += d; });
    const timer = setTimeout(() => { p.kill('SIGKILL'); reject(new Error('chromium timed out')); }, 60000);
    p.on('close', () => { clearTimeout(timer); resolve(dom); });
  });
}

async function inChromium(wasmType) {
  const server = await serve(wasmType);
  try {
    const dom = await dumpDom(`http://127.0.0.1:${server.address().port}/`);
    const m = /<pre id="out">(RESULT|ERROR) ([^<]*)<\/pre>/.exec(dom);
    assert.ok(m, `the page did not finish: ${dom.slice(0, 500)}`);
    const text = m[2].replace(/&amp;/g, '&').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"');
    assert.equal(m[1], 'RESULT', text);
    const browser = JSON.parse(text);
    const { load } = await importMailcheck();
    const mc = await load();
    assert.deepEqual(browser.one, ADDRESSES.map((a) => mc.check(a)));
    assert.deepEqual(browser.many, mc.checkMany(ADDRESSES.join('\n')));
  } finally {
    server.close();
  }
}

test('in headless Chromium, load(), check() and checkMany() answer as in Node', { skip, timeout: 90000 },
  () => inChromium());

// Servers that do not know .wasm send another type; instantiateStreaming
// refuses those, and load() must fall back to the bytes.
test('in headless Chromium, load() also works when .wasm is not served as application/wasm',
  { skip, timeout: 90000 }, () => inChromium('application/octet-stream'));
