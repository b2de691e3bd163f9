// Writes the deployable copy of mailcheck.mjs: minified by terser (Debian's
// node-terser), so comments, indentation and long local names, which are
// for readers of wasm/mailcheck.mjs, do not count against the 64 KiB
// gzipped budget (4.3 KB gzipped stripped of comments, 3.2 KB minified).
// Exported names and class names stay; the tests run on the minified copy.
//   node minify.mjs IN OUT
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { minify } = require('terser');
const [input, output] = process.argv.slice(2);

const result = await minify(readFileSync(input, 'utf8'), {
  module: true,
  ecma: 2020,
  compress: { passes: 2 },
  keep_classnames: true,
  format: {
    preamble: "// mailcheck.mjs: mailprobe's core as WebAssembly. Source, docs and licence:\n" +
      '// wasm/mailcheck.mjs and docs/wasm.md in the mailprobe repository.',
  },
});
writeFileSync(output, result.code + '\n');
