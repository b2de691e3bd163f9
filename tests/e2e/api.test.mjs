// The page's HTTP client (web/api.js) under Node with a scripted fetch: every
// failure becomes an ApiError whose kind the page can explain (unreachable,
// timeout, auth, rate_limited …), Retry-After is read, streams are split
// into lines, and the prober address comes from ?api=, then the settings.
// ctest-labels: e2e
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ProberClient, ApiError, ERROR_TEXT, loadSettings, saveSettings } from '../../web/api.js';

/** A fetch that answers every call with `make(url, init)`. */
function fakeFetch(make) {
  const calls = [];
  const f = async (url, init) => { calls.push({ url, init }); return make(url, init); };
  f.calls = calls;
  return f;
}

const json = (status, body, headers = {}) => new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json', ...headers } });

async function rejection(promise) {
  try { await promise; } catch (e) { return e; }
  assert.fail('expected a rejection');
}

test('verify: POSTs {email} as JSON to baseUrl + /v1/verify with the bearer key', async () => {
  const fetch = fakeFetch(() => json(200, { email: 'a@b.org', status: 'deliverable' }));
  const c = new ProberClient({ baseUrl: 'http://127.0.0.1:8025/', apiKey: 'k1', fetch });
  const r = await c.verify('a@b.org');
  assert.equal(r.status, 'deliverable');
  assert.equal(fetch.calls[0].url, 'http://127.0.0.1:8025/v1/verify');
  assert.equal(fetch.calls[0].init.method, 'POST');
  assert.equal(fetch.calls[0].init.headers.Authorization, 'Bearer k1');
  assert.deepEqual(JSON.parse(fetch.calls[0].init.body), { email: 'a@b.org' });
});

test('no key, no Authorization header; same origin by default', async () => {
  const fetch = fakeFetch(() => json(200, { id: 'j1', total: 2 }));
  const c = new ProberClient({ fetch });
  await c.createJob(['a@b.org', 'c@d.org']);
  assert.equal(fetch.calls[0].url, '/v1/jobs');
  assert.equal(fetch.calls[0].init.headers.Authorization, undefined);
});

test('401 → auth, with the server\'s message as detail', async () => {
  const c = new ProberClient({ fetch: fakeFetch(() => json(401, { error: { code: 'unauthorized', message: 'wrong API key' } })) });
  const e = await rejection(c.verify('a@b.org'));
  assert.ok(e instanceof ApiError);
  assert.equal(e.kind, 'auth');
  assert.equal(e.status, 401);
  assert.equal(e.detail, 'wrong API key');
  assert.equal(e.summary, ERROR_TEXT.auth);
  assert.equal(e.message, `${ERROR_TEXT.auth} Details: wrong API key.`);
});

test('429 → rate_limited with Retry-After in seconds; 503 → overloaded', async () => {
  const limited = new ProberClient({ fetch: fakeFetch(() => json(429, { error: { code: 'rate_limited', message: 'rate limit exceeded' } }, { 'Retry-After': '7' })) });
  const e = await rejection(limited.job('j1'));
  assert.equal(e.kind, 'rate_limited');
  assert.equal(e.retryAfter, 7);
  const busy = new ProberClient({ fetch: fakeFetch(() => new Response('busy', { status: 503 })) });
  const e2 = await rejection(busy.job('j1'));
  assert.equal(e2.kind, 'overloaded');
  assert.equal(e2.retryAfter, null);
  assert.equal(e2.detail, 'HTTP 503');
});

test('other statuses: 404 not_found, 413 too_large, 500 server, 418 bad_request', async () => {
  for (const [status, kind] of [[404, 'not_found'], [413, 'too_large'], [500, 'server'], [418, 'bad_request']]) {
    const c = new ProberClient({ fetch: fakeFetch(() => new Response('', { status })) });
    assert.equal((await rejection(c.job('x'))).kind, kind, `HTTP ${status}`);
  }
});

test('a refused connection → unreachable; no answer in time → timeout', async () => {
  const refused = new ProberClient({ fetch: fakeFetch(() => { throw new TypeError('Failed to fetch'); }) });
  assert.equal((await rejection(refused.verify('a@b.org'))).kind, 'unreachable');
  const hanging = (url, init) => new Promise((resolve, reject) => {
    init.signal.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')));
  });
  const slow = new ProberClient({ fetch: hanging, timeoutMs: 50 });
  assert.equal((await rejection(slow.verify('a@b.org'))).kind, 'timeout');
});

test('the caller\'s abort is not reported as a prober failure', async () => {
  const hanging = (url, init) => new Promise((resolve, reject) => {
    init.signal.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')));
  });
  const c = new ProberClient({ fetch: hanging });
  const ctl = new AbortController();
  const p = c.verify('a@b.org', { signal: ctl.signal });
  ctl.abort();
  const e = await rejection(p);
  assert.ok(!(e instanceof ApiError));
  assert.equal(e.name, 'AbortError');
});

test('a 200 that is not JSON → protocol', async () => {
  const c = new ProberClient({ fetch: fakeFetch(() => new Response('<html>', { status: 200 })) });
  assert.equal((await rejection(c.verify('a@b.org'))).kind, 'protocol');
});

test('results: NDJSON split into lines, across chunk borders, CRLF or LF', async () => {
  const chunks = ['{"email":"a@b.org","status":"deliverable"}\r\n{"email":"c@', 'd.org","status":"risky"}\n', '\n{"email":"e@f.org","status":"unknown"}'];
  const body = new ReadableStream({ start(ctl) { for (const c of chunks) ctl.enqueue(new TextEncoder().encode(c)); ctl.close(); } });
  const c = new ProberClient({ fetch: fakeFetch(() => new Response(body, { status: 200 })) });
  const got = [];
  const n = await c.results('j1', (obj, i) => got.push([i, obj.email, obj.status]));
  assert.equal(n, 3);
  assert.deepEqual(got, [[0, 'a@b.org', 'deliverable'], [1, 'c@d.org', 'risky'], [2, 'e@f.org', 'unknown']]);
});

test('events: SSE data lines become objects, with their event name', async () => {
  const text = ': keep-alive\nevent: progress\ndata: {"state":"running","done":1,"total":2}\n\nevent: done\ndata: {"state":"done",\ndata: "done":2,"total":2}\n\n';
  const c = new ProberClient({ fetch: fakeFetch(() => new Response(text, { status: 200 })) });
  const got = [];
  await c.events('j1', (obj, event) => got.push([event, obj.state, obj.done]));
  assert.deepEqual(got, [['progress', 'running', 1], ['done', 'done', 2]]);
});

test('settings: ?api= wins for the visit, then the saved address; same origin when neither', () => {
  const store = new Map();
  const storage = { getItem: (k) => store.get(k) ?? null, setItem: (k, v) => store.set(k, v) };
  assert.deepEqual(loadSettings(storage, { search: '' }), { baseUrl: '', apiKey: '' });
  saveSettings({ baseUrl: 'https://probe.example', apiKey: 'k' }, storage);
  assert.deepEqual(loadSettings(storage, { search: '' }), { baseUrl: 'https://probe.example', apiKey: 'k' });
  assert.deepEqual(loadSettings(storage, { search: '?api=http://127.0.0.1:9000' }), { baseUrl: 'http://127.0.0.1:9000', apiKey: 'k' });
  // Garbage in storage is ignored, not fatal.
  store.set('mailprobe.settings', '{not json');
  assert.deepEqual(loadSettings(storage, { search: '' }), { baseUrl: '', apiKey: '' });
});
