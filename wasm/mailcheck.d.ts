// TypeScript declarations for mailcheck.mjs — mailprobe's core in WebAssembly.
// The result shape is the one of `mailprobe check --json`
// (docs/result-schema.md); the string unions are its closed vocabularies.

export type Status = 'deliverable' | 'undeliverable' | 'risky' | 'unknown';
export type Action = 'send' | 'remove' | 'retry' | 'segment';
export type Reason =
  | 'accepted' | 'invalid_syntax' | 'special_use_domain' | 'domain_not_found' | 'null_mx'
  | 'no_mail_host' | 'mailbox_not_found' | 'mailbox_disabled' | 'mailbox_full' | 'catch_all'
  | 'accept_all_provider' | 'disposable' | 'role_account' | 'free_provider' | 'greylisted'
  | 'temporary_failure' | 'blocked' | 'blocked_target' | 'timeout' | 'connection_failed'
  | 'protocol_error' | 'dns_error' | 'smtputf8_unsupported' | 'not_checked' | 'no_address'
  | 'dns_untrusted';

/** Options of check() and checkMany(); all default to false. */
export interface CheckOptions {
  /** Accept a quoted local part: "john doe"@example.com */
  allowQuotedLocal?: boolean;
  /** Accept address literals: user@[192.0.2.1], user@[IPv6:2001:db8::1] */
  allowDomainLiteral?: boolean;
  /** Accept special-use domains (RFC 6761 & co): example.com, *.test, *.local ... */
  allowSpecialUse?: boolean;
  /** Make role accounts (info@, postmaster@ ...) risky. */
  riskyRole?: boolean;
  /** Make free-provider addresses (gmail.com ...) risky. */
  riskyFree?: boolean;
}

export interface SyntaxResult {
  valid: boolean;
  /** Machine code of the first problem (e.g. "no_at"), null when valid. */
  reason: string | null;
  /** Human message for `reason`, null when valid. */
  message: string | null;
  /** Octet offset (UTF-8) of the offending character, or null. */
  position: number | null;
  local: string | null;
  domain: string | null;
  ascii_domain: string | null;
  unicode_domain: string | null;
  /** The local part is non-ASCII: delivery needs SMTPUTF8 (RFC 6531). */
  smtputf8: boolean;
}

export interface SmtpResult {
  /** Always "not_checked" here: the browser has no SMTP. */
  result: 'not_checked' | 'accepted' | 'rejected' | 'unavailable';
  code: number | null;
  enhanced_code: string | null;
  message: string | null;
  host: string | null;
  catch_all: boolean | null;
}

export interface CheckResult {
  /** The address as given (lone surrogates replaced by U+FFFD). */
  email: string;
  /** local part + "@" + lower-case ASCII domain; null when the syntax is invalid. */
  normalized: string | null;
  status: Status;
  reason: Reason;
  action: Action;
  /** 0 (surely bad) .. 100 (surely good). */
  score: number;
  syntax: SyntaxResult;
  disposable: boolean;
  role: boolean;
  free: boolean;
  /** The domain is valid but its TLD is not in the compiled-in IANA root zone list (a typo, or a private name). */
  unknown_tld: boolean;
  /** The full corrected address ("did you mean"), or null. */
  suggestion: string | null;
  /** Filled only by the native prober. */
  mx: null;
  smtp: SmtpResult;
}

export interface ListInfo {
  disposable_version: string;
  disposable_count: number;
  free_count: number;
  role_count: number;
}

export interface MailCheck {
  /** Core version, e.g. "0.1.0". */
  readonly version: string;
  /** Provenance of the compiled-in lists. */
  readonly lists: Readonly<ListInfo>;
  /** The closed vocabularies, as the core names them. */
  readonly names: Readonly<{
    status: readonly Status[];
    reason: readonly Reason[];
    action: readonly Action[];
    syntax_code: readonly string[];
  }>;
  /** The local verdict on one address. Throws TypeError for a non-string. */
  check(address: string, options?: CheckOptions): CheckResult;
  /**
   * Verdicts for many addresses, in one crossing into WebAssembly. An array
   * gives one result per element; a string one per line, as `mailprobe
   * check -` reads standard input (lines end with "\n" or "\r\n"; every
   * line, even an empty one, gets a result). Throws TypeError for anything
   * else or for an array holding a non-string.
   */
  checkMany(addresses: readonly string[] | string, options?: CheckOptions & { as?: 'objects' }): CheckResult[];
  /**
   * The same verdicts kept in columns (a ResultTable): the fast form for big
   * lists, where building 100,000 objects costs more than the checks.
   */
  checkMany(addresses: readonly string[] | string, options: CheckOptions & { as: 'table' }): ResultTable;
  /** Frees this instance's WebAssembly memory; the instance is unusable after. */
  close(): void;
}

/**
 * The results of checkMany(addresses, {as: 'table'}), in columns of codes.
 * get(i) is exactly checkMany(addresses)[i]; an object is built only when
 * asked for. The name of status[i] is names.status[status[i]] (likewise
 * reason, action); the boolean columns hold 0 or 1.
 */
export interface ResultTable extends Iterable<CheckResult> {
  readonly length: number;
  readonly names: MailCheck['names'];
  readonly status: Uint8Array;
  readonly reason: Uint8Array;
  readonly action: Uint8Array;
  readonly score: Uint8Array;
  readonly valid: Uint8Array;
  readonly disposable: Uint8Array;
  readonly role: Uint8Array;
  readonly free: Uint8Array;
  readonly unknown_tld: Uint8Array;
  /** 1 where the result has a suggestion. */
  readonly suggested: Uint8Array;
  /** The full result of row i (a new plain object each call); RangeError outside 0..length-1. */
  get(i: number): CheckResult;
  /** The input address of row i, as the result's `email`. */
  email(i: number): string;
  /** How many rows have each status. */
  counts(): Record<Status, number>;
  /** Every row as a result object: what checkMany() returns without the option. */
  toArray(): CheckResult[];
  /** JSON.stringify(table) writes the array of results. */
  toJSON(): CheckResult[];
}

export interface LoadOptions {
  /** The bytes of mailcheck.wasm, when you have them already. */
  wasmBinary?: ArrayBuffer | Uint8Array;
  /** Where to fetch mailcheck.wasm from (default: beside mailcheck.mjs). */
  wasmUrl?: string | URL;
}

/** Loads the WebAssembly module (browsers and Node >= 20). */
export function load(options?: LoadOptions): Promise<MailCheck>;
export default load;
