// host.json `extensions.http.maxConcurrentRequests` and `maxOutstandingRequests`, as the Functions
// host honours them: past the concurrent limit a request waits its turn, past the outstanding limit
// (running + waiting) it is refused at once with 429, problem+json and Retry-After. The host's own
// routes (status, admin) are not counted and never refused, as the Functions host leaves its admin
// requests out of its throttle. The app under test: test/limits-app (1 running, 2 outstanding).
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { LocalHost } from '../../local/host/host';
import { repoRoot, startHost } from '../helpers/hosts';

let host: LocalHost;
beforeAll(async () => {
  host = await startHost({ appDir: path.join(repoRoot, 'test/limits-app') });
});
afterAll(async () => {
  await host?.stop();
});

const held = (ms: number) => fetch(`${host.url}/api/held?ms=${ms}`);
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

it('runs one request, queues the next, and refuses the third at once with 429 and Retry-After', async () => {
  let runningAnswered = false;
  const running = held(1_500).then((r) => ((runningAnswered = true), r));
  await pause(100);
  const waiting = held(0);
  await pause(100);

  const refused = await held(0);
  // Refused while the first still runs: it did not wait for a slot.
  expect(runningAnswered).toBe(false);
  expect(refused.status).toBe(429);
  expect(refused.headers.get('retry-after')).toBe('1');
  expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(await refused.json()).toMatchObject({ status: 429, title: 'Too Many Requests' });

  // The host's own routes are never counted against the limits.
  const status = await fetch(`${host.url}/admin/host/status?code=${encodeURIComponent(host.keys.master)}`);
  expect(status.status).toBe(200);

  expect((await running).status).toBe(200);
  expect((await waiting).status).toBe(200);
  // Slots free again once the requests are answered.
  expect((await held(0)).status).toBe(200);
});
