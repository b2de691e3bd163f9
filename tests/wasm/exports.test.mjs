// wasm/check_exports.py keeps wasm/exports.txt honest: every function of
// the public header is reached through a *_wasm export or excluded with a
// reason, and every export exists in binding.c. These tests make it fail.
// ctest-labels: wasm
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const script = path.join(root, 'wasm/check_exports.py');
const header = readFileSync(path.join(root, 'core/include/mailprobe/core.h'), 'utf8');
const exportsTxt = readFileSync(path.join(root, 'wasm/exports.txt'), 'utf8');
const binding = readFileSync(path.join(root, 'wasm/binding.c'), 'utf8');

function check({ h = header, e = exportsTxt, b = binding } = {}) {
  const dir = mkdtempSync(path.join(tmpdir(), 'mp-exports-'));
  try {
    writeFileSync(path.join(dir, 'core.h'), h);
    writeFileSync(path.join(dir, 'exports.txt'), e);
    writeFileSync(path.join(dir, 'binding.c'), b);
    const p = spawnSync('python3', [script, ...['core.h', 'exports.txt', 'binding.c'].map((f) => path.join(dir, f)), path.join(dir, 'out')], { encoding: 'utf8' });
    const out = p.status === 0 ? readFileSync(path.join(dir, 'out'), 'utf8') : '';
    return { status: p.status, stderr: p.stderr, out };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('the tree as it is passes, and the export list becomes the -s flag', () => {
  const r = check();
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.out, /^_mp_batch_new_wasm,.*_mp_batch_check_wasm/);
});

test('a new core.h function that is neither exported nor excluded fails', () => {
  const h = header.replace('#define MP_CORE_VERSION', 'int mp_shiny_new(int x);\n#define MP_CORE_VERSION');
  const r = check({ h });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /mp_shiny_new is neither exported nor excluded/);
});

test('an export that binding.c does not define fails', () => {
  const r = check({ e: exportsTxt + '\nmp_missing_wasm\n' });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /mp_missing_wasm is not defined/);
});

test('an export not named *_wasm fails', () => {
  const r = check({ e: exportsTxt + '\nmp_check\n' });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /mp_check must be a \*_wasm wrapper/);
});
