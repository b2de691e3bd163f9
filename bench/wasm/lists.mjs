// The lists of bench/wasm (and the seeded generator bench/page uses too):
// 200,000 realistic addresses each, the same on every run. makeList(name, n)
// for name in LISTS: sign-up, CRM export, sub-addressing, international.
// ---- Lists of 200,000 realistic addresses, the same every run -------------
// A seeded generator (mulberry32) per list.
export function rng(seed) {
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

export const LISTS = { 'sign-up': signup, 'CRM export (distinct local parts)': distinct,
  'sub-addressing (user.name+tag@)': subaddressing, 'international (5 % IDN)': international };
export function makeList(name, n) {
  return LISTS[name](n, rng(20261123));
}

