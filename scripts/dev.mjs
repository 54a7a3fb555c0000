// `npm run dev [-- host options]`: the edit loop. It builds and runs the app on the local host with dev
// features on, as `npm start` does, then watches the sources: a change is rebuilt and the host started
// again on the same data file. A build with errors leaves the running host alone until the next
// change mends them. Ctrl-C stops both.
//
// The sources are watched with fs.watch; 50 ms after the last change the native compiler
// (scripts/tsc.mjs) brings the app's, the host's and the tools' projects up to date (`tsc -b`, which
// rebuilds only what a change reaches: about a second for a function, a few for a change to what
// `shared/` declares) and lists the files it wrote. The host is started again when one of them is code
// it runs (dist/functions, dist/shared, dist/local); a change to the tools only rebuilds them for the
// next command. A change made while a build runs is built after it.
//
// The host is a child process: a host holds its data file's lock until it exits, so the next one
// starts only once the last has stopped.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { clearTimeout, setInterval, setTimeout } from 'node:timers';
import { fileURLToPath } from 'node:url';
import { stripVTControlCharacters } from 'node:util';
import { runTsc, tscPath } from './tsc.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const hostArgs = process.argv.slice(2);

if (hostArgs.includes('--help') || hostArgs.includes('-h')) {
  process.stdout.write(
    'usage: npm run dev [-- --port N] [--db FILE] [--log-level LEVEL]\n\n' +
      'Builds and runs the app on the local host with dev features on (as npm start does), then watches\n' +
      'the sources: each change is rebuilt and the host started again on the same data file.\n' +
      'The options go to the host (npm run host -- --help).\n',
  );
  process.exit(0);
}

// The projects the host and the tools are built from (the tests' project is vitest's business).
const PROJECTS = ['tsconfig.app.json', 'tsconfig.host.json', 'tsconfig.tools.json'];
// The folders of their sources, and the files a change to which is a change to a source.
const SOURCE_DIRS = ['functions', 'shared', 'local', 'scripts', 'bench'];
const SOURCE_FILE = /\.(ts|tsx|mts|cts|json)$/;
// What the host runs: a build that wrote one of these starts it again.
const HOST_CODE = /^dist\/(functions|shared|local)\/.*\.js$/;
// An editor's save is over well within 50 ms (write, or write and rename); TypeScript's own watch
// waits 250.
const BUILD_DELAY_MS = 50;

const say = (line) => process.stderr.write(`dev: ${line}\n`);

let host; // the running host's child process
let replacing = false; // a host is stopping to be started again
let hostsStarted = 0;
let stale = false; // a build since the host started wrote code it runs
let building = false;
let changedAgain = false; // a source changed while a build ran
let changedAt; // when the first change of this round was seen
let buildTimer;
let quitting = false;
const replaced = new WeakSet(); // hosts stopped to be started again

// First dist/ is brought up to date as npm start does it (a fraction of a second when it is) and the
// host started; then the sources are watched.
if (runTsc(['-b', ...PROJECTS]) === 0) startHost();
for (const dir of SOURCE_DIRS) {
  fs.watch(path.join(root, dir), { recursive: true }, (_event, file) => {
    if (file && SOURCE_FILE.test(file)) changed();
  });
}
fs.watch(root, (_event, file) => {
  if (file && /^tsconfig(\.\w+)?\.json$/.test(file)) changed();
});
say('watching the sources for changes');

function changed() {
  changedAt ??= performance.now();
  if (building) {
    changedAgain = true;
    return;
  }
  clearTimeout(buildTimer);
  buildTimer = setTimeout(build, BUILD_DELAY_MS);
}

/** Brings the projects up to date; restarts the host if the build wrote code it runs. */
function build() {
  building = true;
  changedAgain = false;
  const child = spawn(
    process.execPath,
    [tscPath, '-b', ...PROJECTS, '--listEmittedFiles', '--pretty', String(Boolean(process.stderr.isTTY))],
    { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk.toString()));
  // 'close': the compiler has exited and its output has been read to the end.
  child.once('close', (code) => {
    building = false;
    const written = [];
    const report = [];
    for (const line of output.split('\n')) {
      if (line.startsWith('TSFILE: '))
        written.push(path.relative(root, line.slice('TSFILE: '.length).trim()));
      else report.push(line);
    }
    if (report.join('').trim()) process.stderr.write(report.join('\n'));
    if (written.some((file) => HOST_CODE.test(file.split(path.sep).join('/')))) stale = true;
    const errors = (stripVTControlCharacters(report.join('\n')).match(/error TS\d+:/g) ?? []).length;
    if (changedAgain) {
      build();
      return;
    }
    built(code === 0 ? 0 : Math.max(errors, 1));
  });
}

/** A build is over with `errors`: start the host, or start it again if what it runs changed. */
function built(errors) {
  const since = changedAt;
  changedAt = undefined;
  const took = since === undefined ? '' : ` in ${seconds(since)} s`;
  if (errors) {
    // What was written stays stale: the build that mends the errors restarts the host.
    const keeps = host ? 'keeps running the last good build' : 'starts once they are mended';
    say(`${errors} error${errors === 1 ? '' : 's'}${took}; the host ${keeps}.`);
    return;
  }
  if (!host && !replacing) startHost(since);
  else if (stale) {
    say(`built${took}; restarting the host`);
    restartHost(since);
  }
  stale = false;
}

const seconds = (since) => ((performance.now() - since) / 1000).toFixed(1);

/** Starts the host; `since`, when it is started again, is when the change that led to it was seen. */
function startHost(since) {
  const child = spawn(process.execPath, [path.join(root, 'dist/local/host/cli.js'), '--dev', ...hostArgs], {
    cwd: process.cwd(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  host = child;
  const again = hostsStarted++ > 0;
  let listing = false;
  let pending = '';
  child.stdout.on('data', (chunk) => {
    pending += chunk.toString();
    const lines = pending.split('\n');
    pending = lines.pop();
    for (const line of lines) {
      // Started again, the function list is the one already on the screen: leave it out.
      if (again && line === 'Functions:') listing = true;
      else if (listing && !line.startsWith('  ')) listing = false;
      if (!listing) process.stdout.write(line + '\n');
      if (since !== undefined && line.startsWith('Listening on'))
        say(`serving again ${seconds(since)} s after the change was seen`);
    }
  });
  child.stderr.pipe(process.stderr);
  child.once('exit', (code, signal) => {
    if (host === child) host = undefined;
    if (quitting) process.exit(0);
    if (!replaced.has(child))
      say(`the host stopped (${signal ?? `exit code ${code}`}); it starts again after the next change.`);
  });
}

function restartHost(since) {
  const old = host;
  replacing = true;
  replaced.add(old);
  old.once('exit', () => {
    replacing = false;
    if (!quitting) startHost(since);
  });
  old.kill('SIGINT');
}

function quit() {
  if (quitting) return;
  quitting = true;
  if (!host) process.exit(0);
  if (replacing) return; // the host stopping exits on its own, and none starts after it
  // Ctrl-C in a terminal reaches the host too; a signal to this process alone is passed on.
  host.kill('SIGINT');
}
process.on('SIGINT', quit);
process.on('SIGTERM', quit);
// As the host does under npm (local/host/cli.ts): a SIGTERM to npm ends the shell it ran this in
// without passing it on, so this stops when its parent goes.
if (process.env.npm_lifecycle_event !== undefined) {
  const parent = process.ppid;
  setInterval(() => process.ppid !== parent && quit(), 500).unref();
}
