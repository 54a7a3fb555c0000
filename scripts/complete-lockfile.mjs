// The registry this project installs from does not serve every platform build of rollup (vitest's
// bundler), so npm leaves those optional packages out of package-lock.json, and `npm ci` then
// refuses the lock as "out of sync". This adds an entry for each missing platform package, with its
// os/cpu/libc, so npm ci accepts the lock and skips them on platforms they are not for.
// Run after any `npm install` that rewrites the lock: `node scripts/complete-lockfile.mjs`.
import fs from 'node:fs';
import { parseArgs } from 'node:util';

// Options as the other tools take them (scripts/lib/command-line.ts, which needs a build this does not).
const usage = 'usage: node scripts/complete-lockfile.mjs';
try {
  if (parseArgs({ options: { help: { type: 'boolean', short: 'h' } }, strict: true }).values.help) {
    process.stdout.write(
      `${usage}\n\nAdds the platform builds of rollup that the registry leaves out to package-lock.json,\n` +
        'so that npm ci accepts the lock. Run it after any npm install that rewrites the lock.\n',
    );
    process.exit(0);
  }
} catch (err) {
  process.stderr.write(`complete-lockfile: ${err.message}\n${usage}\n`);
  process.exit(2);
}

const lock = JSON.parse(fs.readFileSync('package-lock.json', 'utf8'));
const packages = lock.packages;
const rollup = packages['node_modules/rollup'];
let added = 0;
for (const name of Object.keys(rollup?.optionalDependencies ?? {})) {
  const key = `node_modules/${name}`;
  if (packages[key]) continue;
  const [os, cpu, abi = ''] = name.replace('@rollup/rollup-', '').split('-');
  packages[key] = {
    version: rollup.version,
    cpu: [cpu],
    dev: true,
    ...(os === 'linux' ? { libc: [abi.startsWith('musl') ? 'musl' : 'glibc'] } : {}),
    license: 'MIT',
    optional: true,
    os: [os],
  };
  added++;
}
const [root, ...rest] = Object.entries(packages);
lock.packages = Object.fromEntries([root, ...rest.sort(([a], [b]) => a.localeCompare(b, 'en'))]);
fs.writeFileSync('package-lock.json', JSON.stringify(lock, null, 2) + '\n');
process.stdout.write(`package-lock.json: ${added} optional platform package(s) added\n`);
