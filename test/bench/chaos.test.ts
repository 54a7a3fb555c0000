// The chaos run of the benchmark (bench/chaos.ts), shorter: the host from dist/ (build first) with
// store, publish, send and activity faults and Event Hubs then Service Bus out for a few seconds
// each, under a small load, with a fixed seed. Its figures are the benchmark's to print; this test
// asserts only what must hold: rents settled while each service was out, and once the load has
// drained, every invariant (no copy oversold, points conserved, no rental left REQUESTED, every
// recorded event on the hub, views equal to the write model, one notice per noticed event, no
// dead letter).
import { expect, it } from 'vitest';
import { CHAOS_DEFAULTS, chaosRun } from '../../bench/chaos';
import { INVARIANTS_HOLD } from '../helpers/invariants';

it('keeps renting while messaging is down, and loses nothing', async () => {
  const run = await chaosRun({
    seconds: 6,
    concurrency: 4,
    seed: 7,
    books: 20,
    ...CHAOS_DEFAULTS,
    // Shorter outages than the benchmark's, early in the shorter run: each a third of it, long
    // enough for rents to settle meanwhile and for the outbox and the queue to grow.
    outages: [
      { service: 'eventHubs', atSeconds: 0.5, forSeconds: 2 },
      { service: 'serviceBus', atSeconds: 3, forSeconds: 2 },
    ],
    // The host's log of every injected failure is the benchmark's to show.
    hostLog: 'ignore',
  });
  for (const outage of run.outages) expect(outage.rentsSettledMeanwhile, outage.service).toBeGreaterThan(0);
  expect(run.drained).toMatchObject({ requested: 0, outboxPending: 0, eventsBehind: 0, messages: 0 });
  expect(run.invariants).toMatchObject(INVARIANTS_HOLD);
  expect(run.timeouts).toBe(0);
  expect(run.serverErrors).toEqual({});
}, 180_000);
