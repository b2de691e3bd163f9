// csv.js — writes CSV (RFC 4180: CRLF line ends, fields quoted when they
// hold a quote, the delimiter or a line break) for the list tool's exports.

/**
 * Text that a spreadsheet would run as a formula (=, +, -, @, tab, CR at the
 * start). Used for columns whose text comes from remote mail servers, which
 * we do not trust; addresses themselves are written unchanged.
 */
const FORMULA_START = /^[=+\-@\t\r]/;

/** One field, quoted when needed. null/undefined become an empty field. */
export function csvField(value) {
  if (value === null || value === undefined) return '';
  const s = String(value);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Neutralises spreadsheet formulas in untrusted text by a leading apostrophe. */
export function defuse(value) {
  if (value === null || value === undefined) return value;
  const s = String(value);
  return FORMULA_START.test(s) ? `'${s}` : s;
}

/** A whole document: a header row and data rows, each an array of fields. */
export function toCsv(header, rows) {
  const out = [header.map(csvField).join(',')];
  for (const r of rows) out.push(r.map(csvField).join(','));
  return out.join('\r\n') + '\r\n';
}
