// One host per data file: a second start on a file a host runs on names that host and exits 1, and
// leaves it and its record alone; a host that was killed leaves no lock behind.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DataFileInUse } from '../../local/host/data-file-lock';
import { findHost, hostRecordFile } from '../../local/host/host-record';
import { fixtureAppDir, repoRoot, spawnHost, startHost } from '../helpers/hosts';

const cli = path.join(repoRoot, 'dist/local/host/cli.js');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'host-lock-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function startSecond(dbFile: string) {
  return spawnSync(process.execPath, [cli, '--app', fixtureAppDir, '--db', dbFile, '--port', '0'], {
    cwd: repoRoot,
    encoding: 'utf8',
    timeout: 30_000,
  });
}

describe('one host per data file', () => {
  it('refuses a second host on the file, naming the running one; the first keeps serving and its record', async () => {
    const dbFile = path.join(dir, 'one.db');
    const first = await spawnHost({ dbFile });
    try {
      const record = fs.readFileSync(hostRecordFile(dbFile), 'utf8');
      const second = startSecond(dbFile);
      expect(second.status).toBe(1);
      expect(second.stdout).not.toContain('Listening on');
      expect(second.stderr.trim()).toMatch(
        new RegExp(
          `^host: another host serves ${escape(dbFile)}: ${escape(first.url)} \\(process ${first.pid}, since \\S+\\); stop it first, or give another --db\\.$`,
        ),
      );
      // The refused start wrote and removed nothing: the tools still find the first host.
      expect(fs.readFileSync(hostRecordFile(dbFile), 'utf8')).toBe(record);
      expect(findHost({ dbFile })).toEqual({ url: first.url, via: `running on ${dbFile}` });
      expect((await fetch(`${first.url}/api/items/1`)).status).not.toBe(404);
    } finally {
      expect(await first.stop()).toBe(0);
    }
    expect(fs.existsSync(hostRecordFile(dbFile))).toBe(false);
  });

  it('lets a host start on the file of one that was killed', async () => {
    const dbFile = path.join(dir, 'killed.db');
    const killed = await spawnHost({ dbFile });
    await killed.kill();
    const next = await spawnHost({ dbFile });
    try {
      expect(findHost({ dbFile }).url).toBe(next.url);
    } finally {
      expect(await next.stop()).toBe(0);
    }
  });

  it('holds between hosts of one process too, and frees the file when the host stops', async () => {
    const dbFile = path.join(dir, 'in-process.db');
    const host = await startHost({ dbFile });
    try {
      // By its name: startHost's host is the build in dist/, whose class is not this module's.
      await expect(startHost({ dbFile })).rejects.toMatchObject({ name: DataFileInUse.name });
      await expect(startHost({ dbFile })).rejects.toThrow(`another host serves ${dbFile}: ${host.url}`);
      expect(findHost({ dbFile }).url).toBe(host.url);
    } finally {
      await host.stop();
    }
    const again = await startHost({ dbFile });
    await again.stop();
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
