// Profiles one drop of the bench CSV in Chromium: a CDP CPU profile of the
// page's JavaScript and a performance trace (devtools.timeline), so the
// wait can be split into reading, parsing, checks, the textarea, rendering.
// Usage: node profile.mjs [LINES] [OUT_DIR]   -> OUT_DIR/drop.cpuprofile, drop.trace.json
import { writeFileSync, mkdirSync } from 'node:fs';
import { startStaticHost, launchBrowser } from '../../tests/e2e/helpers.mjs';
import { csv } from './list.mjs';

const LINES = Number(process.argv[2] ?? 200000);
const OUT = process.argv[3] ?? '/tmp/mailprobe-page-profile';
mkdirSync(OUT, { recursive: true });
const text = csv(LINES);
const host = await startStaticHost();
const browser = await launchBrowser();
try {
  const page = await browser.context.newPage();
  await page.goto(`${host.url}/index.html`);
  await page.waitForFunction(() => document.documentElement.dataset.ready === 'true');
  const cdp = await browser.context.newCDPSession(page);
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
  const events = [];
  cdp.on('Tracing.dataCollected', (e) => events.push(...e.value));
  const traced = new Promise((resolve) => cdp.once('Tracing.tracingComplete', resolve));
  await cdp.send('Tracing.start', { categories: 'devtools.timeline,disabled-by-default-devtools.timeline,v8.execute,blink', transferMode: 'ReportEvents' });
  await cdp.send('Profiler.start');
  const ms = await page.evaluate(async (t) => {
    const t0 = performance.now();
    const dt = new DataTransfer();
    dt.items.add(new File([t], 'export.csv', { type: 'text/csv' }));
    document.getElementById('drop-zone').dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
    await new Promise((resolve) => {
      const check = () => (document.querySelector('.triage-note') ? resolve() : requestAnimationFrame(check));
      check();
    });
    await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
    return performance.now() - t0;
  }, text);
  const { profile } = await cdp.send('Profiler.stop');
  await cdp.send('Tracing.end');
  await traced;
  writeFileSync(`${OUT}/drop.cpuprofile`, JSON.stringify(profile));
  writeFileSync(`${OUT}/drop.trace.json`, JSON.stringify({ traceEvents: events }));
  console.log(`drop → summary ${ms.toFixed(0)} ms; ${OUT}/drop.cpuprofile, ${OUT}/drop.trace.json`);
} finally {
  await browser.close();
  await host.stop();
}
