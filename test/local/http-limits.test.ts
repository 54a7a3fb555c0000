// host.json's HTTP limits, as the Functions host keeps them: at most `maxConcurrentRequests`
// functions run at once, the rest wait; past `maxOutstandingRequests` (running and waiting) a request
// is refused at once with 429 and Retry-After. The host's admin routes are never refused. The
// limits come from host.json or from app settings that override it
// (`AzureFunctionsJobHost__extensions__http__…`), as in Azure.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withHostJsonOverrides } from '../../local/host/app-loader';
import type { LocalHost } from '../../local/host/host';
import { spawnHost, startHost, type ChildHost } from '../helpers/hosts';

describe('app settings that override host.json', () => {
  it('set the value at their path, matching keys whatever their case, numbers and booleans as such', () => {
    const hostJson = { version: '2.0', extensions: { http: { routePrefix: 'api' } } };
    expect(
      withHostJsonOverrides(hostJson, {
        AzureFunctionsJobHost__extensions__HTTP__maxOutstandingRequests: '200',
        azurefunctionsjobhost__extensions__http__dynamicThrottlesEnabled: 'true',
        AzureFunctionsJobHost__logging__logLevel__default: 'Warning',
        OTHER: 'x',
      }),
    ).toEqual({
      version: '2.0',
      extensions: {
        http: { routePrefix: 'api', maxOutstandingRequests: 200, dynamicThrottlesEnabled: true },
      },
      logging: { logLevel: { default: 'Warning' } },
    });
    expect(hostJson.extensions.http).toEqual({ routePrefix: 'api' });
  });
});

describe('a host with maxConcurrentRequests 1 and maxOutstandingRequests 2', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rentbook-http-limits-'));
  const master = 'http-limits-test-master-key-0123456789';
  let host: ChildHost;

  beforeAll(async () => {
    host = await spawnHost({
      dbFile: path.join(dir, 'local.db'),
      env: {
        LOCAL_MASTER_KEY: master,
        AzureFunctionsJobHost__extensions__http__maxConcurrentRequests: '1',
        AzureFunctionsJobHost__extensions__http__maxOutstandingRequests: '2',
      },
    });
  });
  afterAll(async () => {
    await host?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('runs one, keeps one waiting, refuses the rest with 429 + Retry-After at once; admin routes still answer', async () => {
    const slow = Array.from({ length: 6 }, () => fetch(`${host.url}/api/slow?ms=400`));
    // While they are outstanding: the host's own status answers.
    await new Promise((r) => setTimeout(r, 100));
    const status = await fetch(`${host.url}/admin/host/status`, { headers: { 'x-functions-key': master } });
    expect(status.status).toBe(200);
    const replies = await Promise.all(slow);
    const statuses = replies.map((r) => r.status).sort();
    expect(statuses).toEqual([200, 200, 429, 429, 429, 429]);
    for (const r of replies.filter((x) => x.status === 429)) {
      expect(r.headers.get('retry-after')).toBe('1');
      expect(r.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(((await r.json()) as { status: number }).status).toBe(429);
    }
    // Once they answered, the host takes requests again.
    expect((await fetch(`${host.url}/api/slow?ms=1`)).status).toBe(200);
  });
});

describe('a host with maxOutstandingRequests 1 whose main thread is busy', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rentbook-http-front-'));
  let host: ChildHost;

  beforeAll(async () => {
    host = await spawnHost({
      dbFile: path.join(dir, 'local.db'),
      env: { AzureFunctionsJobHost__extensions__http__maxOutstandingRequests: '1' },
    });
  });
  afterAll(async () => {
    await host?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('refuses the request over the limit while the main thread is still held: the front thread answers it', async () => {
    const answered: string[] = [];
    const busy = fetch(`${host.url}/api/busy?ms=1500`).then((r) => {
      answered.push(`busy ${r.status}`);
      return r;
    });
    // The busy function has the main thread by now (it is the only request in flight).
    await new Promise((r) => setTimeout(r, 300));
    const refused = await fetch(`${host.url}/api/slow?ms=1`);
    answered.push(`refused ${refused.status}`);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(((await refused.json()) as { detail: string }).detail).toMatch(/Too many requests/);
    expect((await busy).status).toBe(200);
    // The refusal came back while the main thread was still held by the busy function.
    expect(answered).toEqual(['refused 429', 'busy 200']);
  });
});

describe('the front thread, crashed', () => {
  let host: LocalHost;
  beforeAll(async () => {
    host = await startHost({ dbFile: ':memory:' });
  });
  afterAll(async () => {
    await host?.stop();
  });

  it('is started again on the same port, and the host answers there again', async () => {
    expect((await fetch(`${host.url}/api/slow?ms=1`)).status).toBe(200);
    const url = host.url;
    await host.front!.crash();
    const deadline = Date.now() + 10_000;
    while (!host.front!.listening && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(host.front!.listening).toBe(true);
    expect(host.url).toBe(url);
    expect((await fetch(`${url}/api/slow?ms=1`)).status).toBe(200);
  });
});
