// The host's admin routes, as the Functions host serves them: its status, running a non-HTTP
// function now (`POST /admin/functions/{name}` with `{"input": ...}`), and the clock (dev).
import fs from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import v8 from 'node:v8';
import type { HostClock } from './clock';
import { parseIsoDuration } from './clock';
import { addCounts, counts, type Counts } from './counters';
import { extensionFor, type FunctionListing } from './function-loading';
import { presentedKey, sameKey, type HostKeys } from './keys';
import { hostProblem, notJsonBody } from './problem';
import type { HostExtension, InternalRequest, InternalRoutes, RegisteredFunction, Worker } from './types';
import type { Logger } from './logger';

export interface AdminParts {
  routes: InternalRoutes;
  worker: Worker;
  extensions: readonly HostExtension[];
  functions: readonly FunctionListing[];
  clock: HostClock;
  keys: HostKeys;
  log: Logger;
  /** The consumer threads' share of the counts, and how many there are and how often one restarted. */
  threads: () => { counts(): Promise<Counts>; count: number; restarts: number } | undefined;
}

/** The app's function of that name, as the admin API names it (in any case). */
export function findFunction(worker: Worker, name: string): RegisteredFunction | undefined {
  return [...worker.functions.values()].find((f) => f.name.toLowerCase() === name.toLowerCase());
}

/** A function an admin run hands no input to: a timer (its trigger value is the host's own). */
export function takesNoInput(fn: RegisteredFunction): boolean {
  return fn.trigger.binding.type.toLowerCase() === 'timertrigger';
}

/**
 * The trigger value the Functions host makes of an admin `input`: the input itself as the event
 * or message (a string stays a string; `@azure/functions` parses JSON text as it does for a
 * delivered one), a batch of that one for a trigger that takes batches (`cardinality: 'many'`,
 * its JSON text parsed as the library parses each event of a batch), and for a Cosmos DB trigger
 * the changed documents (the input is a document or an array of them, as JSON text or JSON).
 */
export function adminTrigger(fn: RegisteredFunction, input: unknown): unknown {
  const b = fn.trigger.binding;
  if (b.type.toLowerCase() === 'cosmosdbtrigger') {
    let docs = input;
    if (typeof docs === 'string') {
      try {
        docs = JSON.parse(docs) as unknown;
      } catch {
        throw new Error(
          'A Cosmos DB trigger takes the changed documents: a JSON document or an array of them.',
        );
      }
    }
    return Array.isArray(docs) ? docs : [docs];
  }
  if (String(b.cardinality).toLowerCase() !== 'many') return input;
  return [typeof input === 'string' ? parsedOrText(input) : input];
}

function parsedOrText(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** The triggers the admin API runs with a given input (timers run through their extension). */
const INPUT_TRIGGERS = new Set(['eventhubtrigger', 'servicebustrigger', 'cosmosdbtrigger']);

export function addAdminRoutes(parts: AdminParts): void {
  const { routes, worker, extensions, functions, clock, keys, log } = parts;
  routes.add('GET', 'admin/host/status', async () => {
    const threads = parts.threads();
    // This thread's counts, then the others' (an await: what the main thread counts meanwhile is in too).
    const own = counts();
    const all = threads ? addCounts(own, await threads.counts()) : own;
    return {
      status: 200,
      body: {
        id: 'local',
        state: 'Running',
        version: '4.x-local',
        processUptime: Math.round(process.uptime() * 1000),
        memory: memory(),
        // CPU time of the whole process (every thread) since it started, and the work counted so far
        // (./counters.ts): the benchmark takes both before and after a run.
        cpuMs: cpuMs(process.cpuUsage()),
        counts: all,
        // The main thread's: HTTP and the durable task hub wait in it.
        eventLoopDelayMs: eventLoopDelay(),
        consumerThreads: { count: threads?.count ?? 0, restarts: threads?.restarts ?? 0 },
      },
    };
  });
  routes.add('POST', 'admin/functions/{name}', async (req: InternalRequest) => {
    const fn = findFunction(worker, req.params.name);
    if (!fn) return hostProblem(404, `No function named "${req.params.name}".`);
    const type = fn.trigger.binding.type;
    if (type.toLowerCase() === 'httptrigger')
      return hostProblem(400, `"${fn.name}" is HTTP-triggered: call its route instead.`);
    const listed = functions.find((f) => f.name === fn.name);
    if (listed?.error) return hostProblem(500, `The function '${fn.name}' is in error: ${listed.error}`);
    if (listed?.detail === 'disabled') return hostProblem(409, `The function '${fn.name}' is disabled.`);
    const notJson = notJsonBody(req);
    if (notJson) return notJson;
    let input: unknown;
    try {
      const body = req.body.length ? (JSON.parse(req.body.toString('utf8')) as unknown) : {};
      if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new Error('not an object');
      input = (body as { input?: unknown }).input;
    } catch {
      return hostProblem(400, 'The body must be JSON: {"input": ...}.');
    }
    const ext = extensionFor(extensions, 'triggerTypes', type);
    let run: () => Promise<unknown>;
    if (INPUT_TRIGGERS.has(type.toLowerCase())) {
      if (input === undefined)
        return hostProblem(400, `"${fn.name}" (${type}) needs an "input" to run with.`);
      let trigger: unknown;
      try {
        trigger = adminTrigger(fn, input);
      } catch (err) {
        return hostProblem(400, (err as Error).message);
      }
      // The extension adds the trigger metadata of a delivery where it has one to give.
      run = ext?.runNow ? () => ext.runNow!(fn, trigger) : () => worker.invoke(fn.name, { trigger });
    } else if (ext?.runNow) run = () => ext.runNow!(fn, input);
    // Orchestrations and activities run only from the task hub: never with made-up input from here.
    else return hostProblem(400, `"${fn.name}" (${type}) cannot be run from the admin API.`);
    // Who ran what, and from where: a keyless run is possible only on a --dev host, and only of a timer.
    const caller = sameKey(presentedKey(req.query, req.headers), keys.master)
      ? 'the master key'
      : 'no key (--dev)';
    log.info(
      `Admin run of "${fn.name}" (${type}) with ${caller} from ${req.remoteAddress ?? 'this process'}`,
    );
    // Like the Functions host: accepted at once, the run happens in the background.
    run().catch((err) => log.error(`Admin run of "${fn.name}" failed`, err));
    return { status: 202 };
  });
  const clockState = () => ({
    status: 200,
    body: { now: new Date(clock.now()).toISOString(), controllable: clock.controllable },
  });
  routes.add('GET', 'admin/clock', clockState);
  routes.add('POST', 'admin/clock', (req: InternalRequest) => {
    if (!clock.controllable)
      return hostProblem(403, 'The clock can be moved only when the host runs with --dev.');
    const notJson = notJsonBody(req);
    if (notJson) return notJson;
    const move = readClockMove(req.body.toString('utf8'));
    if (typeof move === 'string') return hostProblem(400, move);
    try {
      if ('advanceBy' in move) clock.advance(move.advanceBy);
      else clock.set(move.set);
    } catch (err) {
      // The clock's own bounds (forward only, a bounded step), in words already written for people.
      return hostProblem(400, (err as Error).message);
    }
    return clockState();
  });
}

const CLOCK_BODY =
  'The body must be one of {"advanceBy": "P8D"} (an ISO 8601 duration) or {"set": "2026-01-01T00:00:00Z"} (an ISO 8601 time with its offset)';
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

/** The clock route's body, checked whole: exactly one of `advanceBy` and `set`; else what is wrong. */
function readClockMove(text: string): { advanceBy: number } | { set: number } | string {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return `${CLOCK_BODY}; this is not JSON.`;
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return `${CLOCK_BODY}.`;
  const keys = Object.keys(body);
  if (keys.length !== 1 || !['advanceBy', 'set'].includes(keys[0]))
    return `${CLOCK_BODY}, with nothing else; this one has ${keys.length ? keys.map((k) => `"${k}"`).join(', ') : 'no field'}.`;
  const value: unknown = (body as Record<string, unknown>)[keys[0]];
  if (keys[0] === 'advanceBy') {
    if (typeof value === 'string') {
      try {
        return { advanceBy: parseIsoDuration(value) };
      } catch {
        // falls through to the message below
      }
    }
    return '"advanceBy" must be an ISO 8601 duration such as "P8D" or "PT1H30M".';
  }
  if (typeof value === 'string' && ISO_TIME.test(value) && !Number.isNaN(Date.parse(value)))
    return { set: Date.parse(value) };
  return '"set" must be an ISO 8601 time with its offset, such as "2026-01-01T00:00:00Z".';
}

// How long callbacks waited for the event loop (every request, turn and activity waits in it),
// since the status was last asked for: what an overloaded host makes everything wait.
const loopDelay = monitorEventLoopDelay({ resolution: 10 });
loopDelay.enable();

/**
 * Resident memory now and at its peak (maxRSS is in kilobytes), for operators and the benchmark, and
 * where it goes: V8's heap (its young generation among it), memory V8 holds for objects outside it (Buffers), and, where Linux tells, the resident
 * pages that are the process's own (heaps, SQLite's page cache) against those mapped from files (the
 * data file through SQLite's memory map, the program's code), which the system can drop at will.
 */
function memory(): Record<string, number> {
  const mb = (bytes: number): number => Math.round(bytes / 2 ** 20);
  const usage = process.memoryUsage();
  const young = v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space');
  const out: Record<string, number> = {
    rssMB: mb(usage.rss),
    peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
    heapTotalMB: mb(usage.heapTotal),
    heapUsedMB: mb(usage.heapUsed),
    youngGenerationMB: mb(young?.space_size ?? 0),
    externalMB: mb(usage.external),
  };
  try {
    const status = fs.readFileSync('/proc/self/status', 'utf8');
    // RSS again from the same reading, so its parts add up to it.
    for (const [field, name] of [
      ['VmRSS', 'rssMB'],
      ['RssAnon', 'rssAnonMB'],
      ['RssFile', 'rssFileMB'],
      ['RssShmem', 'rssSharedMB'],
    ]) {
      const kB = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1];
      if (kB !== undefined) out[name] = Math.round(Number(kB) / 1024);
    }
  } catch {
    // Not Linux: the breakdown by page kind is not known here.
  }
  return out;
}

function eventLoopDelay(): { p50: number; p99: number; max: number } {
  const ms = (ns: number) => Math.round(ns / 1e5) / 10;
  const figures = {
    p50: ms(loopDelay.percentile(50)),
    p99: ms(loopDelay.percentile(99)),
    max: ms(loopDelay.max),
  };
  loopDelay.reset();
  return figures;
}

function cpuMs(usage: NodeJS.CpuUsage): { user: number; system: number } {
  return { user: Math.round(usage.user / 1000), system: Math.round(usage.system / 1000) };
}
