// The local host's HTTP front, driven through the fixture app with real requests.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalHost } from '../../local/host/host';
import { startHost } from '../helpers/hosts';

let host: LocalHost;
beforeAll(async () => {
  host = await startHost();
});
afterAll(async () => {
  await host?.stop();
});

const get = (path: string, init?: RequestInit) => fetch(`${host.url}${path}`, init);
const json = { 'content-type': 'application/json' };

describe('routes', () => {
  it('matches a constrained parameter and hands the handler the real HttpRequest', async () => {
    const res = await get('/api/items/42?x=1');
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({
      function: 'itemGet',
      method: 'GET',
      params: { id: '42' },
      query: { x: '1' },
    });
  });

  it('prefers a literal segment over a parameter, and falls through a failed constraint', async () => {
    expect(((await (await get('/api/items/special')).json()) as { function: string }).function).toBe(
      'itemsSpecial',
    );
    const byName = (await (await get('/api/items/abc')).json()) as { function: string; params: unknown };
    expect(byName).toMatchObject({ function: 'itemByName', params: { name: 'abc' } });
  });

  it('serves optional and catch-all parameters', async () => {
    expect(((await (await get('/api/opt')).json()) as { params: unknown }).params).toEqual({});
    expect(((await (await get('/api/opt/7')).json()) as { params: unknown }).params).toEqual({ id: '7' });
    expect(((await (await get('/api/files/a/b/c.txt')).json()) as { params: unknown }).params).toEqual({
      rest: 'a/b/c.txt',
    });
  });

  it('uses the function name as the route when none is given', async () => {
    const res = await get('/api/defaultRoute', {
      method: 'POST',
      body: 'hello',
      headers: { 'content-type': 'text/plain' },
    });
    expect(await res.json()).toMatchObject({
      function: 'defaultRoute',
      method: 'POST',
      body: 'hello',
      contentType: 'text/plain',
    });
  });

  it('answers 404 for an unknown route and for paths outside the route prefix', async () => {
    expect((await get('/api/nowhere')).status).toBe(404);
    expect((await get('/items/42')).status).toBe(404);
  });

  it('answers 405 with Allow for a known route and a wrong method', async () => {
    const res = await get('/api/items/42', { method: 'POST' });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET, PUT, PATCH');
  });
});

describe('responses', () => {
  it('passes status, headers, cookies and a JSON body through', async () => {
    const res = await get('/api/created', {
      method: 'POST',
      body: JSON.stringify({ a: 1 }),
      headers: { 'content-type': 'application/json' },
    });
    expect(res.status).toBe(201);
    expect(res.headers.get('location')).toBe('/api/created/1');
    expect(res.headers.get('x-custom')).toBe('yes');
    expect(res.headers.get('set-cookie')).toBe('session=abc; Path=/; HttpOnly; SameSite=Strict');
    expect(await res.json()).toEqual({ received: { a: 1 } });
  });

  it('sends a streamed body whole', async () => {
    const res = await get('/api/stream');
    expect(res.headers.get('content-type')).toBe('text/plain');
    expect(await res.text()).toBe('one two three');
  });

  it('sends 204 with no body', async () => {
    const res = await get('/api/things/9', { method: 'DELETE' });
    expect(res.status).toBe(204);
    expect(await res.text()).toBe('');
  });

  it('turns a thrown error into a problem+json 500 that leaks nothing of the error', async () => {
    const res = await get('/api/boom');
    expect(res.status).toBe(500);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(await res.json()).toEqual({
      type: 'about:blank',
      title: 'Internal Server Error',
      status: 500,
      detail: 'The function failed; see the host log.',
    });
  });
});

describe('admin API', () => {
  it('answers the host status (with the master key)', async () => {
    const res = await get('/admin/host/status', { headers: { 'x-functions-key': host.keys.master } });
    expect(res.status).toBe(200);
    const status = (await res.json()) as { state: string; memory: Record<string, number> };
    expect(status.state).toBe('Running');
    // Resident memory and where it goes: the heap is part of it, its young generation part of the heap.
    const { rssMB, peakRssMB, heapTotalMB, heapUsedMB, youngGenerationMB } = status.memory;
    expect(peakRssMB).toBeGreaterThan(0);
    expect(heapUsedMB).toBeLessThanOrEqual(heapTotalMB);
    expect(youngGenerationMB).toBeLessThanOrEqual(heapTotalMB);
    expect(heapTotalMB).toBeLessThan(rssMB);
    if (process.platform === 'linux') {
      // One reading of /proc: the parts add up to the whole (each rounded to a megabyte).
      const { rssAnonMB, rssFileMB, rssSharedMB } = status.memory;
      expect(rssAnonMB).toBeGreaterThan(0);
      expect(Math.abs(rssAnonMB + rssFileMB + rssSharedMB - rssMB)).toBeLessThanOrEqual(2);
    }
  });

  it('refuses to run an HTTP function or an unknown one from the admin route', async () => {
    const run = (name: string) =>
      get(`/admin/functions/${name}`, {
        method: 'POST',
        headers: { 'x-functions-key': host.keys.master, ...json },
        body: '{}',
      });
    expect((await run('itemGet')).status).toBe(400);
    expect((await run('nope')).status).toBe(404);
  });

  it('moves the clock with an ISO duration or to a given time, never backwards by advanceBy', async () => {
    const before = host.clock.now();
    const res = await get('/admin/clock', {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ advanceBy: 'P8D' }),
    });
    expect(res.status).toBe(200);
    const { now } = (await res.json()) as { now: string };
    expect(Date.parse(now) - before).toBeGreaterThanOrEqual(8 * 86_400_000);
    const set = await get('/admin/clock', {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ set: '2030-01-02T03:04:05Z' }),
    });
    expect(Date.parse(((await set.json()) as { now: string }).now)).toBeGreaterThanOrEqual(
      Date.parse('2030-01-02T03:04:05Z'),
    );
    expect(
      (
        await get('/admin/clock', {
          method: 'POST',
          headers: json,
          body: JSON.stringify({ advanceBy: '-P1D' }),
        })
      ).status,
    ).toBe(400);
    expect((await get('/admin/clock', { method: 'POST', body: 'nonsense', headers: json })).status).toBe(400);
  });

  it('refuses a body that is not labelled JSON with 415, as the Functions host does, and does nothing', async () => {
    const before = host.clock.now();
    const labels: Record<string, string>[] = [{ 'content-type': 'application/x-www-form-urlencoded' }, {}];
    for (const headers of labels) {
      // curl -d sends a form's type; fetch labels a string text/plain.
      const res = await get('/admin/clock', { method: 'POST', body: '{"advanceBy":"P1D"}', headers });
      expect(res.status).toBe(415);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
      expect(((await res.json()) as { detail: string }).detail).toContain('Content-Type: application/json');
    }
    expect(host.clock.now() - before).toBeLessThan(86_400_000);
    const run = await get('/admin/functions/everyFiveMinutes', {
      method: 'POST',
      headers: { 'x-functions-key': host.keys.master, 'content-type': 'text/plain' },
      body: '{}',
    });
    expect(run.status).toBe(415);
  });
});
