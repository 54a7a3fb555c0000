// The Functions deployment package, as `azd package` / `azd deploy` ship it (docs/decisions/0012):
// the service's `prepackage` hook in azure.yaml runs `npm run package:azure`, and azd zips the folder
// this writes (azure.yaml `dist`) as it is (`remoteBuild: false`). What goes in:
//   - host.json, package.json and package-lock.json;
//   - everything the build put under dist/ (the functions, the shared code, the web page and
//     whatever else a later build adds), except what is compiled from the development-only sources
//     (local/, test/, bench/, scripts/), source maps and the build's own bookkeeping;
//   - the production dependencies only: `npm ci --omit=dev` in the package folder.
// Run `npm run build` first (`npm run package:azure` does both).
//   node scripts/azure-package.mjs [--out DIR]
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(import.meta.dirname, '..');

/** Where azd finds the package (azure.yaml `services.api.dist`). */
export const PACKAGE_DIR = '.azure-package';

/** Files of the project root the Functions host needs beside dist/. */
const ROOT_FILES = ['host.json', 'package.json', 'package-lock.json'];

/** Source folders that serve development only; what the build makes of them stays out. */
const DEVELOPMENT_SOURCES = ['local', 'test', 'bench', 'scripts'];

const leftOut = (rel) =>
  DEVELOPMENT_SOURCES.some((dir) => rel === `dist/${dir}` || rel.startsWith(`dist/${dir}/`)) ||
  rel.endsWith('.map') ||
  rel.endsWith('.tsbuildinfo');

function copyTree(fromRel, into) {
  for (const entry of fs.readdirSync(path.join(root, fromRel), { withFileTypes: true })) {
    const rel = `${fromRel}/${entry.name}`;
    if (leftOut(rel)) continue;
    if (entry.isDirectory()) copyTree(rel, into);
    else if (entry.isFile()) {
      fs.mkdirSync(path.join(into, fromRel), { recursive: true });
      fs.copyFileSync(path.join(root, rel), path.join(into, rel));
    }
  }
}

/** Writes the package into `out` (emptied first) and installs the production dependencies there. */
export function buildAzurePackage(out = path.join(root, PACKAGE_DIR)) {
  if (!fs.existsSync(path.join(root, 'dist/functions')))
    throw new Error('No dist/functions: run npm run build first.');
  fs.rmSync(out, { recursive: true, force: true });
  fs.mkdirSync(out, { recursive: true });
  for (const file of ROOT_FILES) fs.copyFileSync(path.join(root, file), path.join(out, file));
  copyTree('dist', out);
  // No lifecycle scripts: no production dependency has one (the lock marks those that do, all
  // development ones), and the app's own are for development.
  execFileSync(
    'npm',
    [
      'ci',
      '--omit=dev',
      '--ignore-scripts',
      '--no-audit',
      '--no-fund',
      '--prefer-offline',
      '--loglevel=error',
    ],
    { cwd: out, stdio: ['ignore', 'ignore', 'inherit'] },
  );
  return out;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  // The options helper every tool uses, from the build this script packages.
  const { default: commandLine } = await import('../dist/scripts/lib/command-line.js');
  const command = {
    name: 'package:azure',
    usage: 'usage: package:azure [--out DIR]',
    help: `
Writes the Functions deployment package that azd ships: host.json, package.json, what the build put
under dist/ (without what local/, test/, bench/ and scripts/ compile to, and without source maps), and
the production dependencies (npm ci --omit=dev). npm run package:azure builds the app first; azd runs
it as the prepackage hook. npm run check:azure-build builds the same package and checks it.

  --out DIR        where to write it (default ${PACKAGE_DIR}, where azure.yaml's dist points)
  --help           this text`,
  };
  const { out } = commandLine.parseCommandLine(command, { out: { type: 'string' } });
  try {
    const dir = buildAzurePackage(out === undefined ? undefined : path.resolve(out));
    process.stderr.write(`package:azure: wrote ${path.relative(process.cwd(), dir) || '.'}\n`);
  } catch (err) {
    commandLine.failure(command, err.message);
  }
}
