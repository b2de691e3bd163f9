// listparse.js — turns what a person pastes or drops (a plain list, a CSV
// export from a CRM, a TSV from a spreadsheet) into a de-duplicated list of
// addresses, remembering where each came from. Pure: no DOM, no network, so
// the same code runs in the page and under `node --test`.

/** At most this many data rows are read; the rest is reported as cut. */
export const MAX_ROWS = 200000;
/** Longest cell kept as a candidate address (the core caps at 254 anyway). */
const MAX_CELL = 1024;
const DELIMITERS = [',', ';', '\t', '|'];
const HEADER_NAME = /^(e-?mail|email[ _-]?address|mail|address|courriel|correo|e-?post|emailadresse)$/i;

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

/** Index of the column holding the addresses: by header name, else by '@' count. */
function findColumn(rows) {
  const first = rows[0]?.cells ?? [];
  const named = first.findIndex((c) => HEADER_NAME.test(cleanCell(c)));
  if (named >= 0) return { column: named, header: true };
  const width = Math.max(...rows.slice(0, 200).map((r) => r.cells.length));
  let column = 0;
  let most = -1;
  for (let k = 0; k < width; k++) {
    let at = 0;
    for (const r of rows.slice(0, 200)) if ((r.cells[k] ?? '').includes('@')) at++;
    if (at > most) { most = at; column = k; }
  }
  // A first row without '@' in the chosen column, followed by rows with one,
  // is a header whatever its name ("Contact", "Adresse électronique" …).
  const header = rows.length > 1 && !(first[column] ?? '').includes('@') &&
    first[column] !== undefined && cleanCell(first[column]) !== '' &&
    rows.slice(1, 50).some((r) => (r.cells[column] ?? '').includes('@'));
  return { column, header };
}

/**
 * Parses pasted text or a file's content.
 * @param {string} text
 * @returns {{
 *   entries: {email: string, line: number}[],  // unique addresses, first occurrence, in order
 *   delimiter: string|null, column: number, columnName: string|null,
 *   lines: number, blank: number, duplicates: number, cut: boolean
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
  const { column, header } = delimiter !== null ? findColumn(rows)
    : { column: 0, header: rows.length > 0 && HEADER_NAME.test(cleanCell(rows[0].cells[0])) };
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
