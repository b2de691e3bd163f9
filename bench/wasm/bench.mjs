// One run: every checker on the sign-up list — mailcheck.mjs (checkMany and
// check), validator.isEmail, email-validator and mailcheck (the typo
// suggester) — then the bulk forms against validator.isEmail on every list
// (sign-up, CRM export, sub-addressing, international).
// Usage: node bench.mjs path/to/mailcheck.mjs [count] [list name filter]
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

// ---- Lists of 200,000 realistic addresses, the same every run -------------
// A seeded generator (mulberry32) per list.
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

// The sign-up list: mostly good, with the usual typos, disposables, role
// accounts, IDN and garbage.
function signup(n, r) {
  const pick = (a) => a[Math.floor(r() * a.length)];
  const out = new Array(n);
  for (let i = 0; i < n; i++) {
    const k = r();
    if (k < 0.55) out[i] = `${local(r)}@${pick(FREE)}`;
    else if (k < 0.75) out[i] = `${local(r)}@${pick(WORK)}`;
    else if (k < 0.83) out[i] = `${local(r)}@${pick(TYPO)}`;
    else if (k < 0.87) out[i] = `${local(r)}@${pick(DISPOSABLE)}`;
    else if (k < 0.91) out[i] = `${pick(ROLE)}@${pick(WORK)}`;
    else if (k < 0.94) out[i] = `${local(r)}@${pick(IDN)}`;
    else out[i] = pick(BAD).replace('anna', pick(FIRST));
  }
  return out;
}

function local(r) {
  const pick = (a) => a[Math.floor(r() * a.length)];
  const f = pick(FIRST), l = pick(LAST), k = r();
  if (k < 0.3) return `${f}.${l}`;
  if (k < 0.5) return `${f}${l}${Math.floor(r() * 100)}`;
  if (k < 0.6) return `${f}_${l}`;
  if (k < 0.7) return `${f[0]}${l}`;
  if (k < 0.8) return `${f}+news`;
  if (k < 0.9) return `${f.toUpperCase()}.${l}`;
  return f;
}

// A CRM export: every local part distinct (first.last plus a number, or a
// random handle), 2,000 company domains beside the free providers.
const COMPANY = Array.from({ length: 2000 }, (_, i) => {
  const r = rng(7000 + i), syll = ['ka', 'lo', 'mi', 'net', 'tec', 'ver', 'sun', 'bau', 'gro', 'fin', 'med', 'log'];
  let name = '';
  for (let k = 2 + Math.floor(r() * 3); k > 0; k--) name += syll[Math.floor(r() * syll.length)];
  return `${name}${r() < 0.3 ? '-group' : ''}.${['com', 'de', 'co.uk', 'fr', 'io', 'net', 'nl', 'es'][Math.floor(r() * 8)]}`;
});
function handle(r, len) {
  const chars = 'abcdefghijklmnopqrstuvwxyz0123456789';
  let s = '';
  for (let k = 0; k < len; k++) s += chars[Math.floor(r() * chars.length)];
  return s;
}
function distinct(n, r) {
  const pick = (a) => a[Math.floor(r() * a.length)];
  const out = new Array(n);
  for (let i = 0; i < n; i++) {
    const l = r() < 0.6 ? `${pick(FIRST)}.${pick(LAST)}${i}` : handle(r, 6 + Math.floor(r() * 10));
    out[i] = `${l}@${r() < 0.5 ? pick(FREE) : pick(COMPANY)}`;
  }
  return out;
}

// Sub-addressing: most addresses carry a +tag (user.name+tag@), as
// newsletter sign-ups and test accounts do.
const TAGS = ['news', 'shop', 'promo', 'github', 'bank', 'travel', 'work', 'spam', 'newsletter2026'];
function subaddressing(n, r) {
  const pick = (a) => a[Math.floor(r() * a.length)];
  const out = new Array(n);
  for (let i = 0; i < n; i++) {
    const base = `${pick(FIRST)}.${pick(LAST)}`;
    const tag = r() < 0.5 ? pick(TAGS) : `${pick(TAGS)}${Math.floor(r() * 10000)}`;
    out[i] = `${r() < 0.8 ? `${base}+${tag}` : base}@${r() < 0.7 ? pick(FREE) : pick(COMPANY)}`;
  }
  return out;
}

// Internationalised: 5 % IDN domains (of 40), 2 % non-ASCII local parts,
// the rest like the CRM export.
const IDN_MANY = ['bücher.de', 'münchen.de', 'zürich.ch', 'köln.de', 'straße.de', 'españa.es', 'français.fr',
  'café.fr', 'søren.dk', 'åland.fi', 'økonomi.no', 'česko.cz', 'łódź.pl', 'ελλάδα.gr', 'пример.рф', 'почта.рф',
  'москва.рф', 'україна.укр', 'бг.бг', '例え.jp', '日本語.jp', 'テスト.jp', '中国.中国', '公司.cn', '한국.kr',
  'ไทย.ไทย', 'भारत.भारत', 'مثال.مصر', 'מבחן.ישראל', 'ağ.tr', 'şirket.com.tr', 'việtnam.vn', 'hàng.vn',
  'ñandú.com', 'grüße.com', 'déjà.vu', 'naïve.com', 'mañana.com', 'über.com', 'größe.at'];
const UNICODE_LOCAL = ['jörg', 'chloé', 'søren', 'józef', 'müller', 'ñúñez', 'дмитрий', '李雷', 'θεός', 'ana.maría'];
function international(n, r) {
  const pick = (a) => a[Math.floor(r() * a.length)];
  const out = distinct(n, r);
  for (let i = 0; i < n; i++) {
    const k = r();
    if (k < 0.05) out[i] = `${pick(FIRST)}.${pick(LAST)}${i}@${pick(IDN_MANY)}`;
    else if (k < 0.07) out[i] = `${pick(UNICODE_LOCAL)}${i}@${pick(FREE)}`;
  }
  return out;
}

const LISTS = { 'sign-up': signup, 'CRM export (distinct local parts)': distinct,
  'sub-addressing (user.name+tag@)': subaddressing, 'international (5 % IDN)': international };
function makeList(name, n) {
  return LISTS[name](n, rng(20261123));
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
