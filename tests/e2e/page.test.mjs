// The web page in a real browser (Debian's Chromium via playwright-core)
// against a real `mailprobe serve` and the loopback fixture: the sign-up
// widget, the list tool from paste to exported CSV, what the page does when
// the prober is unreachable, slow, refuses the key (401) or the pace (429),
// and screenshots at desktop and phone widths.
// ctest-labels: e2e browser fixture
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { startServe, startStaticHost, launchBrowser, watchErrors, freePort, ensureArtifactsDir } from './helpers.mjs';

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
async function openPage(query = '', viewport = { width: 1280, height: 800 }, server = serve) {
  const page = await browser.context.newPage();
  await page.setViewportSize(viewport);
  const errors = watchErrors(page);
  await page.goto(`${server.url}/${query}`);
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

test('typing a typo shows "Did you mean" within 200 ms, and clicking it fixes the field', async (t) => {
  const { page, errors } = await openPage();
  const input = page.getByTestId('signup-email');
  // Measured in the page, from the last keystroke's input event to the fix
  // button entering the DOM, so the test's own round-trips do not count.
  await page.evaluate(() => {
    const hint = document.querySelector('[data-testid=signup-message]');
    window.latency = { lastInput: 0, shown: 0 };
    document.querySelector('[data-testid=signup-email]').addEventListener('input', () => { window.latency.lastInput = performance.now(); window.latency.shown = 0; });
    new MutationObserver(() => {
      if (hint.querySelector('button') && !window.latency.shown) window.latency.shown = performance.now();
    }).observe(hint, { childList: true, subtree: true });
  });
  await input.click();
  await input.pressSequentially('someone@gmial.com', { delay: 15 });
  const fix = page.locator('[data-testid=signup-message] button');
  await fix.waitFor({ state: 'visible', timeout: 2000 });
  const { lastInput, shown } = await page.evaluate(() => window.latency);
  const elapsed = shown - lastInput;
  assert.ok(shown > 0 && elapsed >= 0 && elapsed <= 200, `suggestion took ${elapsed} ms after the last keystroke`);
  t.diagnostic(`suggestion shown ${elapsed.toFixed(1)} ms after the last keystroke (debounce 80 ms)`);
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

/** Waits until the sign-up message carries `code` (data-code). */
function messageCode(page, code) {
  return page.waitForFunction((c) => document.querySelector('[data-testid=signup-message]').dataset.code === c, code, { timeout: 5000 });
}

test('a disposable address warns', async () => {
  const { page, errors } = await openPage();
  await page.getByTestId('signup-email').fill('me@mailinator.com');
  await messageCode(page, 'disposable');
  assert.match(await page.getByTestId('signup-message').textContent(), /throw-away address/);
  assert.equal(await page.getByTestId('signup-message').getAttribute('data-level'), 'warning');
  // A warning, not an error: the field is not marked invalid.
  assert.equal(await page.getByTestId('signup-email').getAttribute('aria-invalid'), null);
  assert.deepEqual(errors, []);
  await page.close();
});

test('a domain ending that is no TLD in use warns on blur, not while typing', async () => {
  const { page, errors } = await openPage();
  const input = page.getByTestId('signup-email');
  await input.fill('ann@shop.comx');
  await page.waitForTimeout(250);
  assert.notEqual(await page.getByTestId('signup-message').getAttribute('data-code'), 'unknown_tld');
  await page.getByLabel('Name').focus();
  await messageCode(page, 'unknown_tld');
  assert.match(await page.getByTestId('signup-message').textContent(), /domain ending does not exist/);
  assert.equal(await page.getByTestId('signup-message').getAttribute('data-level'), 'warning');
  await input.fill('ann@shop.com');
  await messageCode(page, 'ok');
  assert.deepEqual(errors, []);
  await page.close();
});

test('a role address warns', async () => {
  const { page, errors } = await openPage();
  await page.getByTestId('signup-email').fill('sales@outlook.com');
  await messageCode(page, 'role');
  assert.match(await page.getByTestId('signup-message').textContent(), /shared address/);
  assert.equal(await page.getByTestId('signup-message').getAttribute('data-level'), 'warning');
  // A personal address at the same provider is fine.
  await page.getByTestId('signup-email').fill('ann.smith@outlook.com');
  await messageCode(page, 'ok');
  assert.deepEqual(errors, []);
  await page.close();
});

test('messages never move the rest of the form (no layout jump while typing)', async () => {
  for (const viewport of [{ width: 1280, height: 800 }, { width: 390, height: 844 }]) {
    const { page, errors } = await openPage('', viewport);
    const input = page.getByTestId('signup-email');
    const submitY = () => page.$eval('#signup-form button[type=submit]', (b) => b.getBoundingClientRect().top + window.scrollY);
    const before = await submitY();
    // The longest messages the form can show: typo with its fix, role, disposable, a syntax error.
    for (const [value, code] of [['someone@gmial.com', 'suggestion'], ['info@outlook.com', 'role'],
      ['me@mailinator.com', 'disposable'], ['jane doe@example.org', 'whitespace'], ['ann@gmail.com', 'ok']]) {
      await input.fill(value);
      await messageCode(page, code);
      assert.equal(await submitY(), before, `${viewport.width}px: the form moved for ${value}`);
    }
    assert.deepEqual(errors, []);
    await page.close();
  }
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
  // The chart counts by status: its summary, each bar's label, and bar lengths in proportion.
  assert.match(await page.locator('[data-testid=chart] svg title').textContent(), /Deliverable: 1, Risky: 1, Unknown: 1, Undeliverable: 2/);
  const bars = await page.$$eval('[data-testid=chart] g[data-status]', (gs) => Object.fromEntries(gs.map((g) =>
    [g.dataset.status, [g.querySelector('.chart-count').textContent, Number(g.querySelector('.chart-bar').getAttribute('width'))]])));
  assert.equal(bars.deliverable[0], '1 · 20%');
  assert.equal(bars.undeliverable[0], '2 · 40%');
  assert.equal(bars.risky[0], '1 · 20%');
  assert.equal(bars.unknown[0], '1 · 20%');
  assert.ok(Math.abs(bars.undeliverable[1] - 2 * bars.deliverable[1]) <= 1, `bar widths ${JSON.stringify(bars)}`);

  // Export of all rows: every address once, in input order, with the prober's evidence.
  assert.equal(await page.getByTestId('export-csv').textContent(), 'Download all 5 rows (CSV)');
  assert.equal(await page.getByTestId('export-keep').textContent(), 'Download 3 addresses to keep');
  const all = await readDownload(page, 'export-csv');
  assert.equal(all.name, 'mailprobe-results.csv');
  assert.ok(all.text.endsWith('\r\n'));
  const allRows = parseCsv(all.text);
  const col = Object.fromEntries(allRows[0].map((name, k) => [name, k]));
  // The one result column set (docs/result-schema.md, "CSV"), as the prober's CSV has it, then the page's two.
  assert.deepEqual(allRows[0], ['email', 'status', 'reason', 'action', 'score', 'syntax_reason', 'normalized', 'suggestion',
    'disposable', 'role', 'free', 'unknown_tld', 'provider', 'mx_host', 'smtp_result', 'smtp_code', 'smtp_enhanced_code',
    'smtp_message', 'catch_all', 'retry_after', 'verified', 'source_line']);
  assert.deepEqual(allRows.slice(1).map((r) => [r[col.email], r[col.status], r[col.reason], r[col.verified], r[col.source_line]]), [
    ['alice@known.mptest', 'deliverable', 'accepted', 'yes', '2'],
    ['nobody@known.mptest', 'undeliverable', 'mailbox_not_found', 'yes', '3'],
    ['x@catchall.mptest', 'risky', 'catch_all', 'yes', '4'],
    ['blocked@access.mptest', 'unknown', 'blocked', 'yes', '5'],
    ['not an address', 'undeliverable', 'invalid_syntax', 'no', '6'],
  ]);
  assert.equal(allRows[1][col.mx_host], 'mx1.known.mptest');
  assert.equal(allRows[4][col.smtp_enhanced_code], '5.7.1');
  assert.match(allRows[4][col.smtp_message], /spamhaus/);

  // Filter: only the undeliverable rows, in the table and in the export.
  await page.getByTestId('filter-undeliverable').click();
  assert.equal(await page.getByTestId('filter-undeliverable').getAttribute('aria-pressed'), 'true');
  assert.equal(await page.getByTestId('filter-all').getAttribute('aria-pressed'), 'false');
  assert.deepEqual(Object.keys(await tableStatuses(page)).sort(), ['nobody@known.mptest', 'not an address']);
  assert.equal(await page.getByTestId('export-csv').textContent(), 'Download 2 shown rows (CSV)');
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

  // Filters work from the keyboard, and the focus stays on the pressed one.
  await page.getByTestId('filter-risky').focus();
  await page.keyboard.press('Enter');
  assert.deepEqual(Object.keys(await tableStatuses(page)), ['x@catchall.mptest']);
  assert.equal(await page.evaluate(() => document.activeElement.dataset.filter), 'risky');

  // "To keep": everything not proven undeliverable, each address once.
  const keep = await readDownload(page, 'export-keep');
  assert.deepEqual(parseCsv(keep.text), [['email'], ['alice@known.mptest'], ['x@catchall.mptest'], ['blocked@access.mptest']]);
  assert.deepEqual(errors, []);

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
  await notice.scrollIntoViewIfNeeded();
  await page.screenshot({ path: path.join(ensureArtifactsDir(), 'desktop-unreachable.png') });
  // Retry against the same closed port fails the same way, cleanly.
  await page.getByTestId('list-retry').click();
  await page.waitForFunction(() => document.querySelector('[data-testid=progress]').dataset.state === 'failed', null, { timeout: 20000 });
  assert.ok(await notice.isVisible());
  // Only the refused connections themselves may be logged.
  assert.deepEqual(errors.filter((e) => !/ERR_CONNECTION_REFUSED/.test(e)), []);
  await page.close();
});

/** Network noise Chromium logs as console errors for refused requests; anything else is a bug. */
const expectedNetworkError = (codes) => (e) => !codes.some((c) => e.includes(c));

/** Pastes `text`, waits for the local triage of `unique` addresses, presses Verify, waits until done. */
async function verifyList(page, text, unique, { timeout = 90000 } = {}) {
  await page.getByTestId('list-input').fill(text);
  await page.waitForFunction((n) => document.querySelector('[data-testid=triage-unique] strong')?.textContent === n, String(unique));
  await page.getByTestId('list-verify').click();
  await page.waitForFunction(() => document.querySelector('[data-testid=progress]').dataset.state === 'done', null, { timeout });
}

test('a dropped CSV file is read: address column found, duplicates dropped, checked locally', async () => {
  const { page, errors } = await openPage();
  const csv = 'id;Name;E-Mail-Adresse\r\n1;Ann;ann@gmail.com\r\n2;Bob;bob@gmal.com\r\n3;Ann again;ANN@gmail.com\r\n4;Eve;eve@mailinator.com\r\n';
  await page.evaluate((text) => {
    const dt = new DataTransfer();
    dt.items.add(new File([text], 'contacts.csv', { type: 'text/csv' }));
    document.getElementById('drop-zone').dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
  }, csv);
  await page.waitForFunction(() => document.querySelector('[data-testid=triage-unique] strong')?.textContent === '3');
  assert.equal(await page.locator('[data-testid=triage-duplicates] strong').textContent(), '1');
  assert.equal(await page.locator('[data-testid=triage-typos] strong').textContent(), '1');
  assert.equal(await page.locator('[data-testid=triage-disposable] strong').textContent(), '1');
  assert.match(await page.getByTestId('triage').textContent(), /column “E-Mail-Adresse” of a semicolon-separated file/);
  assert.deepEqual(Object.keys(await tableStatuses(page)), ['ann@gmail.com', 'bob@gmal.com', 'eve@mailinator.com']);
  assert.equal(await page.locator('tr[data-email="bob@gmal.com"] td.sugg').textContent(), 'bob@gmail.com');
  // The same through the file picker.
  await page.getByTestId('list-file').setInputFiles({ name: 'list.txt', mimeType: 'text/plain', buffer: Buffer.from('zed@gmail.com\n\nzed@gmail.com\n') });
  await page.waitForFunction(() => document.querySelector('[data-testid=triage-unique] strong')?.textContent === '1');
  assert.deepEqual(errors, []);
  await page.close();
});

/** Drops a file of `bytes` (an array of octets) named `name` on the drop zone. */
async function dropFile(page, name, bytes) {
  await page.evaluate(([n, b]) => {
    const dt = new DataTransfer();
    dt.items.add(new File([new Uint8Array(b)], n, { type: 'text/csv' }));
    document.getElementById('drop-zone').dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
  }, [name, Array.from(bytes)]);
}

test('dropped files in the encodings spreadsheets write are read as the prober reads them', async () => {
  const { page, errors } = await openPage();
  const contacts = 'First Name;Last Name;E-mail Address\r\nJ\u00f6rg;M\u00fcller;j\u00f6rg@gmail.com\r\nAnn;"Lee; Jr";ann@gmail.com\r\nEve;Roe;\r\n';
  const latin1 = (t) => Buffer.from(t, 'latin1');
  const kinds = {
    'utf-8 with BOM': Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(contacts)]),
    'utf-16 le (tabs)': Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(contacts.replace(/;(?=[^ ])/g, '\t'), 'utf16le')]),
    'utf-16 be': Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(contacts, 'utf16le').swap16()]),
    'windows-1252': latin1(contacts),
  };
  for (const [kind, bytes] of Object.entries(kinds)) {
    await page.getByTestId('list-input').fill('');
    await page.waitForFunction(() => document.querySelector('[data-testid=triage-unique] strong')?.textContent !== '2');
    await dropFile(page, `contacts-${kind}.csv`, bytes);
    await page.waitForFunction(() => document.querySelector('[data-testid=triage-unique] strong')?.textContent === '2');
    assert.deepEqual(Object.keys(await tableStatuses(page)), ['j\u00f6rg@gmail.com', 'ann@gmail.com'], kind);
    assert.match(await page.getByTestId('triage').textContent(), /column “E-mail Address”/, kind);
  }
  // The browser's own decoder: Windows-1252's 0x80 is the euro sign, 0x81 (undefined) U+0081 — as the prober reads them.
  const decoded = await page.evaluate(async () => (await import('./listparse.js')).decodeList(new Uint8Array([0x80, 0x81, 0xfc])));
  assert.deepEqual(decoded, { text: '\u20ac\u0081\u00fc', encoding: 'windows-1252', bom: false });
  assert.deepEqual(errors, []);
  await page.close();
});

test('thousands of lines: triaged at once, one page of rows in the DOM, filters count them all', async (t) => {
  const { page, errors } = await openPage();
  const lines = [];
  for (let i = 0; i < 20000; i++) lines.push(i % 10 === 9 ? `broken ${i}` : `user${i}@gmail.com`);
  lines.push('user0@gmail.com');  // one duplicate
  const t0 = Date.now();
  // As a paste does: the whole text at once, then one input event.
  await page.$eval('[data-testid=list-input]', (el, text) => {
    el.value = text;
    el.dispatchEvent(new InputEvent('input', { bubbles: true, inputType: 'insertFromPaste' }));
  }, lines.join('\n'));
  await page.waitForFunction(() => document.querySelector('[data-testid=triage-unique] strong')?.textContent === '20,000', null, { timeout: 20000 });
  const ms = Date.now() - t0;
  assert.ok(ms < 5000, `triage of 20,000 lines took ${ms} ms`);
  t.diagnostic(`20,000 lines pasted → triage shown in ${ms} ms (incl. 200 ms debounce)`);
  assert.equal(await page.locator('[data-testid=triage-duplicates] strong').textContent(), '1');
  assert.equal(await page.locator('[data-testid=triage-invalid] strong').textContent(), '2,000');
  assert.equal(await page.getByTestId('list-verify').textContent(), 'Verify 18,000 addresses');
  assert.equal(await page.locator('[data-testid=results] tbody tr').count(), 100);
  assert.equal(await page.locator('[data-testid=filter-undeliverable] .fcount').textContent(), '2,000');
  assert.equal(await page.locator('#page-info').textContent(), '1–100 of 20,000');
  await page.click('#page-next');
  assert.equal(await page.locator('#page-info').textContent(), '101–200 of 20,000');
  assert.deepEqual(errors, []);
  await page.close();
});

test('a big file or paste stays out of the textarea, shows progress, and the summary says how long the whole wait was', async () => {
  const { page, errors } = await openPage();
  const lines = ['id,email,company'];
  for (let i = 0; i < 30000; i++) lines.push(`${i},${i % 50 === 49 ? `broken ${i}` : `user${i}@gmail.com`},"Acme, Inc."`);
  const text = lines.join('\r\n');
  for (const how of ['drop', 'paste']) {
    const seen = await page.evaluate(async ([how, text]) => {
      const triage = document.getElementById('triage');
      let progress = false;
      const mo = new MutationObserver(() => { progress ||= !!triage.querySelector('[data-testid=triage-progress]'); });
      mo.observe(triage, { childList: true, subtree: true });
      const dt = new DataTransfer();
      if (how === 'drop') {
        dt.items.add(new File([text], 'crm-export.csv', { type: 'text/csv' }));
        document.getElementById('drop-zone').dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
      } else {
        dt.setData('text/plain', text);
        document.getElementById('list-input').dispatchEvent(new ClipboardEvent('paste', { clipboardData: dt, bubbles: true, cancelable: true }));
      }
      await new Promise((resolve) => {
        const check = () => (triage.querySelector('.triage-note')?.textContent.includes(' ms.') ? resolve() : setTimeout(check, 20));
        check();
      });
      mo.disconnect();
      return { progress, textarea: document.getElementById('list-input').value.length };
    }, [how, text]);
    assert.equal(seen.textarea, 0, `${how}: the big text is not put into the textarea`);
    assert.ok(seen.progress, `${how}: progress was shown while it worked`);
    assert.equal(await page.locator('[data-testid=triage-unique] strong').textContent(), '30,000');
    assert.equal(await page.locator('[data-testid=triage-invalid] strong').textContent(), '600');
    assert.match(await page.getByTestId('list-source').textContent(), how === 'drop' ? /^crm-export\.csv · \d+\.\d MB — its addresses are in the summary/ : /^Pasted list · /);
    assert.match(await page.getByTestId('triage').textContent(), /Read 30,001 lines \(column “email” of a comma-separated file\) and checked them locally in [\d,]+ ms\./);
    assert.equal(await page.getByTestId('list-verify').textContent(), 'Verify 29,400 addresses');
  }
  // Typing replaces the big list, and the note about it goes.
  await page.getByTestId('list-input').fill('ann@gmail.com');
  await page.waitForFunction(() => document.querySelector('[data-testid=triage-unique] strong')?.textContent === '1');
  assert.equal(await page.getByTestId('list-source').isHidden(), true);
  assert.deepEqual(errors, []);
  await page.close();
});

test('without the event stream, progress is followed by polling', async () => {
  const { page, errors } = await openPage();
  const polls = [];
  await page.route('**/v1/jobs/*/events', (route) => route.abort('connectionrefused'));
  page.on('request', (r) => { if (/\/v1\/jobs\/[^/]+$/.test(new URL(r.url()).pathname) && r.method() === 'GET') polls.push(r.url()); });
  await verifyList(page, 'alice@known.mptest\nnobody@known.mptest\n', 2);
  assert.ok(polls.length >= 1, 'no GET /v1/jobs/{id} poll was made');
  assert.deepEqual(await tableStatuses(page), { 'alice@known.mptest': 'deliverable', 'nobody@known.mptest': 'undeliverable' });
  assert.deepEqual(errors.filter(expectedNetworkError(['ERR_CONNECTION_REFUSED', 'ERR_FAILED'])), []);
  await page.close();
});

test('a slow prober: the progress line says so, and the job still completes', async () => {
  const { page, errors } = await openPage();
  await page.evaluate(() => { window.mailprobePage.tool.slowAfterMs = 300; });
  // Hold the job submission back for 2.5 s, as an overloaded server would.
  await page.route('**/v1/jobs', async (route) => { await new Promise((r) => setTimeout(r, 2500)); await route.continue(); });
  await page.getByTestId('list-input').fill('alice@known.mptest\n');
  await page.waitForFunction(() => document.querySelector('[data-testid=triage-unique] strong')?.textContent === '1');
  await page.getByTestId('list-verify').click();
  await page.waitForFunction(() => /slow to answer/.test(document.getElementById('progress-label').textContent), null, { timeout: 5000 });
  assert.equal(await page.getByTestId('list-verify').isDisabled(), true);
  await page.waitForFunction(() => document.querySelector('[data-testid=progress]').dataset.state === 'done', null, { timeout: 60000 });
  assert.deepEqual(await tableStatuses(page), { 'alice@known.mptest': 'deliverable' });
  assert.deepEqual(errors, []);
  await page.close();
});

test('a wrong API key (401): the message points to the settings, and Retry with the right key works', async () => {
  const keyed = await startServe(['--api-key', 'right-key-0123456789']);
  try {
    const { page, errors } = await openPage('', undefined, keyed);
    await page.getByTestId('settings-open').click();
    await page.getByTestId('settings-key').fill('wrong-key');
    await page.getByTestId('settings-save').click();
    await page.getByTestId('list-input').fill('alice@known.mptest\nbad address\n');
    await page.waitForFunction(() => document.querySelector('[data-testid=triage-unique] strong')?.textContent === '2');
    await page.getByTestId('list-verify').click();
    const notice = page.getByTestId('list-notice');
    await notice.waitFor({ state: 'visible', timeout: 10000 });
    assert.match(await notice.textContent(), /needs a valid API key/);
    assert.match(await notice.textContent(), /wrong API key/);
    assert.equal(await page.getByTestId('progress').getAttribute('data-state'), 'failed');
    // Nothing lost: the local verdicts stay.
    assert.deepEqual(await tableStatuses(page), { 'alice@known.mptest': 'unknown', 'bad address': 'undeliverable' });
    // The notice's Settings button opens the dialog; the right key, then Retry.
    await page.locator('#notice-settings').click();
    await page.getByTestId('settings-key').fill('right-key-0123456789');
    await page.getByTestId('settings-save').click();
    await page.getByTestId('list-retry').click();
    await page.waitForFunction(() => document.querySelector('[data-testid=progress]').dataset.state === 'done', null, { timeout: 60000 });
    assert.ok(await notice.isHidden());
    assert.deepEqual(await tableStatuses(page), { 'alice@known.mptest': 'deliverable', 'bad address': 'undeliverable' });
    assert.deepEqual(errors.filter(expectedNetworkError(['status of 401'])), []);
    await page.close();
  } finally {
    await keyed.stop();
  }
});

test('rate limited (429): the message says when to retry, Retry waits for it, then the job completes', async () => {
  // One request per 4 s, no burst (slow enough that a loaded machine still
  // clicks within the window): the page's requests queue behind each other.
  const limited = await startServe(['--rate-limit', '0.25', '--rate-burst', '1']);
  try {
    const { page, errors } = await openPage('', undefined, limited);
    await page.getByTestId('list-input').fill('alice@known.mptest\nx@catchall.mptest\n');
    await page.waitForFunction(() => document.querySelector('[data-testid=triage-unique] strong')?.textContent === '2');
    // Someone else (this test) just used the only token.
    await fetch(`${limited.url}/v1/jobs/0`);
    await page.getByTestId('list-verify').click();
    const notice = page.getByTestId('list-notice');
    await notice.waitFor({ state: 'visible', timeout: 10000 });
    assert.match(await notice.textContent(), /rate limit/);
    assert.match(await notice.textContent(), /list and its local checks are unchanged/);
    const retry = page.getByTestId('list-retry');
    assert.match(await retry.textContent(), /^Retry in \d+ s$/);
    assert.equal(await retry.isDisabled(), true);
    assert.deepEqual(await tableStatuses(page), { 'alice@known.mptest': 'unknown', 'x@catchall.mptest': 'unknown' });
    await page.waitForFunction(() => !document.querySelector('[data-testid=list-retry]').disabled, null, { timeout: 10000 });
    await retry.click();
    // The follow-up requests meet the limit too: the page says so and waits them out.
    await page.waitForFunction(() => /rate limit reached\)\. Asking again in \d+ s/.test(document.getElementById('progress-label').textContent), null, { timeout: 10000 });
    await page.waitForFunction(() => document.querySelector('[data-testid=progress]').dataset.state === 'done', null, { timeout: 60000 });
    assert.deepEqual(await tableStatuses(page), { 'alice@known.mptest': 'deliverable', 'x@catchall.mptest': 'risky' });
    assert.deepEqual(errors.filter(expectedNetworkError(['status of 429'])), []);
    await page.close();
  } finally {
    await limited.stop();
  }
});

test('Cancel stops following the job, asks the prober to drop it, and gives the list back', async () => {
  const own = await startServe();
  try {
    const { page, errors } = await openPage('', undefined, own);
    const deletes = [];
    page.on('request', (r) => { if (r.method() === 'DELETE') deletes.push(new URL(r.url()).pathname); });
    // slow.mptest answers one byte per second: the job is still running when we cancel.
    await page.getByTestId('list-input').fill('ann@slow.mptest\nbob@slow.mptest\n');
    await page.waitForFunction(() => document.querySelector('[data-testid=triage-unique] strong')?.textContent === '2');
    await page.getByTestId('list-verify').click();
    await page.waitForFunction(() => document.querySelector('[data-testid=progress]').dataset.state === 'running', null, { timeout: 10000 });
    assert.equal(await page.getByTestId('list-input').getAttribute('readonly'), '');
    await page.click('#list-cancel');
    assert.equal(await page.getByTestId('progress').getAttribute('data-state'), 'cancelled');
    assert.match(await page.locator('#progress-label').textContent(), /^Cancelled at \d+ of 2\.$/);
    await page.waitForFunction(() => !document.querySelector('[data-testid=list-verify]').disabled);
    assert.equal(await page.getByTestId('list-input').getAttribute('readonly'), null);
    assert.deepEqual(await tableStatuses(page), { 'ann@slow.mptest': 'unknown', 'bob@slow.mptest': 'unknown' });
    for (let i = 0; i < 50 && deletes.length === 0; i++) await page.waitForTimeout(100);
    assert.equal(deletes.length, 1);
    assert.match(deletes[0], /^\/v1\/jobs\/[^/]+$/);
    assert.deepEqual(errors, []);
    await page.close();
  } finally {
    await own.stop();
  }
});

test('from a static host on another origin, the page verifies against a prober that allows it (CORS)', async () => {
  const host = await startStaticHost();
  const prober = await startServe(['--cors-origin', host.url, '--api-key', 'cors-key-0123456789']);
  try {
    const page = await browser.context.newPage();
    const errors = watchErrors(page);
    await page.goto(`${host.url}/?api=${encodeURIComponent(prober.url)}`);
    await page.waitForSelector('html[data-ready=true]', { timeout: 15000 });
    assert.equal(await page.getByTestId('api-badge').textContent(), new URL(prober.url).host);
    await page.getByTestId('settings-open').click();
    await page.getByTestId('settings-key').fill('cors-key-0123456789');
    await page.getByTestId('settings-save').click();
    await verifyList(page, 'alice@known.mptest\nnobody@known.mptest\n', 2);
    assert.deepEqual(await tableStatuses(page), { 'alice@known.mptest': 'deliverable', 'nobody@known.mptest': 'undeliverable' });
    assert.deepEqual(errors, []);
    await page.close();
  } finally {
    await prober.stop();
    await host.stop();
  }
});

test('screenshots at desktop (1280×800) and phone (390×844) widths', async () => {
  const dir = ensureArtifactsDir();
  for (const [name, viewport] of [['desktop', { width: 1280, height: 800 }], ['phone', { width: 390, height: 844 }]]) {
    const { page, errors } = await openPage('', viewport);
    const input = page.getByTestId('signup-email');
    await input.scrollIntoViewIfNeeded();
    await input.pressSequentially('someone@gmial.com', { delay: 5 });
    await page.locator('[data-testid=signup-message] button').waitFor();
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: path.join(dir, `${name}.png`) });
    await verifyList(page, MIXED_LIST, 5);
    if (name === 'phone') {
      // The table head is hidden on phones; the sort select stands in for it.
      await page.getByTestId('sort-select').selectOption('status:1');
      const order = await page.$$eval('[data-testid=results] tbody tr', (trs) => trs.map((tr) => tr.dataset.status));
      assert.deepEqual(order, ['deliverable', 'risky', 'unknown', 'undeliverable', 'undeliverable']);
    }
    // The list tool after verification, its heading just under the sticky bar.
    await page.evaluate(() => window.scrollTo(0, document.getElementById('progress-box').getBoundingClientRect().top + window.scrollY - 76));
    await page.mouse.move(0, 0);  // no hover highlight in the picture
    await page.waitForTimeout(400);
    await page.screenshot({ path: path.join(dir, `${name}-list.png`) });
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.waitForTimeout(200);
    await page.screenshot({ path: path.join(dir, `${name}-full.png`), fullPage: true });
    // No horizontal scrolling of the page itself at this width.
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `${name}: page is ${overflow}px wider than the viewport`);
    assert.deepEqual(errors, []);
    await page.close();
  }
});
