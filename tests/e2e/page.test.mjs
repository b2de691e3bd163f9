// The web page in a real browser (Debian's Chromium via playwright-core)
// against a real `mailprobe serve` and the loopback fixture: the sign-up
// widget, the list tool from paste to exported CSV, the prober-unreachable
// path, and screenshots at desktop and phone widths.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { startServe, launchBrowser, watchErrors, freePort, ensureArtifactsDir } from './helpers.mjs';

let serve;
let browser;

before(async () => {
  serve = await startServe();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await serve?.stop();
});

/** Opens the page and waits until the WebAssembly checker is ready. */
async function openPage(query = '', viewport = { width: 1280, height: 800 }) {
  const page = await browser.context.newPage();
  await page.setViewportSize(viewport);
  const errors = watchErrors(page);
  await page.goto(`${serve.url}/${query}`);
  await page.waitForSelector('html[data-ready=true]', { timeout: 15000 });
  return { page, errors };
}

const MIXED_LIST = [
  'email,name',
  'alice@known.mptest,Alice',
  'nobody@known.mptest,Nobody',
  'x@catchall.mptest,Catch-all',
  'blocked@access.mptest,Blocked',
  'not an address,Broken',
  ' Alice@KNOWN.mptest ,Duplicate of Alice',
  '',
].join('\n');

const EXPECTED = {
  'alice@known.mptest': 'deliverable',
  'nobody@known.mptest': 'undeliverable',
  'x@catchall.mptest': 'risky',
  'blocked@access.mptest': 'unknown',
  'not an address': 'undeliverable',
};

async function tableStatuses(page) {
  return page.$$eval('[data-testid=results] tbody tr[data-email]', (trs) =>
    Object.fromEntries(trs.map((tr) => [tr.dataset.email, tr.dataset.status])));
}

async function readDownload(page, testid) {
  const [download] = await Promise.all([page.waitForEvent('download'), page.click(`[data-testid=${testid}]`)]);
  return { name: download.suggestedFilename(), text: readFileSync(await download.path(), 'utf8') };
}

/** Minimal CSV reader for the checks (quoted fields, CRLF). */
function parseCsv(text) {
  const rows = [];
  let row = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { cell += '"'; i++; } else if (c === '"') quoted = false; else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') { row.push(cell); cell = ''; } else if (c === '\r') { /* CRLF */ } else if (c === '\n') { row.push(cell); rows.push(row); row = []; cell = ''; } else cell += c;
  }
  if (cell !== '' || row.length) { row.push(cell); rows.push(row); }
  return rows;
}

test('typing a typo shows "Did you mean" within 200 ms, and clicking it fixes the field', async () => {
  const { page, errors } = await openPage();
  const input = page.getByTestId('signup-email');
  await input.click();
  await input.pressSequentially('someone@gmial.com', { delay: 15 });
  const t0 = Date.now();
  const fix = page.locator('[data-testid=signup-message] button');
  await fix.waitFor({ state: 'visible', timeout: 2000 });
  const elapsed = Date.now() - t0;
  assert.ok(elapsed <= 200, `suggestion took ${elapsed} ms`);
  assert.equal(await fix.textContent(), 'someone@gmail.com');
  assert.match(await page.getByTestId('signup-message').textContent(), /Did you mean someone@gmail\.com\?/);
  // The message region is announced and tied to the field.
  const hintId = await page.getByTestId('signup-message').getAttribute('id');
  assert.equal(await page.getByTestId('signup-message').getAttribute('aria-live'), 'polite');
  assert.ok((await input.getAttribute('aria-describedby')).split(' ').includes(hintId));
  await fix.click();
  assert.equal(await input.inputValue(), 'someone@gmail.com');
  await page.waitForFunction(() => !document.querySelector('[data-testid=signup-message] button'));
  assert.equal(await page.getByTestId('signup-message').getAttribute('data-code'), 'ok');
  // Keyboard: the fix button is reachable and operable with Enter.
  await input.fill('');
  await input.pressSequentially('ann@hotmial.com', { delay: 10 });
  await fix.waitFor({ state: 'visible' });
  await fix.focus();
  await page.keyboard.press('Enter');
  assert.equal(await input.inputValue(), 'ann@hotmail.com');
  assert.deepEqual(errors, []);
  await page.close();
});

test('invalid syntax is explained in plain words and marks the field invalid', async () => {
  const { page, errors } = await openPage();
  const input = page.getByTestId('signup-email');
  await input.fill('jane doe@example.org');
  await page.waitForFunction(() => document.querySelector('[data-testid=signup-message]').dataset.level === 'error');
  assert.match(await page.getByTestId('signup-message').textContent(), /contains a space/);
  assert.equal(await input.getAttribute('aria-invalid'), 'true');
  // "Not finished yet" stays quiet while typing, and is said on blur.
  await input.fill('jane');
  await page.waitForTimeout(250);
  assert.equal((await page.getByTestId('signup-message').textContent()).trim(), '');
  await page.getByLabel('Name').focus();
  assert.match(await page.getByTestId('signup-message').textContent(), /missing the @ sign/);
  assert.deepEqual(errors, []);
  await page.close();
});

test('a disposable address warns', async () => {
  const { page, errors } = await openPage();
  await page.getByTestId('signup-email').fill('me@mailinator.com');
  await page.waitForFunction(() => document.querySelector('[data-testid=signup-message]').dataset.code === 'disposable');
  assert.match(await page.getByTestId('signup-message').textContent(), /throw-away address/);
  assert.equal(await page.getByTestId('signup-email').getAttribute('aria-invalid'), null);
  assert.deepEqual(errors, []);
  await page.close();
});

test('server verification on blur reports the mailbox verdict', async () => {
  const { page, errors } = await openPage();
  await page.getByTestId('signup-email').fill('nobody@known.mptest');
  await page.getByLabel('Name').focus();
  await page.waitForFunction(() => document.querySelector('[data-testid=signup-message]').dataset.code === 'remote_undeliverable', null, { timeout: 30000 });
  assert.match(await page.getByTestId('signup-message').textContent(), /does not exist/);
  assert.deepEqual(errors, []);
  await page.close();
});

test('a pasted mixed list is triaged locally, verified, filtered, exported', async () => {
  const { page, errors } = await openPage();
  await page.getByTestId('list-input').fill(MIXED_LIST);
  // Local triage: 5 unique (one duplicate dropped), 1 invalid, 4 to verify.
  await page.waitForFunction(() => document.querySelector('[data-testid=triage-unique] strong')?.textContent === '5');
  assert.equal(await page.locator('[data-testid=triage-duplicates] strong').textContent(), '1');
  assert.equal(await page.locator('[data-testid=triage-invalid] strong').textContent(), '1');
  assert.equal(await page.getByTestId('list-verify').textContent(), 'Verify 4 addresses');
  assert.equal((await tableStatuses(page))['not an address'], 'undeliverable');

  await page.getByTestId('list-verify').click();
  await page.waitForFunction(() => document.querySelector('[data-testid=progress]').dataset.state === 'done', null, { timeout: 90000 });
  assert.equal(await page.getByTestId('progress').getAttribute('aria-valuenow'), '100');
  assert.deepEqual(await tableStatuses(page), EXPECTED);
  // The MX host and SMTP reply columns are filled from the prober.
  const alice = page.locator('tr[data-email="alice@known.mptest"]');
  assert.equal(await alice.locator('td.mx').textContent(), 'mx1.known.mptest');
  assert.match(await page.locator('tr[data-email="nobody@known.mptest"] td.smtp').textContent(), /^550 /);
  // The chart counts by status.
  assert.match(await page.locator('[data-testid=chart] svg title').textContent(), /Deliverable: 1, Risky: 1, Unknown: 1, Undeliverable: 2/);

  // Filter: only the undeliverable rows, in the table and in the export.
  await page.getByTestId('filter-undeliverable').click();
  assert.deepEqual(Object.keys(await tableStatuses(page)).sort(), ['nobody@known.mptest', 'not an address']);
  const shown = await readDownload(page, 'export-csv');
  assert.equal(shown.name, 'mailprobe-undeliverable.csv');
  const rows = parseCsv(shown.text);
  assert.deepEqual(rows[0].slice(0, 4), ['email', 'status', 'reason', 'action']);
  assert.deepEqual(rows.slice(1).map((r) => [r[0], r[1], r[2]]), [
    ['nobody@known.mptest', 'undeliverable', 'mailbox_not_found'],
    ['not an address', 'undeliverable', 'invalid_syntax'],
  ]);
  const smtpCol = rows[0].indexOf('smtp_code');
  assert.equal(rows[1][smtpCol], '550');

  // Sorting by address, descending, on the full list.
  await page.getByTestId('filter-all').click();
  await page.click('th[data-sort=email] button');
  await page.click('th[data-sort=email] button');
  const order = await page.$$eval('[data-testid=results] tbody tr', (trs) => trs.map((tr) => tr.dataset.email));
  assert.deepEqual(order, ['x@catchall.mptest', 'not an address', 'nobody@known.mptest', 'blocked@access.mptest', 'alice@known.mptest']);

  // "To keep": everything not proven undeliverable, each address once.
  const keep = await readDownload(page, 'export-keep');
  assert.deepEqual(parseCsv(keep.text), [['email'], ['alice@known.mptest'], ['x@catchall.mptest'], ['blocked@access.mptest']]);
  assert.deepEqual(errors, []);

  const dir = ensureArtifactsDir();
  await page.locator('#list').scrollIntoViewIfNeeded();
  await page.waitForTimeout(400);
  await page.screenshot({ path: path.join(dir, 'desktop-list.png') });
  await page.close();
});

test('an unreachable prober shows a message and a retry, and keeps the local triage', async () => {
  const closed = await freePort();
  const { page, errors } = await openPage(`?api=http://127.0.0.1:${closed}`);
  await page.getByTestId('list-input').fill('alice@known.mptest\nbad address\n');
  await page.waitForFunction(() => document.querySelector('[data-testid=triage-unique] strong')?.textContent === '2');
  await page.getByTestId('list-verify').click();
  const notice = page.getByTestId('list-notice');
  await notice.waitFor({ state: 'visible', timeout: 20000 });
  assert.match(await notice.textContent(), /Cannot reach the prober/);
  assert.match(await notice.textContent(), new RegExp(`127\\.0\\.0\\.1:${closed}`));
  assert.ok(await page.getByTestId('list-retry').isVisible());
  // Nothing lost: the local verdicts are still in the table.
  assert.deepEqual(await tableStatuses(page), { 'alice@known.mptest': 'unknown', 'bad address': 'undeliverable' });
  // Retry against the same closed port fails the same way, cleanly.
  await page.getByTestId('list-retry').click();
  await notice.waitFor({ state: 'visible', timeout: 20000 });
  // Only the refused connections themselves may be logged.
  assert.deepEqual(errors.filter((e) => !/ERR_CONNECTION_REFUSED/.test(e)), []);
  await page.close();
});

test('screenshots at desktop (1280×800) and phone (390×844) widths', async () => {
  const dir = ensureArtifactsDir();
  for (const [name, viewport] of [['desktop', { width: 1280, height: 800 }], ['phone', { width: 390, height: 844 }]]) {
    const { page, errors } = await openPage('', viewport);
    const input = page.getByTestId('signup-email');
    await input.pressSequentially('someone@gmial.com', { delay: 5 });
    await page.locator('[data-testid=signup-message] button').waitFor();
    await page.screenshot({ path: path.join(dir, `${name}.png`) });
    await page.getByTestId('list-input').fill(MIXED_LIST);
    await page.getByTestId('list-verify').click();
    await page.waitForFunction(() => document.querySelector('[data-testid=progress]').dataset.state === 'done', null, { timeout: 90000 });
    // Scrolled to the top (the sticky bar would land mid-page otherwise), bar filled.
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.waitForTimeout(400);
    await page.screenshot({ path: path.join(dir, `${name}-full.png`), fullPage: true });
    // No horizontal scrolling of the page itself at this width.
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `${name}: page is ${overflow}px wider than the viewport`);
    assert.deepEqual(errors, []);
    await page.close();
  }
});
