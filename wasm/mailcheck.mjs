// mailcheck.mjs — the JavaScript API of mailprobe's core, compiled to
// WebAssembly. Same verdict as `mailprobe check --json`, as the user types.
//
//   import { load } from './mailcheck.mjs';
//   const mc = await load();
//   mc.check('someone@gmial.com').suggestion   // 'someone@gmail.com'
//   mc.checkMany(textarea.value)               // one result per line, as the CLI reads stdin
//
// Layers: the C exports (wasm/binding.c, listed in wasm/exports.txt) and
// this file, the only public surface. There is no Emscripten glue: the
// module is built STANDALONE_WASM with its own allocator (wasm/alloc.c),
// so it imports nothing and this file instantiates it itself, with no eval
// (a strict CSP is fine). Results cross from WebAssembly as int32 records plus one UTF-8
// text holding every string of the batch; see binding.c for the layout.

// ---- The record layout of binding.c (record_words is checked at load) ----
const REC_FLAGS = 0;
const REC_SYNTAX_CODE = 1;
const REC_POSITION = 2;
const REC_STATUS = 3;
const REC_REASON = 4;
const REC_ACTION = 5;
const REC_SCORE = 6;
const REC_SMTP_RESULT = 7;
const REC_EMAIL = 8;
const REC_NORMALIZED = 10;
const REC_LOCAL = 12;
const REC_DOMAIN = 14;
const REC_ASCII_DOMAIN = 16;
const REC_UNICODE_DOMAIN = 18;
const REC_SUGGESTION = 20;
const REC_WORDS = 22;

// String starts below 0 (binding.c REF_*): null, or an earlier string again.
const REF_EMAIL = -2;
const REF_DOMAIN = -3;
const REF_ASCII_DOMAIN = -4;

const FLAG_VALID = 1;
const FLAG_SMTPUTF8 = 2;
const FLAG_DISPOSABLE = 4;
const FLAG_ROLE = 8;
const FLAG_FREE = 16;

// Bits of core.h's mp_options.flags and of binding.c's policy bits.
const ALLOW_QUOTED_LOCAL = 1;
const ALLOW_DOMAIN_LITERAL = 2;
const ALLOW_SPECIAL_USE = 4;
const POLICY_RISKY_ROLE = 1;
const POLICY_RISKY_FREE = 2;

const INPUT_ARRAY = 0;
const INPUT_LINES = 1;

const OPTION_NAMES = ['allowQuotedLocal', 'allowDomainLiteral', 'allowSpecialUse', 'riskyRole', 'riskyFree'];

const encoder = new TextEncoder();
// ignoreBOM: a U+FEFF at the start of the text is data (an invisible
// character in an address), not a byte-order mark to drop.
const decoder = new TextDecoder('utf-8', { ignoreBOM: true });

const isNode = typeof process === 'object' && process !== null &&
  typeof process.versions === 'object' && typeof process.versions.node === 'string';

// Lone surrogates cannot be UTF-8: TextEncoder turns each into U+FFFD, and
// so must the `email` we hand back, or it would differ from what was checked.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const wellFormed = typeof String.prototype.toWellFormed === 'function'
  ? (s) => s.toWellFormed()
  : (s) => s.replace(LONE_SURROGATE, '\uFFFD');
const isWellFormed = typeof String.prototype.isWellFormed === 'function'
  ? (s) => s.isWellFormed()
  : (s) => !/[\uD800-\uDFFF]/.test(s) || s.replace(LONE_SURROGATE, '') === s;

/** Options object → [flags, policy bits]; TypeError on anything odd. */
function optionBits(options) {
  if (options === undefined || options === null) return [0, 0];
  if (typeof options !== 'object') throw new TypeError('mailcheck: options must be an object');
  for (const key of Object.keys(options)) {
    if (!OPTION_NAMES.includes(key)) throw new TypeError(`mailcheck: unknown option '${key}'`);
    if (typeof options[key] !== 'boolean') throw new TypeError(`mailcheck: option '${key}' must be a boolean`);
  }
  const flags = (options.allowQuotedLocal ? ALLOW_QUOTED_LOCAL : 0) |
    (options.allowDomainLiteral ? ALLOW_DOMAIN_LITERAL : 0) |
    (options.allowSpecialUse ? ALLOW_SPECIAL_USE : 0);
  const policy = (options.riskyRole ? POLICY_RISKY_ROLE : 0) | (options.riskyFree ? POLICY_RISKY_FREE : 0);
  return [flags, policy];
}

// The module imports nothing (tests/wasm/api.test.mjs checks): no libc I/O,
// its own allocator (wasm/alloc.c) grows the memory from inside.
const IMPORTS = {};

/** The instance's exports plus a byte view of its memory that follows growth. */
function wrap(instance) {
  const mod = instance.exports;
  let view = new Uint8Array(mod.memory.buffer);
  return {
    ...mod,
    // memory.grow detaches the old buffer, and a view of a detached buffer
    // has length 0: only then ask for the new one (memory.buffer is slow
    // enough to show in a check() loop).
    get HEAPU8() {
      if (view.length === 0) view = new Uint8Array(mod.memory.buffer);
      return view;
    },
  };
}

class MailCheck {
  #mod;
  #batch;
  #names;

  constructor(mod) {
    this.#mod = mod;
    this.#batch = mod.mp_batch_new_wasm();
    if (!this.#batch) throw new RangeError('mailcheck: out of WebAssembly memory');
    const len = mod.mp_names_json_wasm(this.#batch);
    if (len < 0) {
      mod.mp_batch_free_wasm(this.#batch);
      throw new RangeError('mailcheck: out of WebAssembly memory');
    }
    const at = mod.mp_batch_text_wasm(this.#batch);
    const names = JSON.parse(decoder.decode(mod.HEAPU8.subarray(at, at + len)));
    if (names.record_words !== REC_WORDS) {
      mod.mp_batch_free_wasm(this.#batch);
      throw new Error(`mailcheck: mailcheck.mjs and mailcheck.wasm do not match (record of ${names.record_words} words, expected ${REC_WORDS})`);
    }
    this.#names = names;
    /** The core version, e.g. "0.1.0". */
    this.version = names.version;
    /** Provenance of the compiled-in lists (disposable_version, *_count). */
    this.lists = Object.freeze({ ...names.lists });
    /** The closed vocabularies of the result (status, reason, action, syntax_code, ...). */
    this.names = Object.freeze({
      status: Object.freeze(names.status.slice()),
      reason: Object.freeze(names.reason.slice()),
      action: Object.freeze(names.action.slice()),
      syntax_code: Object.freeze(names.syntax_code.slice()),
    });
    Object.freeze(this);
  }

  /**
   * The local verdict on one address, exactly as `mailprobe check --json`.
   * @param {string} address
   * @param {object} [options] {allowQuotedLocal, allowDomainLiteral, allowSpecialUse, riskyRole, riskyFree}
   */
  check(address, options) {
    if (typeof address !== 'string') throw new TypeError('mailcheck: check() wants a string');
    return this.#run([address], INPUT_ARRAY, options)[0];
  }

  /**
   * Verdicts for many addresses in one crossing into WebAssembly.
   * An array gives one result per element; a string gives one result per
   * line, exactly as `mailprobe check -` reads standard input: lines end
   * with "\n" or "\r\n", and every line, even an empty one, gets a result.
   * @param {string[]|string} addresses
   * @param {object} [options]
   */
  checkMany(addresses, options) {
    if (typeof addresses === 'string') return this.#run(addresses, INPUT_LINES, options);
    if (!Array.isArray(addresses)) throw new TypeError('mailcheck: checkMany() wants an array of strings or a string');
    for (let i = 0; i < addresses.length; i++) {
      if (typeof addresses[i] !== 'string') {
        throw new TypeError(`mailcheck: checkMany() element ${i} is ${addresses[i] === null ? 'null' : typeof addresses[i]}, not a string`);
      }
    }
    return this.#run(addresses, INPUT_ARRAY, options);
  }

  /** Releases the WebAssembly memory of this instance; it is unusable after. */
  close() {
    if (this.#batch) this.#mod.mp_batch_free_wasm(this.#batch);
    this.#batch = 0;
  }

  // Validation happened before: from here on nothing throws except out of
  // memory, and the batch buffers belong to the C side (nothing to free).
  #run(input, mode, options) {
    const [flags, policy] = optionBits(options);
    const mod = this.#mod;
    const batch = this.#batch;
    if (!batch) throw new Error('mailcheck: instance is closed');

    let text; // the input as one well-formed string
    let count = 0;
    if (mode === INPUT_ARRAY) {
      count = input.length;
      // One separator between elements keeps a high surrogate at the end of
      // one from pairing with a low one at the start of the next, so the
      // joined text is well-formed exactly when every element is.
      text = count === 1 ? input[0] : input.join('\n');
      if (!isWellFormed(text)) {
        input = input.map(wellFormed);
        text = input.join('\n');
      }
    } else {
      text = isWellFormed(input) ? input : wellFormed(input);
    }

    // UTF-8 takes at most 3 octets per UTF-16 code unit.
    const cap = text.length * 3;
    const inPtr = mod.mp_batch_input_wasm(batch, cap);
    let lenPtr = 0;
    if (inPtr && mode === INPUT_ARRAY) lenPtr = mod.mp_batch_lengths_wasm(batch, count);
    if (!inPtr || (mode === INPUT_ARRAY && !lenPtr)) throw new RangeError('mailcheck: out of WebAssembly memory');
    // Views are taken after every call that may grow memory (which detaches them).
    const { written } = encoder.encodeInto(text, mod.HEAPU8.subarray(inPtr, inPtr + cap));
    if (mode === INPUT_ARRAY) {
      const lengths = new Uint32Array(mod.HEAPU8.buffer, lenPtr, count);
      for (let i = 0; i < count; i++) lengths[i] = input[i].length;
    }

    const n = mod.mp_batch_check_wasm(batch, written, count, mode, flags, policy);
    if (n < 0) throw new RangeError('mailcheck: out of WebAssembly memory');
    const recPtr = mod.mp_batch_records_wasm(batch);
    const textPtr = mod.mp_batch_text_wasm(batch);
    const textLen = mod.mp_batch_text_length_wasm(batch);
    const heap = mod.HEAPU8;
    const rec = new Int32Array(heap.buffer, recPtr, n * REC_WORDS);
    const strings = decoder.decode(heap.subarray(textPtr, textPtr + textLen));
    return this.#results(rec, n, strings, mode === INPUT_ARRAY ? input : null, text);
  }

  #results(rec, n, strings, array, text) {
    const names = this.#names;
    const statusNames = names.status, reasonNames = names.reason, actionNames = names.action;
    const codeNames = names.syntax_code, codeMessages = names.syntax_message, smtpNames = names.smtp_result;
    const out = new Array(n);
    for (let i = 0, b = 0; i < n; i++, b += REC_WORDS) {
      const flags = rec[b + REC_FLAGS];
      const valid = (flags & FLAG_VALID) !== 0;
      const code = rec[b + REC_SYNTAX_CODE];
      const position = rec[b + REC_POSITION];
      let email = array ? array[rec[b + REC_EMAIL]]
        : text.substring(rec[b + REC_EMAIL], rec[b + REC_EMAIL] + rec[b + REC_EMAIL + 1]);
      // The native JSON writer turns NUL into U+FFFD (it cannot hold NUL).
      if (email.includes('\0')) email = email.replaceAll('\0', '\uFFFD');
      // Strings: an offset into `strings`, or a REF_* (see binding.c).
      let at = rec[b + REC_NORMALIZED];
      const normalized = at >= 0 ? strings.substring(at, at + rec[b + REC_NORMALIZED + 1])
        : at === REF_EMAIL ? email : null;
      at = rec[b + REC_LOCAL];
      const local = at >= 0 ? strings.substring(at, at + rec[b + REC_LOCAL + 1]) : null;
      at = rec[b + REC_DOMAIN];
      const domain = at >= 0 ? strings.substring(at, at + rec[b + REC_DOMAIN + 1]) : null;
      at = rec[b + REC_ASCII_DOMAIN];
      const ascii = at >= 0 ? strings.substring(at, at + rec[b + REC_ASCII_DOMAIN + 1])
        : at === REF_DOMAIN ? domain : null;
      at = rec[b + REC_UNICODE_DOMAIN];
      const unicode = at >= 0 ? strings.substring(at, at + rec[b + REC_UNICODE_DOMAIN + 1])
        : at === REF_DOMAIN ? domain : at === REF_ASCII_DOMAIN ? ascii : null;
      at = rec[b + REC_SUGGESTION];
      const suggestion = at >= 0 ? strings.substring(at, at + rec[b + REC_SUGGESTION + 1]) : null;
      // Keys in the order of docs/result-schema.md.
      out[i] = {
        email,
        normalized,
        status: statusNames[rec[b + REC_STATUS]],
        reason: reasonNames[rec[b + REC_REASON]],
        action: actionNames[rec[b + REC_ACTION]],
        score: rec[b + REC_SCORE],
        syntax: {
          valid,
          reason: valid ? null : codeNames[code],
          message: valid ? null : codeMessages[code],
          position: position < 0 ? null : position,
          local,
          domain,
          ascii_domain: ascii,
          unicode_domain: unicode,
          smtputf8: (flags & FLAG_SMTPUTF8) !== 0,
        },
        disposable: (flags & FLAG_DISPOSABLE) !== 0,
        role: (flags & FLAG_ROLE) !== 0,
        free: (flags & FLAG_FREE) !== 0,
        suggestion,
        mx: null,
        smtp: {
          result: smtpNames[rec[b + REC_SMTP_RESULT]],
          code: null, enhanced_code: null, message: null, host: null, catch_all: null,
        },
      };
    }
    return out;
  }
}

/**
 * Loads the WebAssembly module and returns a ready instance.
 * Browsers fetch mailcheck.wasm from beside this file; Node ≥ 20 reads it
 * from disk. Options: {wasmBinary: ArrayBuffer|Uint8Array} or {wasmUrl: string|URL}.
 * @returns {Promise<MailCheck>}
 */
export async function load(options = {}) {
  if (options === null || typeof options !== 'object') throw new TypeError('mailcheck: load() options must be an object');
  let bytes = options.wasmBinary;
  if (!bytes) {
    const url = new URL(options.wasmUrl ?? './mailcheck.wasm', import.meta.url);
    if (isNode && url.protocol === 'file:') {
      // Node 20's fetch cannot read file: URLs.
      const { readFile } = await import('node:fs/promises');
      bytes = await readFile(url);
    } else {
      const response = await fetch(url);
      if (!response.ok) throw new Error(`mailcheck: cannot fetch ${url.href}: HTTP ${response.status}`);
      // Compiles while downloading; needs the application/wasm type, so
      // fall back to the whole body when a server sends another.
      const type = response.headers.get('content-type') ?? '';
      if (WebAssembly.instantiateStreaming && type.startsWith('application/wasm')) {
        const { instance } = await WebAssembly.instantiateStreaming(response, IMPORTS);
        return start(instance);
      }
      bytes = await response.arrayBuffer();
    }
  }
  const { instance } = await WebAssembly.instantiate(bytes, IMPORTS);
  return start(instance);
}

function start(instance) {
  // A reactor module: _initialize runs the C constructors once.
  instance.exports._initialize?.();
  return new MailCheck(wrap(instance));
}

export default load;
