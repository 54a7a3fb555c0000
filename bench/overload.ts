// `npm run bench -- --overload`: first finds where throughput peaks — the ordinary load (rent →
// return) at each of a few concurrencies, on a host that sheds nothing (MAX_RENTALS_IN_FLIGHT far
// above them) — then drives four times the peak's concurrency at a fresh host with the app's own
// settings for `seconds`. Clients honour Retry-After (./clients.ts). Prints accepted and refused
// requests per second, the refusals' and the accepted rents' latency (p99 beside the one at the
// peak, unloaded), timeouts and 5xx, and, once the load has drained, the invariants.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { api, clientLoop, loadLibrary, openConnections, Tally } from './clients';
import { drain } from './drain';
import { startBenchHost } from './host';
import { checkInvariants } from './invariants';

const LIBRARY = { books: 200, copies: 1000, price: 100, points: 10_000_000 };

export async function overloadRun(
  options: { seconds: number; levels: number[]; levelSeconds: number },
  print: (o: unknown) => void,
) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rentbook-overload-'));
  const secret = randomBytes(32).toString('base64url');
  const masterKey = randomBytes(32).toString('base64url');
  const env = { LOCAL_AUTH_SECRET: secret, LOCAL_MASTER_KEY: masterKey };
  try {
    // Where throughput peaks, with nothing shed.
    const sweep: { concurrency: number; rentsPerSec: number; rentP99Ms: number }[] = [];
    await withHost(
      path.join(dir, 'sweep.db'),
      { ...env, MAX_RENTALS_IN_FLIGHT: '100000' },
      async (client) => {
        const { books, members } = await loadLibrary(client, {
          secret,
          members: Math.max(...options.levels),
          ...LIBRARY,
        });
        for (const concurrency of options.levels) {
          const tally = new Tally();
          const stopAt = performance.now() + options.levelSeconds * 1000;
          await Promise.all(
            members.slice(0, concurrency).map((m) => clientLoop(client, m, { books, stopAt, tally })),
          );
          const figures = tally.figures(options.levelSeconds);
          const level = {
            concurrency,
            rentsPerSec: figures.acceptedRentsPerSec,
            rentP99Ms: figures.acceptedRentLatencyMs.p99,
          };
          sweep.push(level);
          print({ phase: 'sweep', ...level, refused: figures.refused, serverErrors: figures.serverErrors });
        }
      },
    );
    const peak = sweep.reduce((best, level) => (level.rentsPerSec > best.rentsPerSec ? level : best));

    // Four times the peak's concurrency, against the app's own limits.
    const concurrency = 4 * peak.concurrency;
    const dbFile = path.join(dir, 'overload.db');
    const result = await withHost(dbFile, env, async (client) => {
      const { books, members } = await loadLibrary(client, { secret, members: concurrency, ...LIBRARY });
      print({ phase: 'loaded', books: books.length, members: members.length });
      const tally = new Tally();
      await openConnections(client, concurrency);
      await hostLoopDelay(client);
      const t0 = performance.now();
      const stopAt = t0 + options.seconds * 1000;
      await Promise.all(members.map((m) => clientLoop(client, m, { books, stopAt, tally })));
      const figures = tally.figures((performance.now() - t0) / 1000);
      const eventLoopDelayMs = await hostLoopDelay(client);
      return {
        figures: { ...figures, hostEventLoopDelayMs: eventLoopDelayMs },
        drained: await drain(client, { dbFile, masterKey }),
      };
    });
    return {
      peak: { concurrency: peak.concurrency, rentsPerSec: peak.rentsPerSec, rentP99Ms: peak.rentP99Ms },
      sweep,
      concurrency,
      seconds: options.seconds,
      ...result.figures,
      acceptedRentP99WithinTwiceUnloaded: result.figures.acceptedRentLatencyMs.p99 <= 2 * peak.rentP99Ms,
      drained: result.drained,
      invariants: checkInvariants(dbFile),
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }

  // The host's event-loop delay since it was last asked (GET /admin/host/status resets it).
  async function hostLoopDelay(client: ReturnType<typeof api>) {
    const answer = await client.request(
      'GET',
      `/admin/host/status?code=${encodeURIComponent(masterKey)}`,
      '',
    );
    return answer === 'timeout' ? undefined : (answer.json as { eventLoopDelayMs: unknown }).eventLoopDelayMs;
  }

  async function withHost<T>(
    dbFile: string,
    hostEnv: Record<string, string>,
    run: (client: ReturnType<typeof api>) => Promise<T>,
  ) {
    const host = await startBenchHost({ dbFile, env: hostEnv });
    // More connections than clients: a client never waits for a socket, so a slow answer is the host's.
    const client = api(host.url, 4 * Math.max(...options.levels) + 8);
    try {
      return await run(client);
    } finally {
      await client.close();
      await host.stop();
    }
  }
}
