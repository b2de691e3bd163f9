// Same answers everywhere: every address of the core corpus
// (tests/data/corpus*.tsv) goes through the native CLI
// (`mailprobe check --json`) and through the WebAssembly module, and the two
// whole result objects must be identical — values and key order — under the
// default profile and with every option on.
// ctest-labels: wasm
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { unavailable, importMailcheck, mailprobe, dataDir } from './helpers.mjs';

const skip = unavailable || (!existsSync(mailprobe) && `no native CLI at ${mailprobe}`);

const ALL_OPTIONS = [
  { allowQuotedLocal: true, allowDomainLiteral: true, allowSpecialUse: true, riskyRole: true, riskyFree: true },
  ['--allow-quoted', '--allow-literal', '--allow-special-use', '--risky-role', '--risky-free'],
];

/** Undoes the corpus escapes (\t \r \n \0 \\, and \xHH for raw octets) in
 * the email column, on bytes, so ill-formed UTF-8 survives. */
function unescapeEmail(bytes) {
  const out = [];
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] !== 0x5c || i + 1 === bytes.length) { out.push(bytes[i]); continue; }
    const c = String.fromCharCode(bytes[++i]);
    if (c === 't') out.push(9);
    else if (c === 'r') out.push(13);
    else if (c === 'n') out.push(10);
    else if (c === '0') out.push(0);
    else if (c === '\\') out.push(0x5c);
    else if (c === 'x' && i + 2 < bytes.length + 1) {
      out.push(parseInt(String.fromCharCode(bytes[i + 1], bytes[i + 2]), 16));
      i += 2;
    } else out.push(0x5c, bytes[i]);
  }
  return Buffer.from(out);
}

/** Every corpus row as {file, line, bytes}. */
function readCorpus() {
  const files = existsSync(dataDir)
    ? readdirSync(dataDir).filter((f) => /^corpus.*\.tsv$/.test(f)).sort() : [];
  const rows = [];
  for (const file of files) {
    const buf = readFileSync(path.join(dataDir, file));
    let start = 0, line = 0;
    while (start < buf.length) {
      let end = buf.indexOf(0x0a, start);
      if (end < 0) end = buf.length;
      line++;
      let raw = buf.subarray(start, end);
      start = end + 1;
      if (raw.length && raw[raw.length - 1] === 0x0d) raw = raw.subarray(0, raw.length - 1);
      if (line === 1 && raw.toString('latin1').startsWith('email\t')) continue; // header
      if (raw.length === 0 || raw[0] === 0x23 /* # comment */) continue;
      const tab = raw.indexOf(0x09);
      rows.push({ file, line, bytes: unescapeEmail(tab < 0 ? raw : raw.subarray(0, tab)) });
    }
  }
  return { files, rows };
}

const strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
function asString(bytes) {
  try { return strict.decode(bytes); } catch { return null; }
}

/** The native answers for `rows` (well-formed UTF-8 bytes), in order. Stdin carries what a
 * line can; an address holding "\n" (or ending in "\r", which the reader
 * strips) goes on the command line instead. */
function nativeAnswers(rows, flags) {
  const viaStdin = [], viaArgv = [];
  rows.forEach((r, i) => {
    const b = r.bytes;
    if (b.includes(0x0a) || b[b.length - 1] === 0x0d) viaArgv.push(i);
    else viaStdin.push(i);
  });
  const answers = new Array(rows.length);
  const run = (args, input) => {
    const p = spawnSync(mailprobe, ['check', '--json', ...flags, ...args], { input, maxBuffer: 1 << 30 });
    assert.ok(p.status === 0 || p.status === 1, `mailprobe check exited ${p.status}: ${p.stderr}`);
    return p.stdout.toString('utf8').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l));
  };
  if (viaStdin.length) {
    const input = Buffer.concat(viaStdin.flatMap((i) => [rows[i].bytes, Buffer.from('\n')]));
    const out = run(['-'], input);
    assert.equal(out.length, viaStdin.length, 'one native answer per stdin line');
    viaStdin.forEach((i, k) => { answers[i] = out[k]; });
  }
  if (viaArgv.length) {
    // argv cannot hold NUL; such rows (NUL and a newline) cannot reach the CLI.
    const ok = viaArgv.filter((i) => !rows[i].bytes.includes(0));
    const out = ok.length ? run(['--', ...ok.map((i) => asString(rows[i].bytes))], undefined) : [];
    ok.forEach((i, k) => { answers[i] = out[k]; });
  }
  return answers;
}

let mc;
before(async () => {
  if (skip) return;
  const { load } = await importMailcheck();
  mc = await load();
});

function compare(options, flags, generated) {
  const { files, rows } = generated ? { files: ['generated'], rows: generated } : readCorpus();
  assert.ok(files.length > 0, `no corpus*.tsv in ${dataDir}`);
  assert.ok(rows.length > 0, 'the corpus holds no rows');
  // JS strings cannot carry ill-formed UTF-8: those rows are the native
  // tests' business (the module is never given such input).
  const usable = rows.filter((r) => asString(r.bytes) !== null);
  const native = nativeAnswers(usable, flags);
  const compared = usable.filter((_, i) => native[i] !== undefined);
  const expected = native.filter((a) => a !== undefined);
  const got = mc.checkMany(compared.map((r) => asString(r.bytes)), options);
  const single = compared.map((r) => mc.check(asString(r.bytes), options));

  const diffs = [];
  compared.forEach((r, i) => {
    for (const [how, answer] of [['checkMany', got[i]], ['check', single[i]]]) {
      if (JSON.stringify(answer) !== JSON.stringify(expected[i])) {
        diffs.push(`${r.file}:${r.line} ${how}(${JSON.stringify(asString(r.bytes))})\n  native: ${JSON.stringify(expected[i])}\n  wasm:   ${JSON.stringify(answer)}`);
      }
    }
  });
  const skipped = rows.length - compared.length;
  console.log(`# ${compared.length} corpus addresses compared (${files.join(', ')}), ${skipped} not representable as a JS string or on the CLI`);
  assert.ok(compared.length >= rows.length * 0.9, `only ${compared.length} of ${rows.length} rows compared`);
  assert.equal(diffs.length, 0, `${diffs.length} differences between native and wasm:\n${diffs.slice(0, 20).join('\n')}`);
}

/** Seeded random addresses built from the characters parsers get wrong:
 * dots, quotes, brackets, spaces, IDNA mappings (ß ς İ ﬀ ＠ 。), joiners,
 * bidi, combining marks, emoji, xn-- labels, digits-only labels. */
function fuzzRows(n) {
  let seed = 5321;
  const rnd = () => {
    seed = (seed + 0x6D2B79F5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const pick = (a) => a[Math.floor(rnd() * a.length)];
  const atoms = ['a', 'b', 'z', 'A', 'Q', '0', '9', '.', '-', '_', '+', '"', '\\', '(', ')', '[', ']', ' ', ',',
    '!', '#', '$', '%', '&', "'", '*', '/', '=', '?', '^', '`', '{', '|', '}', '~', '@', 'é', 'ß', 'ς', 'Σ',
    'İ', 'ﬀ', '＠', '。', '．', 'ー', '日本', 'пример', 'ä', 'a\u0308', '\u00AD', '\u200B', '\u200D', '\u202E',
    'العربية', 'עברית', '😀', 'xn--', 'xn--bcher-kva', 'xn--zz', '123', 'com', 'org', 'de', 'gmail', 'gmial',
    'mailinator', 'info', 'postmaster', 'test', 'local', 'onion', 'localhost', 'example', 'IPv6:', '::1',
    '192.0.2.1', '\t', '\u00A0', '\u3000', '\uFEFF', '\u0000'];
  const part = (k) => Array.from({ length: 1 + Math.floor(rnd() * k) }, () => pick(atoms)).join('');
  const out = [];
  for (let i = 0; i < n; i++) {
    const k = rnd();
    const s = k < 0.7 ? `${part(4)}@${part(3)}.${pick(['com', 'org', 'de', 'рф', 'xn--p1ai', 'co.uk', part(2)])}`
      : k < 0.85 ? `${part(3)}@${part(2)}@${part(3)}` : part(8);
    out.push({ file: 'fuzz', line: i + 1, bytes: Buffer.from(s, 'utf8') });
  }
  return out;
}

test('the whole corpus: wasm == native CLI, default profile', { skip }, () => compare(undefined, []));
test('20,000 seeded random addresses: wasm == native CLI, default profile', { skip }, () =>
  compare(undefined, [], fuzzRows(20000)));
test('20,000 seeded random addresses: wasm == native CLI, every option on', { skip }, () =>
  compare(...ALL_OPTIONS, fuzzRows(20000)));
test('the whole corpus: wasm == native CLI, every option on', { skip }, () => compare(...ALL_OPTIONS));
