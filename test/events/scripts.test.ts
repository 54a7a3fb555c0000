// `npm run events -- tail` prints the hub's events as they arrive; `npm run views:rebuild` runs a
// rebuild to its end, showing progress.
import { execFile, spawn } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { eventually, libraryHost, repoRoot, TEST_SECRET } from '../rentals/support-host';

const run = promisify(execFile);
const ctx = libraryHost();
const script = (name: string) => path.join(repoRoot, `dist/scripts/${name}.js`);

describe('npm run events -- tail', () => {
  it('prints each event as it arrives: partition, sequence number, key, type, subject', async () => {
    const tail = spawn(process.execPath, [script('events'), 'tail', '--url', ctx.host.url, '--from-start'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, LOCAL_MASTER_KEY: ctx.host.keys.master },
    });
    let out = '';
    tail.stdout.on('data', (c: Buffer) => (out += c.toString()));
    try {
      const memberId = await ctx.lib.addMember(25);
      const lines = await eventually(
        async () => {
          const mine = out.split('\n').filter((l) => l.includes(`members/${memberId}`));
          return mine.length >= 2 ? mine : undefined;
        },
        20_000,
        'the tailed events',
      );
      expect(lines[0]).toMatch(
        new RegExp(`^\\S+Z  p\\d+  #\\d+  ${memberId}  rentbook\\.member\\.registered  members/${memberId}$`),
      );
      expect(lines[1]).toContain('rentbook.points.deposited');
    } finally {
      tail.kill('SIGINT');
    }
  });

  it('refuses a missing command with a usage line and exit code 2', async () => {
    const failed = await run(process.execPath, [script('events')]).catch(
      (e: { code: number; stderr: string }) => e,
    );
    expect(failed).toMatchObject({ code: 2, stderr: expect.stringContaining('usage: events tail') });
  });
});

describe('npm run views:rebuild', () => {
  it('runs the rebuild to completion and prints its final status', async () => {
    await ctx.lib.addMember(0);
    const { stdout, stderr } = await run(process.execPath, [script('views-rebuild'), '--url', ctx.host.url], {
      env: { ...process.env, LOCAL_AUTH_SECRET: TEST_SECRET },
    });
    const status = JSON.parse(stdout) as { status: string; progress: { members: number; done: number } };
    expect(status.status).toBe('completed');
    expect(status.progress.done).toBe(status.progress.members);
    expect(status.progress.members).toBeGreaterThanOrEqual(1);
    expect(stderr).toMatch(
      new RegExp(`members \\[=+\\] ${status.progress.members}/${status.progress.members}`),
    );
  });
});
