// progress.js — the words under the list tool's progress bar, as data: the
// page's job follow-up states and, for each, the line that says where the
// job is. Pure (no DOM, the clock passed in) so Node tests read every case.

/** Job follow-up states of the page; `failed` keeps what is needed to retry. */
export const JOB = Object.freeze({
  IDLE: 'idle', SUBMITTING: 'submitting', RUNNING: 'running', FETCHING: 'fetching',
  DONE: 'done', FAILED: 'failed', CANCELLED: 'cancelled',
});

const n = (v) => (v ?? 0).toLocaleString('en');
const twoDigits = (v) => String(v).padStart(2, '0');

/** A unix time (seconds) as the local wall-clock time "14:05". */
export function clockTime(unixSeconds) {
  const d = new Date(unixSeconds * 1000);
  return `${twoDigits(d.getHours())}:${twoDigits(d.getMinutes())}`;
}

/** How long until `unixSeconds` from `nowMs` (milliseconds): "5 s", "4 min", "1 h 5 min"; null when due. */
export function timeUntil(unixSeconds, nowMs) {
  const s = Math.ceil(unixSeconds - nowMs / 1000);
  if (s <= 0) return null;
  if (s < 60) return `${s} s`;
  const min = Math.ceil(s / 60);
  return min < 60 ? `${min} min` : `${Math.floor(min / 60)} h${min % 60 ? ` ${min % 60} min` : ''}`;
}

/**
 * The clause for a job's addresses that only had temporary answers so far
 * (greylisting, 421/451, timeouts) and wait on the prober's retry schedule
 * (the API's `retrying` and `next_retry_at`, docs/scale-out.md): "266
 * waiting to be asked again (greylisting / temporary answers), next attempt
 * at 14:05 (in 4 min)". Empty when none wait.
 * @param {number} retrying  addresses waiting
 * @param {number|null} nextRetryAt  unix seconds of the next attempt, or null
 * @param {number} nowMs  the page's clock (Date.now())
 */
export function retryClause(retrying, nextRetryAt, nowMs) {
  if (!(retrying > 0)) return '';
  const head = `${n(retrying)} waiting to be asked again (greylisting / temporary answers)`;
  if (typeof nextRetryAt !== 'number' || !(nextRetryAt > 0)) return head;
  const left = timeUntil(nextRetryAt, nowMs);
  return left ? `${head}, next attempt at ${clockTime(nextRetryAt)} (in ${left})` : `${head}, being asked again now`;
}

/**
 * What the progress bar shows as its state (its data-state): the page's
 * state, except `retrying` while the job runs and every address without a
 * result waits for its next attempt (the server's word for that).
 */
export function barState(job) {
  return job.state === JOB.RUNNING && job.serverState === 'retrying' ? 'retrying' : job.state;
}

/**
 * The progress line for the page's job.
 * @param {{state: string, done: number, total: number, fetched?: number, counts?: object,
 *   retrying?: number, nextRetryAt?: number|null}} job
 * @param {{statuses: string[], note?: string, nowMs?: number}} options  the statuses to count in
 *   order; `note` is appended (a wait, a slow prober)
 */
export function progressText(job, { statuses, note = '', nowMs = Date.now() }) {
  const counts = statuses.filter((s) => job.counts?.[s]).map((s) => `${n(job.counts[s])} ${s}`).join(' · ');
  const withCounts = counts ? ` — ${counts}` : '';
  const tail = note ? ` — ${note}` : '';
  switch (job.state) {
    case JOB.SUBMITTING: return `Sending ${n(job.total)} addresses to the prober…${tail}`;
    case JOB.RUNNING: {
      const waiting = retryClause(job.retrying, job.nextRetryAt, nowMs);
      // Addresses on the retry schedule: say how many are final and why the
      // rest wait, so a job that sits still for minutes reads as on schedule.
      if (waiting) return `${n(job.done)} of ${n(job.total)} done${withCounts} — ${waiting}${tail}`;
      return `Checked ${n(job.done)} of ${n(job.total)}${withCounts}${tail}`;
    }
    case JOB.FETCHING: return `Collecting results… ${n(job.fetched)} of ${n(job.total)}${tail}`;
    case JOB.DONE: return `Done: ${n(job.total)} verified${withCounts}.`;
    case JOB.FAILED: return `Stopped at ${n(job.done)} of ${n(job.total)}.`;
    case JOB.CANCELLED: return `Cancelled at ${n(job.done)} of ${n(job.total)}.`;
    default: return '';
  }
}
