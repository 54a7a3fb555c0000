// What the local host lets through: only its own names, only its own origin on its own routes,
// keys as the Functions host has them, problem+json for every answer of its own, a bounded body,
// and a clock that only moves forward by a bounded step.
import net from 'node:net';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_CLOCK_MOVE_MS } from '../../local/host/clock';
import { openDatabase, readState, writeState } from '../../local/host/db';
import { DEFAULT_MAX_REQUEST_BODY_BYTES } from '../../local/host/http-server';
import type { LocalHost } from '../../local/host/host';
import { createLogger } from '../../local/host/logger';
import { readProbe } from '../fixture-app/probe';
import { startHost, waitFor } from '../helpers/hosts';
import { rawRequest, type RawReply } from '../helpers/raw-http';

let host: LocalHost;
beforeAll(async () => {
  host = await startHost();
});
afterAll(async () => {
  await host?.stop();
});

const WEBHOOKS = '/runtime/webhooks/durabletask';

function expectProblem(reply: RawReply, status: number): void {
  expect(reply.status).toBe(status);
  expect(reply.headers['content-type']).toBe('application/problem+json');
  expect(reply.json()).toMatchObject({ type: 'about:blank', status, detail: expect.any(String) });
}

async function instanceCount(): Promise<number> {
  const reply = await rawRequest(host.url, {
    path: `${WEBHOOKS}/instances`,
    headers: { 'x-functions-key': host.keys.master },
  });
  expect(reply.status).toBe(200);
  return reply.json<unknown[]>().length;
}

describe('keys', () => {
  it('the durable webhooks need the system key or the master key, by header or code=', async () => {
    await rawRequest(host.url, {
      method: 'POST',
      path: `${WEBHOOKS}/orchestrators/durableChain`,
      headers: { 'x-functions-key': host.keys.system.durabletask_extension },
      body: JSON.stringify(['K']),
    });
    const before = await instanceCount();
    expect(before).toBeGreaterThan(0);

    expectProblem(await rawRequest(host.url, { path: `${WEBHOOKS}/instances` }), 401);
    expectProblem(
      await rawRequest(host.url, { path: `${WEBHOOKS}/instances`, headers: { 'x-functions-key': 'guess' } }),
      401,
    );
    const system = encodeURIComponent(host.keys.system.durabletask_extension);
    expect((await rawRequest(host.url, { path: `${WEBHOOKS}/instances?code=${system}` })).status).toBe(200);
    expect(
      (
        await rawRequest(host.url, {
          path: `${WEBHOOKS}/instances`,
          headers: { 'x-functions-key': host.keys.master },
        })
      ).status,
    ).toBe(200);
    // Starting, purging and listing without a key: refused, and no instance appears or goes.
    expectProblem(
      await rawRequest(host.url, {
        method: 'POST',
        path: `${WEBHOOKS}/orchestrators/durableChain`,
        body: '["x"]',
      }),
      401,
    );
    expectProblem(
      await rawRequest(host.url, {
        method: 'DELETE',
        path: `${WEBHOOKS}/instances?createdTimeFrom=2000-01-01T00:00:00Z`,
      }),
      401,
    );
    expect(await instanceCount()).toBe(before);
  });

  it('the admin routes need the master key (the system key is not enough), however the path is spelled', async () => {
    for (const p of [
      '/admin/host/status',
      '/ADMIN/host/status',
      '/%61dmin/host/status',
      '/admin/host/status/',
    ]) {
      expectProblem(await rawRequest(host.url, { path: p }), 401);
    }
    expectProblem(
      await rawRequest(host.url, {
        path: '/admin/host/status',
        headers: { 'x-functions-key': host.keys.system.durabletask_extension },
      }),
      401,
    );
    const ok = await rawRequest(host.url, {
      path: `/admin/host/status?code=${encodeURIComponent(host.keys.master)}`,
    });
    expect(ok.status).toBe(200);
    expect(ok.json()).toMatchObject({ state: 'Running' });
  });

  it('with --dev, a run of a function that takes trigger input needs the master key; a timer runs keyless; each run is logged', async () => {
    const lines: string[] = [];
    const dev = await startHost({ logger: createLogger('info', (l) => lines.push(l)) });
    try {
      const run = (name: string, input: unknown, headers: Record<string, string> = {}) =>
        rawRequest(dev.url, {
          method: 'POST',
          path: `/admin/functions/${name}`,
          headers: { 'Content-Type': 'application/json', ...headers },
          body: JSON.stringify({ input }),
        });
      const forged = [
        { name: 'cosmosFeed', input: [{ id: 'forged', group: 'g' }], probe: 'cosmos:feed' },
        { name: 'ehSingle', input: '{"forged":true}', probe: 'eh:single' },
        { name: 'sbNotices', input: 'forged', probe: 'sb:notices' },
      ];
      // Every spelling of the name, and of a name that is no function: refused before anything is read.
      for (const { name, input } of forged) {
        expectProblem(await run(name, input), 401);
        expectProblem(await run(name.toUpperCase(), input), 401);
        expectProblem(
          await run(name, input, { 'x-functions-key': dev.keys.system.durabletask_extension }),
          401,
        );
      }
      expectProblem(await run('noSuchFunction', 'x'), 401);
      await new Promise((r) => setTimeout(r, 300));
      for (const { probe } of forged) expect(readProbe(dev.db, probe)).toEqual([]);
      expect(lines.filter((l) => l.includes('Admin run'))).toEqual([]);

      // With the master key they run, and the log says who ran what from where.
      expect((await run('sbNotices', 'by the operator', { 'x-functions-key': dev.keys.master })).status).toBe(
        202,
      );
      await waitFor(() => readProbe(dev.db, 'sb:notices').length === 1);
      // A timer takes no input: --dev runs it without a key.
      expect((await run('everyFiveMinutes', '')).status).toBe(202);
      await waitFor(() => readProbe(dev.db, 'timer:everyFiveMinutes').length === 1);
      const runs = lines.filter((l) => l.includes('Admin run'));
      expect(runs).toHaveLength(2);
      expect(runs[0]).toMatch(
        /Admin run of "sbNotices" \(serviceBusTrigger\) with the master key from 127\.0\.0\.1/,
      );
      expect(runs[1]).toMatch(
        /Admin run of "everyFiveMinutes" \(timerTrigger\) with no key \(--dev\) from 127\.0\.0\.1/,
      );
    } finally {
      await dev.stop();
    }
  });

  it('without --dev, the clock and admin runs need the master key too', async () => {
    const plain = await startHost({ dev: false });
    try {
      const before = plain.clock.now();
      expectProblem(
        await rawRequest(plain.url, { method: 'POST', path: '/admin/clock', body: '{"advanceBy":"P1D"}' }),
        401,
      );
      expectProblem(
        await rawRequest(plain.url, {
          method: 'POST',
          path: '/admin/functions/everyFiveMinutes',
          body: '{}',
        }),
        401,
      );
      const withKey = await rawRequest(plain.url, {
        method: 'POST',
        path: '/admin/clock',
        headers: { 'x-functions-key': plain.keys.master },
        body: '{"advanceBy":"P1D"}',
      });
      expectProblem(withKey, 403);
      expect(plain.clock.now() - before).toBeLessThan(86_400_000);
    } finally {
      await plain.stop();
    }
  });
});

describe("this machine's own names and origin", () => {
  it('refuses a foreign Host (421) on every route, and the clock does not move', async () => {
    const offset = readState(host.db, 'clock.offsetMs');
    for (const p of ['/admin/clock', '/api/items/1', `${WEBHOOKS}/instances`]) {
      expectProblem(
        await rawRequest(host.url, {
          method: p === '/admin/clock' ? 'POST' : 'GET',
          path: p,
          headers: { Host: 'evil.example', Origin: 'http://evil.example' },
          body: p === '/admin/clock' ? '{"advanceBy":"P1D"}' : undefined,
        }),
        421,
      );
    }
    // DNS rebinding: the attacker's name pointing at 127.0.0.1, with the right port.
    expectProblem(
      await rawRequest(host.url, {
        method: 'POST',
        path: '/admin/clock',
        headers: { Host: `evil.example:${host.port}` },
        body: '{"advanceBy":"P1D"}',
      }),
      421,
    );
    expectProblem(await rawRequest(host.url, { path: '/api/items/1', noHost: true }), 421);
    expect(readState(host.db, 'clock.offsetMs')).toBe(offset);
  });

  it("answers to 127.0.0.1, localhost and [::1] with the host's port", async () => {
    for (const name of ['127.0.0.1', 'localhost', 'LOCALHOST', '[::1]']) {
      const reply = await rawRequest(host.url, {
        path: '/api/items/1',
        headers: { Host: `${name}:${host.port}` },
      });
      expect(reply.status).toBe(200);
    }
    expectProblem(
      await rawRequest(host.url, { path: '/api/items/1', headers: { Host: 'localhost:1' } }),
      421,
    );
  });

  it("refuses another origin on the host's own routes (403) and leaves the clock and instances alone", async () => {
    const offset = readState(host.db, 'clock.offsetMs');
    const before = await instanceCount();
    const foreign: Record<string, string>[] = [
      { Origin: 'http://evil.example' },
      { Origin: 'null' },
      { Origin: `http://localhost:${host.port + 1}` },
      { 'Sec-Fetch-Site': 'cross-site' },
    ];
    for (const headers of foreign) {
      expectProblem(
        await rawRequest(host.url, {
          method: 'POST',
          path: '/admin/clock',
          headers,
          body: '{"advanceBy":"P1D"}',
        }),
        403,
      );
      expectProblem(
        await rawRequest(host.url, {
          method: 'POST',
          path: `${WEBHOOKS}/orchestrators/durableChain`,
          // Even with the key: a page must not drive the host with a key it found.
          headers: { ...headers, 'x-functions-key': host.keys.master },
          body: '["x"]',
        }),
        403,
      );
    }
    expect(readState(host.db, 'clock.offsetMs')).toBe(offset);
    expect(await instanceCount()).toBe(before);
    // The app's own API is not the host's: it takes calls from any origin (its tokens are not cookies).
    const api = await rawRequest(host.url, {
      path: '/api/items/1',
      headers: { Origin: 'http://evil.example' },
    });
    expect(api.status).toBe(200);
    // Its own origin is welcome.
    const own = await rawRequest(host.url, {
      path: '/admin/clock',
      headers: { Origin: `http://127.0.0.1:${host.port}`, 'Sec-Fetch-Site': 'same-origin' },
    });
    expect(own.status).toBe(200);
  });
});

describe("the host's own answers are problem+json", () => {
  it('404 and 405, for app and host routes alike', async () => {
    expectProblem(await rawRequest(host.url, { path: '/api/nowhere' }), 404);
    expectProblem(await rawRequest(host.url, { path: '/nowhere' }), 404);
    const wrong = await rawRequest(host.url, { method: 'POST', path: '/api/items/42' });
    expectProblem(wrong, 405);
    expect(wrong.headers.allow).toBe('GET, PUT, PATCH');
    const hostWrong = await rawRequest(host.url, { method: 'DELETE', path: '/admin/clock' });
    expectProblem(hostWrong, 405);
    expect(hostWrong.headers.allow).toBe('GET, POST');
  });

  it('413 for a body over the limit, declared or streamed, before anything reads it: nothing starts', async () => {
    const before = await instanceCount();
    const big = Buffer.alloc(DEFAULT_MAX_REQUEST_BODY_BYTES + 1, 'a');
    const headers = { 'x-functions-key': host.keys.master, 'Content-Type': 'application/json' };
    const declared = await rawRequest(host.url, {
      method: 'POST',
      path: `${WEBHOOKS}/orchestrators/durableChain`,
      headers,
      body: big,
    });
    expectProblem(declared, 413);
    const streamed = await rawRequest(host.url, {
      method: 'POST',
      path: `${WEBHOOKS}/orchestrators/durableChain`,
      headers,
      chunks: [Buffer.from('["'), big, Buffer.from('"]')],
    });
    expectProblem(streamed, 413);
    expectProblem(await rawRequest(host.url, { method: 'POST', path: '/api/defaultRoute', body: big }), 413);
    expect(await instanceCount()).toBe(before);
    // At the limit is fine.
    const atLimit = await rawRequest(host.url, {
      method: 'POST',
      path: '/api/defaultRoute',
      body: Buffer.alloc(DEFAULT_MAX_REQUEST_BODY_BYTES, 'a'),
    });
    expect(atLimit.status).toBe(200);
  });

  it('a connection answered 413 while it still sends its body serves the next request on it', async () => {
    const body = Buffer.alloc(DEFAULT_MAX_REQUEST_BODY_BYTES + 100_000, 'a');
    const socket = net.connect(host.port, '127.0.0.1');
    let received = '';
    const statuses = new Promise<string[]>((resolve, reject) => {
      socket.on('data', (chunk: Buffer) => {
        received += chunk.toString();
        const lines = received.match(/HTTP\/1\.1 \d{3}/g) ?? [];
        if (lines.length === 2) resolve(lines);
      });
      socket.on('error', reject);
      socket.on('close', () => reject(new Error(`closed after: ${received}`)));
    });
    const authority = `127.0.0.1:${host.port}`;
    socket.write(
      `POST /api/defaultRoute HTTP/1.1\r\nHost: ${authority}\r\nContent-Length: ${body.length}\r\n\r\n`,
    );
    socket.write(body);
    socket.write(`GET /api/items/1 HTTP/1.1\r\nHost: ${authority}\r\n\r\n`);
    try {
      expect(await statuses).toEqual(['HTTP/1.1 413', 'HTTP/1.1 200']);
    } finally {
      socket.destroy();
    }
  });

  it('FUNCTIONS_REQUEST_BODY_SIZE_LIMIT sets the limit; a limit that is not a number stops the start', async () => {
    process.env.FUNCTIONS_REQUEST_BODY_SIZE_LIMIT = '10';
    try {
      const small = await startHost();
      try {
        const post = (body: string) =>
          rawRequest(small.url, { method: 'POST', path: '/api/defaultRoute', body });
        expect((await post('0123456789')).status).toBe(200);
        expectProblem(await post('0123456789a'), 413);
      } finally {
        await small.stop();
      }
      process.env.FUNCTIONS_REQUEST_BODY_SIZE_LIMIT = '1MB';
      await expect(startHost()).rejects.toThrow(/FUNCTIONS_REQUEST_BODY_SIZE_LIMIT must be a whole number/);
    } finally {
      delete process.env.FUNCTIONS_REQUEST_BODY_SIZE_LIMIT;
    }
  });

  it('431 for headers too large', async () => {
    expectProblem(
      await rawRequest(host.url, { path: '/api/items/1', headers: { 'x-big': 'a'.repeat(32 * 1024) } }),
      431,
    );
  });
});

describe('the dev clock', () => {
  let clockHost: LocalHost;
  beforeAll(async () => {
    clockHost = await startHost();
  });
  afterAll(async () => {
    await clockHost?.stop();
  });
  const move = (body: unknown) =>
    rawRequest(clockHost.url, {
      method: 'POST',
      path: '/admin/clock',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });

  it('refuses a move back, a move over ten years and a bomb (400), and stays where it was', async () => {
    expect((await move({ advanceBy: 'P1D' })).status).toBe(200);
    const offset = readState(clockHost.db, 'clock.offsetMs');
    const refused = [
      { advanceBy: 'P200000000D' },
      { advanceBy: 'P3651D' },
      { advanceBy: '-P1D' },
      { set: '2000-01-01T00:00:00Z' },
      { set: new Date(clockHost.clock.now() - 60_000).toISOString() },
      { set: '+275760-09-13T00:00:00Z' },
      { advanceBy: 'PT99999999999999999999S' },
    ];
    for (const body of refused) expectProblem(await move(body), 400);
    expect(readState(clockHost.db, 'clock.offsetMs')).toBe(offset);
    const now = await rawRequest(clockHost.url, { path: '/admin/clock' });
    expect(now.status).toBe(200);
    expect(Date.parse(now.json<{ now: string }>().now) - Date.now()).toBeLessThan(2 * 86_400_000);
  });

  it('moves ten years at a time, and no further than a hundred years ahead in all', async () => {
    let moves = 0;
    for (;;) {
      const reply = await move({ advanceBy: 'P3650D' });
      if (reply.status !== 200) {
        expectProblem(reply, 400);
        break;
      }
      moves++;
    }
    // From real time: ten moves of 3650 days fit in 36,525; the eleventh does not.
    expect(moves).toBe(10);
    expect(Number(readState(clockHost.db, 'clock.offsetMs'))).toBeGreaterThanOrEqual(10 * MAX_CLOCK_MOVE_MS);
    // Time still reads as a date, and the app's routes still answer.
    expect((await rawRequest(clockHost.url, { path: '/admin/clock' })).status).toBe(200);
    expect((await rawRequest(clockHost.url, { path: '/api/items/1' })).status).toBe(200);
  });
});

describe('a stored clock offset out of range', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'host-clock-'));
  const dbFile = path.join(dir, 'host.db');
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('is reported and ignored at start-up: the host starts at real time and answers', async () => {
    const db = openDatabase(dbFile);
    writeState(db, 'clock.offsetMs', String(200_000_000 * 86_400_000));
    db.close();
    const lines: string[] = [];
    const restarted = await startHost({ dbFile, logger: createLogger('warn', (l) => lines.push(l)) });
    try {
      expect(lines.some((l) => /stored clock offset .* out of range/.test(l))).toBe(true);
      expect(Math.abs(restarted.clock.now() - Date.now())).toBeLessThan(60_000);
      const now = await rawRequest(restarted.url, { path: '/admin/clock' });
      expect(now.status).toBe(200);
      expect(Math.abs(Date.parse(now.json<{ now: string }>().now) - Date.now())).toBeLessThan(60_000);
      // The next move replaces it.
      expect(
        (
          await rawRequest(restarted.url, {
            method: 'POST',
            path: '/admin/clock',
            headers: { 'Content-Type': 'application/json' },
            body: '{"advanceBy":"P1D"}',
          })
        ).status,
      ).toBe(200);
      expect(Number(readState(restarted.db, 'clock.offsetMs'))).toBeLessThan(2 * 86_400_000);
    } finally {
      await restarted.stop();
    }
  });
});
