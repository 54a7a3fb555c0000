// The Functions deployment package, as `azd package` / `azd deploy` ship it (docs/decisions/0012):
// the service's `prepackage` hook in azure.yaml runs `npm run package:azure`, and azd zips the folder
// this writes (azure.yaml `dist`) as it is (`remoteBuild: false`). What goes in:
//   - host.json, package.json and package-lock.json;
//   - everything the build put under dist/ (the functions, the shared code, the web page and
//     whatever else a later build adds), except what is compiled from the development-only sources
//     (local/, test/, bench/, scripts/), source maps and the build's own bookkeeping;
//   - the production dependencies only: `npm ci --omit=dev` in the package folder.
// Run `npm run build` first (`npm run package:azure` does both). The package check
// (scripts/check-azure-build.mjs) may hand over a folder where installs are kept: the install of the
// same package.json and lock, by the same npm and Node, is then linked from there rather than made
// again (`npm ci` is deterministic: same inputs, same tree). azd's package is always installed anew.
//   node scripts/azure-package.mjs [--out DIR]
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
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

/** The install of the production dependencies, as azd's package gets it. */
const NPM_CI = [
  'ci',
  '--omit=dev',
  // No lifecycle scripts: no production dependency has one (the lock marks those that do, all
  // development ones), and the app's own are for development.
  '--ignore-scripts',
  '--no-audit',
  '--no-fund',
  '--prefer-offline',
  '--loglevel=error',
];

/**
 * Writes the package into `out` (emptied first) and installs the production dependencies there.
 * With `installs` (a folder), an install kept there from the same inputs is linked in instead of
 * running `npm ci`, and a new one is kept there for next time (only the latest).
 */
export function buildAzurePackage(out = path.join(root, PACKAGE_DIR), { installs } = {}) {
  if (!fs.existsSync(path.join(root, 'dist/functions')))
    throw new Error('No dist/functions: run npm run build first.');
  fs.rmSync(out, { recursive: true, force: true });
  fs.mkdirSync(out, { recursive: true });
  for (const file of ROOT_FILES) fs.copyFileSync(path.join(root, file), path.join(out, file));
  copyTree('dist', out);
  if (installs === undefined) {
    npmCi(out);
    return out;
  }
  const kept = path.join(installs, installKey(out));
  if (!fs.existsSync(kept)) {
    npmCi(out);
    // Kept under a temporary name first, so a half-written copy is never taken for a whole one.
    const writing = `${kept}.${process.pid}`;
    linkTree(path.join(out, 'node_modules'), writing);
    for (const other of fs.readdirSync(installs))
      if (!other.includes('.')) fs.rmSync(path.join(installs, other), { recursive: true, force: true });
    try {
      fs.renameSync(writing, kept);
    } catch {
      // Another check kept the same install meanwhile.
      fs.rmSync(writing, { recursive: true, force: true });
    }
  } else linkTree(kept, path.join(out, 'node_modules'));
  return out;
}

function npmCi(dir) {
  execFileSync('npm', NPM_CI, { cwd: dir, stdio: ['ignore', 'ignore', 'inherit'] });
}

/** What `npm ci` in `dir` depends on: the manifest and lock, npm's and Node's versions, the platform. */
function installKey(dir) {
  const hash = createHash('sha256');
  for (const file of ['package.json', 'package-lock.json'])
    hash.update(fs.readFileSync(path.join(dir, file)));
  const npm = execFileSync('npm', ['--version'], { encoding: 'utf8' }).trim();
  hash.update(JSON.stringify([npm, process.version, process.platform, process.arch, NPM_CI]));
  return hash.digest('hex').slice(0, 32);
}

/** A copy of a tree made of hard links (symbolic links copied as they are): no file is written. */
function linkTree(from, to) {
  fs.mkdirSync(to, { recursive: true });
  for (const entry of fs.readdirSync(from, { withFileTypes: true })) {
    const [a, b] = [path.join(from, entry.name), path.join(to, entry.name)];
    if (entry.isDirectory()) linkTree(a, b);
    else if (entry.isSymbolicLink()) fs.symlinkSync(fs.readlinkSync(a), b);
    else
      try {
        fs.linkSync(a, b);
      } catch (err) {
        // Another file system than the one the install is kept on: a copy, then.
        if (err.code !== 'EXDEV') throw err;
        fs.copyFileSync(a, b);
      }
  }
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
