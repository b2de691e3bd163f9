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
// (a strict CSP is fine). Results cross from WebAssembly as int32 records, a
// table of the batch's distinct domains and one UTF-8 text holding the strings
// JavaScript cannot take from the input; see binding.c for the layout. The
// shipped copies of this file are minified (minify.mjs).

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
const REC_LOCAL = 10;
const REC_NORMALIZED = 12;
const REC_SUGGESTION = 14;
const REC_DOMAIN = 16;
const REC_WORDS = 17;

// The domain table: one entry of four strings per distinct domain.
const DOM_NAME = 0;
const DOM_ASCII = 2;
const DOM_UNICODE = 4;
const DOM_SUGGESTED = 6;
const DOM_WORDS = 8;

// The columns of a ResultTable, in binding.c's COL_* order: one octet per
// record each, written by mp_batch_columns_wasm.
const COLUMNS = ['status', 'reason', 'action', 'score', 'valid', 'disposable', 'role', 'free', 'unknown_tld', 'suggested'];

// How many array elements are joined into one string for encodeInto: one
// call per element, or a character loop, costs more than a join of a few
// thousand short strings (15 vs 6 ms for 200,000 addresses in Node 20).
const CHUNK = 2048;
const SMALL_BATCH = 64; // below this, each element is copied on its own

// A string is [start, length] in the batch text, or a start below 0 that
// says how to build it (binding.c REF_*).
const REF_EMAIL = -2;
const REF_EMAIL_PREFIX = -3;
const REF_JOIN_ASCII = -4;
const REF_JOIN_SUGGESTED = -5;
const REF_DOMAIN = -6;
const REF_ASCII = -7;

const FLAG_VALID = 1;
const FLAG_SMTPUTF8 = 2;
const FLAG_DISPOSABLE = 4;
const FLAG_ROLE = 8;
const FLAG_FREE = 16;
const FLAG_ASCII = 32;
const FLAG_UNICODE = 64;
const FLAG_NUL = 128;
const FLAG_UNKNOWN_TLD = 256;

// Bits of core.h's mp_options.flags and of binding.c's policy bits.
const ALLOW_QUOTED_LOCAL = 1;
const ALLOW_DOMAIN_LITERAL = 2;
const ALLOW_SPECIAL_USE = 4;
const POLICY_RISKY_ROLE = 1;
const POLICY_RISKY_FREE = 2;

// binding.c's VOCAB_* lists.
const VOCAB_STATUS = 0;
const VOCAB_ACTION = 1;
const VOCAB_REASON = 2;
const VOCAB_SMTP_RESULT = 3;
const VOCAB_SYNTAX_CODE = 4;
const VOCAB_SYNTAX_MESSAGE = 5;
const VOCAB_ABOUT = 6;

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
    // binding.c's LAYOUT_* numbers: record words, domain words, list sizes.
    const words = mod.mp_layout_wasm(0), domainWords = mod.mp_layout_wasm(1);
    if (words !== REC_WORDS || domainWords !== DOM_WORDS || mod.mp_layout_wasm(5) !== COLUMNS.length) {
      throw new Error(`mailcheck: mailcheck.mjs and mailcheck.wasm do not match (records of ${words}/${domainWords} words, expected ${REC_WORDS}/${DOM_WORDS})`);
    }
    this.#batch = mod.mp_batch_new_wasm();
    if (!this.#batch) throw new RangeError('mailcheck: out of WebAssembly memory');
    // Each vocabulary is read once, string by string, until NULL.
    const vocabulary = (kind) => {
      const list = [];
      for (let ptr; (ptr = mod.mp_vocabulary_wasm(kind, list.length)) !== 0;) {
        const heap = mod.HEAPU8;
        list.push(decoder.decode(heap.subarray(ptr, heap.indexOf(0, ptr))));
      }
      return list;
    };
    const [version, disposableVersion] = vocabulary(VOCAB_ABOUT);
    const names = {
      version,
      lists: {
        disposable_version: disposableVersion,
        disposable_count: mod.mp_layout_wasm(2),
        free_count: mod.mp_layout_wasm(3),
        role_count: mod.mp_layout_wasm(4),
      },
      status: vocabulary(VOCAB_STATUS),
      action: vocabulary(VOCAB_ACTION),
      reason: vocabulary(VOCAB_REASON),
      smtp_result: vocabulary(VOCAB_SMTP_RESULT),
      syntax_code: vocabulary(VOCAB_SYNTAX_CODE),
      syntax_message: vocabulary(VOCAB_SYNTAX_MESSAGE),
    };
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
    return resultAt(this.#run([address], INPUT_ARRAY, options), 0);
  }

  /**
   * Verdicts for many addresses in one crossing into WebAssembly.
   * An array gives one result per element; a string gives one result per
   * line, exactly as `mailprobe check -` reads standard input: lines end
   * with "\n" or "\r\n", and every line, even an empty one, gets a result.
   * With `{as: 'table'}` the answer is a ResultTable: the same results kept
   * in columns, each object built only when asked for (fastest for big lists).
   * @param {string[]|string} addresses
   * @param {object} [options] the options of check(), plus as: 'objects' (default) | 'table'
   */
  checkMany(addresses, options) {
    let table = false;
    if (options !== null && typeof options === 'object' && 'as' in options) {
      const { as, ...rest } = options;
      if (as !== 'objects' && as !== 'table') throw new TypeError("mailcheck: option 'as' must be 'objects' or 'table'");
      table = as === 'table';
      options = rest;
    }
    let batch;
    if (typeof addresses === 'string') {
      batch = this.#run(addresses, INPUT_LINES, options, table);
    } else {
      if (!Array.isArray(addresses)) throw new TypeError('mailcheck: checkMany() wants an array of strings or a string');
      for (let i = 0; i < addresses.length; i++) {
        if (typeof addresses[i] !== 'string') {
          throw new TypeError(`mailcheck: checkMany() element ${i} is ${addresses[i] === null ? 'null' : typeof addresses[i]}, not a string`);
        }
      }
      batch = this.#run(addresses, INPUT_ARRAY, options, table);
    }
    if (table) return new ResultTable(batch, this.names);
    const out = new Array(batch.length);
    for (let i = 0; i < batch.length; i++) out[i] = resultAt(batch, i);
    return out;
  }

  /** Releases the WebAssembly memory of this instance; it is unusable after. */
  close() {
    if (this.#batch) this.#mod.mp_batch_free_wasm(this.#batch);
    this.#batch = 0;
  }

  // Validation happened before: from here on nothing throws except out of
  // memory, and the batch buffers belong to the C side (nothing to free).
  // Returns a Batch (see resultAt) whose records are views of WebAssembly
  // memory: valid until the next call, unless `copy` is set.
  #run(input, mode, options, copy = false) {
    const [flags, policy] = optionBits(options);
    const mod = this.#mod;
    const batch = this.#batch;
    if (!batch) throw new Error('mailcheck: instance is closed');

    let text = null; // lines mode: the input, well-formed
    let count = 0;
    let written = 0;
    if (mode === INPUT_ARRAY) {
      // The elements go into WebAssembly memory CHUNK at a time, joined
      // with a separator; C cuts them apart by their UTF-16 lengths (an
      // element may hold "\n"). A separator keeps lone surrogates of two
      // elements from pairing up.
      count = input.length;
      let units = 0;
      for (let i = 0; i < count; i++) units += input[i].length;
      // UTF-8 takes at most 3 octets per UTF-16 code unit.
      const inPtr = mod.mp_batch_input_wasm(batch, units * 3 + count);
      const lenPtr = inPtr ? mod.mp_batch_lengths_wasm(batch, count) : 0;
      if (!lenPtr) throw new RangeError('mailcheck: out of WebAssembly memory');
      // Views are taken after every call that may grow memory (which detaches them).
      const heap = mod.HEAPU8;
      const lengths = new Uint32Array(heap.buffer, lenPtr, count);
      let fixed = null; // a copy of input with lone surrogates replaced
      let at = inPtr;
      // check() and small batches: character by character, no join.
      for (let i = 0; count < SMALL_BATCH && i < count; i++) {
        let s = input[i];
        const n = s.length;
        let k = 0;
        for (; k < n; k++) {
          const c = s.charCodeAt(k);
          if (c >= 0x80) break;
          heap[at + k] = c;
        }
        if (k < n) {
          if (!isWellFormed(s)) (fixed ??= input.slice())[i] = s = wellFormed(s);
          at += encoder.encodeInto(s, heap.subarray(at, at + 3 * n)).written;
        } else {
          at += n;
        }
        heap[at++] = 10;
        lengths[i] = n;
      }
      for (let i = 0; count >= SMALL_BATCH && i < count; i += CHUNK) {
        const end = Math.min(count, i + CHUNK);
        for (let k = i; k < end; k++) lengths[k] = input[k].length;
        let chunk = input.slice(i, end).join('\n') + '\n';
        if (!isWellFormed(chunk)) {
          for (let k = i; k < end; k++) {
            if (!isWellFormed(input[k])) (fixed ??= input.slice())[k] = wellFormed(input[k]);
          }
          chunk = wellFormed(chunk);
        }
        at += encoder.encodeInto(chunk, heap.subarray(at, at + 3 * chunk.length)).written;
      }
      written = at - inPtr;
      if (fixed) input = fixed;
    } else {
      text = isWellFormed(input) ? input : wellFormed(input);
      const cap = text.length * 3;
      const inPtr = mod.mp_batch_input_wasm(batch, cap);
      if (!inPtr) throw new RangeError('mailcheck: out of WebAssembly memory');
      written = encoder.encodeInto(text, mod.HEAPU8.subarray(inPtr, inPtr + cap)).written;
    }

    const n = mod.mp_batch_check_wasm(batch, written, count, mode, flags, policy);
    if (n < 0) throw new RangeError('mailcheck: out of WebAssembly memory');
    let columns = null;
    if (copy) { // a table: its columns, copied out in one piece (before the
      // views below: writing them may grow the memory)
      const at = mod.mp_batch_columns_wasm(batch);
      if (!at) throw new RangeError('mailcheck: out of WebAssembly memory');
      columns = mod.HEAPU8.slice(at, at + n * COLUMNS.length);
    }
    const heap = mod.HEAPU8;
    const recPtr = mod.mp_batch_records_wasm(batch);
    const rec = new Int32Array(heap.buffer, recPtr, n * REC_WORDS);
    const textPtr = mod.mp_batch_text_wasm(batch);
    const strings = decoder.decode(heap.subarray(textPtr, textPtr + mod.mp_batch_text_length_wasm(batch)));
    const domainCount = mod.mp_batch_domain_count_wasm(batch);
    const dom = new Int32Array(heap.buffer, mod.mp_batch_domains_wasm(batch), domainCount * DOM_WORDS);
    return {
      columns,
      length: n,
      rec: copy ? rec.slice() : rec,
      array: mode === INPUT_ARRAY ? input : null,
      text,
      domains: domainTable(dom, domainCount, strings),
      strings,
      names: this.#names,
    };
  }
}

/** String [start, length] at rec[at]: from the batch text, or null. */
function textAt(rec, at, strings) {
  const start = rec[at];
  return start >= 0 ? strings.substring(start, start + rec[at + 1]) : null;
}

/** The four strings of every distinct domain of a batch, made once. */
function domainTable(dom, count, strings) {
  const name = new Array(count), ascii = new Array(count), unicode = new Array(count), suggested = new Array(count);
  for (let j = 0, b = 0; j < count; j++, b += DOM_WORDS) {
    name[j] = textAt(dom, b + DOM_NAME, strings);
    ascii[j] = dom[b + DOM_ASCII] === REF_DOMAIN ? name[j] : textAt(dom, b + DOM_ASCII, strings);
    const u = dom[b + DOM_UNICODE];
    unicode[j] = u === REF_DOMAIN ? name[j] : u === REF_ASCII ? ascii[j] : textAt(dom, b + DOM_UNICODE, strings);
    suggested[j] = textAt(dom, b + DOM_SUGGESTED, strings);
  }
  return { name, ascii, unicode, suggested };
}

/** The input address of record i, as the JSON shows it. */
function emailAt(batch, i) {
  const rec = batch.rec, b = i * REC_WORDS;
  const email = batch.array ? batch.array[rec[b + REC_EMAIL]]
    : batch.text.substring(rec[b + REC_EMAIL], rec[b + REC_EMAIL] + rec[b + REC_EMAIL + 1]);
  // The native JSON writer turns NUL into U+FFFD (it cannot hold NUL).
  return (rec[b + REC_FLAGS] & FLAG_NUL) !== 0 ? email.replaceAll('\0', '\uFFFD') : email;
}

/** The result object of record i of a batch (docs/result-schema.md). */
function resultAt(batch, i) {
  const rec = batch.rec, b = i * REC_WORDS, names = batch.names;
  const flags = rec[b + REC_FLAGS];
  const valid = (flags & FLAG_VALID) !== 0;
  const code = rec[b + REC_SYNTAX_CODE];
  const position = rec[b + REC_POSITION];
  const email = emailAt(batch, i);
  let at = rec[b + REC_LOCAL];
  const local = at === REF_EMAIL_PREFIX ? email.substring(0, rec[b + REC_LOCAL + 1])
    : textAt(rec, b + REC_LOCAL, batch.strings);
  const d = rec[b + REC_DOMAIN];
  const domains = batch.domains;
  const domain = d >= 0 ? domains.name[d] : null;
  const ascii = (flags & FLAG_ASCII) !== 0 ? domains.ascii[d] : null;
  at = rec[b + REC_NORMALIZED];
  const normalized = at === REF_EMAIL ? email : at === REF_JOIN_ASCII ? `${local}@${ascii}` : null;
  const suggestion = rec[b + REC_SUGGESTION] === REF_JOIN_SUGGESTED ? `${local}@${domains.suggested[d]}` : null;
  // Keys in the order of docs/result-schema.md.
  return {
    email,
    normalized,
    status: names.status[rec[b + REC_STATUS]],
    reason: names.reason[rec[b + REC_REASON]],
    action: names.action[rec[b + REC_ACTION]],
    score: rec[b + REC_SCORE],
    syntax: {
      valid,
      reason: valid ? null : names.syntax_code[code],
      message: valid ? null : names.syntax_message[code],
      position: position < 0 ? null : position,
      local,
      domain,
      ascii_domain: ascii,
      unicode_domain: (flags & FLAG_UNICODE) !== 0 ? domains.unicode[d] : null,
      smtputf8: (flags & FLAG_SMTPUTF8) !== 0,
    },
    disposable: (flags & FLAG_DISPOSABLE) !== 0,
    role: (flags & FLAG_ROLE) !== 0,
    free: (flags & FLAG_FREE) !== 0,
    unknown_tld: (flags & FLAG_UNKNOWN_TLD) !== 0,
    suggestion,
    mx: null,
    smtp: {
      result: names.smtp_result[rec[b + REC_SMTP_RESULT]],
      code: null, enhanced_code: null, message: null, host: null, catch_all: null,
    },
  };
}

/**
 * The results of one checkMany(…, {as: 'table'}), kept in columns: counting,
 * filtering and sorting 100,000 results reads typed arrays instead of
 * walking objects, and an object is built only for the rows you look at.
 * get(i) is exactly checkMany(…)[i]. Columns hold codes: the name of
 * status[i] is names.status[status[i]] (likewise reason and action); the
 * boolean columns hold 0 or 1.
 */
export class ResultTable {
  #batch;

  constructor(batch, names) {
    this.#batch = batch;
    const n = batch.length;
    /** How many results. */
    this.length = n;
    /** The closed vocabularies, as MailCheck.names. */
    this.names = names;
    // status, reason, action, score, valid, disposable, role, free,
    // unknown_tld, suggested: views of the one copy C wrote.
    COLUMNS.forEach((name, k) => { this[name] = batch.columns.subarray(k * n, (k + 1) * n); });
    Object.freeze(this);
  }

  /** The full result object of row i (a new plain object each call). */
  get(i) {
    return resultAt(this.#batch, this.#row(i));
  }

  /** The input address of row i, as the result's `email`. */
  email(i) {
    return emailAt(this.#batch, this.#row(i));
  }

  /** i itself when it names a row; RangeError otherwise. */
  #row(i) {
    if (!Number.isInteger(i) || i < 0 || i >= this.length) throw new RangeError(`mailcheck: no row ${i} in a table of ${this.length}`);
    return i;
  }

  /** How many rows have each status: {deliverable, undeliverable, risky, unknown}. */
  counts() {
    const tally = new Array(this.names.status.length).fill(0);
    for (let i = 0; i < this.length; i++) tally[this.status[i]]++;
    return Object.fromEntries(this.names.status.map((name, code) => [name, tally[code]]));
  }

  /** Every row as a result object: what checkMany() returns without the option. */
  toArray() {
    const out = new Array(this.length);
    for (let i = 0; i < this.length; i++) out[i] = resultAt(this.#batch, i);
    return out;
  }

  toJSON() {
    return this.toArray();
  }

  *[Symbol.iterator]() {
    for (let i = 0; i < this.length; i++) yield resultAt(this.#batch, i);
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
