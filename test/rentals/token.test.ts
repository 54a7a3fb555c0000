// `npm run token`: prints a bearer token the host on the same data file accepts, with no set-up
// (the secret is generated on first use and kept beside the data file).
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { SignJWT, decodeJwt } from 'jose';
import { afterAll, describe, expect, it } from 'vitest';
import { hasStoredItem } from '../../local/documents/stored-item';
import { resolveLocalAuthSecret } from '../../local/host/auth-secret';
import { LOCAL_TOKEN_ISSUER } from '../../shared/local-token';
import { call, repoRoot } from './support-host';
import { spawnHost, type ChildHost } from '../helpers/hosts';

const run = promisify(execFile);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rentbook-token-'));
const dbFile = path.join(dir, 'local.db');
const env = { ...process.env };
delete env.LOCAL_AUTH_SECRET;
delete env.LOCAL_MASTER_KEY;
let host: ChildHost | undefined;
let parkId = '';

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
    parkId = created.body.id;
    const member = (await token('--member', created.body.id, '--db', dbFile)).stdout.trim();
    expect((await call(host.url, 'GET', `/api/members/${created.body.id}`, { token: member })).status).toBe(
      200,
    );
    expect(
      (await call(host.url, 'POST', '/api/members', { token: member, body: { name: 'X' } })).status,
    ).toBe(403);
  });

  it('--ttl sets how long a token is good for; the host answers an expired one 401', async () => {
    const lasting = (await token('--librarian', '--ttl', 'PT2H', '--db', dbFile)).stdout.trim();
    const claims = decodeJwt(lasting);
    expect(claims.exp! - claims.iat!).toBe(7200);
    expect((await call(host!.url, 'GET', '/api/members?limit=1', { token: lasting })).status).toBe(200);
    // A token as the command makes them, signed with the same secret, but whose hour is over.
    const hourAgo = Math.floor(Date.now() / 1000) - 3600;
    const expired = await new SignJWT({ iss: LOCAL_TOKEN_ISSUER, role: 'librarian', sub: 'librarian' })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setIssuedAt(hourAgo - 60)
      .setExpirationTime(hourAgo)
      .sign(new TextEncoder().encode(resolveLocalAuthSecret(dbFile)));
    const refused = await call<{ status: number }>(host!.url, 'GET', '/api/members?limit=1', {
      token: expired,
    });
    expect(refused.status).toBe(401);
    expect(refused.headers.get('content-type')).toBe('application/problem+json');
    for (const ttl of ['1h', 'P0D', 'P400D']) {
      const failed = await token('--librarian', '--ttl', ttl, '--db', dbFile).then(
        () => undefined,
        (err: { code: number; stderr: string }) => err,
      );
      expect({ ttl, code: failed?.code }).toEqual({ ttl, code: 2 });
      expect(failed?.stderr).toMatch(/--ttl/);
    }
  });

  it('makes no token for a member that does not exist: exit 1, saying so', async () => {
    const asHost = await token('--member', 'nosuch', '--db', dbFile).then(
      () => undefined,
      (err: { code: number; stdout: string; stderr: string }) => err,
    );
    expect(asHost?.code).toBe(1);
    expect(asHost?.stdout).toBe('');
    expect(asHost?.stderr).toMatch(/has no member nosuch: no token made/);
    // With no host running, the data file is asked; one that does not exist holds no member.
    const nowhere = await token('--member', 'nosuch', '--db', path.join(dir, 'none.db')).then(
      () => undefined,
      (err: { code: number; stdout: string; stderr: string }) => err,
    );
    expect(nowhere?.code).toBe(1);
    expect(nowhere?.stdout).toBe('');
    expect(nowhere?.stderr).toMatch(/no member nosuch in .*none\.db/);
    // The file the host writes holds the member it registered, and no other.
    expect(hasStoredItem(dbFile, { containerName: 'members', partitionKey: parkId, id: parkId })).toBe(true);
    expect(hasStoredItem(dbFile, { containerName: 'members', partitionKey: 'nosuch', id: 'nosuch' })).toBe(
      false,
    );
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
