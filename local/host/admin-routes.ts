// The host's admin routes, as the Functions host serves them: its status, running a non-HTTP
// function now (`POST /admin/functions/{name}` with `{"input": ...}`), and the clock (dev).
import type { HostClock } from './clock';
import { parseIsoDuration } from './clock';
import { extensionFor, type FunctionListing } from './function-loading';
import { isJsonMediaType, notJsonDetail } from '../../shared/media-type';
import { hostProblem } from './problem';
import type { HostExtension, InternalRequest, InternalRoutes, RegisteredFunction, Worker } from './types';
import type { Logger } from './logger';

export interface AdminParts {
  routes: InternalRoutes;
  worker: Worker;
  extensions: readonly HostExtension[];
  functions: readonly FunctionListing[];
  clock: HostClock;
  log: Logger;
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
  const { routes, worker, extensions, functions, clock, log } = parts;
  routes.add('GET', 'admin/host/status', () => ({
    status: 200,
    body: {
      id: 'local',
      state: 'Running',
      version: '4.x-local',
      processUptime: Math.round(process.uptime() * 1000),
      // Resident memory now and at its peak (maxRSS is in kilobytes), for operators and the benchmark.
      memory: {
        rssMB: Math.round(process.memoryUsage().rss / 2 ** 20),
        peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
      },
    },
  }));
  routes.add('POST', 'admin/functions/{name}', async (req: InternalRequest) => {
    const fn = [...worker.functions.values()].find(
      (f) => f.name.toLowerCase() === req.params.name.toLowerCase(),
    );
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
    let body: { advanceBy?: unknown; set?: unknown };
    try {
      body = JSON.parse(req.body.toString('utf8') || '{}') as typeof body;
    } catch {
      return hostProblem(
        400,
        'The body must be JSON: {"advanceBy": "P8D"} or {"set": "2026-01-01T00:00:00Z"}.',
      );
    }
    try {
      if (typeof body.advanceBy === 'string') clock.advance(parseIsoDuration(body.advanceBy));
      else if (typeof body.set === 'string' && !Number.isNaN(Date.parse(body.set)))
        clock.set(Date.parse(body.set));
      else return hostProblem(400, 'Give "advanceBy" (an ISO 8601 duration) or "set" (an ISO 8601 time).');
    } catch (err) {
      return hostProblem(400, (err as Error).message);
    }
    return clockState();
  });
}

/**
 * 415 for a body that says it is not JSON (a form, as `curl -d` sends by default), as the Functions
 * host's admin API answers (ASP.NET Core's `[FromBody]`); no body at all is taken as none given.
 */
function notJsonBody(req: InternalRequest): ReturnType<typeof hostProblem> | undefined {
  const type = req.headers['content-type'];
  if (req.body.length === 0 || isJsonMediaType(type)) return undefined;
  return hostProblem(415, notJsonDetail(type));
}
