// Helpers for the browser tests: start `mailprobe serve` on a free loopback
// port against the loopback fixture, and launch Debian's Chromium through
// playwright-core (never a downloaded browser) with a fresh profile.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, mkdirSync, existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const sourceDir = process.env.MP_SOURCE_DIR ?? path.resolve(here, '../..');
export const webDir = process.env.MP_WEB_DIR ?? path.join(sourceDir, 'build/web');
export const mailprobe = process.env.MAILPROBE ?? path.join(sourceDir, 'build/native-prober/mailprobe');
export const artifactsDir = process.env.MP_ARTIFACTS_DIR ?? path.join(sourceDir, 'tests/artifacts');
export const fixtureDns = process.env.MP_FIXTURE_DNS ?? '127.0.0.1:5354';
/** The fixture's lying resolver: its test zones, NXDOMAIN for everything else. */
export const fixtureLiarDns = process.env.MP_FIXTURE_LIAR_DNS ?? '127.0.0.1:5355';
export const fixtureSmtpPort = process.env.MP_FIXTURE_SMTP_PORT ?? '2525';

export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** A loopback port nobody listens on right now. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}

/**
 * Starts `mailprobe serve` with a temporary database, serving webDir, with
 * the fixture's DNS and SMTP port. Resolves once /healthz answers.
 * @returns {Promise<{url: string, port: number, stop: () => Promise<void>, log: () => string}>}
 */
export async function startServe(extraArgs = []) {
  if (!existsSync(mailprobe)) throw new Error(`mailprobe binary not found at ${mailprobe} (set MAILPROBE)`);
  const port = await freePort();
  const dir = mkdtempSync(path.join(tmpdir(), 'mp-e2e-'));
  const args = ['serve', '--listen', `127.0.0.1:${port}`, '--db', path.join(dir, 'mailprobe.db'), '--web', webDir,
    '--dns', fixtureDns, '--smtp-port', fixtureSmtpPort, '--allow-net', '127.0.0.0/8', ...extraArgs];
  const child = spawn(mailprobe, args, { stdio: ['ignore', 'pipe', 'pipe'], cwd: dir });
  let output = '';
  child.stdout.on('data', (d) => { output += d; });
  child.stderr.on('data', (d) => { output += d; });
  let exited = null;
  child.on('exit', (code, signal) => { exited = { code, signal }; });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 15000;
  for (;;) {
    if (exited) throw new Error(`mailprobe serve exited (${JSON.stringify(exited)}):\n${output}`);
    try {
      const res = await fetch(`${url}/healthz`);
      if (res.ok) break;
    } catch { /* not listening yet */ }
    if (Date.now() > deadline) { child.kill('SIGKILL'); throw new Error(`mailprobe serve did not come up:\n${output}`); }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    port,
    log: () => output,
    stop: () => new Promise((resolve) => {
      const done = () => { rmSync(dir, { recursive: true, force: true }); resolve(); };
      if (exited) return done();
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      child.once('exit', () => { clearTimeout(timer); done(); });
      child.kill('SIGTERM');
    }),
  };
}

const MIME = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.mjs': 'text/javascript', '.css': 'text/css',
  '.wasm': 'application/wasm', '.svg': 'image/svg+xml' };

/**
 * A plain static file server for webDir on a free loopback port — "any
 * static host" — so the page can be tested on another origin than the prober.
 * @returns {Promise<{url: string, stop: () => Promise<void>}>}
 */
export async function startStaticHost() {
  const { createServer: createHttpServer } = await import('node:http');
  const { readFile } = await import('node:fs/promises');
  const server = createHttpServer(async (req, res) => {
    const name = decodeURIComponent(new URL(req.url, 'http://x').pathname).replace(/^\/+/, '') || 'index.html';
    const file = path.resolve(webDir, name);
    if (!file.startsWith(path.resolve(webDir) + path.sep)) { res.writeHead(403).end(); return; }
    try {
      const body = await readFile(file);
      res.writeHead(200, { 'Content-Type': MIME[path.extname(file)] ?? 'application/octet-stream' }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    stop: () => new Promise((resolve) => { server.closeAllConnections?.(); server.close(() => resolve()); }),
  };
}

/**
 * Launches headless Chromium with a fresh user-data-dir.
 * @returns {Promise<{context: import('playwright-core').BrowserContext, close: () => Promise<void>}>}
 */
export async function launchBrowser(options = {}) {
  const { chromium } = await import('playwright-core');
  const profile = mkdtempSync(path.join(tmpdir(), 'mp-e2e-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.MP_CHROMIUM ?? '/usr/bin/chromium',
    args: CHROMIUM_ARGS,
    headless: true,
    acceptDownloads: true,
    viewport: { width: 1280, height: 800 },
    ...options,
  });
  return {
    context,
    close: async () => { await context.close(); rmSync(profile, { recursive: true, force: true }); },
  };
}

/** Collects console errors and uncaught page errors of a page. */
export function watchErrors(page) {
  const errors = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(`console: ${m.text()}`); });
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  return errors;
}

export function ensureArtifactsDir() {
  mkdirSync(artifactsDir, { recursive: true });
  return artifactsDir;
}
