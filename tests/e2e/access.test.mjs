// Who may use the prober from a browser (issue 12 §1, §2), in Debian's
// Chromium (playwright-core) against a real `mailprobe serve`. With no API
// key, as `make run` starts it: a page served from another loopback origin
// cannot create a job — neither with fetch() nor with a plain HTML form,
// which browsers send without a preflight — nor read a job's results; a
// page reached through a name that resolves to the server (rebinding) is
// refused; the server's own page still works. With a public key: the
// sign-up widget on the key's origin verifies on blur, the same key on
// another origin gets nothing.
// ctest-labels: e2e browser fixture
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServe, startStaticHost, launchBrowser, CHROMIUM_ARGS } from './helpers.mjs';

let serve;
let other;
let browser;

before(async () => {
  serve = await startServe();
  other = await startStaticHost();
  // rebind.test resolves to the loopback address the server listens on.
  browser = await launchBrowser({ args: [...CHROMIUM_ARGS, '--host-resolver-rules=MAP rebind.test 127.0.0.1'] });
});

after(async () => {
  await browser?.close();
  await other?.stop();
  await serve?.stop();
});

/** The access-log lines of the server for `path`, as objects. */
function requests(path) {
  return serve.log().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l))
    .filter((r) => r.msg === 'request' && r.path === path);
}

async function jobsCreated() {
  const text = await (await fetch(`${serve.url}/metrics`)).text();
  return Number(/^mailprobe_jobs_created_total (\d+)$/m.exec(text)[1]);
}

test('a page on another origin cannot create a job, with fetch() or a form', async () => {
  const before = await jobsCreated();
  const page = await browser.context.newPage();
  await page.goto(`${other.url}/index.html`);
  // A "simple" cross-origin request: the browser sends it without asking.
  const sent = await page.evaluate(async (api) => {
    const r = await fetch(`${api}/v1/jobs`, { method: 'POST', mode: 'no-cors', headers: { 'Content-Type': 'text/plain' },
      body: 'victim@known.mptest\n' });
    return r.type;
  }, serve.url);
  assert.equal(sent, 'opaque');
  // The same as an HTML form posted by the page.
  await page.evaluate((api) => {
    const f = document.createElement('form');
    f.method = 'POST';
    f.action = `${api}/v1/jobs`;
    f.enctype = 'text/plain';
    const i = document.createElement('input');
    i.name = 'victim@known.mptest\nx';
    i.value = 'y';
    f.append(i);
    document.body.append(f);
    f.submit();
  }, serve.url);
  await page.waitForURL(`${serve.url}/v1/jobs`);
  assert.match(await page.textContent('body'), /"code":"forbidden"/);
  assert.equal(await jobsCreated(), before, 'no job was created');
  const refused = requests('/v1/jobs').filter((r) => r.status === 403);
  assert.equal(refused.length, 2, 'both refused by the server itself (403), not only by the browser');
  await page.close();
});

test('a page on another origin cannot read a job\'s results', async () => {
  const created = await (await fetch(`${serve.url}/v1/jobs`, { method: 'POST', headers: { 'Content-Type': 'text/plain' },
    body: 'alice@known.mptest\n' })).json();
  const page = await browser.context.newPage();
  await page.goto(`${other.url}/index.html`);
  const outcome = await page.evaluate(async (url) => {
    try {
      const r = await fetch(url);
      return `read ${r.status}: ${await r.text()}`;
    } catch (e) {
      return `refused: ${e.name}`;
    }
  }, `${serve.url}/v1/jobs/${created.id}/results`);
  assert.equal(outcome, 'refused: TypeError');
  assert.ok(requests(`/v1/jobs/${created.id}/results`).some((r) => r.status === 403), 'the server said 403');
  await page.close();
});

test('a name rebound to the server is refused (DNS rebinding)', async () => {
  const before = await jobsCreated();
  const page = await browser.context.newPage();
  const url = `http://rebind.test:${serve.port}/`;
  const response = await page.goto(url);
  assert.equal(response.status(), 421);
  // Same-origin for the browser, so no CORS stands in the way: only the Host check.
  const status = await page.evaluate(async () => {
    const r = await fetch('/v1/jobs', { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: 'victim@known.mptest\n' });
    return r.status;
  });
  assert.equal(status, 421);
  assert.equal(await jobsCreated(), before, 'no job was created');
  await page.close();
});

test('the server\'s own page still creates jobs and reads their results', async () => {
  const page = await browser.context.newPage();
  await page.goto(`${serve.url}/`);
  await page.waitForSelector('html[data-ready=true]', { timeout: 15000 });
  const rows = await page.evaluate(async () => {
    const created = await (await fetch('/v1/jobs', { method: 'POST', headers: { 'Content-Type': 'text/plain' },
      body: 'alice@known.mptest\nnobody@known.mptest\n' })).json();
    for (let i = 0; i < 100; i++) {
      const job = await (await fetch(`/v1/jobs/${created.id}`)).json();
      if (job.state === 'done') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const text = await (await fetch(`/v1/jobs/${created.id}/results`)).text();
    return text.trim().split('\n').map((l) => JSON.parse(l)).map((r) => [r.email, r.status]);
  });
  assert.deepEqual(rows, [['alice@known.mptest', 'deliverable'], ['nobody@known.mptest', 'undeliverable']]);
  await page.close();
});

test('a public key verifies on blur from its origin, and from no other', async () => {
  const shop = await startStaticHost();
  const elsewhere = await startStaticHost();
  const key = 'pk-shop-0123456789';
  const prober = await startServe(['--public-key', `${key} origin=${shop.url}`, '--api-key', 'secret-0123456789']);
  try {
    const verifyOnBlur = async (host) => {
      const page = await browser.context.newPage();
      await page.goto(`${host.url}/?api=${encodeURIComponent(prober.url)}`);
      await page.waitForSelector('html[data-ready=true]', { timeout: 15000 });
      await page.getByTestId('settings-open').click();
      await page.getByTestId('settings-key').fill(key);
      await page.getByTestId('settings-save').click();
      await page.getByTestId('signup-email').fill('nobody@known.mptest');
      await page.getByLabel('Name').focus();
      return page;
    };
    const good = await verifyOnBlur(shop);
    await good.waitForFunction(() => document.querySelector('[data-testid=signup-message]').dataset.code === 'remote_undeliverable', null, { timeout: 30000 });
    await good.close();
    const bad = await verifyOnBlur(elsewhere);
    const origin = elsewhere.url;
    for (let i = 0; i < 100 && !prober.log().includes('"status":403'); i++) await bad.waitForTimeout(100);
    assert.notEqual(await bad.evaluate(() => document.querySelector('[data-testid=signup-message]').dataset.code), 'remote_undeliverable');
    const refused = prober.log().split('\n').filter((l) => l.includes('"path":"/v1/verify"') && l.includes('"status":403'));
    assert.ok(refused.length >= 1, `the prober refused the key from ${origin}`);
    await bad.close();
  } finally {
    await prober.stop();
    await elsewhere.stop();
    await shop.stop();
  }
});
