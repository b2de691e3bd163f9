// Shared by the WebAssembly tests: where the module and the CLI are, and the
// one loaded instance. MAILCHECK_DIR (build/web) and MAILPROBE (the native
// binary) come from ctest; run by hand, the defaults point into build/.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const mailcheckDir = process.env.MAILCHECK_DIR ?? path.join(root, 'build/web');
export const mailprobe = process.env.MAILPROBE ?? path.join(root, 'build/native-prober/mailprobe');
export const dataDir = process.env.MP_TEST_DATA_DIR ?? path.join(root, 'tests/data');
export const modulePath = path.join(mailcheckDir, 'mailcheck.mjs');
export const wasmPath = path.join(mailcheckDir, 'mailcheck.wasm');

/** Why the suite cannot run (skip), or false. */
export const unavailable = existsSync(modulePath) && existsSync(wasmPath)
  ? false : `no WebAssembly build in ${mailcheckDir}`;

export async function importMailcheck() {
  return import(pathToFileURL(modulePath).href);
}
