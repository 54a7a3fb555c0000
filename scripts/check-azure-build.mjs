// Builds the package azd ships (scripts/azure-package.mjs, what azure.yaml's prepackage hook runs) in a
// temporary folder, checks what is in it and loads every function from it with Azure settings: the
// compiled app and its web page, no local/ code, no development dependency (so no better-sqlite3),
// its unpacked size under the budget. The functions register through a stand-in for
// `@azure/functions-core` (the seam the Azure worker provides). Prints one JSON line; exits non-zero
// when anything is wrong. Run `npm run build` first. The production dependencies are installed with
// `npm ci --omit=dev` as azd's package gets them, once for a given package.json, lock, npm and Node:
// that install is kept in node_modules/.cache/azure-package-installs and linked into the next check's
// package (a check otherwise spends most of its time in npm ci).
//   node scripts/check-azure-build.mjs [--keep | --package DIR]
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
// The options helper every tool uses, from the build this check needs anyway.
import commandLine from '../dist/scripts/lib/command-line.js';
import { buildAzurePackage } from './azure-package.mjs';

const command = {
  name: 'check-azure-build',
  usage: 'usage: node scripts/check-azure-build.mjs [--keep | --package DIR]',
  help: `
Builds the package azd ships (as npm run package:azure does, in a temporary folder) and checks it:
no local/ code, no development dependency, the web page whole, its unpacked size under 100 MB, and
every function loading from it with Azure settings. Prints one JSON line; exits non-zero when anything
is wrong. Run npm run build first. The install of the production dependencies (npm ci --omit=dev) is
kept in node_modules/.cache/azure-package-installs and reused while package.json, the lock, npm and
Node are the same.

  --keep           keep the package directory (its path is printed on stderr)
  --package DIR    check the package already in DIR instead (.azure-package after npm run
                   package:azure: what azd is about to zip)
  --help           this text`,
};
const options = commandLine.parseCommandLine(command, {
  keep: { type: 'boolean', default: false },
  package: { type: 'string' },
});
if (options.package !== undefined && options.keep)
  commandLine.usageError(command, '--keep builds a package to keep; --package checks one already built.');

/** Where the production install is kept between checks. */
const INSTALLS = path.resolve(import.meta.dirname, '../node_modules/.cache/azure-package-installs');

/** The largest unpacked package the check accepts, in bytes. */
const SIZE_BUDGET = 100 * 1024 * 1024;

function listFiles(dir, rel = '') {
  return fs.readdirSync(path.join(dir, rel), { withFileTypes: true }).flatMap((e) => {
    const childRel = rel ? `${rel}/${e.name}` : e.name;
    if (childRel === 'node_modules') return [];
    return e.isDirectory() ? listFiles(dir, childRel) : [childRel];
  });
}

/** Bytes of every file under `dir`, as the zip holds them unpacked. */
function sizeOf(dir) {
  let bytes = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) bytes += sizeOf(p);
    else if (e.isFile()) bytes += fs.statSync(p).size;
  }
  return bytes;
}

const mb = (bytes) => Math.round((bytes / (1024 * 1024)) * 10) / 10;

/** Installed packages (`node_modules/...` paths) the lock marks as needed for development only. */
function developmentOnlyInstalled(dir) {
  const lock = JSON.parse(fs.readFileSync(path.join(dir, 'package-lock.json'), 'utf8'));
  return Object.entries(lock.packages)
    .filter(([where, entry]) => where && entry.dev === true && fs.existsSync(path.join(dir, where)))
    .map(([where]) => where);
}

// Loads the app in a child process, as the worker would, with the given settings.
const loader = `
const Module = require('node:module');
const path = require('node:path');
const registered = [];
const hooks = [];
let model;
const core = {
  version: '4.0.0-check',
  Disposable: class { constructor(f) { this.f = f; } dispose() { this.f(); } },
  registerFunction(metadata) { registered.push(metadata.name); return new core.Disposable(() => {}); },
  setProgrammingModel(m) { model = m; },
  getProgrammingModel() { return model; },
  registerHook(name) { hooks.push(name); return new core.Disposable(() => {}); },
  log() {},
};
const original = Module.prototype.require;
Module.prototype.require = function (id) {
  return id === '@azure/functions-core' ? core : original.apply(this, arguments);
};
const pkg = require(path.resolve('package.json'));
const dir = path.dirname(pkg.main);
const files = require('node:fs').readdirSync(dir).filter((f) => f.endsWith('.js')).map((f) => path.resolve(dir, f));
let error;
try { for (const f of files) require(f); } catch (err) { error = err.message; }
const loaded = Object.keys(require.cache).map((f) => path.relative(process.cwd(), f));
let sqlite = true;
try { require.resolve('better-sqlite3'); } catch { sqlite = false; }
process.stdout.write(JSON.stringify({
  files: files.length,
  registered,
  hooks,
  programmingModel: model && model.name,
  error,
  loadedLocal: loaded.filter((f) => /(^|\\/)local\\//.test(f) && !f.startsWith('node_modules')),
  loadedAzureSdks: ['@azure/cosmos', '@azure/event-hubs', '@azure/service-bus', '@azure/identity'].filter((p) =>
    loaded.some((f) => f.startsWith('node_modules/' + p + '/'))),
  betterSqlite3Installed: sqlite,
}) + '\\n');
`;

function load(dir, env) {
  const out = execFileSync(process.execPath, ['-e', loader], {
    cwd: dir,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    encoding: 'utf8',
  });
  return JSON.parse(out.trim().split('\n').pop());
}

const given = options.package !== undefined;
if (given && !fs.existsSync(path.join(options.package, 'package.json')))
  commandLine.usageError(command, `${options.package} holds no package (no package.json).`);
const dir = given
  ? path.resolve(options.package)
  : fs.mkdtempSync(path.join(os.tmpdir(), 'rentbook-azure-build-'));
let ok = false;
try {
  if (!given) buildAzurePackage(dir, { installs: INSTALLS });
  const packaged = listFiles(dir);
  const azureSettings = {
    CosmosDBConnection__accountEndpoint: 'https://rentbook-check.documents.azure.com:443/',
    CosmosDBConnection__credential: 'managedidentity',
    CosmosDBConnection__clientId: '00000000-0000-0000-0000-000000000001',
    EventHubConnection__fullyQualifiedNamespace: 'rentbook-check.servicebus.windows.net',
    ServiceBusConnection__fullyQualifiedNamespace: 'rentbook-check-sb.servicebus.windows.net',
  };
  const withAzure = load(dir, azureSettings);
  const withoutAzure = load(dir, {});
  const report = {
    packagedFiles: packaged.length,
    unpackedMB: mb(sizeOf(dir)),
    nodeModulesMB: mb(sizeOf(path.join(dir, 'node_modules'))),
    budgetMB: mb(SIZE_BUDGET),
    developmentOnlyInstalled: developmentOnlyInstalled(dir),
    packagedOutsideDist: packaged.filter((f) => !f.startsWith('dist/')),
    packagedLocal: packaged.filter((f) => /(^|\/)local\//.test(f)),
    packagedWeb: packaged.filter((f) => f.startsWith('dist/web/')),
    withAzureSettings: withAzure,
    withoutAzureSettings: { error: withoutAzure.error },
  };
  const problems = [];
  if (report.packagedLocal.length) problems.push('the package holds local/ files');
  if (report.developmentOnlyInstalled.length)
    problems.push(
      `the package holds development dependencies: ${report.developmentOnlyInstalled.join(', ')}`,
    );
  if (report.unpackedMB > report.budgetMB)
    problems.push(`the package is ${report.unpackedMB} MB unpacked, over the ${report.budgetMB} MB budget`);
  // The web page goes with the app: its index and every file the index names.
  if (!packaged.includes('dist/web/index.html'))
    problems.push('the package holds no web page (dist/web/index.html)');
  else {
    const html = fs.readFileSync(path.join(dir, 'dist/web/index.html'), 'utf8');
    for (const [, file] of html.matchAll(/(?:src|href)="\/?([^"#?:]+)"/g))
      if (!packaged.includes(`dist/web/${file}`))
        problems.push(`the package lacks dist/web/${file}, which the page names`);
  }
  if (!withAzure.registered.includes('web')) problems.push('the web function is not registered');
  if (withAzure.error) problems.push(`loading failed: ${withAzure.error}`);
  if (withAzure.registered.length === 0) problems.push('no function registered');
  if (withAzure.loadedLocal.length) problems.push('local/ code was loaded');
  if (withAzure.betterSqlite3Installed) problems.push('better-sqlite3 is installed');
  if (!String(withoutAzure.error).includes('CosmosDBConnection__accountEndpoint'))
    problems.push('without Azure settings the load did not stop naming CosmosDBConnection__accountEndpoint');
  report.problems = problems;
  process.stdout.write(JSON.stringify(report) + '\n');
  ok = problems.length === 0;
} finally {
  if (options.keep) process.stderr.write(`kept ${dir}\n`);
  else if (!given) fs.rmSync(dir, { recursive: true, force: true });
}
process.exit(ok ? 0 : 1);
