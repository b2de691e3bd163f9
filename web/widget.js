// widget.js — a drop-in helper for any <input type="email">: as the person
// types, mailprobe's WebAssembly core (mailcheck.mjs) says what is wrong in
// plain words, offers "Did you mean …?" as a one-click fix and warns about
// disposable and role addresses; optionally the prober verifies the mailbox
// when the field loses focus. Usage and options: docs/widget.md.

import { load } from './mailcheck.mjs';

/** Syntax problems that only mean "not finished yet" while the person types. */
const INCOMPLETE = new Set(['empty', 'no_at', 'local_empty', 'domain_empty', 'domain_one_label', 'label_empty']);

/** Default texts; options.messages overrides any of them. */
export const DEFAULT_MESSAGES = {
  suggestion: 'Did you mean',
  // Short enough for two lines on a phone: the page reserves two lines.
  disposable: 'A throw-away address that stops working soon. Please use a permanent one.',
  role: 'A shared address (like info@ or sales@); a personal one is more reliable.',
  unknownTld: 'This domain ending does not exist on the Internet. Please check the address.',
  ok: 'Looks good.',
  checking: 'Checking the mailbox…',
  deliverable: 'The mail server confirmed this mailbox.',
  undeliverable: 'This mailbox does not exist. Please check the address.',
  risky: 'This address may not receive mail reliably.',
  unknown: '',
  verifyFailed: '',
};

const WIDGET_CSS = `
:where(.mp-hint){display:block;min-height:1.5em;margin-top:.3em;font-size:.9em;line-height:1.5}
:where(.mp-hint[data-level=error]){color:#b42318}
:where(.mp-hint[data-level=warning]){color:#8a5300}
:where(.mp-hint[data-level=ok]){color:#067647}
:where(.mp-hint[data-level=info]){color:#475467}
:where(.mp-fix){font:inherit;font-weight:600;color:inherit;background:none;border:0;padding:0;text-decoration:underline;cursor:pointer}
:where(.mp-fix:focus-visible){outline:2px solid currentColor;outline-offset:2px;border-radius:2px}`;

let sharedMailcheck = null;
let idCounter = 0;

/** One instance of the core for every widget on the page, loaded on first use. */
function defaultMailcheck() {
  sharedMailcheck ??= load();
  return sharedMailcheck;
}

function injectStyle(doc) {
  if (doc.getElementById('mp-widget-style')) return;
  const style = doc.createElement('style');
  style.id = 'mp-widget-style';
  style.textContent = WIDGET_CSS;
  doc.head.prepend(style);  // first, so the page's own rules win
}

/**
 * What to tell the person about a local verdict, or null for nothing.
 * `typing`: the field has focus and was just edited, so "not finished yet"
 * problems (no @ so far …) are kept quiet until blur.
 * @returns {{level: 'error'|'warning'|'ok'|'info', text: string, fix?: string, code: string} | null}
 */
export function localMessage(result, messages = DEFAULT_MESSAGES, { typing = false } = {}) {
  if (result.email.trim() === '') return null;
  if (!result.syntax.valid) {
    if (typing && INCOMPLETE.has(result.syntax.reason)) return null;
    return { level: 'error', text: result.syntax.message, code: result.syntax.reason };
  }
  if (result.suggestion) return { level: 'warning', text: messages.suggestion, fix: result.suggestion, code: 'suggestion' };
  // "ann@gmail.c" is on its way to .com: said on blur, not while typing.
  if (result.unknown_tld && !typing && messages.unknownTld) return { level: 'warning', text: messages.unknownTld, code: 'unknown_tld' };
  if (result.unknown_tld && typing) return null;
  if (result.disposable) return { level: 'warning', text: messages.disposable, code: 'disposable' };
  if (result.role) return { level: 'warning', text: messages.role, code: 'role' };
  return messages.ok ? { level: 'ok', text: messages.ok, code: 'ok' } : null;
}

/** What to tell the person about the prober's verdict. */
function remoteMessage(result, messages) {
  const status = result.status;
  if (result.suggestion) return { level: 'warning', text: messages.suggestion, fix: result.suggestion, code: 'suggestion' };
  const level = { deliverable: 'ok', undeliverable: 'error', risky: 'warning', unknown: 'info' }[status] ?? 'info';
  let text = messages[status] ?? '';
  if (status === 'undeliverable' && result.reason === 'invalid_syntax' && result.syntax?.message) text = result.syntax.message;
  if (status === 'undeliverable' && ['domain_not_found', 'null_mx', 'no_mail_host'].includes(result.reason)) {
    text = 'This domain cannot receive mail. Please check the part after the @ sign.';
  }
  if (status === 'risky' && result.reason === 'disposable') text = messages.disposable;
  if (status === 'risky' && result.reason === 'role_account') text = messages.role;
  return text ? { level, text, code: `remote_${status}` } : null;
}

/**
 * Attaches the checks to an input.
 * @param {HTMLInputElement} input
 * @param {object} [options]
 * @param {Promise<object>|object} [options.mailcheck]  a loaded mailcheck instance (or a promise of one); default: load() beside widget.js
 * @param {object} [options.checkOptions]  options of check() (allowSpecialUse, riskyRole …)
 * @param {number} [options.debounce=80]   ms of quiet typing before checking
 * @param {HTMLElement} [options.messageElement]  where messages go; default: a <div> inserted after the input
 * @param {false|{baseUrl?: string, apiKey?: string, client?: object}} [options.verify=false]  verify the mailbox via POST /v1/verify on blur
 * @param {object} [options.messages]  texts to replace (see DEFAULT_MESSAGES)
 * @param {(state: {source: 'local'|'remote', result: object, message: object|null}) => void} [options.onResult]
 * @returns {{ready: Promise<void>, check: () => object|null, destroy: () => void, readonly result: object|null}}
 */
export function attach(input, options = {}) {
  if (!input || input.tagName !== 'INPUT') throw new TypeError('attach: an <input> element is required');
  const doc = input.ownerDocument;
  const messages = { ...DEFAULT_MESSAGES, ...(options.messages ?? {}) };
  const debounceMs = options.debounce ?? 80;
  const checkOptions = options.checkOptions ?? {};
  injectStyle(doc);

  let hint = options.messageElement;
  const createdHint = !hint;
  if (!hint) {
    hint = doc.createElement('div');
    input.insertAdjacentElement('afterend', hint);
  }
  hint.classList.add('mp-hint');
  hint.id ||= `mp-hint-${++idCounter}`;
  // polite: announced when the person pauses, without interrupting typing.
  hint.setAttribute('aria-live', 'polite');
  hint.setAttribute('aria-atomic', 'true');
  const describedBy = (input.getAttribute('aria-describedby') ?? '').split(/\s+/).filter(Boolean);
  if (!describedBy.includes(hint.id)) input.setAttribute('aria-describedby', [...describedBy, hint.id].join(' '));

  let mc = null;
  let timer = null;
  let lastResult = null;
  let remoteFor = null;      // the value the last remote verdict is about
  let verifyCtl = null;
  let destroyed = false;

  const ready = Promise.resolve(options.mailcheck ?? defaultMailcheck()).then((m) => { mc = m; if (input.value) run(doc.activeElement === input); });

  let shown = '';
  function show(message) {
    // Same message: leave the DOM alone. Re-rendering on blur would replace
    // the fix button between mousedown and click, and the click would be lost.
    const key = message ? JSON.stringify([message.level, message.code, message.text, message.fix]) : '';
    if (key === shown) return;
    shown = key;
    hint.replaceChildren();
    if (!message) {
      hint.removeAttribute('data-level');
      hint.removeAttribute('data-code');
      input.removeAttribute('aria-invalid');
      return;
    }
    hint.dataset.level = message.level;
    hint.dataset.code = message.code;
    if (message.level === 'error') input.setAttribute('aria-invalid', 'true'); else input.removeAttribute('aria-invalid');
    if (message.fix) {
      const button = doc.createElement('button');
      button.type = 'button';
      button.className = 'mp-fix';
      button.textContent = message.fix;
      button.setAttribute('aria-label', `Use ${message.fix}`);
      button.addEventListener('click', () => applyFix(message.fix));
      hint.append(`${message.text} `, button, '?');
    } else {
      hint.textContent = message.text;
    }
  }

  function applyFix(value) {
    input.value = value;
    input.focus();
    // Frameworks listen for 'input'; the widget itself re-checks through it.
    input.dispatchEvent(new Event('input', { bubbles: true }));
    input.dispatchEvent(new Event('change', { bubbles: true }));
  }

  function run(typing) {
    if (!mc || destroyed) return null;
    const value = input.value;
    const result = mc.check(value, checkOptions);
    lastResult = result;
    const message = localMessage(result, messages, { typing });
    show(message);
    options.onResult?.({ source: 'local', result, message });
    return result;
  }

  async function verifyRemote() {
    const value = input.value.trim();
    if (!options.verify || !lastResult || !lastResult.syntax.valid || lastResult.suggestion || value === remoteFor) return;
    const client = options.verify.client ?? new (await import('./api.js')).ProberClient(options.verify);
    verifyCtl?.abort();
    const ctl = new AbortController();
    verifyCtl = ctl;
    show({ level: 'info', text: messages.checking, code: 'checking' });
    try {
      const result = await client.verify(value, { signal: ctl.signal });
      if (ctl.signal.aborted || input.value.trim() !== value) return;
      remoteFor = value;
      const message = remoteMessage(result, messages) ?? localMessage(lastResult, messages);
      show(message);
      options.onResult?.({ source: 'remote', result, message });
    } catch (e) {
      if (ctl.signal.aborted) return;
      // The local verdict stays; a failed verification never blocks the form.
      const message = messages.verifyFailed ? { level: 'info', text: messages.verifyFailed, code: 'verify_failed' } : localMessage(lastResult, messages);
      show(message);
      options.onResult?.({ source: 'remote', result: null, error: e, message });
    }
  }

  const onInput = () => {
    remoteFor = null;
    verifyCtl?.abort();
    clearTimeout(timer);
    timer = setTimeout(() => run(true), debounceMs);
  };
  const onBlur = () => {
    clearTimeout(timer);
    run(false);
    verifyRemote();
  };
  input.addEventListener('input', onInput);
  input.addEventListener('blur', onBlur);

  return {
    ready,
    /** Checks the current value now (no debounce) and shows the message. */
    check: () => run(false),
    get result() { return lastResult; },
    /** Removes listeners, the message and (if the widget made it) its element. */
    destroy() {
      destroyed = true;
      clearTimeout(timer);
      verifyCtl?.abort();
      input.removeEventListener('input', onInput);
      input.removeEventListener('blur', onBlur);
      input.removeAttribute('aria-invalid');
      const ids = (input.getAttribute('aria-describedby') ?? '').split(/\s+/).filter((id) => id && id !== hint.id);
      if (ids.length) input.setAttribute('aria-describedby', ids.join(' ')); else input.removeAttribute('aria-describedby');
      if (createdHint) hint.remove(); else show(null);
    },
  };
}
