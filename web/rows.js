// rows.js — the list tool's rows as data: what each row shows (status,
// reason in words, MX host, SMTP reply), which rows a filter and search keep,
// their order, and the two CSV exports. Pure: no DOM, so the page and
// `node --test` run the same code.
//
// A row is {n, email, line, local, remote, pending}: `local` is the
// WebAssembly verdict, `remote` the prober's (docs/result-schema.md) once it
// arrived; `pending` while the prober is still on it. The list tool's rows
// are TableRows: their local verdict stays in a ResultTable's columns until
// something asks for the whole object, so 200,000 rows are counted,
// filtered by status and exported as "to keep" without building 200,000
// objects.

import { toCsv } from './csv.js';

/** Sort rank of each status: the good news first. */
const STATUS_ORDER = { deliverable: 0, risky: 1, unknown: 2, undeliverable: 3, pending: 4 };

/** Reason codes in plain words for the table. */
export const REASON_TEXT = {
  accepted: 'mailbox accepted', invalid_syntax: 'invalid syntax', special_use_domain: 'reserved domain',
  domain_not_found: 'domain does not exist', null_mx: 'domain takes no mail', no_mail_host: 'no mail server',
  mailbox_not_found: 'mailbox not found', mailbox_disabled: 'mailbox disabled', mailbox_full: 'mailbox full',
  catch_all: 'catch-all domain', accept_all_provider: 'accepts everyone', disposable: 'disposable',
  role_account: 'role account', free_provider: 'free provider', greylisted: 'greylisted (try later)',
  temporary_failure: 'temporary failure', blocked: 'server refused the check', blocked_target: 'mail host not allowed',
  timeout: 'timed out', connection_failed: 'could not connect', protocol_error: 'server spoke nonsense',
  dns_error: 'DNS error', smtputf8_unsupported: 'UTF-8 not supported', not_checked: 'not verified yet',
  no_address: 'no address in this row',
  dns_untrusted: 'DNS answer not trusted (try again)',
};

/**
 * The result columns of every CSV mailprobe writes, in order: the prober's
 * (`verify --format csv`, the API's ?format=csv — native-prober/engine/
 * result_csv.c) and this page's. docs/result-schema.md, "CSV".
 */
export const RESULT_CSV_COLUMNS = ['status', 'reason', 'action', 'score', 'syntax_reason', 'normalized', 'suggestion',
  'disposable', 'role', 'free', 'unknown_tld', 'provider', 'mx_host', 'smtp_result', 'smtp_code', 'smtp_enhanced_code', 'smtp_message',
  'catch_all', 'retry_after'];

/** The columns of the "rows" export: the address, the result columns, then
 * the page's own two (whether the prober's verdict arrived; the input line). */
export const RESULT_COLUMNS = ['email', ...RESULT_CSV_COLUMNS, 'verified', 'source_line'];

/** A result's values for RESULT_CSV_COLUMNS (null for "nothing"). */
export function resultCells(r) {
  return [r.status, r.reason, r.action, r.score, r.syntax?.reason ?? null, r.normalized ?? null, r.suggestion ?? null,
    r.disposable ?? null, r.role ?? null, r.free ?? null, r.unknown_tld ?? null, r.provider ?? null, mxHost(r) || null, r.smtp?.result ?? null,
    r.smtp?.code ?? null, r.smtp?.enhanced_code ?? null, r.smtp?.message ?? null, r.smtp?.catch_all ?? null,
    r.retry_after ?? null];
}

/**
 * A row whose local verdict is row `i` of a ResultTable (mailcheck.mjs,
 * checkMany(…, {as: 'table'})): `local` is built on first use and kept;
 * localStatus, localAction and localValid read the table's columns.
 */
export class TableRow {
  #local = null;

  constructor(n, email, line, table, i) {
    this.n = n;
    this.email = email;
    this.line = line;
    this.table = table;
    this.i = i;
    this.remote = null;
    this.pending = false;
  }

  get local() { return (this.#local ??= this.table.get(this.i)); }
  get localStatus() { return this.table.names.status[this.table.status[this.i]]; }
  get localAction() { return this.table.names.action[this.table.action[this.i]]; }
  get localValid() { return this.table.valid[this.i] === 1; }
}

/** The verdict a row shows: the prober's once it arrived, else the local one. */
export function resultOf(row) { return row.remote ?? row.local; }

/** 'pending' while the prober is on it, else the verdict's status. */
export function statusOf(row) {
  return row.pending ? 'pending' : row.remote ? row.remote.status : row.localStatus ?? row.local.status;
}

/** The verdict's action (send, remove, retry, segment). */
export function actionOf(row) { return row.remote ? row.remote.action : row.localAction ?? row.local.action; }

/** Whether the local check found the syntax valid (what Verify sends). */
export function locallyValid(row) { return row.localValid ?? row.local.syntax.valid; }

export function mxHost(r) { return r.smtp?.host ?? r.mx?.hosts?.[0]?.host ?? ''; }

/** "550 5.1.1 …" as one text; '' when no SMTP dialogue took place. */
export function smtpReply(r) {
  const s = r.smtp;
  if (!s || s.code === null || s.code === undefined) return '';
  return s.message ? (String(s.message).startsWith(String(s.code)) ? s.message : `${s.code} ${s.message}`) : String(s.code);
}

/** The reason in words; for bad syntax the core's own sentence. */
export function reasonText(r) {
  if (r.reason === 'invalid_syntax' && r.syntax?.message) return r.syntax.message;
  return REASON_TEXT[r.reason] ?? r.reason;
}

/** Rows per status (the four statuses and 'pending'). */
export function countByStatus(rows) {
  const c = { deliverable: 0, undeliverable: 0, risky: 0, unknown: 0, pending: 0 };
  for (const r of rows) c[statusOf(r)]++;
  return c;
}

/**
 * The rows a view shows: `filter` ('all' or a status), `search` (lower-case
 * substring of the address), `sort` {key: n|email|status|reason|suggestion|mx|smtp,
 * dir: 1|-1}. Stable: ties keep the input order. Empty cells sort last.
 */
export function selectRows(rows, { filter = 'all', search = '', sort = { key: 'n', dir: 1 } } = {}) {
  let out = rows;
  if (filter !== 'all') out = out.filter((r) => statusOf(r) === filter);
  if (search) out = out.filter((r) => r.email.toLowerCase().includes(search));
  const { key, dir } = sort;
  if (key === 'n' && dir === 1) return out;
  const val = {
    n: (r) => r.n,
    email: (r) => r.email.toLowerCase(),
    status: (r) => STATUS_ORDER[statusOf(r)],
    reason: (r) => resultOf(r).reason,
    suggestion: (r) => resultOf(r).suggestion ?? '\uffff',
    mx: (r) => mxHost(resultOf(r)) || '\uffff',
    smtp: (r) => smtpReply(resultOf(r)) || '\uffff',
  }[key];
  if (!val) throw new RangeError(`selectRows: unknown sort key '${key}'`);
  const keyed = out.map((r) => [val(r), r]);
  keyed.sort((a, b) => (a[0] < b[0] ? -dir : a[0] > b[0] ? dir : a[1].n - b[1].n));
  return keyed.map((k) => k[1]);
}

/**
 * The "rows" export: RESULT_COLUMNS for each row given. Every cell is
 * defused against spreadsheet formulas (csv.js), as the prober's CSV is.
 */
export function resultsCsv(rows) {
  return toCsv(RESULT_COLUMNS, rows.map((row) => [row.email, ...resultCells(resultOf(row)), row.remote ? 'yes' : 'no', row.line]));
}

/** The rows worth keeping: every one whose verdict is not "remove". */
export function keepRows(rows) { return rows.filter((row) => actionOf(row) !== 'remove'); }

/** The "to keep" export: one column, the addresses of keepRows(). */
export function keepCsv(rows) { return toCsv(['email'], keepRows(rows).map((row) => [row.email])); }
