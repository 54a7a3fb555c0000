// `npm run bench -- --chaos` (./chaos.ts): its options checked, the run, and its figures as the
// last JSON line, with the storage ceiling of the same sitting.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CHAOS_DEFAULTS, chaosRun } from './chaos';
import { measureCommitsPerSec } from './storage-ceiling';

export interface ChaosBenchOptions {
  seconds?: string;
  concurrency?: string;
  seed?: string;
}

export async function chaosBench(values: ChaosBenchOptions, print: (o: unknown) => void): Promise<void> {
  const whole = (text: string | undefined, fallback: number, what: string): number => {
    const n = Number(text ?? fallback);
    if (!Number.isInteger(n) || n < 1) throw new Error(`${what} must be a whole number above 0.`);
    return n;
  };
  const result = await chaosRun(
    {
      ...CHAOS_DEFAULTS,
      seconds: whole(values.seconds, 40, '--seconds'),
      concurrency: whole(values.concurrency, 32, '--concurrency'),
      seed: whole(values.seed, 1, '--seed'),
    },
    print,
  );
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rentbook-ceiling-'));
  try {
    print({
      ...result,
      storageCommitsPerSec: measureCommitsPerSec(dir, 'NORMAL', 2),
      storageFsyncCommitsPerSec: measureCommitsPerSec(dir, 'FULL', 2),
      cpus: os.cpus().length,
      node: process.version,
    });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
