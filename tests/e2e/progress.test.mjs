// The list tool's progress line (web/progress.js) under Node: what it says
// in each state, and, for a job whose addresses wait on the prober's retry
// schedule (greylisting), how many wait and when the next attempt is.
// ctest-labels: e2e
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { JOB, clockTime, timeUntil, retryClause, barState, progressText } from '../../web/progress.js';

const STATUSES = ['deliverable', 'risky', 'unknown', 'undeliverable'];
// 14:05:00 local time; the page shows local wall-clock time.
const AT_1405 = new Date(2026, 11, 6, 14, 5, 0).getTime() / 1000;
const FOUR_MIN_BEFORE = (AT_1405 - 4 * 60) * 1000;

test('a unix time reads as the local wall-clock time, hours and minutes', () => {
  assert.equal(clockTime(AT_1405), '14:05');
  assert.equal(clockTime(new Date(2026, 0, 1, 9, 7, 59).getTime() / 1000), '09:07');
});

test('the time left is said in seconds, minutes, then hours; nothing once due', () => {
  const now = AT_1405 * 1000;
  assert.equal(timeUntil(AT_1405 + 5, now), '5 s');
  assert.equal(timeUntil(AT_1405 + 59, now), '59 s');
  assert.equal(timeUntil(AT_1405 + 60, now), '1 min');
  assert.equal(timeUntil(AT_1405 + 61, now), '2 min');
  assert.equal(timeUntil(AT_1405 + 3600, now), '1 h');
  assert.equal(timeUntil(AT_1405 + 3900, now), '1 h 5 min');
  assert.equal(timeUntil(AT_1405, now), null);
  assert.equal(timeUntil(AT_1405 - 30, now), null);
});

test('waiting addresses are counted, with why they wait and when the next attempt is', () => {
  assert.equal(retryClause(266, AT_1405, FOUR_MIN_BEFORE),
    '266 waiting to be asked again (greylisting / temporary answers), next attempt at 14:05 (in 4 min)');
  assert.equal(retryClause(1500, AT_1405, (AT_1405 - 10) * 1000),
    '1,500 waiting to be asked again (greylisting / temporary answers), next attempt at 14:05 (in 10 s)');
});

test('an attempt that is due says so, not a time in the past', () => {
  assert.equal(retryClause(3, AT_1405, (AT_1405 + 20) * 1000),
    '3 waiting to be asked again (greylisting / temporary answers), being asked again now');
});

test('nothing waiting, nothing said; an unknown next time leaves only the count', () => {
  assert.equal(retryClause(0, AT_1405, FOUR_MIN_BEFORE), '');
  assert.equal(retryClause(undefined, null, FOUR_MIN_BEFORE), '');
  assert.equal(retryClause(2, null, FOUR_MIN_BEFORE), '2 waiting to be asked again (greylisting / temporary answers)');
});

test('a running job with addresses on the retry schedule: done so far, the counts, then who waits', () => {
  const job = { state: JOB.RUNNING, done: 1234, total: 1500, counts: { deliverable: 1200, undeliverable: 34 },
    serverState: 'retrying', retrying: 266, nextRetryAt: AT_1405 };
  assert.equal(progressText(job, { statuses: STATUSES, nowMs: FOUR_MIN_BEFORE }),
    '1,234 of 1,500 done — 1,200 deliverable · 34 undeliverable — 266 waiting to be asked again (greylisting / temporary answers), next attempt at 14:05 (in 4 min)');
  assert.equal(barState(job), 'retrying');
  // Some still being probed, some waiting: the server says running; the line still says who waits.
  const mixed = { ...job, serverState: 'running', done: 1000, retrying: 200 };
  assert.match(progressText(mixed, { statuses: STATUSES, nowMs: FOUR_MIN_BEFORE }), /^1,000 of 1,500 done — .* — 200 waiting to be asked again/);
  assert.equal(barState(mixed), 'running');
});

test('a running job without waiting addresses, and the other states, read as before', () => {
  const job = { state: JOB.RUNNING, done: 2, total: 4, counts: { deliverable: 1, undeliverable: 1 }, retrying: 0, nextRetryAt: null };
  assert.equal(progressText(job, { statuses: STATUSES }), 'Checked 2 of 4 — 1 deliverable · 1 undeliverable');
  assert.equal(progressText(job, { statuses: STATUSES, note: 'the prober is slow to answer, still waiting…' }),
    'Checked 2 of 4 — 1 deliverable · 1 undeliverable — the prober is slow to answer, still waiting…');
  assert.equal(progressText({ ...job, state: JOB.DONE, counts: { deliverable: 3, undeliverable: 1 } }, { statuses: STATUSES }),
    'Done: 4 verified — 3 deliverable · 1 undeliverable.');
  assert.equal(progressText({ ...job, state: JOB.SUBMITTING }, { statuses: STATUSES }), 'Sending 4 addresses to the prober…');
  assert.equal(progressText({ ...job, state: JOB.FETCHING, fetched: 3 }, { statuses: STATUSES }), 'Collecting results… 3 of 4');
  assert.equal(progressText({ ...job, state: JOB.FAILED }, { statuses: STATUSES }), 'Stopped at 2 of 4.');
  assert.equal(progressText({ ...job, state: JOB.CANCELLED }, { statuses: STATUSES }), 'Cancelled at 2 of 4.');
  assert.equal(progressText({ ...job, state: JOB.IDLE }, { statuses: STATUSES }), '');
  // Done is done, whatever the server last said about retrying.
  assert.equal(barState({ ...job, state: JOB.DONE, serverState: 'retrying' }), 'done');
});
