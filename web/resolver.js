// resolver.js — the banner that says the prober's DNS resolver cannot be
// trusted. While it is not (GET /healthz: dns.trusted false), the prober
// marks addresses its DNS denies `unknown` (reason dns_untrusted) rather
// than `undeliverable`, and the page says so instead of leaving people to
// wonder why nothing is undeliverable (docs/dns-and-safety.md). Reads
// /healthz when the page opens, when the prober settings change and every
// 30 s. Self-contained: one element, one timer.

/** What the banner says, by dns.resolver (docs/openapi.yaml). */
export const RESOLVER_TEXT = {
  lying: "The prober's DNS resolver is not answering honestly — results are marked unknown.",
  unanswered: "The prober's DNS resolver is not answering — results are marked unknown.",
  unproven: "The prober is still checking its DNS resolver — results are marked unknown until it is shown honest.",
};

/**
 * Keeps `element` (hidden by default; a <strong> and a <span> inside) in
 * step with the prober's /healthz.
 * @param {{getClient: () => import('./api.js').ProberClient, element: HTMLElement, intervalMs?: number}} options
 * @returns {{check: () => Promise<void>, stop: () => void}}
 */
export function watchResolver({ getClient, element, intervalMs = 30000 }) {
  const title = element.querySelector('strong');
  const detail = element.querySelector('span');
  let generation = 0;
  async function check() {
    const mine = ++generation;
    let dns = null;
    try {
      dns = (await getClient().json('GET', '/healthz', { timeoutMs: 10000 }))?.dns ?? null;
    } catch {
      dns = null; // unreachable or stopping: the list tool explains that itself
    }
    if (mine !== generation) return; // a newer check (settings changed) wins
    const text = dns && dns.trusted === false ? RESOLVER_TEXT[dns.resolver] : null;
    element.hidden = !text;
    element.dataset.state = dns?.resolver ?? 'unknown';
    if (!text) return;
    title.textContent = text;
    detail.textContent = ` No address is called undeliverable on its word (${dns.why}). `
      + 'Whoever runs the prober should give it an honest resolver (mailprobe serve --dns HOST; mailprobe doctor checks it).';
  }
  const timer = setInterval(check, intervalMs);
  check();
  return { check, stop: () => clearInterval(timer) };
}
