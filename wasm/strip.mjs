// Writes mailcheck.mjs without its comments and indentation, for the
// deployable copies: they are for readers of wasm/mailcheck.mjs and cost
// ~2 KiB of the 64 KiB gzipped budget. acorn (Debian's node-acorn, which
// emscripten already needs) finds the comments, so strings and regular
// expressions that look like comments are safe.
//   node strip.mjs IN OUT
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const acorn = require(process.env.MP_ACORN ?? 'acorn');
const [input, output] = process.argv.slice(2);
const source = readFileSync(input, 'utf8');

const cuts = [];
const options = { ecmaVersion: 'latest', sourceType: 'module', onComment: (block, text, start, end) => cuts.push([start, end]) };
acorn.parse(source, options);
// Lines are trimmed below: a template literal across lines would change.
for (const token of acorn.tokenizer(source, { ecmaVersion: 'latest', sourceType: 'module' })) {
  if (token.type === acorn.tokTypes.template && token.value.includes('\n')) {
    throw new Error(`${input}: a template literal spans lines at offset ${token.start}; strip.mjs would change it`);
  }
}
let code = '';
let at = 0;
for (const [start, end] of cuts) {
  code += source.slice(at, start);
  at = end;
}
code += source.slice(at);
code = code.split('\n').map((line) => line.trim()).filter((line) => line !== '').join('\n');
acorn.parse(code, { ecmaVersion: 'latest', sourceType: 'module' }); // still JavaScript
writeFileSync(output, '// mailcheck.mjs: mailprobe\'s core as WebAssembly. Source, docs and licence:\n' +
  '// wasm/mailcheck.mjs and docs/wasm.md in the mailprobe repository.\n' + code + '\n');
