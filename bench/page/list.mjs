// The bench CSV: a seeded 200,000-line CRM export (id, names, e-mail,
// company with quoted commas, date), the same on every run; about 2 % broken
// addresses, some sub-addressed, typos, disposable and IDN domains.
import { rng } from '../wasm/lists.mjs';

// ---- A seeded CRM export: id, names, e-mail, company, date -----------------
const FIRST = ['anna', 'ben', 'carla', 'david', 'eva', 'felix', 'greta', 'hugo', 'ines', 'jan', 'kim', 'lena', 'max',
  'nina', 'oscar', 'paula', 'rosa', 'sam', 'tina', 'vera', 'wei', 'yuki', 'zoe', 'priya', 'olga', 'juan', 'chloé'];
const LAST = ['smith', 'mueller', 'garcia', 'rossi', 'dubois', 'nowak', 'silva', 'kim', 'tanaka', 'johnson', 'schmidt',
  'martin', 'novak', 'berg', 'costa', 'ivanova', 'lee', 'okafor'];
const FREE = ['gmail.com', 'yahoo.com', 'outlook.com', 'hotmail.com', 'icloud.com', 'gmx.de', 'web.de', 'aol.com',
  'gmial.com', 'mailinator.com', 'bücher.de'];
export function csv(lines) {
  const r = rng(20261206);
  const pick = (a) => a[Math.floor(r() * a.length)];
  const out = ['id,first_name,last_name,email,company,signup_date'];
  for (let i = 1; i < lines; i++) {
    const f = pick(FIRST), l = pick(LAST), k = r();
    const domain = k < 0.6 ? pick(FREE) : `${pick(LAST)}-${Math.floor(r() * 3000)}.${pick(['com', 'de', 'fr', 'co.uk'])}`;
    let email = `${f}.${l}${Math.floor(r() * 10000)}@${domain}`;
    if (k > 0.98) email = `${f} ${l}@${domain}`;             // broken
    else if (k > 0.96) email = `${f}.${l}+news@${domain}`;  // sub-addressed
    const company = r() < 0.2 ? `"${l} & ${pick(LAST)}, Inc."` : `${l} GmbH`;
    out.push(`${i},${f},${l},${email},${company},2026-${String(1 + Math.floor(r() * 12)).padStart(2, '0')}-15`);
  }
  return out.join('\r\n') + '\r\n';
}

