// The JavaScript API of mailcheck.mjs: load(), check(), checkMany(), the
// options, and every way a caller can get it wrong.
// ctest-labels: wasm
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { unavailable, importMailcheck, wasmPath, mailprobe } from './helpers.mjs';

const RESULT_KEYS = ['email', 'normalized', 'status', 'reason', 'action', 'score', 'syntax',
  'disposable', 'role', 'free', 'unknown_tld', 'suggestion', 'mx', 'smtp'];
const SYNTAX_KEYS = ['valid', 'reason', 'message', 'position', 'local', 'domain',
  'ascii_domain', 'unicode_domain', 'smtputf8'];
const SMTP_KEYS = ['result', 'code', 'enhanced_code', 'message', 'host', 'catch_all'];

let mc, load;
before(async () => {
  if (unavailable) return;
  ({ load } = await importMailcheck());
  mc = await load();
});
const t = (name, fn) => test(name, { skip: unavailable }, fn);

/** The native CLI's answers (NDJSON), or null when the binary is missing. */
function native(addresses, flags = []) {
  if (!existsSync(mailprobe)) return null;
  const run = spawnSync(mailprobe, ['check', '--json', ...flags, '--', ...addresses],
    { maxBuffer: 1 << 28, encoding: 'utf8' });
  assert.ok(run.status === 0 || run.status === 1, `mailprobe check failed: ${run.stderr}`);
  return run.stdout.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l));
}

// ---- load() ---------------------------------------------------------------

t('load() resolves to an instance with check, checkMany, version and names', () => {
  assert.equal(typeof mc.check, 'function');
  assert.equal(typeof mc.checkMany, 'function');
  assert.match(mc.version, /^\d+\.\d+\.\d+$/);
  assert.ok(mc.names.reason.includes('invalid_syntax'));
  assert.ok(mc.names.status.includes('undeliverable'));
  assert.equal(typeof mc.lists.disposable_count, 'number');
});

t('load({wasmBinary}) uses the given bytes, and instances are independent', async () => {
  const bytes = await readFile(wasmPath);
  const other = await load({ wasmBinary: bytes });
  assert.deepEqual(other.check('ann@gmail.com'), mc.check('ann@gmail.com'));
  other.close();
  assert.throws(() => other.check('ann@gmail.com'), /closed/);
  assert.equal(mc.check('ann@gmail.com').syntax.valid, true, 'closing one instance leaves the other working');
});

t('load() rejects a non-object options argument and broken bytes', async () => {
  await assert.rejects(load('fast'), TypeError);
  await assert.rejects(load({ wasmBinary: new Uint8Array([0, 97, 115, 109, 9, 9, 9, 9]) }));
});

t('the module needs no glue: it imports nothing and exports the exports.txt functions', async () => {
  const module = await WebAssembly.compile(await readFile(wasmPath));
  assert.deepEqual(WebAssembly.Module.imports(module), [], 'mailcheck.mjs instantiates it with {}');
  const exported = WebAssembly.Module.exports(module).map((e) => e.name);
  const listed = (await readFile(new URL('../../wasm/exports.txt', import.meta.url), 'utf8'))
    .split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  for (const name of listed) assert.ok(exported.includes(name), `${name} is not exported`);
  assert.ok(exported.includes('memory') && exported.includes('_initialize'));
});

t('the shipped mailcheck.mjs evaluates no code (works under a strict CSP)', async () => {
  const source = await readFile(new URL('mailcheck.mjs', `file://${wasmPath}`), 'utf8');
  assert.doesNotMatch(source, /\beval\(|new Function\(|\bFunction\(/);
});

t('memory grows inside the module (its own allocator) and results stay right', async () => {
  const fresh = await load();
  const one = fresh.check('ann@gmail.com');
  // 2.8 MB of text and 17.6 MB of records (22 words a line): several memory.grow.
  const many = fresh.checkMany(Array(200000).fill('ann@gmail.com').join('\n'));
  assert.equal(many.length, 200000);
  assert.deepEqual(many[199999], one);
  assert.deepEqual(fresh.check('ann@gmail.com'), one, 'check() after growth still reads the right memory');
  fresh.close();
});

// ---- check() ----------------------------------------------------------------

t('check() returns exactly the keys of the result schema, in order', () => {
  const r = mc.check('Someone@Gmial.com');
  assert.deepEqual(Object.keys(r), RESULT_KEYS);
  assert.deepEqual(Object.keys(r.syntax), SYNTAX_KEYS);
  assert.deepEqual(Object.keys(r.smtp), SMTP_KEYS);
  assert.equal(r.email, 'Someone@Gmial.com');
  assert.equal(r.normalized, 'Someone@gmial.com');
  assert.equal(r.syntax.valid, true);
  assert.equal(r.syntax.local, 'Someone');
  assert.equal(r.syntax.domain, 'Gmial.com');
  assert.equal(r.syntax.ascii_domain, 'gmial.com');
  assert.equal(r.mx, null);
  assert.deepEqual(r.smtp, { result: 'not_checked', code: null, enhanced_code: null, message: null, host: null, catch_all: null });
  assert.ok(mc.names.reason.includes(r.reason));
  assert.equal(r.suggestion, 'Someone@gmail.com', 'the local part is kept as given');
});

t('check() of an invalid address names the rule, the message and nulls the rest', () => {
  const r = mc.check('ann.example.com');
  assert.equal(r.syntax.valid, false);
  assert.equal(r.syntax.reason, 'no_at');
  assert.equal(typeof r.syntax.message, 'string');
  assert.ok(r.syntax.message.length > 0);
  assert.equal(r.normalized, null);
  assert.equal(r.status, 'undeliverable');
  assert.equal(r.reason, 'invalid_syntax');
  assert.equal(r.action, 'remove');
});

t('check() reports the UTF-8 octet position of the offending character', () => {
  const r = mc.check('jürgen@ex ample.org'); // ü is 2 octets: the space is at octet 10
  assert.equal(r.syntax.reason, 'whitespace');
  assert.equal(r.syntax.position, 10);
});

t('check() handles internationalised domains', () => {
  const r = mc.check('ann@BÜCHER.example.de');
  assert.equal(r.syntax.valid, true);
  assert.equal(r.syntax.ascii_domain, 'xn--bcher-kva.example.de');
  assert.equal(r.syntax.unicode_domain, 'bücher.example.de');
  assert.equal(r.normalized, 'ann@xn--bcher-kva.example.de');
});

t('check() gives fresh objects: mutating one result never touches another', () => {
  const a = mc.check('ann@gmail.com');
  a.smtp.result = 'accepted';
  a.syntax.valid = 'x';
  const b = mc.check('ann@gmail.com');
  assert.equal(b.smtp.result, 'not_checked');
  assert.equal(b.syntax.valid, true);
});

t('check() turns lone surrogates into U+FFFD, in the echo too', () => {
  const r = mc.check('a\uD800b@gmail.com');
  assert.equal(r.email, 'a\uFFFDb@gmail.com');
  const pair = mc.check('😀@gmail.com'); // a real pair stays a pair
  assert.equal(pair.email, '😀@gmail.com');
});

t('a leading U+FEFF is data, not a byte-order mark', () => {
  const r = mc.check('\uFEFFann@gmail.com');
  assert.equal(r.email, '\uFEFFann@gmail.com');
  assert.equal(r.syntax.reason, 'invisible_char');
  assert.equal(r.syntax.local, '\uFEFFann', 'the first string of the batch keeps its U+FEFF');
  assert.deepEqual(mc.checkMany('\uFEFFa@b.de\nx@y.de').map((x) => x.email), ['\uFEFFa@b.de', 'x@y.de']);
});

t('check() echoes NUL as U+FFFD, like the native JSON writer, and rejects it', () => {
  const r = mc.check('ann\0@gmail.com');
  assert.equal(r.email, 'ann\uFFFD@gmail.com');
  assert.equal(r.syntax.valid, false);
  assert.equal(r.syntax.reason, 'control_char');
});

t('check() of a 1 MB string answers too_long and echoes it whole', () => {
  const huge = 'a'.repeat(1 << 20) + '@gmail.com';
  const r = mc.check(huge);
  assert.equal(r.syntax.valid, false);
  assert.equal(r.syntax.reason, 'too_long');
  assert.equal(r.email.length, huge.length);
  assert.equal(r.email, huge);
  const multibyte = 'é'.repeat(1 << 19) + '@gmail.com'; // 1 MiB of UTF-8 in the local part
  assert.equal(mc.check(multibyte).syntax.reason, 'too_long');
  assert.equal(mc.check('ann@gmail.com').syntax.valid, true, 'still fine after the big one');
});

// ---- errors -------------------------------------------------------------------

t('check() throws TypeError for anything but a string', () => {
  for (const bad of [undefined, null, 42, true, {}, ['ann@gmail.com'], new String('x'), Symbol('s'), 10n]) {
    assert.throws(() => mc.check(bad), TypeError);
  }
  assert.throws(() => mc.check(), TypeError);
});

t('checkMany() throws TypeError for non-arrays and arrays holding non-strings', () => {
  for (const bad of [undefined, null, 42, {}, { length: 1, 0: 'a@b.org' }, new Set(['a'])]) {
    assert.throws(() => mc.checkMany(bad), TypeError);
  }
  assert.throws(() => mc.checkMany(['ann@gmail.com', 3]), (e) => e instanceof TypeError && /element 1/.test(e.message));
  assert.throws(() => mc.checkMany(['ann@gmail.com', null]), TypeError);
  assert.throws(() => mc.checkMany([undefined]), TypeError);
});

t('bad options throw TypeError: unknown key, non-boolean value, non-object', () => {
  assert.throws(() => mc.check('ann@gmail.com', { allowQuoted: true }), TypeError);
  assert.throws(() => mc.check('ann@gmail.com', { riskyRole: 'yes' }), TypeError);
  assert.throws(() => mc.check('ann@gmail.com', 'strict'), TypeError);
  assert.throws(() => mc.checkMany(['ann@gmail.com'], 7), TypeError);
  assert.equal(mc.check('ann@gmail.com', null).syntax.valid, true);
});

t('after every kind of error the instance still answers correctly', () => {
  for (let i = 0; i < 100; i++) {
    assert.throws(() => mc.checkMany(['a@b.org', 1]), TypeError);
    assert.throws(() => mc.check(i), TypeError);
  }
  assert.deepEqual(mc.checkMany(['ann@gmail.com'])[0], mc.check('ann@gmail.com'));
});

// ---- checkMany() ---------------------------------------------------------------

t('checkMany(array) gives one result per element, in order, equal to check()', () => {
  const list = ['ann@gmail.com', '', 'bad', 'a\nb@gmail.com', 'ünï@bücher.de', ' x@y.org', 'x@y..org'];
  const many = mc.checkMany(list);
  assert.equal(many.length, list.length);
  list.forEach((a, i) => {
    assert.deepEqual(many[i], mc.check(a), `element ${i}`);
    assert.equal(many[i].email, a);
  });
  assert.equal(many[1].syntax.reason, 'empty');
  assert.equal(many[3].syntax.reason, 'control_char', 'a newline inside an element is not a separator');
});

t('checkMany(text) gives one result per line, as `mailprobe check -` does', () => {
  const rs = mc.checkMany('ann@gmail.com\n\nbob@gmail.com\r\n\r\nlast@gmail.com');
  assert.deepEqual(rs.map((r) => r.email), ['ann@gmail.com', '', 'bob@gmail.com', '', 'last@gmail.com']);
  assert.equal(rs[1].syntax.reason, 'empty', 'an empty line gets an answer');
  assert.equal(rs[3].syntax.reason, 'empty', 'so does an empty CRLF line');
  assert.deepEqual(mc.checkMany('ann@gmail.com\n').map((r) => r.email), ['ann@gmail.com'], 'the final newline ends the line, it does not start one');
  assert.deepEqual(mc.checkMany(''), []);
  assert.deepEqual(mc.checkMany('\n').map((r) => r.email), ['']);
  // A CR is removed only before LF, as the CLI reader does.
  assert.equal(mc.checkMany('ann@gmail.com\r')[0].email, 'ann@gmail.com\r');
});

t('checkMany(text) with empty lines, CRLF and non-ASCII agrees with the native CLI', () => {
  const text = '\nann@gmail.com\r\n\r\n  \n日本@例え.テスト\nx\uD800@gmail.com\n\u00A0a@b.de\n';
  const lines = mc.checkMany(text);
  assert.equal(lines.length, 7);
  const cli = spawnSync(mailprobe, ['check', '--json', '-'], { input: text, encoding: 'utf8' });
  if (cli.error || !existsSync(mailprobe)) return; // compared in corpus.test.mjs when present
  const expected = cli.stdout.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l));
  assert.deepEqual(lines, expected);
});

t('checkMany([]) is [] and checkMany of 100,000 addresses is complete and in order', () => {
  assert.deepEqual(mc.checkMany([]), []);
  const list = Array.from({ length: 100000 }, (_, i) => (i % 3 ? `user${i}@gmail.com` : `bad${i}`));
  const rs = mc.checkMany(list);
  assert.equal(rs.length, list.length);
  for (const i of [0, 1, 2, 3, 4999, 50000, 99998, 99999]) {
    assert.equal(rs[i].email, list[i]);
    assert.deepEqual(rs[i], mc.check(list[i]));
  }
  const text = mc.checkMany(list.join('\n'));
  assert.deepEqual(text, rs, 'the text form gives the same answers');
});

t('checkMany() with a 1 MB element between small ones keeps every boundary', () => {
  const huge = 'x'.repeat(1 << 20);
  const rs = mc.checkMany(['ann@gmail.com', huge, 'bob@gmail.com']);
  assert.deepEqual(rs.map((r) => r.email.length), [13, 1 << 20, 13]);
  assert.equal(rs[1].syntax.reason, 'too_long');
  assert.equal(rs[2].email, 'bob@gmail.com');
  assert.equal(rs[2].syntax.valid, true);
});

t('big arrays (joined in chunks) answer element by element as check() does', () => {
  // Odd elements at chunk edges: lone surrogates (one at the end of an
  // element, one at the start of the next), line breaks and NUL inside
  // elements, non-ASCII, empty strings.
  const odd = ['x\uD800', '\uDC00y@gmail.com', 'a\nb@gmail.com', '\u0000@x.de', 'jörg@bücher.de', '', 'r\r\n@x.de'];
  for (const n of [63, 64, 2047, 2048, 2049, 5000]) {
    const list = Array.from({ length: n }, (_, i) => (i % 97 === 0 || i % 2048 >= 2045 ? odd[i % odd.length] : `user${i}@example${i % 300}.com`));
    const many = mc.checkMany(list);
    assert.equal(many.length, n);
    for (let i = 0; i < n; i++) assert.deepEqual(many[i], mc.check(list[i]), `n ${n}, element ${i}`);
  }
});

// ---- checkMany(…, {as: 'table'}) ------------------------------------------------

const MIXED = ['ann@gmail.com', 'Ann@GMail.COM', 'info@gmial.com', 'x@bücher.de', 'a b@gmail.com',
  '', 'no-at', '\u0000@x.de', 'x\uD800@gmail.com', '日本@例え.jp', 'bob@mailinator.com', 'ann@foo.test',
  '.ann@gmial.com', 'ann@gmail.con', 'x'.repeat(300) + '@gmail.com'];

t("checkMany(…, {as: 'table'}) holds exactly checkMany's results, for arrays and text", () => {
  for (const input of [MIXED, MIXED.filter((a) => !a.includes('\u0000')).join('\n')]) {
    const objects = mc.checkMany(input);
    const table = mc.checkMany(input, { as: 'table' });
    assert.equal(table.length, objects.length);
    for (let i = 0; i < table.length; i++) {
      assert.deepEqual(table.get(i), objects[i], `row ${i}`);
      assert.equal(table.email(i), objects[i].email);
      assert.equal(table.names.status[table.status[i]], objects[i].status);
      assert.equal(table.names.reason[table.reason[i]], objects[i].reason);
      assert.equal(table.names.action[table.action[i]], objects[i].action);
      assert.equal(table.score[i], objects[i].score);
      assert.equal(table.valid[i], objects[i].syntax.valid ? 1 : 0);
      assert.equal(table.disposable[i], objects[i].disposable ? 1 : 0);
      assert.equal(table.role[i], objects[i].role ? 1 : 0);
      assert.equal(table.free[i], objects[i].free ? 1 : 0);
      assert.equal(table.suggested[i], objects[i].suggestion === null ? 0 : 1);
      assert.equal(table.unknown_tld[i], objects[i].unknown_tld ? 1 : 0);
    }
    assert.deepEqual(table.toArray(), objects);
    assert.deepEqual([...table], objects);
    assert.equal(JSON.stringify(table), JSON.stringify(objects));
    const counts = Object.fromEntries(mc.names.status.map((s) => [s, objects.filter((r) => r.status === s).length]));
    assert.deepEqual(table.counts(), counts);
  }
});

t('a table outlives later calls, and its rows are fresh objects', () => {
  const table = mc.checkMany(['ann@gmial.com', 'bob@yahoo.com'], { as: 'table' });
  mc.checkMany(Array.from({ length: 5000 }, (_, i) => `user${i}@example${i}.org`));
  mc.check('zed@outlook.com');
  assert.equal(table.get(0).suggestion, 'ann@gmail.com');
  assert.equal(table.get(1).email, 'bob@yahoo.com');
  const row = table.get(0);
  row.syntax.local = 'changed';
  assert.equal(table.get(0).syntax.local, 'ann');
  assert.ok(Object.isFrozen(table));
});

t("a table refuses rows outside it; 'as' takes only 'objects' or 'table'", () => {
  const table = mc.checkMany('a@b.de\nc@d.de', { as: 'table' });
  for (const bad of [-1, 2, 1.5, '0', NaN]) assert.throws(() => table.get(bad), RangeError, String(bad));
  assert.throws(() => table.email(2), RangeError);
  assert.throws(() => mc.checkMany(['a@b.de'], { as: 'rows' }), TypeError);
  assert.throws(() => mc.checkMany(['a@b.de'], { as: undefined }), TypeError);
  assert.deepEqual(mc.checkMany(['a@b.de'], { as: 'objects' }), mc.checkMany(['a@b.de']));
  assert.throws(() => mc.check('a@b.de', { as: 'table' }), TypeError, 'check() has no as option');
  const empty = mc.checkMany([], { as: 'table' });
  assert.equal(empty.length, 0);
  assert.deepEqual(empty.toArray(), []);
  assert.deepEqual(empty.counts(), { deliverable: 0, undeliverable: 0, risky: 0, unknown: 0 });
});

t('answers stay exact when one domain recurs under other options and local parts', () => {
  // The core remembers per-domain work between calls (mp_check_memo); a
  // remembered domain must still answer for this address and these options.
  const before = mc.check('ann@example.com');
  assert.equal(before.syntax.reason, 'special_use_domain');
  assert.equal(mc.check('ann@example.com', { allowSpecialUse: true }).syntax.valid, true);
  assert.deepEqual(mc.check('ann@example.com'), before);
  assert.equal(mc.check('a@exa..mple.org').syntax.position, 6);
  assert.equal(mc.check('a.longer.local@exa..mple.org').syntax.position, 19);
  const many = mc.checkMany(Array.from({ length: 3000 }, (_, i) => `u${i}@d${i % 700}.gmial-${i % 7}.com`));
  for (const i of [0, 699, 700, 1401, 2999]) assert.deepEqual(many[i], mc.check(many[i].email));
});

// ---- options ------------------------------------------------------------------

t('each option opens exactly its rule', () => {
  const quoted = '"john doe"@gmail.com';
  assert.equal(mc.check(quoted).syntax.reason, 'quoted_local');
  assert.equal(mc.check(quoted, { allowQuotedLocal: true }).syntax.valid, true);
  const literal = 'ann@[192.0.2.1]';
  assert.equal(mc.check(literal).syntax.reason, 'domain_literal');
  assert.notEqual(mc.check(literal, { allowDomainLiteral: true }).syntax.reason, 'domain_literal');
  const special = 'ann@foo.test';
  assert.equal(mc.check(special).syntax.reason, 'special_use_domain');
  assert.equal(mc.check(special, { allowSpecialUse: true }).syntax.valid, true);
});

t('options give the same answers as the matching CLI flags', () => {
  const addresses = ['info@gmail.com', 'ann@gmail.com', '"john doe"@gmail.com', 'ann@[192.0.2.1]',
    'ann@[IPv6:2001:db8::1]', 'ann@foo.test', 'postmaster@example.com', 'sales@mailinator.com'];
  const sets = [
    [{ allowQuotedLocal: true }, ['--allow-quoted']],
    [{ allowDomainLiteral: true }, ['--allow-literal']],
    [{ allowSpecialUse: true }, ['--allow-special-use']],
    [{ riskyRole: true }, ['--risky-role']],
    [{ riskyFree: true }, ['--risky-free']],
    [{ allowQuotedLocal: true, allowDomainLiteral: true, allowSpecialUse: true, riskyRole: true, riskyFree: true },
      ['--allow-quoted', '--allow-literal', '--allow-special-use', '--risky-role', '--risky-free']],
  ];
  for (const [options, flags] of sets) {
    const expected = native(addresses, flags);
    if (!expected) return;
    assert.deepEqual(mc.checkMany(addresses, options), expected, `options ${JSON.stringify(options)}`);
  }
});
