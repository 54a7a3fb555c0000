// Overload: past MAX_RENTALS_IN_FLIGHT rents at once on an instance, or while the store throttles,
// a rent is refused at once with 503 `overloaded` and Retry-After, and nothing is recorded for it;
// reads go on.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { HttpRequest, InvocationContext, type HttpResponseInit } from '@azure/functions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { admitted } from '../../functions/lib/http';
import { RentAdmission } from '../../shared/app/admission';
import { DocumentError } from '../../shared/app/ports';
import { repoRoot, spawnHost, type ChildHost } from '../helpers/hosts';
import { call, library, memberToken, TEST_SECRET } from '../rentals/support-host';

describe('the rent admission', () => {
  const request = () => new HttpRequest({ method: 'POST', url: 'http://localhost/api/rentals' });

  it('lets in `limit` rents at once, refuses the next with 503 overloaded and Retry-After, and lets in again once one answered', async () => {
    const admission = new RentAdmission(2);
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let ran = 0;
    const handler = admitted(
      () => admission,
      async (_req: HttpRequest, _ctx: InvocationContext): Promise<HttpResponseInit> => {
        ran++;
        await held;
        return { status: 201 };
      },
    );
    const first = handler(request(), new InvocationContext());
    const second = handler(request(), new InvocationContext());
    const refused = await handler(request(), new InvocationContext());
    expect(refused.status).toBe(503);
    expect(refused.headers).toMatchObject({ 'Retry-After': '1' });
    expect(refused.jsonBody).toMatchObject({ type: 'urn:rentbook:problem:overloaded', status: 503 });
    expect(ran).toBe(2);
    release();
    expect([(await first).status, (await second).status]).toEqual([201, 201]);
    expect(admission.count).toBe(0);
    expect((await handler(request(), new InvocationContext())).status).toBe(201);
  });

  it('a rent that met the store throttling holds new rents back for a second, then lets them in', async () => {
    let now = 1_000_000;
    const admission = new RentAdmission(10, () => now);
    let throttle = true;
    const handler = admitted(
      () => admission,
      async (_ctx: InvocationContext): Promise<HttpResponseInit> => {
        if (throttle) throw new DocumentError(429, 'Cosmos DB batch on members: answered 429.');
        return { status: 201 };
      },
    );
    await expect(handler(new InvocationContext())).rejects.toThrow(/429/);
    throttle = false;
    const refused = await handler(new InvocationContext());
    expect([refused.status, refused.headers]).toEqual([
      503,
      { 'Retry-After': '1', 'Content-Type': 'application/problem+json' },
    ]);
    now += 1_001;
    expect((await handler(new InvocationContext())).status).toBe(201);
    expect(admission.count).toBe(0);
  });
});

describe('a host with MAX_RENTALS_IN_FLIGHT=2, given 24 rents at once', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rentbook-overload-'));
  let host: ChildHost;

  beforeAll(async () => {
    host = await spawnHost({
      appDir: repoRoot,
      dbFile: path.join(dir, 'local.db'),
      env: { LOCAL_AUTH_SECRET: TEST_SECRET, MAX_RENTALS_IN_FLIGHT: '2' },
    });
  });
  afterAll(async () => {
    await host?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('refuses the rents past the limit with 503 + Retry-After, records only those it took, and still answers reads', async () => {
    const lib = library(host.url);
    const book = await lib.addBook({ price: 10, copies: 100 });
    const members = await Promise.all(Array.from({ length: 24 }, () => lib.addMember(1000)));
    const replies = await Promise.all(
      members.map((m) =>
        call<{ id?: string; type?: string }>(host.url, 'POST', '/api/rentals', {
          token: memberToken(m),
          body: { bookId: book.id },
        }),
      ),
    );
    const refused = replies.filter((r) => r.status === 503);
    const taken = replies.filter((r) => r.status === 201 || r.status === 202);
    expect(refused.length + taken.length).toBe(24);
    expect(refused.length).toBeGreaterThan(0);
    for (const r of refused) {
      expect(r.body.type).toBe('urn:rentbook:problem:overloaded');
      expect(r.headers.get('retry-after')).toBe('1');
    }
    // Each member's rentals: one for each rent taken, none for a refused one.
    const recorded = await Promise.all(
      members.map(async (m) => {
        const page = await call<{ items: unknown[] }>(host.url, 'GET', `/api/members/${m}/rentals`, {
          token: memberToken(m),
        });
        return page.body.items.length;
      }),
    );
    expect(recorded.reduce((a, b) => a + b, 0)).toBe(taken.length);
    expect((await call(host.url, 'GET', '/api/health')).status).toBe(200);
  });
});
