// One run, one set of addresses, every checker: mailcheck.mjs (checkMany and
// check), validator.isEmail, email-validator and mailcheck (the typo
// suggester). Usage: node bench.mjs path/to/mailcheck.mjs [count]
//
// What each one does differs (validator and email-validator only answer
// "looks valid?"; mailcheck only suggests a domain; ours does syntax with
// IDNA, disposable, role, free, the suggestion and a verdict object), so the
// table says what was measured, not who is "better".
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

const require = createRequire(import.meta.url);
const [modulePath, countArg] = process.argv.slice(2);
const COUNT = Number(countArg ?? 200000);

// ---- 200,000 realistic addresses, the same every run ---------------------
// A seeded generator (mulberry32): sign-up-form traffic, mostly good,
// with the usual typos, disposables, role accounts, IDN and garbage.
function rng(seed) {
  return () => {
    seed = (seed + 0x6D2B79F5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const FIRST = ['anna', 'ben', 'carla', 'david', 'eva', 'felix', 'greta', 'hugo', 'ines', 'jan', 'kim',
  'lena', 'max', 'nina', 'oscar', 'paula', 'quentin', 'rosa', 'sam', 'tina', 'ugo', 'vera', 'wei',
  'xavier', 'yuki', 'zoe', 'mohammed', 'priya', 'olga', 'juan', 'chloé', 'søren'];
const LAST = ['smith', 'mueller', 'garcia', 'rossi', 'dubois', 'nowak', 'silva', 'kim', 'tanaka',
  'johnson', 'schmidt', 'martin', 'novak', 'berg', 'costa', 'ivanova', 'lee', 'okafor'];
const FREE = ['gmail.com', 'yahoo.com', 'outlook.com', 'hotmail.com', 'icloud.com', 'gmx.de',
  'web.de', 'aol.com', 'proton.me', 'yandex.ru', 'mail.ru', 'orange.fr', 'libero.it', 'qq.com'];
const WORK = ['acme-corp.com', 'example-industries.de', 'bigbank.co.uk', 'startup.io',
  'university.edu', 'stadtwerke-musterstadt.de', 'agency.fr', 'shop.com.br', 'consulting.ch'];
const TYPO = ['gmial.com', 'gmai.com', 'gnail.com', 'yaho.com', 'hotmial.com', 'outlok.com',
  'gmail.con', 'icloud.co', 'hotmail.co'];
const DISPOSABLE = ['mailinator.com', 'guerrillamail.com', '10minutemail.com', 'yopmail.com', 'trashmail.com'];
const ROLE = ['info', 'sales', 'admin', 'support', 'contact', 'noreply', 'office', 'hr'];
const IDN = ['bücher.de', 'münchen.de', 'пример.рф', '例え.jp', 'ελλάδα.gr'];
const BAD = ['anna.smith@', '@gmail.com', 'anna smith@gmail.com', 'anna..smith@gmail.com',
  'anna@gmail..com', 'Anna <anna@gmail.com>', 'anna@', 'anna.gmail.com', 'anna@@gmail.com',
  'anna@-gmail.com', '.anna@gmail.com', 'anna@gmail.c0m', 'anna@localhost'];

function addresses(n) {
  const r = rng(20261123);
  const pick = (a) => a[Math.floor(r() * a.length)];
  const local = () => {
    const f = pick(FIRST), l = pick(LAST), k = r();
    if (k < 0.3) return `${f}.${l}`;
    if (k < 0.5) return `${f}${l}${Math.floor(r() * 100)}`;
    if (k < 0.6) return `${f}_${l}`;
    if (k < 0.7) return `${f[0]}${l}`;
    if (k < 0.8) return `${f}+news`;
    if (k < 0.9) return `${f.toUpperCase()}.${l}`;
    return f;
  };
  const out = new Array(n);
  for (let i = 0; i < n; i++) {
    const k = r();
    if (k < 0.55) out[i] = `${local()}@${pick(FREE)}`;
    else if (k < 0.75) out[i] = `${local()}@${pick(WORK)}`;
    else if (k < 0.83) out[i] = `${local()}@${pick(TYPO)}`;
    else if (k < 0.87) out[i] = `${local()}@${pick(DISPOSABLE)}`;
    else if (k < 0.91) out[i] = `${pick(ROLE)}@${pick(WORK)}`;
    else if (k < 0.94) out[i] = `${local()}@${pick(IDN)}`;
    else out[i] = pick(BAD).replace('anna', pick(FIRST));
  }
  return out;
}

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

const { load } = await import(pathToFileURL(modulePath).href);
const mc = await load();
const validator = require('validator');
const emailValidator = require('email-validator');
const mailcheck = require('mailcheck');

const list = addresses(COUNT);
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
// The goal is about the bulk path, from an array (the slower input form):
// the columnar table; plain objects are reported beside it.
const bulk = rows.find((r) => r.name.startsWith("mailcheck.mjs checkMany(array, {as: 'table'})")).ms;
const objects = rows[0].ms;
console.log(`goals: checkMany ≥ 3× validator.isEmail throughput: ${(ref / bulk).toFixed(2)}× as a table ${ref / bulk >= 3 ? 'MET' : 'NOT MET'} ` +
  `(${(ref / objects).toFixed(2)}× as plain objects); check() p99 < 20 µs: ${percentile(lat, 0.99) < 20 ? 'MET' : 'NOT MET'}`);
if (sink === 0.5) console.log(''); // never true; sink is used
