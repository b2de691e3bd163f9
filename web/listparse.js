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
 * Reads rows of cells one at a time from CSV/TSV (RFC 4180 quoting: "" inside
 * quotes, quoted line breaks) or a plain list (delimiter null: one cell a
 * line). Line ends: \n, \r\n or \r. A line without a quote is cut with
 * String#split; only lines with a quote take the character-by-character
 * path, so 200,000 plain CSV lines read in a few tens of milliseconds.
 */
export class RowReader {
  /**
   * @param {string} text
   * @param {string|null} delimiter
   */
  constructor(text, delimiter) {
    this.text = text;
    this.delimiter = delimiter;
    this.at = 0;    // next character to read
    this.line = 1;  // its line number
    // The next \n, \r and quote at or after `at`, found once and kept until
    // passed, so a text without one is searched for it only once.
    this.nextLf = text.indexOf('\n');
    this.nextCr = text.indexOf('\r');
    this.nextQuote = delimiter === null ? -1 : text.indexOf('"');
  }

  /** Whether every row has been read. */
  get done() { return this.at >= this.text.length; }

  /** @returns {{cells: string[], line: number}|null} the next row, null at the end. */
  next() {
    const t = this.text, n = t.length, i = this.at;
    if (i >= n) return null;
    if (this.nextLf !== -1 && this.nextLf < i) this.nextLf = t.indexOf('\n', i);
    if (this.nextCr !== -1 && this.nextCr < i) this.nextCr = t.indexOf('\r', i);
    if (this.nextQuote !== -1 && this.nextQuote < i) this.nextQuote = t.indexOf('"', i);
    let end = n;
    if (this.nextLf !== -1) end = this.nextLf;
    if (this.nextCr !== -1 && this.nextCr < end) end = this.nextCr;
    const line = this.line;
    if (this.nextQuote !== -1 && this.nextQuote < end) return this.quotedRow();
    const text = t.slice(i, end);
    this.at = end + (t[end] === '\r' && t[end + 1] === '\n' ? 2 : 1);
    this.line++;
    return { cells: this.delimiter === null ? [text] : text.split(this.delimiter), line };
  }

  /** A row with a quote in it, character by character (it may span lines). */
  quotedRow() {
    const t = this.text, n = t.length, d = this.delimiter, rowLine = this.line;
    const cells = [];
    let cell = '';
    let quoted = false;
    let i = this.at;
    let ended = true; // the text ended before the row did
    for (; i < n; i++) {
      const c = t[i];
      if (quoted) {
        if (c === '"') {
          if (t[i + 1] === '"') { cell += '"'; i++; } else quoted = false;
        } else {
          if (c === '\n' || (c === '\r' && t[i + 1] !== '\n')) this.line++;
          cell += c;
        }
        continue;
      }
      if (c === '"' && cell.trim() === '') { cell = ''; quoted = true; continue; }
      if (c === d) { cells.push(cell); cell = ''; continue; }
      if (c === '\r' || c === '\n') {
        if (c === '\r' && t[i + 1] === '\n') i++;
        i++;
        ended = false;
        break;
      }
      cell += c;
    }
    this.at = i;
    this.line++;
    // A last "row" of nothing but quotes ("", or a lone ") is no row.
    if (ended && cell === '' && cells.length === 0) return null;
    cells.push(cell);
    return { cells, line: rowLine };
  }
}

/**
 * Reads CSV/TSV or a plain list into rows of cells (see RowReader).
 * @param {string} text
 * @param {string|null} delimiter  null: one cell per line
 * @param {number} maxRows
 * @returns {{rows: {cells: string[], line: number}[], cut: boolean}}
 */
export function readRows(text, delimiter, maxRows = MAX_ROWS + 1) {
  const reader = new RowReader(text, delimiter);
  const rows = [];
  for (let row; rows.length < maxRows && (row = reader.next());) rows.push(row);
  return { rows, cut: !reader.done };
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

/** Cells that need none of cleanCell's work: no space at either end, no
 * angle bracket or quote, no "mailto:". Most cells of a real list. */
const CLEAN = /^(?![\s\u00a0\ufeff]|mailto:)[^<"']*(?<![\s\u00a0\ufeff])$/i;

/**
 * Pulls the address out of one cell: trims spaces and stray quotes, and
 * takes what is between angle brackets ("Ann <ann@example.org>") or after
 * "mailto:". Anything else is returned as is (trimmed), so the core can say
 * what is wrong with it.
 */
export function cleanCell(cell) {
  let s = cell.length > MAX_CELL ? cell.slice(0, MAX_CELL) : cell;
  if (CLEAN.test(s)) return s;
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
 * Parses a list a little at a time, so a page can show progress and stay
 * responsive on 200,000 lines: step() reads some rows and returns whether
 * the text is done; result() is parseList()'s answer. The delimiter is
 * guessed from the text's start, the address column (and whether the first
 * row is a header) from the first 200 rows (findColumn).
 */
export class ListParser {
  /** @param {string} text */
  constructor(text) {
    if (typeof text !== 'string') throw new TypeError('parseList: text must be a string');
    if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    /** Characters of the text, for progress. */
    this.size = text.length;
    this.delimiter = detectDelimiter(text);
    this.reader = new RowReader(text, this.delimiter);
    this.column = null;   // decided once the first rows are read
    this.columnName = null;
    this.noAddressColumn = false;
    this.head = [];       // the first rows, until then
    this.entries = [];
    this.seen = new Set();
    this.lines = 0;
    this.blank = 0;
    this.duplicates = 0;
    this.cut = false;
  }

  /** Characters read so far. */
  get position() { return this.reader.at; }

  /**
   * Reads up to `maxRows` more rows into entries.
   * @returns {boolean} true when the whole text has been read (or cut).
   */
  step(maxRows = Infinity) {
    for (let k = 0; k < maxRows; k++) {
      if (this.cut) return true;
      if (this.lines > MAX_ROWS) { this.cut = !this.reader.done; return true; }
      const row = this.reader.next();
      if (row === null) break;
      this.lines++;
      if (this.column === null) {
        this.head.push(row);
        if (this.head.length < 200) continue;
        this.decideColumn();
      } else {
        this.take(row);
      }
    }
    if (this.column === null && this.reader.done) this.decideColumn();
    return this.cut || this.reader.done;
  }

  /** The address column and header, from the rows read so far; then takes them. */
  decideColumn() {
    const rows = this.head;
    const { column, header } = findColumn(rows, this.delimiter);
    this.column = column;
    this.noAddressColumn = column < 0;
    this.columnName = header ? cleanCell(rows[0].cells[column] ?? '') : null;
    this.head = null;
    for (let r = header ? 1 : 0; r < rows.length && !this.cut; r++) this.take(rows[r]);
  }

  take(row) {
    if (this.noAddressColumn) return; // names are not addresses: nothing is taken
    const email = cleanCell(row.cells[this.column] ?? '');
    if (email === '') { this.blank++; return; }
    const key = email.toLowerCase();
    if (this.seen.has(key)) { this.duplicates++; return; }
    if (this.entries.length >= MAX_ROWS) { this.cut = true; return; }
    this.seen.add(key);
    this.entries.push({ email, line: row.line });
  }

  /**
   * @returns {{
   *   entries: {email: string, line: number}[],  // unique addresses, first occurrence, in order
   *   delimiter: string|null, column: number, columnName: string|null,
   *   lines: number, blank: number, duplicates: number, cut: boolean,
   *   noAddressColumn?: true  // a separated file none of whose columns holds addresses (column -1)
   * }}
   */
  result() {
    const { entries, delimiter, column, columnName, blank, duplicates, cut } = this;
    const out = { entries, delimiter, column: column ?? 0, columnName, lines: Math.min(this.lines, MAX_ROWS + 1), blank, duplicates, cut };
    if (this.noAddressColumn) out.noAddressColumn = true;
    return out;
  }
}

/**
 * Parses pasted text or a file's content in one go (ListParser).
 * Duplicates are found case-insensitively (Ann@Example.org = ann@example.org):
 * in practice no provider treats those as two mailboxes.
 * @param {string} text
 */
export function parseList(text) {
  const parser = new ListParser(text);
  while (!parser.step());
  return parser.result();
}
