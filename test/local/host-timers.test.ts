// Timer triggers on the host clock: schedules, runOnStartup, the admin run, and past-due after downtime.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { readState, writeState } from '../../local/host/db';
import type { LocalHost } from '../../local/host/host';
import { readProbe } from '../fixture-app/probe';
import { startHost, waitFor } from '../helpers/hosts';

interface TimerRecord {
  isPastDue: boolean;
  scheduleStatus: { last: string; next: string; lastUpdated: string } | null;
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'host-timers-'));
const hosts: LocalHost[] = [];
afterAll(async () => {
  for (const h of hosts) await h.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function start(dbFile: string): Promise<LocalHost> {
  const h = await startHost({ dbFile });
  hosts.push(h);
  return h;
}

describe('timer triggers', () => {
  const dbFile = path.join(dir, 'timers.db');

  it('runs a runOnStartup function at start, not past due', async () => {
    const host = await start(dbFile);
    const runs = await waitFor(() => {
      const r = readProbe(host.db, 'timer:onStartup') as TimerRecord[];
      return r.length ? r : undefined;
    });
    expect(runs).toEqual([{ isPastDue: false }]);
  });

  it('fires on its six-field schedule when the clock reaches the next occurrence', async () => {
    const host = hosts[0];
    expect(readProbe(host.db, 'timer:everyFiveMinutes')).toEqual([]);
    host.clock.advance(5 * 60_000);
    const [run] = await waitFor(() => {
      const r = readProbe(host.db, 'timer:everyFiveMinutes') as TimerRecord[];
      return r.length ? r : undefined;
    });
    expect(run.isPastDue).toBe(false);
    expect(Date.parse(run.scheduleStatus!.next) - Date.parse(run.scheduleStatus!.last)).toBe(5 * 60_000);
    expect(new Date(run.scheduleStatus!.next).getUTCMinutes() % 5).toBe(0);
  });

  it('runs a timer function now through the admin API', async () => {
    const host = hosts[0];
    const before = readProbe(host.db, 'timer:everyFiveMinutes').length;
    const res = await fetch(`${host.url}/admin/functions/everyFiveMinutes`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{"input":""}',
    });
    expect(res.status).toBe(202);
    await waitFor(() => readProbe(host.db, 'timer:everyFiveMinutes').length === before + 1);
  });

  it('runs a missed schedule once at start, past due, after the host was down', async () => {
    const first = hosts.shift()!;
    await first.stop();
    // Ten minutes of downtime: move the persisted clock, as if the host had been off that long.
    const db = new BetterSqlite3(dbFile);
    writeState(db, 'clock.offsetMs', String(Number(readState(db, 'clock.offsetMs')) + 10 * 60_000));
    db.close();

    const host = await start(dbFile);
    const runs = await waitFor(() => {
      const r = readProbe(host.db, 'timer:everyFiveMinutes') as TimerRecord[];
      return r.some((x) => x.isPastDue) ? r : undefined;
    });
    expect(runs.filter((x) => x.isPastDue)).toHaveLength(1);
  });
});
