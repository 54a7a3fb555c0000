// `npm run bench -- [--seconds N] [--concurrency N]`: starts the local host on a fresh data file,
// loads books and members through the API, then drives concurrent clients through rent → return
// for a fixed time, and a contention case (many clients racing for a book with few copies).
// Meanwhile a probe member rents and returns one book at a time and watches its mypage, measuring
// the projection lag (write acknowledged → view updated); afterwards the data file tells how many
// events the outbox relay published per second during the run.
// Prints JSON; the last line is one JSON object with the figures.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { Pool } from 'undici';
import { parseCommandLine, usageError, type Command } from '../scripts/lib/command-line';
import { signLocalToken } from '../shared/local-token';
import { chaosBench } from './chaos-bench';
import { startBenchHost } from './host';
import { devLoopBench, storageCeiling } from './dev-loop';
import { overdueBench } from './overdue-scan';
import { api as benchClient, openConnections } from './clients';
import { checkInvariants } from './invariants';
import { outboxPending } from './drain';
import { driveOverload, overloadClient, overloadFigures } from './overload';
import { summarize } from './stats';
import { measureCommitsPerSec } from './storage-ceiling';
import { workPerCycle, type HostWork } from './work';

interface Rental {
  id: string;
  memberId: string;
  bookId: string;
  price: number;
  status: string;
  reason?: string;
}

const command: Command = {
  name: 'bench',
  usage:
    'usage: bench [--seconds N] [--concurrency N] [--contention-seconds N] [--overload [--overload-seconds N]] [--profile-dir DIR] [--app DIR] [--workers N] | --overdue [--overdue-loans N] | --chaos [--seconds N] [--concurrency N] [--seed N] | --dev-loop [--dev-loop-edits N]',
  help: `
Starts the local host on a fresh data file, loads books and one member per client, drives the
clients through rent → return, then runs a contention case (every client racing for a book with
3 copies). Prints JSON lines; the last one holds the figures.

  --seconds N              how long to drive rent → return (default 20)
  --concurrency N          clients at once (default 32)
  --contention-seconds N   how long the contention case runs (default 5)
  --overload               after the ordinary run, 4 × --concurrency clients (the concurrency where
                           throughput peaks) rent and return for --overload-seconds, each call with a
                           10 s timeout: accepted and refused per second, latencies, timeouts, 5xx,
                           then the invariants once the load drained
  --overload-seconds N     how long the overload runs (default 30)
  --profile-dir DIR        write a V8 CPU profile of the host there (open it in Chrome DevTools)
  --app DIR                run another build's compiled function app (its folder) on this host,
                           to tell the host's cost from the app's
  --overdue                instead: the overdue timer's scan over a store of --overdue-loans loans
                           (loaded in bulk, a minute or two), with 1,000 due, then 10,000 due
  --overdue-loans N        loans stored for --overdue (default 1000000)
  --chaos                  instead: the load of --concurrency clients for --seconds (default 40)
                           with 1% store faults, 5% publish and send faults, 1% lost activities,
                           Event Hubs out from 5 s to 15 s and Service Bus from 20 s to 30 s
                           (seeded: --seed, default 1); what the clients met, the rents settled
                           while each was out, and the invariants once the load drained
  --dev-loop               instead: how long npm run dev takes from an edit of functions/health.ts
                           (a comment line, taken out again at the end) to a new host serving it
  --dev-loop-edits N       edits timed for --dev-loop (default 10)
  --workers N              the host's consumer threads (default: the host's, 0)
  --help                   this text`,
};
const values = parseCommandLine(command, {
  seconds: { type: 'string' },
  concurrency: { type: 'string', default: '32' },
  'contention-seconds': { type: 'string', default: '5' },
  overload: { type: 'boolean', default: false },
  'overload-seconds': { type: 'string', default: '30' },
  'profile-dir': { type: 'string' },
  app: { type: 'string' },
  workers: { type: 'string' },
  overdue: { type: 'boolean', default: false },
  'overdue-loans': { type: 'string', default: '1000000' },
  chaos: { type: 'boolean', default: false },
  seed: { type: 'string', default: '1' },
  'dev-loop': { type: 'boolean', default: false },
  'dev-loop-edits': { type: 'string', default: '10' },
});
const seconds = Number(values.seconds ?? 20);
const workers = values.workers === undefined ? undefined : Number(values.workers);
if (workers !== undefined && !(Number.isInteger(workers) && workers >= 0))
  usageError(command, '--workers must be 0 or more.');
const concurrency = Number(values.concurrency);
const contentionSeconds = Number(values['contention-seconds']);
const overloadSeconds = Number(values['overload-seconds']);
if (!(seconds > 0) || !(concurrency >= 1) || !(overloadSeconds > 0))
  usageError(command, '--seconds, --concurrency and --overload-seconds must be positive numbers.');
// The overload run's clients: four times the concurrency where throughput peaks.
const clients = values.overload ? concurrency * 4 : concurrency;
if (!(Number(values['dev-loop-edits']) >= 1))
  usageError(command, '--dev-loop-edits must be a positive number.');

const BOOKS = 200;
const COPIES = 1000;
const PRICE = 100;
const DEPOSIT = 10_000_000;
const CONTENDED_COPIES = 3;
const PROBE_POLL_MS = 20;

const print = (o: unknown): void => void process.stdout.write(JSON.stringify(o) + '\n');

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rentbook-bench-'));
  const secret = randomBytes(32).toString('base64url');
  const masterKey = randomBytes(32).toString('base64url');
  const host = await startBenchHost({
    dbFile: path.join(dir, 'bench.db'),
    env: { LOCAL_AUTH_SECRET: secret, LOCAL_MASTER_KEY: masterKey },
    profileDir: values['profile-dir'],
    app: values.app,
    workers,
  });
  let stopped = false;
  const pool = new Pool(host.url, { connections: concurrency + 4, pipelining: 1 });
  const librarian = `Bearer ${await signLocalToken(secret, { librarian: 'bench' })}`;

  async function call<T>(
    method: 'GET' | 'POST',
    p: string,
    auth: string,
    body?: unknown,
  ): Promise<{ status: number; json: T; retryAfter?: string }> {
    const res = await pool.request({
      method,
      path: p,
      headers: { authorization: auth, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.body.text();
    const retryAfter = res.headers['retry-after'];
    return {
      status: res.statusCode,
      json: (text ? JSON.parse(text) : undefined) as T,
      retryAfter: typeof retryAfter === 'string' ? retryAfter : undefined,
    };
  }

  const dbFile = path.join(dir, 'bench.db');
  try {
    // Load: books with many copies for throughput, one book with few copies for contention, members with points.
    const books: string[] = [];
    for (let i = 0; i < BOOKS; i++) {
      const r = await call<{ id: string }>('POST', '/api/books', librarian, {
        title: `Bench book ${i}`,
        author: 'Bench',
        price: PRICE,
        copies: COPIES,
      });
      if (r.status !== 201) throw new Error(`creating a book answered ${r.status}`);
      books.push(r.json.id);
    }
    const contended = (
      await call<{ id: string }>('POST', '/api/books', librarian, {
        title: 'Last copies',
        author: 'Bench',
        price: PRICE,
        copies: CONTENDED_COPIES,
      })
    ).json.id;
    const members: { id: string; auth: string }[] = [];
    for (let i = 0; i < clients; i++) {
      const m = await call<{ id: string }>('POST', '/api/members', librarian, { name: `Bench member ${i}` });
      if (m.status !== 201) throw new Error(`creating a member answered ${m.status}`);
      const auth = `Bearer ${await signLocalToken(secret, { member: m.json.id })}`;
      const d = await call('POST', `/api/members/${m.json.id}/points`, auth, { amount: DEPOSIT });
      if (d.status !== 200) throw new Error(`depositing answered ${d.status}`);
      members.push({ id: m.json.id, auth });
    }
    print({ phase: 'loaded', books: BOOKS + 1, members: members.length });
    // The ordinary run's clients (the rest only join the overload run).
    const peakMembers = members.slice(0, concurrency);

    const rentMs: number[] = [];
    const returnMs: number[] = [];
    const rejected: Record<string, number> = {};
    const errors: Record<string, number> = {};
    let completedRents = 0;
    // Rents refused for load (503 or 429 with Retry-After) in the ordinary and contention phases.
    let refusedRents = 0;
    // Rent + return cycles completed in the throughput phase (the probe's included): what the
    // host's work is divided by.
    let cycles = 0;
    const countError = (what: string): void => void (errors[what] = (errors[what] ?? 0) + 1);

    async function rent(
      member: { id: string; auth: string },
      bookId: string,
      samples = rentMs,
    ): Promise<Rental | undefined> {
      const t0 = performance.now();
      const r = await call<Rental>('POST', '/api/rentals', member.auth, { bookId });
      // Refused for load with Retry-After (the probe makes one client more than the limit's default):
      // not an error; the client waits as told, as a well-behaved one does.
      if ((r.status === 503 || r.status === 429) && r.retryAfter) {
        refusedRents++;
        await new Promise((res) => setTimeout(res, Number(r.retryAfter) * 1000));
        return undefined;
      }
      if (r.status !== 201) {
        countError(`rent ${r.status}`);
        return undefined;
      }
      samples.push(performance.now() - t0);
      if (samples === rentMs) completedRents++;
      if (r.json.status === 'REJECTED')
        rejected[r.json.reason ?? '?'] = (rejected[r.json.reason ?? '?'] ?? 0) + 1;
      return r.json;
    }
    async function giveBack(member: { auth: string }, rentalId: string): Promise<void> {
      const t0 = performance.now();
      const r = await call('POST', `/api/rentals/${rentalId}/return`, member.auth);
      if (r.status !== 200) return countError(`return ${r.status}`);
      returnMs.push(performance.now() - t0);
      cycles++;
    }

    // The probe: one more member, renting and returning one book at a time, polling its mypage
    // after each answer until the view shows it: the projection lag. It polls every 20 ms (so the
    // figure is within 20 ms of the truth): polling faster would itself load the host it measures.
    const probeMember = (await call<{ id: string }>('POST', '/api/members', librarian, { name: 'Probe' }))
      .json.id;
    const probe = {
      id: probeMember,
      auth: `Bearer ${await signLocalToken(secret, { member: probeMember })}`,
    };
    await call('POST', `/api/members/${probe.id}/points`, probe.auth, { amount: DEPOSIT });
    // An older build run with --app may have no views: then there is no lag to probe.
    const api = await call<{ paths?: Record<string, unknown> }>('GET', '/api/openapi.json', librarian);
    const hasViews = api.status === 200 && '/members/{memberId}/mypage' in (api.json.paths ?? {});
    const lagMs: number[] = [];
    async function viewShows(check: (page: Mypage) => boolean, stopAt: number): Promise<number | undefined> {
      const acknowledged = performance.now();
      while (performance.now() < stopAt + 10_000) {
        const page = await call<Mypage>('GET', `/api/members/${probe.id}/mypage`, probe.auth);
        if (page.status === 200 && check(page.json)) return performance.now() - acknowledged;
        await new Promise((r) => setTimeout(r, PROBE_POLL_MS));
      }
      return undefined;
    }
    async function probeLoop(stopAt: number): Promise<void> {
      while (performance.now() < stopAt) {
        const r = await call<Rental>('POST', '/api/rentals', probe.auth, { bookId: books[0] });
        if (r.status !== 201 || r.json.status !== 'APPROVED') continue;
        const seen = await viewShows((p) => p.loans.some((l) => l.rentalId === r.json.id), stopAt);
        if (seen === undefined) countError('probe: view never showed the loan');
        else lagMs.push(seen);
        const back = await call('POST', `/api/rentals/${r.json.id}/return`, probe.auth);
        if (back.status !== 200) continue;
        cycles++;
        const returned = await viewShows((p) => p.history.some((h) => h.rentalId === r.json.id), stopAt);
        if (returned === undefined) countError('probe: view never showed the return');
        else lagMs.push(returned);
      }
    }

    const hostStatus = async () =>
      (
        await call<{ memory: { peakRssMB: number } & Record<string, number> } & HostWork>(
          'GET',
          `/admin/host/status?code=${encodeURIComponent(masterKey)}`,
          librarian,
        )
      ).json;
    // The work the cycles cause runs on after their answers (relays, projectors, notices): the
    // counts are taken once the host has settled after the phase, so each cycle's work is all in.
    async function settledStatus(): Promise<HostWork> {
      const executions = (w: HostWork) =>
        Object.entries(w.counts)
          .filter(([name]) => name.startsWith('executions.'))
          .reduce((n, [, v]) => n + v, 0);
      let last = await hostStatus();
      for (let waited = 0; waited < 10_000; waited += 250) {
        await new Promise((r) => setTimeout(r, 250));
        const now = await hostStatus();
        if (executions(now) === executions(last)) return now;
        last = now;
      }
      return last;
    }
    const workBefore = await settledStatus();

    // Throughput: every client rents a random book and returns it, for `seconds`.
    const t0 = performance.now();
    const wallT0 = Date.now();
    const stopAt = t0 + seconds * 1000;
    await Promise.all([
      ...(hasViews ? [probeLoop(stopAt)] : []),
      ...peakMembers.map(async (m) => {
        while (performance.now() < stopAt) {
          const rental = await rent(m, books[Math.floor(Math.random() * books.length)]);
          if (rental?.status === 'APPROVED') await giveBack(m, rental.id);
        }
      }),
    ]);
    const wallT1 = Date.now();
    const elapsed = (performance.now() - t0) / 1000;
    const rentsPerSec = Math.round((completedRents / elapsed) * 10) / 10;
    const work = workPerCycle({
      before: workBefore,
      after: await settledStatus(),
      cycles,
      measuring: hasViews ? ['mypage-get'] : [],
    });

    // Overload: four times the clients, each call with a client timeout; refusals are waited out.
    let overload: ReturnType<typeof overloadFigures> | undefined;
    if (values.overload) {
      const client = benchClient(host.url, members.length + 4);
      try {
        await openConnections(members.length, () => client.request('GET', '/api/health', librarian));
        overload = overloadFigures(
          await driveOverload<Rental>(
            members.map((m) => overloadClient<Rental>(client, m.auth)),
            books,
            overloadSeconds,
          ),
        );
      } finally {
        await client.close();
      }
    }
    if (overload)
      print({ phase: 'overload', clients: members.length, seconds: overloadSeconds, ...overload });

    // Contention: rounds where every client races for the same book with few copies.
    const contentionMs: number[] = [];
    let oversoldRounds = 0;
    let rounds = 0;
    const contentionStop = performance.now() + contentionSeconds * 1000;
    while (performance.now() < contentionStop) {
      rounds++;
      const results = await Promise.all(
        peakMembers.map((m) => rent(m, contended, contentionMs).then((r) => ({ m, r }))),
      );
      const approved = results.filter((x) => x.r?.status === 'APPROVED');
      if (approved.length > CONTENDED_COPIES) oversoldRounds++;
      await Promise.all(approved.map((x) => giveBack(x.m, x.r!.id)));
    }

    // Invariants, read back through the API once whatever the load set off has run.
    await settledStatus();
    let oversold = 0;
    for (const id of [...books, contended]) {
      const b = (await call<{ copies: number; available: number }>('GET', `/api/books/${id}`, librarian))
        .json;
      if (b.available < 0 || b.available > b.copies) oversold++;
    }
    oversold += oversoldRounds;
    let balances = 0;
    let debited = 0;
    for (const m of [...members, probe]) {
      balances += (await call<{ points: number }>('GET', `/api/members/${m.id}`, m.auth)).json.points;
      let continuation: string | undefined;
      do {
        const q = `/api/members/${m.id}/rentals?limit=100${continuation ? `&continuation=${encodeURIComponent(continuation)}` : ''}`;
        const page = (await call<{ items: Rental[]; continuation?: string }>('GET', q, m.auth)).json;
        for (const r of page.items)
          if (['APPROVED', 'OVERDUE', 'RETURNED'].includes(r.status)) debited += r.price;
        continuation = page.continuation;
      } while (continuation);
    }
    const deposits = DEPOSIT * (members.length + 1); // the probe's too
    const status = await hostStatus();

    await host.stop();
    stopped = true;
    const relay = relayFigures(dbFile, wallT0, wallT1);
    const invariants = checkInvariants(dbFile);

    const storageCommitsPerSec = measureCommitsPerSec(dir, 'NORMAL', 2);
    const storageFsyncCommitsPerSec = measureCommitsPerSec(dir, 'FULL', 2);
    print({
      phase: 'contention',
      rounds,
      clients: members.length,
      copies: CONTENDED_COPIES,
      oversoldRounds,
      rentLatencyMs: summarize(contentionMs),
    });
    print({
      phase: 'work',
      note: 'per rent + return cycle under load (the probe included), after the host settled; mypage-get is the probe measuring, counted apart',
      ...work,
    });
    print({
      phase: 'storage',
      storageCommitsPerSec,
      storageFsyncCommitsPerSec,
      note: 'single-row transactions/s, WAL; NORMAL is the host setting, FULL fsyncs each commit',
    });
    print({
      rentsPerSec,
      rentLatencyMs: summarize(rentMs),
      returnLatencyMs: summarize(returnMs),
      projectionLagMs: summarize(lagMs),
      eventsRelayedPerSec: relay.eventsPerSec,
      outboxPendingAtEnd: relay.pending,
      rejectedByReason: rejected,
      errors,
      refusedRents,
      oversold,
      pointsConserved: deposits === balances + debited,
      invariants,
      ...(overload ? { overload } : {}),
      points: { deposits, balances, debited },
      storageCommitsPerSec,
      storageFsyncCommitsPerSec,
      peakRssMB: status.memory.peakRssMB,
      // Where the host's resident memory is when the run ends (the peak's parts are not kept).
      memoryAtEnd: status.memory,
      perCycle: {
        executions: work.executions.total,
        orchestratorTurns: work.executions.orchestratorTurns,
        activityCalls: work.executions.activityCalls,
        documentWrites: work.documents.writes.total,
        documentReads: work.documents.reads.total,
        eventsPublished: work.eventsPublished,
        serviceBusMessages: work.serviceBusMessages,
        hostCpuMs: work.hostCpuMs,
        requestUnits: work.requestUnits.total,
      },
      concurrency,
      seconds,
      cpus: os.cpus().length,
      node: process.version,
    });
  } finally {
    await pool.close();
    if (!stopped) await host.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

interface Mypage {
  loans: { rentalId: string }[];
  history: { rentalId: string }[];
}

// From the stopped host's data file: the events on `rentbook-events` enqueued during the run, per
// second, and the outbox items still waiting for the relay when the host stopped.
function relayFigures(
  dbFile: string,
  fromMs: number,
  toMs: number,
): { eventsPerSec: number; pending: number } {
  const db = new Database(dbFile, { readonly: true });
  try {
    const events = db
      .prepare(`SELECT COUNT(*) FROM eh_events WHERE hub = 'rentbook-events' AND enqueued_ms BETWEEN ? AND ?`)
      .pluck()
      .get(fromMs, toMs) as number;
    return {
      eventsPerSec: Math.round((events / ((toMs - fromMs) / 1000)) * 10) / 10,
      pending: outboxPending(dbFile),
    };
  } finally {
    db.close();
  }
}

(values.chaos
  ? chaosBench(values, print)
  : values['dev-loop']
    ? devLoopBench(Number(values['dev-loop-edits']), print).then((figures) =>
        print({
          ...figures,
          ...storageCeiling(),
          cpus: os.cpus().length,
          loadavg: os.loadavg(),
          node: process.version,
        }),
      )
    : values.overdue
      ? overdueBench(Number(values['overdue-loans']), print).then((runs) =>
          print({
            overdueScan: runs.map(({ due, scanMs, checked }) => ({ due, scanMs, checked })),
            loans: Number(values['overdue-loans']),
            cpus: os.cpus().length,
            node: process.version,
          }),
        )
      : main()
).catch((err: unknown) => {
  process.stderr.write(`bench: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
