// Builds the package the Functions host would get in Azure and loads every function from it:
// the files .funcignore lets through (the compiled app, no local/), production dependencies only
// (`npm ci --omit=dev`, so no better-sqlite3), Azure settings in the environment. The functions
// register through a stand-in for `@azure/functions-core` (the seam the Azure worker provides).
// Prints one JSON line; exits non-zero when anything is wrong. Run `npm run build` first.
//   node scripts/check-azure-build.mjs [--keep]
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
// The options helper every tool uses, from the build this check needs anyway.
import commandLine from '../dist/scripts/lib/command-line.js';

const { keep } = commandLine.parseCommandLine(
  {
    name: 'check-azure-build',
    usage: 'usage: node scripts/check-azure-build.mjs [--keep]',
    help: `
Builds the package the Functions host would get in Azure (the files .funcignore lets through,
production dependencies only) and loads every function from it with Azure settings. Prints one JSON
line; exits non-zero when anything is wrong. Run npm run build first.

  --keep           keep the package directory (its path is printed on stderr)
  --help           this text`,
  },
  { keep: { type: 'boolean', default: false } },
);

const root = path.resolve(import.meta.dirname, '..');

/** The .funcignore rules this project uses: anchored paths (`/dir/`, `/file`) and `*.ext` anywhere. */
function ignoreRules() {
  const lines = fs
    .readFileSync(path.join(root, '.funcignore'), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  return lines.map((line) => {
    const dirOnly = line.endsWith('/');
    const body = line.replace(/^\//, '').replace(/\/$/, '');
    const anchored = line.startsWith('/');
    const re = new RegExp(
      '^' +
        body
          .replace(/[.+^${}()|[\]\\]/g, '\\$&')
          .replace(/\*/g, '[^/]*')
          .replace(/\?/g, '[^/]') +
        '$',
    );
    return { re, anchored, dirOnly };
  });
}

function ignored(rules, rel, isDir) {
  return rules.some((r) => {
    if (r.dirOnly && !isDir) return false;
    return r.anchored ? r.re.test(rel) : r.re.test(path.basename(rel));
  });
}

function copyPackage(rules, dir, into, rel = '') {
  for (const entry of fs.readdirSync(path.join(root, rel), { withFileTypes: true })) {
    const childRel = rel ? `${rel}/${entry.name}` : entry.name;
    if (childRel === 'node_modules' || ignored(rules, childRel, entry.isDirectory())) continue;
    if (entry.isDirectory()) copyPackage(rules, dir, into, childRel);
    else {
      fs.mkdirSync(path.join(into, rel), { recursive: true });
      fs.copyFileSync(path.join(root, childRel), path.join(into, childRel));
    }
  }
}

function listFiles(dir, rel = '') {
  return fs.readdirSync(path.join(dir, rel), { withFileTypes: true }).flatMap((e) => {
    const childRel = rel ? `${rel}/${e.name}` : e.name;
    if (childRel === 'node_modules') return [];
    return e.isDirectory() ? listFiles(dir, childRel) : [childRel];
  });
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

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rentbook-azure-build-'));
let ok = false;
try {
  if (!fs.existsSync(path.join(root, 'dist/functions')))
    throw new Error('No dist/functions: run npm run build first.');
  copyPackage(ignoreRules(), dir, dir);
  const packaged = listFiles(dir);
  execFileSync(
    'npm',
    ['ci', '--omit=dev', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'],
    {
      cwd: dir,
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
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
    packagedOutsideDist: packaged.filter((f) => !f.startsWith('dist/')),
    packagedLocal: packaged.filter((f) => /(^|\/)local\//.test(f)),
    packagedWeb: packaged.filter((f) => f.startsWith('dist/web/')),
    withAzureSettings: withAzure,
    withoutAzureSettings: { error: withoutAzure.error },
  };
  const problems = [];
  if (report.packagedLocal.length) problems.push('the package holds local/ files');
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
  if (keep) process.stderr.write(`kept ${dir}\n`);
  else fs.rmSync(dir, { recursive: true, force: true });
}
process.exit(ok ? 0 : 1);
