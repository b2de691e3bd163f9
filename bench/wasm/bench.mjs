// One run: every checker on the sign-up list — mailcheck.mjs (checkMany and
// check), validator.isEmail, email-validator and mailcheck (the typo
// suggester) — then the bulk forms against validator.isEmail on every list
// (sign-up, CRM export, sub-addressing, international).
// Usage: node bench.mjs path/to/mailcheck.mjs [count]
//        node bench.mjs --write-lists DIR [count]   (the lists, for bench_local --file)
//
// What each one does differs (validator and email-validator only answer
// "looks valid?"; mailcheck only suggests a domain; ours does syntax with
// IDNA, disposable, role, free, the suggestion and a verdict object), so the
// table says what was measured, not who is "better".
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { LISTS, makeList } from './lists.mjs';

const require = createRequire(import.meta.url);
const [modulePath, countArg] = process.argv.slice(2);
const COUNT = Number(countArg ?? 200000);

// ---- Timing ---------------------------------------------------------------
const now = () => Number(process.hrtime.bigint()) / 1e6; // ms

/** Best of `rounds` runs of fn() (after one warm-up), in ms. */
function best(fn, rounds = 5) {
  fn();
  let min = Infinity;
  for (let i = 0; i < rounds; i++) {
    const t0 = now();
    fn();
    min = Math.min(min, now() - t0);
  }
  return min;
}

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

// --write-lists DIR: write every list (one address a line) for
// bench_local --file, and stop.
if (modulePath === '--write-lists') {
  const { writeFileSync, mkdirSync } = await import('node:fs');
  mkdirSync(countArg, { recursive: true });
  for (const name of Object.keys(LISTS)) {
    const file = `${countArg}/${name.split(' ')[0].toLowerCase()}.txt`;
    writeFileSync(file, makeList(name, Number(process.argv[4] ?? 200000)).join('\n') + '\n');
    console.log(file);
  }
  process.exit(0);
}

const { load } = await import(pathToFileURL(modulePath).href);
const mc = await load();
const validator = require('validator');
const emailValidator = require('email-validator');
const mailcheck = require('mailcheck');

const list = makeList('sign-up', COUNT);
const text = list.join('\n');
let sink = 0; // keeps the engine from dropping the work

const rows = [];
const row = (name, what, ms) => rows.push({ name, what, ms });

row('mailcheck.mjs checkMany(array)', 'all local checks, full result objects',
  best(() => { sink += mc.checkMany(list).length; }));
row('mailcheck.mjs checkMany(text)', 'same, from newline-separated text',
  best(() => { sink += mc.checkMany(text).length; }));
row("mailcheck.mjs checkMany(array, {as: 'table'})", 'same checks, results in columns, objects on demand',
  best(() => { sink += mc.checkMany(list, { as: 'table' }).length; }));
row("mailcheck.mjs checkMany(text, {as: 'table'})", 'same, from newline-separated text',
  best(() => { sink += mc.checkMany(text, { as: 'table' }).length; }));
row('mailcheck.mjs check() loop', 'same, one call per address',
  best(() => { for (const a of list) sink += mc.check(a).score; }, 3));
row('validator.isEmail', 'syntax only (regex), boolean',
  best(() => { for (const a of list) sink += validator.isEmail(a) ? 1 : 0; }));
row('email-validator.validate', 'syntax only (regex), boolean',
  best(() => { for (const a of list) sink += emailValidator.validate(a) ? 1 : 0; }));
row('mailcheck.run', 'domain typo suggestion only',
  best(() => {
    for (const a of list) mailcheck.run({ email: a, suggested: () => { sink++; }, empty: () => {} });
  }, 3));

// check() latency, one address at a time, measured around each call.
const lat = new Float64Array(COUNT);
for (let i = 0; i < Math.min(COUNT, 20000); i++) mc.check(list[i]); // warm-up
for (let i = 0; i < COUNT; i++) {
  const t0 = process.hrtime.bigint();
  sink += mc.check(list[i]).score;
  lat[i] = Number(process.hrtime.bigint() - t0) / 1000; // µs
}
lat.sort();

// ---- The table ---------------------------------------------------------------
const ref = rows.find((r) => r.name === 'validator.isEmail').ms;
const fmt = (n) => n.toLocaleString('en-US', { maximumFractionDigits: 0 });
console.log(`${COUNT.toLocaleString('en-US')} addresses, Node ${process.version}, ${mc.lists.disposable_count} disposable domains compiled in\n`);
console.log('| checker | what it does | total ms | addresses/s | vs validator.isEmail |');
console.log('|---|---|---:|---:|---:|');
for (const r of rows) {
  console.log(`| ${r.name} | ${r.what} | ${r.ms.toFixed(1)} | ${fmt(COUNT / (r.ms / 1000))} | ${(ref / r.ms).toFixed(2)}× |`);
}
console.log('');
console.log(`check() latency per call: p50 ${percentile(lat, 0.5).toFixed(2)} µs, p99 ${percentile(lat, 0.99).toFixed(2)} µs, p99.9 ${percentile(lat, 0.999).toFixed(2)} µs, max ${lat[COUNT - 1].toFixed(0)} µs`);
// ---- Every list: the bulk forms against validator.isEmail -------------------
// The goal (≥ 3× validator.isEmail as a table) holds on every list.
console.log('');
console.log('| list | checkMany(array, {as: \'table\'}) ms | checkMany(text, {as: \'table\'}) ms | checkMany(array) ms | validator.isEmail ms | table vs validator | objects vs validator |');
console.log('|---|---:|---:|---:|---:|---:|---:|');
let worst = Infinity;
for (const name of Object.keys(LISTS)) {
  const l = makeList(name, COUNT), t = l.join('\n');
  const tableMs = best(() => { sink += mc.checkMany(l, { as: 'table' }).length; });
  const textMs = best(() => { sink += mc.checkMany(t, { as: 'table' }).length; });
  const objMs = best(() => { sink += mc.checkMany(l).length; });
  const valMs = best(() => { for (const a of l) sink += validator.isEmail(a) ? 1 : 0; });
  worst = Math.min(worst, valMs / tableMs);
  console.log(`| ${name} | ${tableMs.toFixed(1)} | ${textMs.toFixed(1)} | ${objMs.toFixed(1)} | ${valMs.toFixed(1)} | ` +
    `${(valMs / tableMs).toFixed(2)}× | ${(valMs / objMs).toFixed(2)}× |`);
}
console.log(`goal: the table form ≥ 3× validator.isEmail on every list: worst ${worst.toFixed(2)}× ${worst >= 3 ? 'MET' : 'NOT MET'}`);

// The goal is about the bulk path, from an array (the slower input form):
// the columnar table; plain objects are reported beside it.
const bulk = rows.find((r) => r.name.startsWith("mailcheck.mjs checkMany(array, {as: 'table'})")).ms;
const objects = rows[0].ms;
console.log(`goals: checkMany ≥ 3× validator.isEmail throughput: ${(ref / bulk).toFixed(2)}× as a table ${ref / bulk >= 3 ? 'MET' : 'NOT MET'} ` +
  `(${(ref / objects).toFixed(2)}× as plain objects); check() p99 < 20 µs: ${percentile(lat, 0.99) < 20 ? 'MET' : 'NOT MET'}`);
if (sink === 0.5) console.log(''); // never true; sink is used
