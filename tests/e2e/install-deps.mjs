// Installs the npm dependencies of tests/e2e (playwright-core, the library
// only) — or of the directory given as the argument (tests/package:
// typescript, esbuild) — from package-lock.json, unless node_modules already
// holds exactly the locked versions, so a run without network (a private
// network namespace, a second run) does not need the registry. Never
// downloads a browser. Packages locked for another platform (esbuild's and
// TypeScript's native binaries) are not expected.
import { readFileSync, existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.resolve(process.argv[2] ?? path.dirname(fileURLToPath(import.meta.url)));
const name = path.relative(path.resolve(here, '../..'), here);
const lock = JSON.parse(readFileSync(path.join(here, 'package-lock.json'), 'utf8'));

function installed() {
  for (const [where, meta] of Object.entries(lock.packages)) {
    if (!where || (meta.optional && ((meta.os && !meta.os.includes(process.platform)) ||
        (meta.cpu && !meta.cpu.includes(process.arch))))) continue;
    const pkg = path.join(here, where, 'package.json');
    if (!existsSync(pkg) || JSON.parse(readFileSync(pkg, 'utf8')).version !== meta.version) return false;
  }
  return true;
}

if (installed()) {
  console.log(`${name}: node_modules matches package-lock.json`);
} else {
  const npm = process.env.MP_NPM ?? 'npm';
  const args = ['ci', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error'];
  try {
    // npm's own cache first: no registry needed when it holds the tarballs.
    execFileSync(npm, [...args, '--offline'], { cwd: here, stdio: 'inherit' });
  } catch {
    execFileSync(npm, args, { cwd: here, stdio: 'inherit' });
  }
  if (!installed()) { console.error(`${name}: npm ci did not install the locked versions`); process.exit(1); }
}
