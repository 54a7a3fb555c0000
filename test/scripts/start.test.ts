// `npm start` (scripts/start.mjs): the build brought up to date, then the host in the same process with
// dev features on, taking the options given after `--`, and saying how long start-up took. The build is
// up to date here (npm test builds first), so this checks the way through, not the compiler.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hostRecordFile } from '../../local/host/host-record';
import { repoRoot, waitFor } from '../helpers/hosts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rentbook-start-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('npm start', () => {
  it('runs the host with dev features and the given options, says how long it took, stops on Ctrl-C', async () => {
    const dbFile = path.join(dir, 'local.db');
    // As typed in a terminal: npm runs the start script; Ctrl-C reaches the whole process group.
    const child = spawn('npm', ['start', '--', '--port', '0', '--db', dbFile], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    let hostPid: number | undefined;
    try {
      const url = await waitFor(
        () => /Listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1],
        90_000,
        'the host',
      );
      expect(out).toMatch(/^Started in \d+\.\d s$/m);
      expect(out).toContain(`Dev features on: POST ${url}/admin/clock`);
      expect(out).toContain(`Data file: ${dbFile}`);
      expect(out).toContain(`Web app on ${url}/ (the API under ${url}/api)`);
      const record = JSON.parse(fs.readFileSync(hostRecordFile(dbFile), 'utf8')) as {
        url: string;
        pid: number;
      };
      expect(record.url).toBe(url);
      hostPid = record.pid;
      expect((await fetch(`${url}/api/health`)).status).toBe(200);
    } finally {
      process.kill(-child.pid!, 'SIGINT');
    }
    await exited;
    // The host (start.mjs's own process) shuts down cleanly: it says so and removes its record.
    await waitFor(() => !isRunning(hostPid!), 30_000, 'the host to exit');
    expect(out).toMatch(/host: SIGINT received, shutting down/);
    expect(out).not.toMatch(/shutdown failed/);
    expect(fs.existsSync(hostRecordFile(dbFile))).toBe(false);
  });
});

describe('SIGTERM to npm, as a service manager sends it', () => {
  for (const script of [['start'], ['run', 'host']]) {
    it(`stops the host of npm ${script.join(' ')} and frees its port`, async () => {
      const dbFile = path.join(dir, `${script.join('-')}.db`);
      // npm alone gets the signal (not its process group): npm passes it to the shell it ran the
      // script in, and the shell does not pass it on.
      const child = spawn('npm', [...script, '--', '--port', '0', '--db', dbFile], {
        cwd: repoRoot,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      child.stdout.on('data', (c: Buffer) => (out += c.toString()));
      child.stderr.on('data', (c: Buffer) => (out += c.toString()));
      const url = await waitFor(
        () => /Listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1],
        90_000,
        'the host',
      );
      const { pid } = JSON.parse(fs.readFileSync(hostRecordFile(dbFile), 'utf8')) as { pid: number };
      try {
        child.kill('SIGTERM');
        await waitFor(() => !isRunning(pid), 10_000, 'the host to exit');
        await expect(fetch(`${url}/api/health`)).rejects.toThrow();
        expect(fs.existsSync(hostRecordFile(dbFile))).toBe(false);
      } finally {
        if (isRunning(pid)) process.kill(pid, 'SIGKILL');
      }
    });
  }
});

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
