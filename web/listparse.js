// listparse.js — turns what a person pastes or drops (a plain list, a CSV
// export from a CRM, a TSV from a spreadsheet) into a de-duplicated list of
// addresses, remembering where each came from. Pure: no DOM, no network, so
// the same code runs in the page and under `node --test`.

/** At most this many data rows are read; the rest is reported as cut. */
export const MAX_ROWS = 200000;
/** Longest cell kept as a candidate address (the core caps at 254 anyway). */
const MAX_CELL = 1024;
const DELIMITERS = [',', ';', '\t', '|'];

// The rules below are the prober's too (native-prober/shared/address_list.c,
// csv.c), so a file finds the same column on the page, in `mailprobe verify`
// and in the API; docs/verification.md writes them down.

/** Header names of an address column, once lower-cased and stripped of
 * spaces and - _ . : ( ): equal to one of EXACT, or containing one of PART. */
const HEADER_EXACT = ['mail', 'address'];
const HEADER_PART = ['email', 'mailadres', 'courriel', 'correo', 'correio', 'postaelettronica', 'epost', 'eposta',
  'sähköposti', 'почта', 'メール', '邮箱', '邮件', '郵件', '이메일'];

/** Whether a header cell names the address column ("E-Mail-Adresse", "Courriel", "Correo electrónico" …). */
export function isAddressHeader(cell) {
  const name = cleanCell(cell).toLowerCase().replace(/[ \t\-_.:()]/g, '');
  return HEADER_EXACT.includes(name) || HEADER_PART.some((p) => name.includes(p));
}

/** A cleaned cell that looks like an address: an '@' with something on either side. */
export function looksLikeAddress(cell) {
  const at = cell.indexOf('@', 1);
  return at > 0 && at < cell.length - 1;
}

/**
 * A dropped file's text: its byte order mark decides (UTF-8, UTF-16 LE/BE),
 * else UTF-8 when the bytes are valid UTF-8, else Windows-1252 — or
 * `encoding` (a TextDecoder label) when given and the file has no BOM.
 * @param {ArrayBuffer|Uint8Array} bytes
 * @param {string|null} encoding
 * @returns {{text: string, encoding: string, bom: boolean}}
 */
export function decodeList(bytes, encoding = null) {
  const b = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  let label = null;
  let skip = 0;
  if (b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) { label = 'utf-8'; skip = 3; }
  else if (b[0] === 0xff && b[1] === 0xfe) { label = 'utf-16le'; skip = 2; }
  else if (b[0] === 0xfe && b[1] === 0xff) { label = 'utf-16be'; skip = 2; }
  const body = b.subarray(skip);
  if (!label && encoding) label = encoding;
  if (!label) {
    try {
      return { text: new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(body), encoding: 'utf-8', bom: false };
    } catch {
      label = 'windows-1252';
    }
  }
  const decoder = new TextDecoder(label, { ignoreBOM: true });
  return { text: decoder.decode(body), encoding: decoder.encoding, bom: skip > 0 };
}

/**
 * Reads CSV/TSV (RFC 4180 quoting: "" inside quotes, quoted line breaks) or
 * a plain list into rows of cells. Line ends: \n, \r\n or \r.
 * @param {string} text
 * @param {string|null} delimiter  null: one cell per line
 * @param {number} maxRows
 * @returns {{rows: {cells: string[], line: number}[], cut: boolean}}
 */
export function readRows(text, delimiter, maxRows = MAX_ROWS + 1) {
  const rows = [];
  let cells = [];
  let cell = '';
  let quoted = false;
  let line = 1;
  let rowLine = 1;
  let cut = false;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') { cell += '"'; i++; } else quoted = false;
      } else {
        if (c === '\n' || (c === '\r' && text[i + 1] !== '\n')) line++;
        cell += c;
      }
      continue;
    }
    if (delimiter !== null && c === '"' && cell.trim() === '') { cell = ''; quoted = true; continue; }
    if (delimiter !== null && c === delimiter) { cells.push(cell); cell = ''; continue; }
    if (c === '\r' || c === '\n') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      cells.push(cell);
      rows.push({ cells, line: rowLine });
      cells = []; cell = '';
      line++; rowLine = line;
      if (rows.length >= maxRows) { cut = i + 1 < n; break; }
      continue;
    }
    cell += c;
  }
  if (!cut && (cell !== '' || cells.length > 0)) {
    cells.push(cell);
    rows.push({ cells, line: rowLine });
  }
  return { rows, cut };
}

/**
 * Guesses the field delimiter from the first lines: the candidate that
 * appears the same (non-zero) number of times on most of them. A plain list
 * of addresses has none (null). Commas inside quotes are not counted.
 */
export function detectDelimiter(text) {
  const sample = text.slice(0, 64 * 1024).split(/\r\n|\n|\r/).filter((l) => l.trim() !== '').slice(0, 50);
  if (sample.length === 0) return null;
  let best = null;
  let bestScore = 0;
  for (const d of DELIMITERS) {
    const counts = sample.map((l) => l.replace(/"[^"]*"/g, '').split(d).length - 1);
    const freq = new Map();
    for (const k of counts) if (k > 0) freq.set(k, (freq.get(k) || 0) + 1);
    let score = 0;
    for (const v of freq.values()) score = Math.max(score, v);
    // A delimiter must be on at least half the lines to count.
    if (score * 2 >= sample.length && score > bestScore) { best = d; bestScore = score; }
  }
  return best;
}

/**
 * Pulls the address out of one cell: trims spaces and stray quotes, and
 * takes what is between angle brackets ("Ann <ann@example.org>") or after
 * "mailto:". Anything else is returned as is (trimmed), so the core can say
 * what is wrong with it.
 */
export function cleanCell(cell) {
  let s = cell.length > MAX_CELL ? cell.slice(0, MAX_CELL) : cell;
  s = s.replace(/^[\s\u00a0\ufeff]+|[\s\u00a0\ufeff]+$/g, '');
  const angle = /<([^<>\s]*@[^<>\s]*)>/.exec(s);
  if (angle) s = angle[1];
  if (/^mailto:/i.test(s)) s = s.slice(7).split('?')[0];
  if (s.length >= 2 && ((s[0] === '"' && s.at(-1) === '"') || (s[0] === "'" && s.at(-1) === "'")) &&
      s.indexOf('@') === s.lastIndexOf('@') && !/^"[^"]*"@/.test(s)) {
    s = s.slice(1, -1).trim();
  }
  return s;
}

/**
 * The column holding the addresses, from the first rows: among the columns
 * whose header names addresses, the one with the most cells that look like
 * addresses — unless it has none while another column has some (a postal
 * "Address"); else the column with the most such cells, whose first row is
 * a header when it is not an address but a later one (of the next 49) is.
 * column -1: a separated file in which no column holds addresses.
 */
function findColumn(rows, delimiter) {
  const head = rows.slice(0, 200);
  const first = head[0]?.cells ?? [];
  const width = Math.max(0, ...head.map((r) => r.cells.length));
  const addressCell = (r, k) => looksLikeAddress(cleanCell(r.cells[k] ?? ''));
  const counts = Array.from({ length: width }, (_, k) => head.reduce((n, r) => n + (addressCell(r, k) ? 1 : 0), 0));
  const most = (ks) => ks.reduce((best, k) => (counts[k] > counts[best] ? k : best), ks[0]);
  const all = counts.map((_, k) => k);
  const named = first.map((c, k) => (isAddressHeader(c) ? k : -1)).filter((k) => k >= 0);
  const content = width ? most(all) : 0;
  if (named.length) {
    const byName = most(named);
    if (counts[byName] > 0 || !counts[content]) return { column: byName, header: true };
  }
  if (!counts[content]) return { column: delimiter !== null && width > 1 ? -1 : 0, header: false };
  const header = head.length > 1 && first[content] !== undefined && !addressCell(head[0], content) &&
    cleanCell(first[content]) !== '' && head.slice(1, 50).some((r) => addressCell(r, content));
  return { column: content, header };
}

/**
 * Parses pasted text or a file's content.
 * @param {string} text
 * @returns {{
 *   entries: {email: string, line: number}[],  // unique addresses, first occurrence, in order
 *   delimiter: string|null, column: number, columnName: string|null,
 *   lines: number, blank: number, duplicates: number, cut: boolean,
 *   noAddressColumn?: true  // a separated file none of whose columns holds addresses (column -1)
 * }}
 * Duplicates are found case-insensitively (Ann@Example.org = ann@example.org):
 * in practice no provider treats those as two mailboxes.
 */
export function parseList(text) {
  if (typeof text !== 'string') throw new TypeError('parseList: text must be a string');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const delimiter = detectDelimiter(text);
  const { rows, cut: readCut } = readRows(text, delimiter);
  let cut = readCut;
  const { column, header } = findColumn(rows, delimiter);
  if (column < 0) {
    return { entries: [], delimiter, column, columnName: null, lines: rows.length, blank: 0, duplicates: 0, cut, noAddressColumn: true };
  }
  const columnName = header ? cleanCell(rows[0].cells[column] ?? '') : null;
  const entries = [];
  const seen = new Set();
  let blank = 0;
  let duplicates = 0;
  for (let r = header ? 1 : 0; r < rows.length; r++) {
    const email = cleanCell(rows[r].cells[column] ?? '');
    if (email === '') { blank++; continue; }
    const key = email.toLowerCase();
    if (seen.has(key)) { duplicates++; continue; }
    if (entries.length >= MAX_ROWS) { cut = true; break; }
    seen.add(key);
    entries.push({ email, line: rows[r].line });
  }
  return { entries, delimiter, column, columnName, lines: rows.length, blank, duplicates, cut };
}
