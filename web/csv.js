// csv.js — writes CSV (RFC 4180: CRLF line ends, fields quoted when they
// hold a quote, the delimiter or a line break, or start or end with a space)
// for the list tool's exports, with the prober's rules
// (native-prober/shared/csv.c): every cell is neutralised against
// spreadsheet formulas.

/**
 * Text that a spreadsheet would run as a formula or a command (=, +, -, @,
 * tab, CR at the start: OWASP's "CSV injection"). Addresses can start so
 * too ("=cmd|' /C calc'!A0@example.org" is valid), so every cell is checked.
 */
const FORMULA_START = /^[=+\-@\t\r]/;

/** One field, quoted when needed. null/undefined become an empty field. */
export function csvField(value) {
  if (value === null || value === undefined) return '';
  const s = String(value);
  return /[",\r\n]|^ | $/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Neutralises a spreadsheet formula by a leading apostrophe (shown as text, not displayed). */
export function defuse(value) {
  if (value === null || value === undefined) return value;
  const s = String(value);
  return FORMULA_START.test(s) ? `'${s}` : s;
}

/** A whole document: a header row and data rows, each an array of fields, every one defused. */
export function toCsv(header, rows) {
  const line = (r) => r.map((v) => csvField(defuse(v))).join(',');
  const out = [line(header)];
  for (const r of rows) out.push(line(r));
  return out.join('\r\n') + '\r\n';
}
