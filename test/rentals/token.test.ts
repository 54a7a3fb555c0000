// `npm run token`: prints a bearer token the host on the same data file accepts, with no set-up
// (the secret is generated on first use and kept beside the data file).
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { call, repoRoot } from './support-host';
import { spawnHost, type ChildHost } from '../helpers/hosts';

const run = promisify(execFile);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rentbook-token-'));
const dbFile = path.join(dir, 'local.db');
const env = { ...process.env };
delete env.LOCAL_AUTH_SECRET;
delete env.LOCAL_MASTER_KEY;
let host: ChildHost | undefined;

afterAll(async () => {
  await host?.kill();
  fs.rmSync(dir, { recursive: true, force: true });
});

function token(...args: string[]) {
  return run(process.execPath, [path.join(repoRoot, 'dist/scripts/token.js'), ...args], { env });
}

describe('npm run token', () => {
  it('prints only the token, and the host on the same data file accepts it', async () => {
    // No LOCAL_AUTH_SECRET: the host and the command share the one generated beside the data file.
    host = await spawnHost({ appDir: repoRoot, dbFile, env: { LOCAL_AUTH_SECRET: '' } });
    const librarian = await token('--librarian', '--db', dbFile);
    expect(librarian.stdout).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+\n$/);

    const created = await call<{ id: string }>(host.url, 'POST', '/api/members', {
      token: librarian.stdout.trim(),
      body: { name: 'Park' },
    });
    expect(created.status).toBe(201);
    const member = (await token('--member', created.body.id, '--db', dbFile)).stdout.trim();
    expect((await call(host.url, 'GET', `/api/members/${created.body.id}`, { token: member })).status).toBe(
      200,
    );
    expect(
      (await call(host.url, 'POST', '/api/members', { token: member, body: { name: 'X' } })).status,
    ).toBe(403);
  });

  it('--master prints the master key that the host on the same data file takes for its admin routes', async () => {
    const masterDb = path.join(dir, 'master.db');
    const plain = await spawnHost({
      appDir: repoRoot,
      dbFile: masterDb,
      dev: false,
      env: { LOCAL_MASTER_KEY: '' },
    });
    try {
      const printed = (await token('--master', '--db', masterDb)).stdout;
      expect(printed).toMatch(/^[\w-]{32,}\n$/);
      const status = (key?: string) =>
        fetch(`${plain.url}/admin/host/status`, { headers: key ? { 'x-functions-key': key } : {} });
      expect((await status()).status).toBe(401);
      expect((await status('not-the-key')).status).toBe(401);
      expect((await status(printed.trim())).status).toBe(200);
    } finally {
      await plain.kill();
    }
  });

  it('refuses unclear arguments with a usage line and exit code 2', async () => {
    for (const args of [[], ['--member', 'm1', '--librarian'], ['--member'], ['--master', '--librarian']]) {
      const failed = await token(...args, '--db', dbFile).then(
        () => undefined,
        (err: { code: number; stderr: string }) => err,
      );
      expect(failed?.code).toBe(2);
      expect(failed?.stderr).toMatch(/usage: token/);
    }
  });
});
