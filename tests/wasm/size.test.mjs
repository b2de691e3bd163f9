// Size is a feature: the files a site copies (mailcheck.mjs + mailcheck.wasm,
// the whole disposable list inside) must stay within 64 KiB gzipped, measured
// as `gzip -9` does (Node's zlib gives a few KiB more on the same bytes).
// ctest-labels: wasm
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { gzipSync } from 'node:zlib';
import { unavailable, modulePath, wasmPath } from './helpers.mjs';

const BUDGET = 64 * 1024;

function gzipped(file) {
  const gz = spawnSync('gzip', ['-9c', file], { maxBuffer: 1 << 26 });
  if (gz.status === 0) return gz.stdout.length;
  return gzipSync(readFileSync(file), { level: 9 }).length;
}

test('mailcheck.mjs + mailcheck.wasm fit in 64 KiB gzipped', { skip: unavailable }, () => {
  let total = 0;
  for (const file of [modulePath, wasmPath]) {
    const gz = gzipped(file);
    console.log(`# ${file}: ${readFileSync(file).length} octets, ${gz} gzipped`);
    total += gz;
  }
  console.log(`# total ${total} of ${BUDGET} octets gzipped`);
  assert.ok(total <= BUDGET, `${total} octets gzipped is over the ${BUDGET} budget`);
});
