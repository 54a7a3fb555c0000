// `npm run dev [-- host options]`: the edit loop. It builds and runs the app on the local host with dev
// features on, as `npm start` does, then watches the sources: a change is rebuilt and the host started
// again on the same data file. A build with errors leaves the running host alone until the next
// change mends them. Ctrl-C stops both.
//
// One TypeScript watch program per project (tsconfig.app.json, tsconfig.host.json,
// tsconfig.tools.json; the tests' project is vitest's business), each keeping its program in memory,
// so a change costs the files it reaches (about half a second for a function), not a new program of
// 1,150 files (3-4 s, what `tsc -b --watch` pays on every change). The projects reference one another:
// a change to the app that alters its declarations reaches the host's and the tools' programs
// through those files, and the restart waits until every program has settled.
//
// The host is a child process: a host holds its data file's lock until it exits, so the next one
// starts only once the last has stopped.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { clearTimeout, setInterval, setTimeout } from 'node:timers';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const ts = require('typescript');
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

// TypeScript's status lines: a build begins (6031 at start, 6032 on a change) and ends (6193, 6194).
const BUILD_STARTED = new Set([6031, 6032]);
const BUILD_ENDED = new Set([6193, 6194]);
// TypeScript waits 250 ms after a file event before it builds, to let an editor finish saving; a
// save is over well within 50 ms (write, or write and rename), and the rest is a wait in every loop.
const BUILD_DELAY_MS = 50;
// A program that emitted declarations wakes the programs that read them after that delay: wait a
// little longer before calling the builds settled.
const SETTLE_MS = 150;

const say = (line) => process.stderr.write(`dev: ${line}\n`);

/** Each project's state: building, and the errors of its last build. */
const projects = new Map(
  [
    // Only a change to what the host runs restarts it; the tools are rebuilt for the next command.
    { name: 'app', restarts: true },
    { name: 'host', restarts: true },
    { name: 'tools', restarts: false },
  ].map((p) => [p.name, { ...p, building: true, errors: 0, declarationsChanged: false }]),
);

let host; // the running host's child process
let replacing = false; // a host is stopping to be started again
let hostsStarted = 0;
let stale = false; // a build since the host started wrote files of what it runs
let watching = false; // every watch program has made its first build
let changedAt; // when the first build of this round began
let settleTimer;
let quitting = false;
const replaced = new WeakSet(); // hosts stopped to be started again

const formatHost = {
  getCanonicalFileName: (f) => f,
  getCurrentDirectory: () => root,
  getNewLine: () => '\n',
};

// First dist/ is brought up to date as npm start does it (a fraction of a second when it is) and the
// host started; the watch programs, which take some seconds to create, come after.
const upToDate = spawnSync(
  process.execPath,
  [
    require.resolve('typescript/bin/tsc'),
    '-b',
    ...[...projects.keys()].map((name) => `tsconfig.${name}.json`),
  ],
  { cwd: root, stdio: 'inherit' },
);
if (upToDate.status === 0) startHost();

for (const [name, project] of projects) {
  // The system as TypeScript's, but building sooner after a change, and noting whether a build
  // changed the declarations it writes.
  const system = {
    ...ts.sys,
    setTimeout: (callback, ms, label, ...rest) =>
      setTimeout(
        callback,
        label === 'timerToUpdateProgram' ? Math.min(ms, BUILD_DELAY_MS) : ms,
        label,
        ...rest,
      ),
    writeFile(file, text, writeBom) {
      // A file written as it already was changes nothing the host runs (the watch's first build
      // may write again what `tsc -b` just wrote, when another build touched its build info).
      // Its time is still brought forward, as a write would, for `tsc -b`'s up-to-date check.
      if (ts.sys.readFile(file) === text) {
        const now = new Date();
        fs.utimesSync(file, now, now);
        return;
      }
      // Only code restarts the host: not declarations, maps or build info (which the watch program
      // writes in its own way after `tsc -b` has written it).
      if (project.restarts && /\.[cm]?js$/.test(file)) stale = true;
      if (file.endsWith('.d.ts')) project.declarationsChanged = true;
      ts.sys.writeFile(file, text, writeBom);
    },
  };
  const watchHost = ts.createWatchCompilerHost(
    path.join(root, `tsconfig.${name}.json`),
    { preserveWatchOutput: true },
    system,
    ts.createEmitAndSemanticDiagnosticsBuilderProgram,
    (diagnostic) => process.stderr.write(ts.formatDiagnosticsWithColorAndContext([diagnostic], formatHost)),
    (diagnostic, _newLine, _options, errorCount) => {
      if (BUILD_STARTED.has(diagnostic.code)) {
        project.building = true;
        project.declarationsChanged = false;
        clearTimeout(settleTimer);
        if (diagnostic.code === 6032) changedAt ??= performance.now();
      } else if (BUILD_ENDED.has(diagnostic.code)) {
        project.building = false;
        project.errors = errorCount ?? 0;
        clearTimeout(settleTimer);
        // Declarations the other programs read changed: they are about to build too.
        settleTimer = setTimeout(settled, project.declarationsChanged ? SETTLE_MS : 0);
      }
    },
  );
  ts.createWatchProgram(watchHost);
}

/** Every program is idle: start the host, or start it again if what it runs changed. */
function settled() {
  if ([...projects.values()].some((p) => p.building)) return;
  const since = changedAt;
  changedAt = undefined;
  const took = since === undefined ? '' : ` in ${seconds(since)} s`;
  const errors = [...projects.values()].reduce((n, p) => n + p.errors, 0);
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
  if (!watching) {
    watching = true;
    say('watching the sources for changes');
  }
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
