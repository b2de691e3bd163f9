// api.js — the page's only door to `mailprobe serve` (docs/openapi.yaml).
// Every failure comes back as an ApiError with a kind the page can explain
// in plain words (unreachable, timeout, auth, rate_limited, …) — never a
// bare exception text — so the UI can say what happened and offer a retry.

/** Failure kinds, each with the sentence the page shows. */
export const ERROR_TEXT = {
  unreachable: 'Cannot reach the prober. Is mailprobe serve running at this address?',
  timeout: 'The prober did not answer in time.',
  auth: 'The prober refused the request: it needs a valid API key (see Settings).',
  rate_limited: 'The prober is busy (rate limit reached).',
  overloaded: 'The prober is overloaded right now.',
  too_large: 'The list is too large for this prober.',
  bad_request: 'The prober rejected the request.',
  not_found: 'The prober does not know this job (was it restarted with another database?).',
  server: 'The prober answered with an error.',
  protocol: 'The prober sent an answer this page does not understand.',
};

export class ApiError extends Error {
  /**
   * @param {keyof ERROR_TEXT} kind
   * @param {{status?: number, code?: string, detail?: string, retryAfter?: number|null}} more
   */
  constructor(kind, { status = 0, code = null, detail = null, retryAfter = null } = {}) {
    // The sentence for people first; the server's own words after it.
    super(ERROR_TEXT[kind] + (detail ? ` Details: ${detail}.` : ''));
    /** The sentence alone, without the details. */
    this.summary = ERROR_TEXT[kind];
    this.name = 'ApiError';
    this.kind = kind;
    this.status = status;
    this.code = code;
    this.detail = detail;
    /** Seconds to wait before retrying (Retry-After), or null. */
    this.retryAfter = retryAfter;
  }
}

const KIND_BY_STATUS = { 400: 'bad_request', 401: 'auth', 403: 'auth', 404: 'not_found', 413: 'too_large', 429: 'rate_limited', 503: 'overloaded' };

/** Retry-After as seconds: delta-seconds or an HTTP date; null when absent. */
function parseRetryAfter(value) {
  if (!value) return null;
  if (/^\d+$/.test(value.trim())) return Math.min(Number(value), 86400);
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, Math.round((at - Date.now()) / 1000));
}

export class ProberClient {
  /**
   * @param {{baseUrl?: string, apiKey?: string, timeoutMs?: number, fetch?: typeof fetch}} options
   *   baseUrl: '' (the page's own origin) or e.g. 'http://127.0.0.1:8025'
   */
  constructor({ baseUrl = '', apiKey = '', timeoutMs = 30000, fetch: fetchImpl } = {}) {
    this.baseUrl = baseUrl.replace(/\/+$/, '');
    this.apiKey = apiKey;
    this.timeoutMs = timeoutMs;
    this.fetch = fetchImpl ?? globalThis.fetch.bind(globalThis);
  }

  url(path) { return this.baseUrl + path; }

  headers(extra = {}) {
    const h = { ...extra };
    if (this.apiKey) h.Authorization = `Bearer ${this.apiKey}`;
    return h;
  }

  /**
   * One request. Resolves to the Response for 2xx; rejects with ApiError
   * otherwise. `signal` aborts the request (the caller's cancel); the
   * timeout covers only the wait for the response headers.
   */
  async request(method, path, { body, accept = 'application/json', signal, timeoutMs = this.timeoutMs } = {}) {
    const ctl = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => { timedOut = true; ctl.abort(); }, timeoutMs);
    const onAbort = () => ctl.abort();
    signal?.addEventListener('abort', onAbort, { once: true });
    let res;
    try {
      res = await this.fetch(this.url(path), {
        method,
        headers: this.headers(body !== undefined ? { 'Content-Type': 'application/json', Accept: accept } : { Accept: accept }),
        body: body !== undefined ? JSON.stringify(body) : undefined,
        signal: ctl.signal,
        cache: 'no-store',
      });
    } catch (e) {
      if (signal?.aborted) throw e;
      throw new ApiError(timedOut ? 'timeout' : 'unreachable');
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    }
    if (res.ok) return res;
    let code = null;
    let detail = null;
    try {
      const j = await res.json();
      code = j?.error?.code ?? null;
      detail = j?.error?.message ?? null;
    } catch { /* not JSON: the status says enough */ }
    const kind = KIND_BY_STATUS[res.status] ?? (res.status >= 500 ? 'server' : 'bad_request');
    throw new ApiError(kind, { status: res.status, code, detail: detail ?? `HTTP ${res.status}`, retryAfter: parseRetryAfter(res.headers.get('Retry-After')) });
  }

  async json(method, path, options) {
    const res = await this.request(method, path, options);
    try { return await res.json(); } catch { throw new ApiError('protocol', { status: res.status }); }
  }

  /** POST /v1/verify → the full result object (docs/result-schema.md). */
  verify(email, { signal } = {}) {
    return this.json('POST', '/v1/verify', { body: { email }, signal });
  }

  /** POST /v1/jobs → {id, total}. */
  createJob(emails, { signal } = {}) {
    return this.json('POST', '/v1/jobs', { body: { emails }, signal, timeoutMs: Math.max(this.timeoutMs, 60000) });
  }

  /** GET /v1/jobs/{id} → {id, state, total, done, counts}. */
  job(id, { signal } = {}) {
    return this.json('GET', `/v1/jobs/${encodeURIComponent(id)}`, { signal });
  }

  /**
   * GET /v1/jobs/{id}/results: NDJSON, one result per line in input order.
   * Lines are handed to onResult(result, index) as they stream in.
   */
  async results(id, onResult, { signal } = {}) {
    const res = await this.request('GET', `/v1/jobs/${encodeURIComponent(id)}/results`, { accept: 'application/x-ndjson', signal, timeoutMs: 60000 });
    let index = 0;
    const handle = (line) => {
      if (line.trim() === '') return;
      let obj;
      try { obj = JSON.parse(line); } catch { throw new ApiError('protocol', { detail: 'bad NDJSON line' }); }
      onResult(obj, index++);
    };
    await readLines(res, handle, signal);
    return index;
  }

  /**
   * Follows a job's progress through its Server-Sent Events stream, read
   * with fetch (EventSource cannot send the Authorization header). Calls
   * onProgress with every status-shaped event; resolves when the stream
   * ends. Rejects with ApiError when the stream cannot be opened.
   */
  async events(id, onProgress, { signal } = {}) {
    const res = await this.request('GET', `/v1/jobs/${encodeURIComponent(id)}/events`, { accept: 'text/event-stream', signal, timeoutMs: 15000 });
    let data = [];
    let event = 'message';
    await readLines(res, (line) => {
      if (line === '') {
        if (data.length) {
          try { onProgress(JSON.parse(data.join('\n')), event); } catch (e) { if (e instanceof ApiError) throw e; }
        }
        data = []; event = 'message';
      } else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
      else if (line.startsWith('event:')) event = line.slice(6).trim();
      // id:, retry: and comments (":") are not needed: we re-poll on loss.
    }, signal);
  }
}

/** Reads a streamed body line by line (\n or \r\n), calling onLine for each. */
async function readLines(res, onLine, signal) {
  if (!res.body || !res.body.getReader) {
    for (const l of (await res.text()).split(/\r?\n/)) onLine(l);
    return;
  }
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let buf = '';
  try {
    for (;;) {
      if (signal?.aborted) throw new DOMException('aborted', 'AbortError');
      const { value, done } = await reader.read();
      if (done) break;
      buf += decoder.decode(value, { stream: true });
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        onLine(buf.slice(0, nl).replace(/\r$/, ''));
        buf = buf.slice(nl + 1);
      }
    }
    buf += decoder.decode();
    if (buf !== '') onLine(buf.replace(/\r$/, ''));
  } catch (e) {
    if (e instanceof ApiError || e?.name === 'AbortError') throw e;
    throw new ApiError('unreachable', { detail: 'connection lost' });
  } finally {
    reader.releaseLock?.();
  }
}

/**
 * Where the page finds the prober: `?api=URL` wins (for this visit only),
 * then the saved setting, then the page's own origin ('').
 */
export function loadSettings(storage = globalThis.localStorage, location = globalThis.location) {
  let saved = {};
  try { saved = JSON.parse(storage?.getItem('mailprobe.settings') ?? '{}') ?? {}; } catch { saved = {}; }
  const settings = { baseUrl: typeof saved.baseUrl === 'string' ? saved.baseUrl : '', apiKey: typeof saved.apiKey === 'string' ? saved.apiKey : '' };
  const param = location ? new URLSearchParams(location.search).get('api') : null;
  if (param !== null) settings.baseUrl = param;
  return settings;
}

export function saveSettings(settings, storage = globalThis.localStorage) {
  try { storage?.setItem('mailprobe.settings', JSON.stringify({ baseUrl: settings.baseUrl, apiKey: settings.apiKey })); } catch { /* private mode: keep in memory */ }
}
