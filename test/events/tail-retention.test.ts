// `npm run events -- tail` says how long the hub keeps an event and how many have passed that: after
// the clock moves past the retention, the events before it are gone, and tail says so rather than
// showing fewer events in silence.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { eventually, libraryHost, repoRoot } from '../rentals/support-host';

const run = promisify(execFile);
const ctx = libraryHost();
const script = path.join(repoRoot, 'dist/scripts/events.js');

interface Listing {
  retention: string;
  partitions: { partitionId: string; beginningSequenceNumber: number; lastSequenceNumber: number }[];
}

async function listing(): Promise<Listing | undefined> {
  const res = await fetch(`${ctx.host.url}/admin/eventhubs/rentbook-events/events?limit=1`, {
    headers: { 'x-functions-key': ctx.host.keys.master },
  });
  return res.status === 200 ? ((await res.json()) as Listing) : undefined;
}

const held = (l: Listing | undefined): number =>
  (l?.partitions ?? []).reduce((n, p) => n + p.lastSequenceNumber + 1 - p.beginningSequenceNumber, 0);

/** Runs tail for a moment (it runs until stopped): what it printed on stdout and stderr. */
async function tailFromStart(): Promise<{ stdout: string; stderr: string }> {
  const result = await run(process.execPath, [script, 'tail', '--url', ctx.host.url, '--from-start'], {
    env: { ...process.env, LOCAL_MASTER_KEY: ctx.host.keys.master },
    timeout: 3000,
    killSignal: 'SIGINT',
  }).catch((e: { stdout: string; stderr: string }) => e);
  return { stdout: result.stdout, stderr: result.stderr };
}

describe('npm run events -- tail and the retention', () => {
  it('says what the hub keeps and how many events have passed that and are gone', async () => {
    // A member registered with points: two events, then two days on, past the one-day retention.
    const before = await ctx.lib.addMember(25, 'Before Retention');
    await eventually(async () => (held(await listing()) === 2 ? true : undefined), 20_000, 'two events');
    const moved = await fetch(`${ctx.host.url}/admin/clock`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ advanceBy: 'P2D' }),
    });
    expect(moved.status).toBe(200);
    await eventually(async () => (held(await listing()) === 0 ? true : undefined), 20_000, 'the purge');
    const after = await ctx.lib.addMember(25, 'After Retention');
    await eventually(async () => (held(await listing()) === 2 ? true : undefined), 20_000, 'two more events');

    const { stdout, stderr } = await tailFromStart();
    expect(stderr).toContain(
      "events: rentbook-events keeps an event for P1D (its retention, on the host's clock): 2 events have passed that and are gone, 2 are held\n",
    );
    expect(stdout).toContain(`members/${after}`);
    expect(stdout).not.toContain(`members/${before}`);
  });

  it('names a command it does not know', async () => {
    const failed = await run(process.execPath, [script, 'tial']).catch(
      (e: { code: number; stderr: string }) => e,
    );
    expect(failed).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/^events: there is no command "tial"; the one command is tail\.\n/),
    });
  });
});
