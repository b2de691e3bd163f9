// The list tool while a job waits on the prober's retry schedule, in a real
// browser (Debian's Chromium via playwright-core) against a real `mailprobe
// serve` and the loopback fixture's postgrey (grey.mptest, 3 s): greylisted
// addresses are asked again after the schedule's wait (here 5 s), and
// meanwhile the progress line says how many are done, how many wait and
// when the next attempt is — a job on schedule, neither stuck nor failed —
// then the normal done state follows with their real verdicts.
// ctest-labels: e2e browser fixture
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { startServe, launchBrowser, watchErrors, ensureArtifactsDir } from './helpers.mjs';

let serve;
let browser;

before(async () => {
  // A sender of its own: postgrey greylists each (client, sender, recipient)
  // once, and the fixture's postgrey outlives one test run.
  const sender = `page-retry-${process.pid}-${Date.now()}@fixture-test.mptest`;
  serve = await startServe(['--retry-schedule', '5s,5s', '--from', sender]);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await serve?.stop();
});

const LIST = ['alice@known.mptest', 'alice@grey.mptest', 'bob@grey.mptest', 'zed@grey.mptest'].join('\n');

async function tableStatuses(page) {
  return page.$$eval('[data-testid=results] tbody tr[data-email]', (trs) =>
    Object.fromEntries(trs.map((tr) => [tr.dataset.email, tr.dataset.status])));
}

test('greylisted addresses: the progress says how many wait to be asked again and when, then done', async () => {
  const page = await browser.context.newPage();
  const errors = watchErrors(page);
  await page.goto(`${serve.url}/`);
  await page.waitForSelector('html[data-ready=true]', { timeout: 15000 });
  await page.getByTestId('list-input').fill(LIST);
  await page.waitForFunction(() => document.querySelector('[data-testid=triage-unique] strong')?.textContent === '4');
  await page.getByTestId('list-verify').click();

  // The prober says `retrying` once every address without a result waits:
  // alice@known.mptest is final, the three at grey.mptest had 450s.
  const seen = await (await page.waitForFunction(() => {
    const label = document.getElementById('progress-label').textContent;
    if (document.querySelector('[data-testid=progress]').dataset.state !== 'retrying' || !/next attempt at/.test(label)) return null;
    const next = window.mailprobePage.tool.job.nextRetryAt;
    const d = new Date(next * 1000);
    return { label, next, clock: `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}` };
  }, null, { timeout: 30000, polling: 50 })).jsonValue();
  assert.match(seen.label, /^1 of 4 done — 1 deliverable — 3 waiting to be asked again \(greylisting \/ temporary answers\), next attempt at (\d\d:\d\d) \(in [1-9]\d* s\)$/);
  assert.equal(seen.label.match(/at (\d\d:\d\d)/)[1], seen.clock, 'the next attempt is the time the prober gave');
  // The time is the one the API gives, and in the next seconds (the schedule's first wait is 5 s).
  const now = Date.now() / 1000;
  assert.ok(seen.next > now - 2 && seen.next <= now + 6, `next_retry_at ${seen.next}, now ${now}`);
  // On schedule, not failed: no error notice, Cancel still offered, the three rows still being checked.
  assert.equal(await page.getByTestId('list-notice').isHidden(), true);
  assert.equal(await page.locator('#list-cancel').isVisible(), true);
  assert.equal(await page.getByTestId('list-verify').textContent(), 'Verifying…');
  assert.equal(await page.getByTestId('progress').getAttribute('aria-valuenow'), '25');
  // The rows sent say so until the results come (they come at the end).
  assert.deepEqual(Object.values(await tableStatuses(page)), ['pending', 'pending', 'pending', 'pending']);
  assert.match(await page.locator('#chart-total').textContent(), /4 being checked/);
  const dir = ensureArtifactsDir();
  await page.evaluate(() => window.scrollTo(0, document.getElementById('progress-box').getBoundingClientRect().top + window.scrollY - 76));
  await page.mouse.move(0, 0);
  await page.waitForTimeout(400);  // the bar's width transition
  await page.screenshot({ path: path.join(dir, 'desktop-retrying.png') });

  // After the wait postgrey lets the triplets through: the normal done state.
  await page.waitForFunction(() => document.querySelector('[data-testid=progress]').dataset.state === 'done', null, { timeout: 60000 });
  assert.equal(await page.locator('#progress-label').textContent(), 'Done: 4 verified — 3 deliverable · 1 undeliverable.');
  assert.equal(await page.getByTestId('progress').getAttribute('aria-valuenow'), '100');
  assert.deepEqual(await tableStatuses(page), {
    'alice@known.mptest': 'deliverable',
    'alice@grey.mptest': 'deliverable',
    'bob@grey.mptest': 'deliverable',
    'zed@grey.mptest': 'undeliverable',
  });
  assert.equal(await page.getByTestId('list-notice').isHidden(), true);
  assert.deepEqual(errors, []);
  await page.close();
});
