// listtool.js — the "Clean a list" section: local triage of pasted text or a
// dropped file (listparse.js + checkMany), then verification as a prober job
// followed over SSE (polling when the stream fails), a filterable, sortable,
// paged table, a chart, and CSV exports. Local results are never thrown away:
// a prober failure leaves the table as it was and offers a retry.

import { ListParser, decodeList } from './listparse.js';
import { TableRow, resultOf, statusOf, locallyValid, mxHost, smtpReply, reasonText, countByStatus, selectRows, keepRows, resultsCsv, keepCsv } from './rows.js';
import { drawStatusChart, STATUSES, STATUS_LABEL } from './chart.js';
import { ApiError } from './api.js';
import { JOB, progressText, barState } from './progress.js';

const PAGE_SIZE = 100;
const MAX_FILE_BYTES = 32 * 1024 * 1024;
const POLL_MS = 1000;
const STALL_MS = 4000;        // no SSE event for this long: ask for the status directly
const SLOW_MS = 15000;        // nothing at all for this long: tell the person
const MAX_WAITS = 8;          // 429/503 during a running job: wait Retry-After at most this often
const MAX_WAIT_S = 30;        // ... and never longer than this each time
// Bigger texts (a file, a paste) are not put into the textarea: laying out
// 14 MB of text there took 5 of the 8 seconds a 200,000-line CSV used to
// take, and made typing sluggish. They are named above the summary instead.
const TEXTAREA_MAX = 100000;
// The triage works in slices of about this long and lets the page paint
// between them (progress, and a page that answers while it works).
const SLICE_MS = 25;
const CHECK_CHUNK = 10000;    // addresses per checkMany call

const SAMPLE = `email,name
ada@gmail.com,Ada
bob@gmial.com,Bob (typo)
carol@yahoo.com,Carol
temp@mailinator.com,Throw-away
info@outlook.com,Role account
jane doe@example.org,Broken
ADA@gmail.com,Duplicate`;

/** Lets the page paint and handle input before the next slice of work. */
function yieldToPage() { return new Promise((resolve) => setTimeout(resolve, 0)); }

/**
 * The text of a dropped or chosen file, decoded as the prober reads it
 * (listparse.js decodeList: a BOM, else UTF-8, else Windows-1252).
 */
async function readText(file) { return decodeList(await file.arrayBuffer()).text; }

const $ = (id) => document.getElementById(id);

/** setTimeout as a promise that an AbortSignal cuts short (rejecting with AbortError). */
function sleep(ms, signal) {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) { reject(new DOMException('aborted', 'AbortError')); return; }
    const onAbort = () => { clearTimeout(t); reject(new DOMException('aborted', 'AbortError')); };
    const t = setTimeout(() => { signal?.removeEventListener('abort', onAbort); resolve(); }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export class ListTool {
  /**
   * @param {{mailcheck: object, getClient: () => import('./api.js').ProberClient, openSettings: () => void}} deps
   */
  constructor({ mailcheck, getClient, openSettings }) {
    this.mc = mailcheck;
    this.getClient = getClient;
    this.openSettings = openSettings;
    this.rows = [];           // unique addresses, input order (TableRows)
    this.parsed = null;
    this.localCounts = { valid: 0, invalid: 0, typos: 0, disposable: 0 };
    this.triageRun = 0;       // a newer triage makes an older one stop
    this.filter = 'all';
    this.search = '';
    this.sort = { key: 'n', dir: 1 };
    this.page = 0;
    this.view = null;         // cached filtered+sorted rows
    this.job = { state: JOB.IDLE, id: null, rowIndex: [], done: 0, total: 0, counts: {}, error: null };
    this.abort = null;
    this.waitNote = '';       // "asking again in N s" while a 429/503 is waited out
    /** After this long without news from the prober, the progress line says it is slow. */
    this.slowAfterMs = SLOW_MS;
    this.renderQueued = false;
    this.bind();
    this.renderFilters();
    let resizeTimer = null;
    window.addEventListener('resize', () => {
      clearTimeout(resizeTimer);
      resizeTimer = setTimeout(() => { if (this.rows.length) drawStatusChart($('chart'), this.counts()); }, 150);
    });
  }

  bind() {
    const input = $('list-input');
    let timer = null;
    input.addEventListener('input', () => {
      clearTimeout(timer);
      const started = performance.now();
      timer = setTimeout(() => { this.showSource(null); this.triage(input.value, { started }); }, 200);
    });
    // A big paste goes where a big file goes, not into the textarea.
    input.addEventListener('paste', (e) => {
      const text = e.clipboardData?.getData('text/plain') ?? '';
      if (text.length <= TEXTAREA_MAX || input.readOnly) return;
      e.preventDefault();
      clearTimeout(timer);
      this.loadText(text, 'Pasted list', performance.now());
    });
    $('list-file').addEventListener('change', (e) => { const f = e.target.files?.[0]; if (f) this.loadFile(f, performance.now()); e.target.value = ''; });
    $('list-sample').addEventListener('click', () => { input.value = SAMPLE; this.showSource(null); this.triage(SAMPLE); });
    $('list-clear').addEventListener('click', () => { input.value = ''; this.showSource(null); this.triage(''); input.focus(); });
    $('list-verify').addEventListener('click', () => this.verify());
    $('list-cancel').addEventListener('click', () => this.cancel());
    $('notice-retry').addEventListener('click', () => this.retry());
    $('notice-settings').addEventListener('click', () => this.openSettings());
    $('export-csv').addEventListener('click', () => this.exportShown());
    $('export-keep').addEventListener('click', () => this.exportKeep());
    $('page-prev').addEventListener('click', () => { this.page--; this.renderTable(); });
    $('page-next').addEventListener('click', () => { this.page++; this.renderTable(); });
    let searchTimer = null;
    $('table-search').addEventListener('input', (e) => {
      clearTimeout(searchTimer);
      searchTimer = setTimeout(() => { this.search = e.target.value.trim().toLowerCase(); this.invalidate(); this.page = 0; this.render(); }, 120);
    });
    $('sort-select').addEventListener('change', (e) => {
      const [key, dir] = e.target.value.split(':');
      this.sort = { key, dir: Number(dir) };
      this.invalidate(); this.page = 0; this.render();
    });
    for (const th of document.querySelectorAll('#results th[data-sort]')) {
      th.querySelector('button').addEventListener('click', () => {
        const key = th.dataset.sort;
        this.sort = { key, dir: this.sort.key === key ? -this.sort.dir : 1 };
        this.invalidate(); this.page = 0; this.render();
      });
    }
    const zone = $('drop-zone');
    zone.addEventListener('dragover', (e) => { e.preventDefault(); zone.classList.add('dragging'); });
    zone.addEventListener('dragleave', () => zone.classList.remove('dragging'));
    zone.addEventListener('drop', (e) => {
      e.preventDefault();
      zone.classList.remove('dragging');
      const f = e.dataTransfer?.files?.[0];
      if (f) this.loadFile(f, performance.now());
    });
  }

  busy() { return this.job.state === JOB.RUNNING || this.job.state === JOB.SUBMITTING || this.job.state === JOB.FETCHING; }

  /** A dropped or chosen file; `started` is when the person let go of it. */
  async loadFile(file, started = performance.now()) {
    if (file.size > MAX_FILE_BYTES) {
      this.showNotice('File too large.', `${file.name} is ${(file.size / 1048576).toFixed(1)} MiB; the limit is 32 MiB.`, { retry: false });
      return;
    }
    if (this.busy()) return;
    const run = ++this.triageRun;
    this.showTriageProgress(`Reading ${file.name}…`, 0);
    const text = await readText(file);
    if (run !== this.triageRun) return;
    this.loadText(text, file.name, started);
  }

  /** A file's or a big paste's text: into the textarea only when small. */
  loadText(text, name, started) {
    const input = $('list-input');
    if (text.length <= TEXTAREA_MAX) {
      input.value = text;
      this.showSource(null);
    } else {
      input.value = '';
      this.showSource(`${name} · ${(text.length / 1e6).toFixed(1)} MB — its addresses are in the summary and the table below. Type or paste above to check others instead.`);
    }
    this.triage(text, { name, started });
  }

  /** The line naming a list that is not in the textarea (null: none). */
  showSource(text) {
    const p = $('list-source');
    p.hidden = text === null;
    p.textContent = text ?? '';
  }

  /**
   * Parses and checks every line locally, a slice at a time (the page
   * paints progress in between); resets any previous verification. The
   * time it reports runs from `started` (the drop, the paste, the last
   * keystroke) to the summary on screen: the whole wait.
   */
  async triage(text, { name = null, started = performance.now() } = {}) {
    if (this.busy()) return;
    const run = ++this.triageRun;
    const parser = new ListParser(text);
    const what = name ? `Reading ${name}` : 'Reading the list';
    if (text.length > TEXTAREA_MAX) this.showTriageProgress(`${what}…`, 0); // a big list: say so at once
    let slice = performance.now();
    const pause = async (label, fraction) => {
      if (performance.now() - slice < SLICE_MS) return true;
      this.showTriageProgress(label, fraction);
      await yieldToPage();
      slice = performance.now();
      return run === this.triageRun;
    };
    while (!parser.step(1000)) {
      if (!await pause(`${what}… ${parser.lines.toLocaleString('en')} lines`, 0.5 * parser.position / parser.size)) return;
    }
    const parsed = parser.result();
    const rows = new Array(parsed.entries.length);
    const counts = { valid: 0, invalid: 0, typos: 0, disposable: 0 };
    for (let at = 0; at < rows.length; at += CHECK_CHUNK) {
      const chunk = parsed.entries.slice(at, at + CHECK_CHUNK);
      const table = this.mc.checkMany(chunk.map((e) => e.email), { as: 'table' });
      for (let k = 0; k < chunk.length; k++) {
        rows[at + k] = new TableRow(at + k + 1, chunk[k].email, chunk[k].line, table, k);
        counts.valid += table.valid[k];
        counts.typos += table.suggested[k];
        counts.disposable += table.disposable[k];
      }
      const done = at + chunk.length;
      if (done < rows.length && !await pause(`Checking… ${done.toLocaleString('en')} of ${rows.length.toLocaleString('en')} addresses`, 0.5 + 0.5 * done / rows.length)) return;
    }
    counts.invalid = rows.length - counts.valid;
    this.parsed = parsed;
    this.rows = rows;
    this.localCounts = counts;
    this.job = { state: JOB.IDLE, id: null, rowIndex: [], done: 0, total: 0, counts: {}, error: null };
    this.hideNotice();
    if (parsed.noAddressColumn) {
      this.showNotice('No column of addresses.', 'None of the columns in the first 200 rows holds addresses; nothing was taken from names or other columns.', { retry: false });
    }
    $('progress-box').hidden = true;
    this.invalidate();
    this.page = 0;
    this.triageMs = null;
    this.render();
    // Last, so the figure covers the rendering too.
    this.triageMs = performance.now() - started;
    this.renderTriageNote();
  }

  /** The summary box while a triage is under way: a bar and what it does. */
  showTriageProgress(label, fraction) {
    const box = $('triage');
    let p = box.querySelector('[data-testid=triage-progress]');
    if (!p) {
      p = document.createElement('div');
      p.className = 'triage-progress';
      p.dataset.testid = 'triage-progress';
      p.innerHTML = '<progress max="100"></progress><span class="muted small"></span>';
      box.replaceChildren(p);
    }
    p.firstChild.value = Math.round(100 * fraction);
    p.lastChild.textContent = label;
  }

  toVerify() { return this.rows.filter(locallyValid); }

  // ---- verification -------------------------------------------------------

  async verify() {
    const rows = this.toVerify();
    if (!rows.length) return;
    this.job = { state: JOB.SUBMITTING, id: null, rowIndex: rows.map((r) => r.n - 1), done: 0, total: rows.length, counts: {}, error: null };
    for (const r of this.rows) { r.remote = null; r.pending = false; }
    for (const r of rows) r.pending = true;
    // The rows say "checking…" at once: a job can take minutes (a retry
    // schedule's waits), and its results come at the end.
    this.invalidate();
    this.render();
    await this.runJob();
  }

  /** Submits (when there is no job id yet), follows and fetches; any ApiError → FAILED. */
  async runJob() {
    this.abort?.abort();
    const ctl = new AbortController();
    this.abort = ctl;
    const client = this.getClient();
    this.hideNotice();
    this.waitNote = '';
    this.lastNews = Date.now();
    const slowTimer = setInterval(() => this.updateProgress(), 1000);
    try {
      if (!this.job.id) {
        this.setJobState(JOB.SUBMITTING);
        const emails = this.job.rowIndex.map((i) => this.rows[i].email);
        const created = await client.createJob(emails, { signal: ctl.signal });
        if (!created || typeof created.id !== 'string' && typeof created.id !== 'number') throw new ApiError('protocol', { detail: 'no job id' });
        this.job.id = String(created.id);
        this.job.total = created.total ?? emails.length;
      }
      this.setJobState(JOB.RUNNING);
      await this.follow(client, ctl.signal);
      if (this.job.state === JOB.CANCELLED) return;
      this.setJobState(JOB.FETCHING);
      await this.patiently(() => {
        this.job.fetched = 0;  // a repeated fetch starts from the first result again
        return client.results(this.job.id, (obj, i) => this.applyResult(obj, i), { signal: ctl.signal });
      }, ctl.signal);
      for (const i of this.job.rowIndex) this.rows[i].pending = false;
      this.setJobState(JOB.DONE);
    } catch (e) {
      if (ctl.signal.aborted) return;
      this.job.error = e instanceof ApiError ? e : new ApiError('protocol', { detail: String(e?.message ?? e) });
      this.setJobState(JOB.FAILED);
    } finally {
      clearInterval(slowTimer);
      if (this.abort === ctl) this.abort = null;
      this.invalidate();
      this.render();
    }
  }

  /** Progress over SSE; status polling when the stream is lost or silent. */
  async follow(client, signal) {
    let finished = false;
    const onStatus = (s) => {
      this.lastNews = Date.now();
      if (typeof s.done === 'number') this.job.done = s.done;
      if (typeof s.total === 'number') this.job.total = s.total;
      if (s.counts && typeof s.counts === 'object') this.job.counts = s.counts;
      // Addresses waiting on the prober's retry schedule (greylisting and
      // other temporary answers): said under the bar, never a stall.
      if (typeof s.state === 'string') this.job.serverState = s.state;
      this.job.retrying = typeof s.retrying === 'number' ? s.retrying : 0;
      this.job.nextRetryAt = typeof s.next_retry_at === 'number' ? s.next_retry_at : null;
      if (s.state === 'done' || s.state === 'cancelled' || (typeof s.done === 'number' && s.total > 0 && s.done >= s.total && s.state !== 'running' && s.state !== 'queued')) finished = true;
      if (s.state === 'cancelled') this.job.serverCancelled = true;
      this.updateProgress();
    };
    const streamCtl = new AbortController();
    const stopStream = () => streamCtl.abort();
    signal.addEventListener('abort', stopStream, { once: true });
    // The watchdog polls while the stream is quiet, and ends it once done.
    let watchdog = setInterval(async () => {
      if (Date.now() - this.lastNews < STALL_MS) return;
      try { onStatus(await client.job(this.job.id, { signal })); } catch { /* the stream or the poll loop reports */ }
      if (finished) streamCtl.abort();
    }, STALL_MS);
    try {
      await client.events(this.job.id, (data) => {
        onStatus(data);
        if (finished) streamCtl.abort();
      }, { signal: streamCtl.signal });
    } catch (e) {
      if (signal.aborted) throw e;
      if (e instanceof ApiError && (e.kind === 'auth' || e.kind === 'not_found')) throw e;
      // Otherwise: fall back to polling below.
    } finally {
      clearInterval(watchdog);
      watchdog = null;
      signal.removeEventListener('abort', stopStream);
    }
    let failures = 0;
    while (!finished) {
      if (signal.aborted) throw new DOMException('aborted', 'AbortError');
      try {
        onStatus(await this.patiently(() => client.job(this.job.id, { signal }), signal));
        failures = 0;
      } catch (e) {
        if (signal.aborted || !(e instanceof ApiError) || !['unreachable', 'timeout', 'server', 'overloaded'].includes(e.kind) || ++failures >= 3) throw e;
      }
      if (!finished) await new Promise((r) => setTimeout(r, POLL_MS));
    }
  }

  /**
   * Runs one follow-up request of a job that is already on the prober. When
   * the prober says "slow down" (429) or "busy" (503), waits what its
   * Retry-After asks (bounded) and asks again, saying so under the progress
   * bar: the job is not lost, only paused. Other errors go to the caller.
   */
  async patiently(call, signal) {
    for (let attempt = 1; ; attempt++) {
      try {
        const value = await call();
        this.waitNote = '';
        return value;
      } catch (e) {
        if (signal.aborted || !(e instanceof ApiError) || !['rate_limited', 'overloaded'].includes(e.kind) || attempt >= MAX_WAITS) throw e;
        const seconds = Math.min(Math.max(e.retryAfter ?? 2, 1), MAX_WAIT_S);
        this.waitNote = `${e.summary} Asking again in ${seconds} s…`;
        this.lastNews = Date.now();
        this.updateProgress();
        await sleep(seconds * 1000, signal);
        this.waitNote = '';
      }
    }
  }

  applyResult(obj, i) {
    const result = obj && typeof obj.result === 'object' && obj.result !== null && !obj.status ? obj.result : obj;
    const idx = typeof obj?.index === 'number' ? obj.index : i;
    const rowIndex = this.job.rowIndex[idx];
    if (rowIndex === undefined || !result || typeof result.status !== 'string') return;
    const row = this.rows[rowIndex];
    row.remote = result;
    row.pending = false;
    this.job.fetched = (this.job.fetched ?? 0) + 1;
    this.scheduleRender();
  }

  setJobState(state) {
    this.job.state = state;
    const busy = state === JOB.SUBMITTING || state === JOB.RUNNING || state === JOB.FETCHING;
    $('list-input').readOnly = busy;
    $('progress-box').hidden = state === JOB.IDLE;
    $('list-cancel').hidden = !busy;
    if (state === JOB.FAILED) {
      const e = this.job.error;
      const parts = [e.summary ?? e.message];
      const base = this.getClient().baseUrl;
      const where = base || location.origin;
      if (e.kind === 'unreachable') {
        parts[0] = `Cannot reach the prober at ${where}. Is mailprobe serve running there?`;
        // From another origin, a prober without --cors-origin looks exactly like a dead one.
        let other = false;
        try { other = !!base && new URL(base, location.href).origin !== location.origin; } catch { /* shown as typed */ }
        if (other) parts.push(`If it is, it must allow this page: --cors-origin ${location.origin}.`);
      } else if (e.kind === 'timeout') {
        parts[0] = `The prober at ${where} did not answer in time.`;
      }
      if (e.detail) parts.push(`Details: ${e.detail}.`);
      parts.push(this.job.id ? 'The job keeps running on the prober; Retry picks it up again.' : 'Your list and its local checks are unchanged.');
      this.showNotice('Verification stopped.', parts.join(' '), { retry: true, retryAfter: e.retryAfter, settings: ['auth', 'unreachable', 'timeout'].includes(e.kind) });
    }
    if (state === JOB.CANCELLED || state === JOB.FAILED) for (const r of this.rows) if (r.pending) r.pending = false;
    this.updateVerifyButton();
    this.updateProgress();
  }

  retry() {
    this.hideNotice();
    if (this.job.state !== JOB.FAILED) return;
    for (const i of this.job.rowIndex) if (!this.rows[i].remote) this.rows[i].pending = true;
    this.runJob();
  }

  async cancel() {
    const id = this.job.id;
    this.abort?.abort();
    this.setJobState(JOB.CANCELLED);
    this.invalidate();
    this.render();
    if (id) { try { await this.getClient().request('DELETE', `/v1/jobs/${encodeURIComponent(id)}`); } catch { /* best effort */ } }
  }

  // ---- rendering ----------------------------------------------------------

  /**
   * The message box above the progress bar. With `retryAfter` (seconds, from
   * a 429/503) the Retry button counts down and only then becomes usable, so
   * an eager click cannot earn another refusal.
   */
  showNotice(title, body, { retry = true, retryAfter = null, settings = false } = {}) {
    clearInterval(this.noticeTimer);
    $('notice-title').textContent = title;
    $('notice-body').textContent = body;
    const button = $('notice-retry');
    button.hidden = !retry;
    button.disabled = false;
    button.textContent = 'Retry';
    if (retry && retryAfter > 0) {
      const until = Date.now() + Math.min(retryAfter, 3600) * 1000;
      const tick = () => {
        const left = Math.ceil((until - Date.now()) / 1000);
        button.disabled = left > 0;
        button.textContent = left > 0 ? `Retry in ${left} s` : 'Retry';
        if (left <= 0) clearInterval(this.noticeTimer);
      };
      tick();
      this.noticeTimer = setInterval(tick, 250);
    }
    $('notice-settings').hidden = !settings;
    $('list-notice').hidden = false;
  }

  hideNotice() { clearInterval(this.noticeTimer); $('list-notice').hidden = true; }

  updateVerifyButton() {
    const n = this.localCounts.valid;
    const b = $('list-verify');
    const busy = [JOB.SUBMITTING, JOB.RUNNING, JOB.FETCHING].includes(this.job.state);
    b.disabled = n === 0 || busy;
    b.textContent = busy ? 'Verifying…' : n ? `Verify ${n.toLocaleString('en')} address${n === 1 ? '' : 'es'}` : 'Verify';
  }

  updateProgress() {
    const j = this.job;
    const bar = $('progress');
    const pct = j.total ? Math.min(100, Math.round((j.done / j.total) * 100)) : 0;
    const shown = j.state === JOB.DONE ? 100 : pct;
    $('progress-fill').style.width = `${shown}%`;
    bar.setAttribute('aria-valuenow', String(shown));
    bar.dataset.state = barState(j);
    const note = this.waitNote
      || (Date.now() - (this.lastNews ?? Date.now()) > this.slowAfterMs ? 'the prober is slow to answer, still waiting…' : '');
    $('progress-label').textContent = progressText(j, { statuses: STATUSES, note });
  }

  scheduleRender() {
    if (this.renderQueued) return;
    this.renderQueued = true;
    requestAnimationFrame(() => { this.renderQueued = false; this.invalidate(); this.render(); });
  }

  invalidate() { this.view = null; }

  statusOf(row) { return statusOf(row); }

  counts() { return countByStatus(this.rows); }

  /** The rows passing the filter and search, sorted; cached until something changes. */
  visibleRows() {
    this.view ??= selectRows(this.rows, { filter: this.filter, search: this.search, sort: this.sort });
    return this.view;
  }

  render() {
    const has = this.rows.length > 0;
    $('results-area').hidden = !has;
    this.renderTriage();
    this.updateVerifyButton();
    this.updateProgress();
    if (!has) return;
    const counts = this.counts();
    drawStatusChart($('chart'), counts);
    $('chart-total').textContent = `· ${this.rows.length.toLocaleString('en')} address${this.rows.length === 1 ? '' : 'es'}${counts.pending ? `, ${counts.pending.toLocaleString('en')} being checked` : ''}`;
    this.renderFilters(counts);
    this.renderTable();
    // The button says what it will write: every row, or the filtered ones.
    const shown = this.visibleRows().length;
    const what = this.filter === 'all' && !this.search ? `all ${shown.toLocaleString('en')}` : `${shown.toLocaleString('en')} shown`;
    $('export-csv').textContent = `Download ${what} row${shown === 1 ? '' : 's'} (CSV)`;
    const keep = keepRows(this.rows).length;
    $('export-keep').textContent = `Download ${keep.toLocaleString('en')} address${keep === 1 ? '' : 'es'} to keep`;
  }

  renderTriage() {
    const p = this.parsed;
    const box = $('triage');
    if (!p || (!p.entries.length && !p.duplicates)) { box.replaceChildren(); return; }
    const { invalid, typos, disposable } = this.localCounts;
    const items = [
      ['unique', 'unique addresses', this.rows.length],
      ['duplicates', 'duplicates dropped', p.duplicates],
      ['invalid', 'invalid syntax', invalid],
      ['typos', 'likely typos', typos],
      ['disposable', 'disposable', disposable],
      ['to-verify', 'to verify', this.rows.length - invalid],
    ];
    const frag = document.createDocumentFragment();
    for (const [key, label, n] of items) {
      const d = document.createElement('div');
      d.className = `stat stat-${key}${n === 0 ? ' stat-zero' : ''}`;
      d.dataset.testid = `triage-${key}`;
      d.innerHTML = '<strong></strong><span></span>';
      d.firstChild.textContent = n.toLocaleString('en');
      d.lastChild.textContent = label;
      frag.append(d);
    }
    const note = document.createElement('p');
    note.className = 'muted small triage-note';
    frag.append(note);
    box.replaceChildren(frag);
    this.renderTriageNote();
  }

  /** "Read N lines … in N ms": the time from the drop (or paste) to this summary. */
  renderTriageNote() {
    const p = this.parsed;
    const note = $('triage').querySelector('.triage-note');
    if (!p || !note) return;
    const col = p.delimiter ? `column “${p.columnName ?? p.column + 1}” of a ${{ ',': 'comma', ';': 'semicolon', '\t': 'tab', '|': 'pipe' }[p.delimiter]}-separated file` : 'one address per line';
    const ms = this.triageMs === null ? '' : ` in ${Math.max(1, Math.round(this.triageMs)).toLocaleString('en')} ms`;
    note.textContent = `Read ${p.lines.toLocaleString('en')} lines (${col}) and checked them locally${ms}.${p.cut ? ' The list was cut at 200,000 addresses.' : ''}`;
  }

  renderFilters(counts = this.counts()) {
    const box = $('filters');
    const options = [['all', 'All', this.rows.length], ...STATUSES.map((s) => [s, STATUS_LABEL[s], counts[s]])];
    if (counts.pending) options.push(['pending', 'Checking', counts.pending]);
    if (this.filter !== 'all' && !options.some((o) => o[0] === this.filter)) this.filter = 'all';
    const frag = document.createDocumentFragment();
    for (const [value, label, n] of options) {
      const b = document.createElement('button');
      b.type = 'button';
      b.className = `filter st-${value}`;
      // Toggle buttons, each reachable with Tab (a radiogroup would owe arrow-key handling).
      b.setAttribute('aria-pressed', String(this.filter === value));
      b.dataset.filter = value;
      b.dataset.testid = `filter-${value}`;
      b.innerHTML = '<span class="dot"></span><span class="flabel"></span><span class="fcount"></span>';
      b.querySelector('.flabel').textContent = label;
      b.querySelector('.fcount').textContent = n.toLocaleString('en');
      b.addEventListener('click', () => { this.filter = value; this.invalidate(); this.page = 0; this.render(); });
      frag.append(b);
    }
    // Re-rendered on every change: keep the keyboard focus on the same filter.
    const focused = box.contains(document.activeElement) ? document.activeElement.dataset.filter : null;
    box.replaceChildren(frag);
    if (focused) box.querySelector(`[data-filter="${focused}"]`)?.focus();
  }

  /** Only one page of rows is ever in the DOM, so 50,000 rows cost what 100 do. */
  renderTable() {
    const rows = this.visibleRows();
    const pages = Math.max(1, Math.ceil(rows.length / PAGE_SIZE));
    this.page = Math.min(Math.max(0, this.page), pages - 1);
    const start = this.page * PAGE_SIZE;
    const slice = rows.slice(start, start + PAGE_SIZE);
    const body = $('results-body');
    const frag = document.createDocumentFragment();
    for (const row of slice) {
      const r = resultOf(row);
      const status = this.statusOf(row);
      const tr = document.createElement('tr');
      tr.dataset.status = status;
      tr.dataset.email = row.email;
      const cells = [String(row.n), row.email, '', reasonText(r), r.suggestion ?? '', mxHost(r), smtpReply(r)];
      cells.forEach((text, k) => {
        const td = document.createElement('td');
        if (k === 2) {
          const badge = document.createElement('span');
          badge.className = `badge st-${status}`;
          badge.textContent = status === 'pending' ? 'checking…' : status;
          td.append(badge);
        } else if (k === 6 && text) {
          // Two lines of the server's reply at most; the full text is the title and in the CSV.
          const clamp = document.createElement('span');
          clamp.className = 'clamp';
          clamp.textContent = text;
          td.title = text;
          td.append(clamp);
        } else {
          td.textContent = text;
          if (k === 3) td.title = text;
          if (k === 3 && r.suggestion) {
            // Phones hide the suggestion column; the reason cell carries it there.
            const s = document.createElement('span');
            s.className = 'sugg-inline';
            s.textContent = `did you mean ${r.suggestion}?`;
            td.append(s);
          }
        }
        td.className = ['num', 'addr', 'status', 'reason', 'sugg', 'mx', 'smtp'][k];
        tr.append(td);
      });
      frag.append(tr);
    }
    if (!slice.length) {
      const tr = document.createElement('tr');
      const td = document.createElement('td');
      td.colSpan = 7;
      td.className = 'empty';
      td.textContent = 'No address matches this filter.';
      tr.append(td);
      frag.append(tr);
    }
    body.replaceChildren(frag);
    // The phone's select shows the header's sort when it has that option.
    const select = $('sort-select');
    const wanted = `${this.sort.key}:${this.sort.dir}`;
    if ([...select.options].some((o) => o.value === wanted)) select.value = wanted;
    for (const th of document.querySelectorAll('#results th[data-sort]')) {
      th.setAttribute('aria-sort', th.dataset.sort === this.sort.key ? (this.sort.dir === 1 ? 'ascending' : 'descending') : 'none');
    }
    $('page-info').textContent = rows.length
      ? `${(start + 1).toLocaleString('en')}–${(start + slice.length).toLocaleString('en')} of ${rows.length.toLocaleString('en')}`
      : '0 rows';
    $('page-prev').disabled = this.page === 0;
    $('page-next').disabled = this.page >= pages - 1;
    $('pager').hidden = rows.length <= PAGE_SIZE;
  }

  // ---- export -------------------------------------------------------------

  exportShown() {
    download(resultsCsv(this.visibleRows()), this.filter === 'all' ? 'mailprobe-results.csv' : `mailprobe-${this.filter}.csv`);
  }

  exportKeep() { download(keepCsv(this.rows), 'mailprobe-keep.csv'); }
}

function download(text, filename) {
  const url = URL.createObjectURL(new Blob([text], { type: 'text/csv;charset=utf-8' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}
