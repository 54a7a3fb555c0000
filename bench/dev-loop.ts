// `npm run bench -- --dev-loop [--dev-loop-edits N]`: how long an edit takes to be served by `npm run
// dev`. Starts the dev loop (scripts/dev.mjs) on a fresh data file, then N times appends a comment
// line to functions/health.ts and times, from the write, until a new host process answers
// GET /api/health: the file event, the rebuild, the old host's shutdown and the new one's start. The
// file is put back as it was at the end (also when the run fails), and the loop is stopped once it
// has rebuilt that.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runningHost } from '../local/host/host-record';
import { summarize } from './stats';
import { measureCommitsPerSec } from './storage-ceiling';

const root = path.resolve(__dirname, '../..');
const EDITED = path.join(root, 'functions/health.ts');
const POLL_MS = 20;
// Between edits: the loop's own settling, so each edit is timed on its own.
const PAUSE_MS = 1500;

export interface DevLoopFigures {
  editToServingMs: ReturnType<typeof summarize>;
  runs: number[];
}

export async function devLoopBench(edits: number, print: (o: unknown) => void): Promise<DevLoopFigures> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rentbook-dev-loop-'));
  const dbFile = path.join(dir, 'local.db');
  const original = fs.readFileSync(EDITED, 'utf8');
  const child = spawn(process.execPath, [path.join(root, 'scripts/dev.mjs'), '--port', '0', '--db', dbFile], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  const runs: number[] = [];
  try {
    let serving = await newHost(dbFile, undefined, 120_000, () => out);
    for (let i = 1; i <= edits; i++) {
      await sleep(PAUSE_MS);
      const start = performance.now();
      fs.writeFileSync(EDITED, `${original}// dev-loop edit ${i}\n`);
      serving = await newHost(dbFile, serving, 60_000, () => out);
      const ms = Math.round(performance.now() - start);
      runs.push(ms);
      print({ phase: 'dev-loop', edit: i, editToServingMs: ms });
    }
  } finally {
    const last = runningHost(dbFile)?.pid;
    fs.writeFileSync(EDITED, original);
    // The loop rebuilds the file as it is again before it stops, so dist/ matches the sources.
    await newHost(dbFile, last, 60_000, () => out).catch(() => undefined);
    child.kill('SIGINT');
    await new Promise((resolve) => child.once('exit', resolve));
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return { editToServingMs: summarize(runs), runs };
}

/** Waits until a host other than `previous` (a pid) runs on the data file and answers /api/health. */
async function newHost(
  dbFile: string,
  previous: number | undefined,
  timeoutMs: number,
  output: () => string,
): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const record = runningHost(dbFile);
    if (record && record.pid !== previous) {
      const ok = await fetch(`${record.url}/api/health`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) return record.pid;
    }
    if (Date.now() > deadline) throw new Error(`no new host served within ${timeoutMs} ms:\n${output()}`);
    await sleep(POLL_MS);
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The same-run storage ceiling, to read the figures against this machine's state at the time. */
export function storageCeiling(): { storageCommitsPerSec: number } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rentbook-ceiling-'));
  try {
    return { storageCommitsPerSec: measureCommitsPerSec(dir, 'NORMAL', 1) };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
