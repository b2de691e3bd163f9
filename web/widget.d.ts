// Type declarations of widget.js, the drop-in checker for <input type="email">.
// Usage and behaviour: docs/widget.md.
import type { MailCheck, CheckOptions, CheckResult as Result } from './mailcheck.mjs';

/** A message the widget shows (data-level / data-code on the message element). */
export interface WidgetMessage {
  level: 'error' | 'warning' | 'ok' | 'info';
  text: string;
  /** The corrected address offered by "Did you mean …?". */
  fix?: string;
  /** A syntax code (e.g. 'whitespace'), 'suggestion', 'unknown_tld', 'disposable', 'role', 'ok', 'checking', 'remote_<status>'. */
  code: string;
}

export interface WidgetMessages {
  suggestion: string;
  unknownTld: string;
  disposable: string;
  role: string;
  ok: string;
  checking: string;
  deliverable: string;
  undeliverable: string;
  risky: string;
  unknown: string;
  verifyFailed: string;
}

export interface AttachOptions {
  /** A loaded instance (or a promise of one); default: load() of ./mailcheck.mjs, shared by all widgets. */
  mailcheck?: MailCheck | Promise<MailCheck>;
  /** Options of check(). */
  checkOptions?: CheckOptions;
  /** Milliseconds of quiet typing before the check (default 80). */
  debounce?: number;
  /** Where messages go; default: a <div> inserted after the input. */
  messageElement?: HTMLElement;
  /** Verify the mailbox with POST /v1/verify when the field loses focus (default false). */
  verify?: false | { baseUrl?: string; apiKey?: string; client?: { verify(email: string, o?: { signal?: AbortSignal }): Promise<object> } };
  /** Texts to replace; '' means "say nothing". */
  messages?: Partial<WidgetMessages>;
  /** Called after every local check and every prober answer (or failure). */
  onResult?: (state: { source: 'local' | 'remote'; result: Result | object | null; message: WidgetMessage | null; error?: Error }) => void;
}

export interface WidgetHandle {
  /** Resolves once the checker is loaded. */
  readonly ready: Promise<void>;
  /** Checks the current value now (no debounce), shows the message, returns the result (null before ready). */
  check(): Result | null;
  /** The last local result, or null. */
  readonly result: Result | null;
  /** Removes listeners, the message and (if the widget made it) its element. */
  destroy(): void;
}

export const DEFAULT_MESSAGES: WidgetMessages;

/** Attaches the checks to an input; TypeError if `input` is not an <input>. */
export function attach(input: HTMLInputElement, options?: AttachOptions): WidgetHandle;

/** The message for a local result, or null; `typing` keeps "not finished yet" problems quiet. */
export function localMessage(result: Result, messages?: WidgetMessages, options?: { typing?: boolean }): WidgetMessage | null;
