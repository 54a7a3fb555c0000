// `npm run dev` (scripts/dev.mjs): the app on the local host with dev features on, started again on
// the same data file after a change to its sources; Ctrl-C stops both. The change is a comment line
// added to a function's file and taken out again, so what other tests read of dist/ does the same
// either way. How long an edit takes to be served is a figure of the benchmark (npm run bench --
// --dev-loop), not asserted here.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hostRecordFile, runningHost } from '../../local/host/host-record';
import { repoRoot, waitFor } from '../helpers/hosts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rentbook-dev-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** The host on `dbFile` once it is another than the one of process `previous`. */
function nextHost(dbFile: string, previous: number, output: () => string) {
  return waitFor(
    () => {
      const host = runningHost(dbFile);
      return host && host.pid !== previous ? host : undefined;
    },
    60_000,
    `a host after ${previous}:\n${output()}`,
  );
}

describe('npm run dev', () => {
  it('serves the app with dev features, starts it again on the same data file after a change, stops on Ctrl-C', async () => {
    const dbFile = path.join(dir, 'local.db');
    const child = spawn(process.execPath, ['scripts/dev.mjs', '--port', '0', '--db', dbFile], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    try {
      // The host is started first; the watch is ready a few seconds later.
      await waitFor(
        () => /^Listening on /m.test(out) && /^dev: watching the sources for changes$/m.test(out),
        90_000,
        'the host and the watch',
      );
      const first = runningHost(dbFile)!;
      // Undefined here would mean the host was restarted with no change made: the output says why.
      expect(first, out).toBeDefined();
      expect(out).toContain(`Dev features on: POST ${first.url}/admin/clock`);
      expect((await fetch(`${first.url}/api/health`)).status).toBe(200);

      // An edit, put back as it was at once: the second build writes the same files as the first.
      const source = path.join(repoRoot, 'functions/health.ts');
      const original = fs.readFileSync(source, 'utf8');
      let second;
      try {
        fs.writeFileSync(source, `${original}// an edit from test/scripts/dev.test.ts\n`);
        second = await nextHost(dbFile, first.pid, () => out);
      } finally {
        fs.writeFileSync(source, original);
      }
      // And the edit taken back is served too, so dist/ is as the sources are.
      await nextHost(dbFile, second.pid, () => out);
      const third = runningHost(dbFile)!;
      expect(third.dataFile).toBe(first.dataFile);
      expect((await fetch(`${third.url}/api/health`)).status).toBe(200);
      expect(out).toMatch(/dev: built in \d+\.\d s; restarting the host/);
      expect(out).toMatch(/dev: serving again \d+\.\d s after the change was seen/);
      // Each host stopped cleanly before the next took the data file.
      expect(out.match(/host: SIGINT received, shutting down/g)).toHaveLength(2);
      // Started again, the function list already on the screen is not printed again.
      expect(out.match(/^Functions:$/gm)).toHaveLength(1);
    } finally {
      child.kill('SIGINT');
    }
    expect(await exited).toBe(0);
    expect(fs.existsSync(hostRecordFile(dbFile))).toBe(false);
    // Three hosts and the watch of three projects, on a machine other test files load too.
  }, 150_000);
});
