// chart.js — the list tool's bar chart of counts by status, drawn as SVG by
// the page itself (no library): one labelled horizontal bar per status.

const SVG = 'http://www.w3.org/2000/svg';

/** Display order and labels; colours come from CSS (--st-<status>). */
export const STATUSES = ['deliverable', 'risky', 'unknown', 'undeliverable'];
export const STATUS_LABEL = { deliverable: 'Deliverable', risky: 'Risky', unknown: 'Unknown', undeliverable: 'Undeliverable' };

function el(name, attrs = {}, text) {
  const e = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}

/**
 * Draws (or redraws) the chart into `container`.
 * @param {HTMLElement} container
 * @param {Record<string, number>} counts  status → count
 */
export function drawStatusChart(container, counts) {
  const total = STATUSES.reduce((n, s) => n + (counts[s] ?? 0), 0);
  const rowH = 30;
  // Drawn at the container's own width, so the text stays 13px on a phone.
  const width = Math.max(260, Math.min(720, container.clientWidth || 480));
  const labelW = width < 400 ? 112 : 124;  // "Undeliverable" in 13px bold, with air
  const countW = 86;
  const barW = width - labelW - countW;
  const height = STATUSES.length * rowH;
  const svg = el('svg', { viewBox: `0 0 ${width} ${height}`, role: 'img', class: 'chart-svg', preserveAspectRatio: 'xMinYMin meet' });
  const summary = STATUSES.map((s) => `${STATUS_LABEL[s]}: ${counts[s] ?? 0}`).join(', ');
  svg.append(el('title', {}, `Addresses by status — ${summary}`));
  STATUSES.forEach((s, i) => {
    const n = counts[s] ?? 0;
    const y = i * rowH;
    const w = total ? Math.max(n ? 3 : 0, Math.round((n / total) * barW)) : 0;
    const g = el('g', { 'data-status': s });
    g.append(el('text', { x: 0, y: y + rowH / 2, class: 'chart-label', 'dominant-baseline': 'middle' }, STATUS_LABEL[s]));
    g.append(el('rect', { x: labelW, y: y + 6, width: barW, height: rowH - 12, rx: 4, class: 'chart-track' }));
    g.append(el('rect', { x: labelW, y: y + 6, width: w, height: rowH - 12, rx: 4, class: `chart-bar st-${s}` }));
    const pct = total ? ` · ${Math.round((n / total) * 100)}%` : '';
    g.append(el('text', { x: labelW + barW + 10, y: y + rowH / 2, class: 'chart-count', 'dominant-baseline': 'middle' }, `${n.toLocaleString('en')}${pct}`));
    svg.append(g);
  });
  container.replaceChildren(svg);
}
