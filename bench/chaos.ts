// `npm run bench -- --chaos`: the ordinary load (rent → return) on a host that injects faults
// (LOCAL_FAULTS): a fraction of store calls fail as Cosmos DB's do, a fraction of Event Hubs
// publishes and Service Bus sends fail, durable work items are lost now and then, and Event Hubs,
// then Service Bus, are out for a while in the middle of the run. Prints what the clients met, how
// many rents were settled while each service was out, how far the outbox grew meanwhile, and,
// once the load has drained, the invariants (./invariants.ts). A shorter run of the same code is a
// test (test/bench/chaos.test.ts).
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { api, clientLoop, loadLibrary, openConnections, Tally } from './clients';
import { drain, outboxPending } from './drain';
import { startBenchHost } from './host';
import { checkInvariants } from './invariants';

export interface ChaosOptions {
  seconds: number;
  concurrency: number;
  seed: number;
  /** Fraction of store calls (reads, queries, writes, batches) that fail. */
  storeFaults: number;
  /** Fraction of Event Hubs publishes and of Service Bus sends that fail. */
  publishFaults: number;
  /** Fraction of durable activity work items lost (run again). */
  activityFaults: number;
  /** Each service out for `forSeconds` from `atSeconds` into the load. */
  outages: { service: 'eventHubs' | 'serviceBus'; atSeconds: number; forSeconds: number }[];
  books?: number;
  /** Where the host's log goes (default: this process's stderr). */
  hostLog?: 'inherit' | 'ignore';
}

export const CHAOS_DEFAULTS: Omit<ChaosOptions, 'seconds' | 'concurrency' | 'seed'> = {
  storeFaults: 0.01,
  publishFaults: 0.05,
  activityFaults: 0.01,
  outages: [
    { service: 'eventHubs', atSeconds: 5, forSeconds: 10 },
    { service: 'serviceBus', atSeconds: 20, forSeconds: 10 },
  ],
};

export async function chaosRun(options: ChaosOptions, print: (o: unknown) => void = () => undefined) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rentbook-chaos-'));
  const dbFile = path.join(dir, 'chaos.db');
  const secret = randomBytes(32).toString('base64url');
  const masterKey = randomBytes(32).toString('base64url');
  const faults = {
    seed: options.seed,
    documents: options.storeFaults,
    eventHubs: { publish: options.publishFaults },
    serviceBus: { send: options.publishFaults },
    durable: { activity: options.activityFaults },
  };
  const host = await startBenchHost({
    dbFile,
    dev: true,
    stderr: options.hostLog,
    env: { LOCAL_AUTH_SECRET: secret, LOCAL_MASTER_KEY: masterKey, LOCAL_FAULTS: JSON.stringify(faults) },
  });
  const client = api(host.url, options.concurrency + 4);
  let stopped = false;
  try {
    const { books, members } = await loadLibrary(client, {
      secret,
      books: options.books ?? 50,
      members: options.concurrency,
      copies: 1000,
      price: 100,
      points: 10_000_000,
    });
    print({ phase: 'loaded', books: books.length, members: members.length, faults });

    const tally = new Tally();
    await openConnections(options.concurrency, () => client.request('GET', '/api/health', ''));
    const status = `/admin/host/status?code=${encodeURIComponent(masterKey)}`;
    // Asking resets the host's event-loop delay figures: the next answer covers the load alone.
    await client.request('GET', status, '');
    const t0 = performance.now();
    const wallT0 = Date.now();
    const stopAt = t0 + options.seconds * 1000;
    const windows = options.outages.map((o) => ({
      ...o,
      fromMs: wallT0 + o.atSeconds * 1000,
      untilMs: wallT0 + (o.atSeconds + o.forSeconds) * 1000,
      maxOutboxPending: 0,
    }));
    const timers = windows.map((w) =>
      setTimeout(() => {
        void client.request('POST', '/admin/faults/outages', '', {
          body: { service: w.service, for: `PT${w.forSeconds}S` },
        });
      }, w.atSeconds * 1000),
    );
    // How far the outbox grows while a service is out: the events it holds for the relay.
    const sampler = setInterval(() => {
      const now = Date.now();
      for (const w of windows)
        if (w.fromMs <= now && now < w.untilMs)
          w.maxOutboxPending = Math.max(w.maxOutboxPending, outboxPending(dbFile));
    }, 250);
    await Promise.all(members.map((m) => clientLoop(client, m, { books, stopAt, tally })));
    const elapsed = (performance.now() - t0) / 1000;
    clearInterval(sampler);
    for (const t of timers) clearTimeout(t);
    const loop = await client.request('GET', status, '');

    const drained = await drain(client, { dbFile, masterKey });
    const injected = await client.request('GET', '/admin/faults', '');
    await host.stop();
    stopped = true;
    const invariants = checkInvariants(dbFile);
    return {
      ...tally.figures(elapsed),
      hostEventLoopDelayMs:
        loop === 'timeout' ? undefined : (loop.json as { eventLoopDelayMs: unknown }).eventLoopDelayMs,
      outages: windows.map((w) => ({
        service: w.service,
        seconds: w.forSeconds,
        rentsSettledMeanwhile: tally.settledAt.filter((t) => w.fromMs <= t && t < w.untilMs).length,
        maxOutboxPending: w.maxOutboxPending,
      })),
      injected: injected === 'timeout' ? undefined : (injected.json as { injected: unknown }).injected,
      drained,
      invariants,
      seconds: options.seconds,
      concurrency: options.concurrency,
      seed: options.seed,
    };
  } finally {
    await client.close();
    if (!stopped) await host.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
