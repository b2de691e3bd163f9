// The page when the prober's DNS resolver lies (Debian's Chromium against a
// real `mailprobe serve` whose --dns is the fixture's lying unbound, which
// answers NXDOMAIN for everything outside the test zones): a clear banner
// instead of a table of false undeliverables; and no banner with the
// honest resolver. The banner is web/resolver.js, fed by GET /healthz.
// ctest-labels: e2e browser fixture
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServe, launchBrowser, watchErrors, fixtureLiarDns } from './helpers.mjs';

let liar;
let honest;
let browser;

before(async () => {
  // Untrusted DNS answers are temporary: a job asks them again on the retry
  // schedule (5m,15m,45m by default) in case the resolver proves honest.
  // Off here, so the job ends with the answers the page must show.
  liar = await startServe(['--dns', fixtureLiarDns, '--retry-schedule', 'off']);
  honest = await startServe();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await liar?.stop();
  await honest?.stop();
});

async function openPage(server) {
  const page = await browser.context.newPage();
  const errors = watchErrors(page);
  await page.goto(`${server.url}/`);
  await page.waitForSelector('html[data-ready=true]', { timeout: 15000 });
  return { page, errors };
}

const LIST = ['jane@gmail.com', 'bob@outlook.com', 'x@acme-widgets.com', 'x@nosuch.mptest', 'alice@known.mptest'];

test('a lying resolver: a banner, and unknown instead of undeliverable', async () => {
  const { page, errors } = await openPage(liar);
  const banner = page.getByTestId('dns-banner');
  await banner.waitFor({ state: 'visible', timeout: 15000 });
  assert.match(await banner.textContent(), /The prober's DNS resolver is not answering honestly — results are marked unknown\./);
  assert.match(await banner.textContent(), /mailprobe serve --dns/);
  assert.equal(await banner.getAttribute('data-state'), 'lying');

  await page.getByTestId('list-input').fill(LIST.join('\n'));
  await page.waitForFunction(() => document.querySelector('[data-testid=triage-unique] strong')?.textContent === '5');
  await page.getByTestId('list-verify').click();
  await page.waitForFunction(() => document.querySelector('[data-testid=progress]').dataset.state === 'done', null, { timeout: 90000 });
  const rows = await page.$$eval('[data-testid=results] tbody tr[data-email]', (trs) =>
    Object.fromEntries(trs.map((tr) => [tr.dataset.email, [tr.dataset.status, tr.querySelector('td.reason').textContent]])));
  assert.deepEqual(rows, {
    'jane@gmail.com': ['unknown', 'DNS answer not trusted (try again)'],
    'bob@outlook.com': ['unknown', 'DNS answer not trusted (try again)'],
    'x@acme-widgets.com': ['unknown', 'DNS answer not trusted (try again)'],
    'x@nosuch.mptest': ['unknown', 'DNS answer not trusted (try again)'],
    'alice@known.mptest': ['deliverable', 'mailbox accepted'],
  });
  // Nobody is offered for removal on the liar's word.
  assert.equal(await page.getByTestId('export-keep').textContent(), 'Download 5 addresses to keep');
  assert.deepEqual(errors, []);
  await page.close();
});

test('an honest resolver: no banner, a missing domain is undeliverable', async () => {
  const { page, errors } = await openPage(honest);
  // The banner's first /healthz read has happened once the state is known.
  await page.waitForFunction(() => document.querySelector('[data-testid=dns-banner]').dataset.state === 'honest',
    null, { timeout: 15000 });
  assert.equal(await page.getByTestId('dns-banner').isVisible(), false);
  await page.getByTestId('list-input').fill('x@nosuch.mptest\nalice@known.mptest');
  await page.getByTestId('list-verify').click();
  await page.waitForFunction(() => document.querySelector('[data-testid=progress]').dataset.state === 'done', null, { timeout: 90000 });
  assert.equal(await page.locator('tr[data-email="x@nosuch.mptest"]').getAttribute('data-status'), 'undeliverable');
  assert.deepEqual(errors, []);
  await page.close();
});
