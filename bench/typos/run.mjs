#!/usr/bin/env node
// Typo bench: runs npm's mailcheck (the de-facto "did you mean" library)
// and mailprobe's suggester over the same mistyped and correct domains and
// prints a comparison table (markdown, as pasted into docs/typos.md).
//
//   node bench/typos/run.mjs [path/to/mailprobe]
//
// mailcheck is installed on first run into bench/typos/node_modules
// (gitignored). mailprobe is driven through `mailprobe check --json -`, one
// address a line on standard input; default binary: build/native-prober/mailprobe.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..', '..');
const mailprobe = resolve(process.argv[2] ?? join(root, 'build/native-prober/mailprobe'));
const LOCAL = 'ann.example'; // every domain is checked as ann.example@domain

function readLines(name) {
  return readFileSync(join(here, name), 'utf8').split('\n')
    .map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
}

const typos = readLines('typos.tsv').slice(1).map((l) => {
  const [typo, intended] = l.split('\t');
  return { typo, intended };
});
const correct = readLines('correct.txt');

function loadMailcheck() {
  if (!existsSync(join(here, 'node_modules/mailcheck'))) {
    execFileSync('npm', ['install', '--prefix', here, '--no-save', '--ignore-scripts',
      '--no-audit', '--no-fund', 'mailcheck@1.1.1'], { stdio: 'inherit' });
  }
  const require = createRequire(join(here, 'package.json'));
  return require('mailcheck');
}

// mailcheck with its default domain lists, as a site would use it, or with
// `domains` (our popular.txt) for a like-for-like comparison.
function mailcheckSuggest(Mailcheck, domain, domains) {
  let out = null;
  Mailcheck.run({
    email: `${LOCAL}@${domain}`,
    ...(domains ? { domains } : {}),
    suggested: (s) => { out = s.domain; },
    empty: () => { out = null; },
  });
  return out;
}

function mailprobeSuggestAll(domains) {
  const input = domains.map((d) => `${LOCAL}@${d}`).join('\n') + '\n';
  // The exit status reports the verdicts (non-zero when some address is not
  // deliverable), so only a missing binary or a short answer is an error.
  const run = spawnSync(mailprobe, ['check', '--json', '-'], { input, maxBuffer: 64 << 20 });
  if (run.error) throw run.error;
  const stdout = run.stdout;
  const lines = stdout.toString().split('\n').filter(Boolean);
  if (lines.length !== domains.length) throw new Error(`mailprobe gave ${lines.length} results for ${domains.length} inputs`);
  return lines.map((l) => {
    const s = JSON.parse(l).suggestion;
    return s ? s.slice(s.lastIndexOf('@') + 1) : null;
  });
}

function score(suggestions) {
  const t = { right: 0, wrong: 0, none: 0, falsePos: 0, misses: [], wrongs: [], falses: [] };
  typos.forEach(({ typo, intended }, i) => {
    const s = suggestions.typo[i];
    if (s === intended) t.right++;
    else if (s) { t.wrong++; t.wrongs.push(`${typo}→${s}`); }
    else { t.none++; t.misses.push(typo); }
  });
  correct.forEach((d, i) => {
    const s = suggestions.correct[i];
    if (s) { t.falsePos++; t.falses.push(`${d}→${s}`); }
  });
  return t;
}

const Mailcheck = loadMailcheck();
const popular = readFileSync(join(root, 'core/data/popular.txt'), 'utf8').split('\n')
  .map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
const results = {
  'mailcheck 1.1.1 (defaults)': score({
    typo: typos.map(({ typo }) => mailcheckSuggest(Mailcheck, typo)),
    correct: correct.map((d) => mailcheckSuggest(Mailcheck, d)),
  }),
  'mailcheck 1.1.1 (our popular.txt as domains)': score({
    typo: typos.map(({ typo }) => mailcheckSuggest(Mailcheck, typo, popular)),
    correct: correct.map((d) => mailcheckSuggest(Mailcheck, d, popular)),
  }),
  'mailprobe': score({
    typo: mailprobeSuggestAll(typos.map(({ typo }) => typo)),
    correct: mailprobeSuggestAll(correct),
  }),
};

const pct = (n, d) => `${((100 * n) / d).toFixed(1)}%`;
console.log(`${typos.length} mistyped domains, ${correct.length} correct domains\n`);
console.log('| suggester | right suggestion | wrong suggestion | no suggestion | false suggestion on a correct domain |');
console.log('|---|---|---|---|---|');
for (const [name, t] of Object.entries(results)) {
  console.log(`| ${name} | ${t.right} (${pct(t.right, typos.length)}) | ${t.wrong} | ${t.none} | ${t.falsePos} (${pct(t.falsePos, correct.length)}) |`);
}
for (const [name, t] of Object.entries(results)) {
  console.log(`\n${name}:`);
  console.log(`  wrong: ${t.wrongs.join(', ') || '-'}`);
  console.log(`  missed: ${t.misses.join(', ') || '-'}`);
  console.log(`  false: ${t.falses.join(', ') || '-'}`);
}
