// `npm run lint`: ESLint and Prettier's check, side by side. Each keeps about one core busy, so on
// the 2-core development machine the two together take little more than the longer one alone.
// Each one's output is printed when it ends, whole, ESLint's first; the exit status is 1 if either
// found something (or could not run).
//   node scripts/lint.mjs
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** The command-line entry of package `name`, run with `node`. */
function bin(name) {
  const manifest = require.resolve(`${name}/package.json`);
  const entry = require(manifest).bin;
  return path.join(path.dirname(manifest), typeof entry === 'string' ? entry : entry[name]);
}

const checks = [
  // The caches live in node_modules/.cache: an unchanged file is not read again.
  [bin('eslint'), '--cache', '--cache-location', 'node_modules/.cache/eslint/', '.'],
  [bin('prettier'), '--cache', '--check', '.'],
].map(
  (args) =>
    new Promise((resolve) => {
      const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      child.stdout.on('data', (chunk) => (output += chunk));
      child.stderr.on('data', (chunk) => (output += chunk));
      child.once('error', (err) => resolve({ status: 1, output: `${err.message}\n` }));
      child.once('close', (status) => resolve({ status, output }));
    }),
);

let failed = false;
for (const check of checks) {
  const { status, output } = await check;
  process.stdout.write(output);
  if (status !== 0) failed = true;
}
process.exit(failed ? 1 : 0);
