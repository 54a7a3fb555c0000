// The Durable extension's HTTP API (`/runtime/webhooks/durabletask/...`), which `df.getClient(context)`
// talks to, and the durableClient binding data that points the client at it. Status codes and
// bodies follow the extension's HttpApiHandler. As in Azure, the API needs the extension's system
// key (the host checks it): the binding data carries it in `requiredQueryStringParameters` and in
// every URL it gives, so the app's client and the status URLs it hands out work unchanged.
import { randomUUID } from 'node:crypto';
import type { InternalRequest, InternalResponse, InternalRoutes } from '../host/types';
import { InstanceExistsError, type DurableEngine } from './engine';
import type { InstanceStatus } from './status';
import type { InstanceFilter } from './store';

export const WEBHOOK_PATH = 'runtime/webhooks/durabletask';
/** The host route the API is served on (the template the host's key check knows it by). */
export const WEBHOOK_ROUTE = `${WEBHOOK_PATH}/{*path}`;

// Local-host optimisation, invisible to callers: a status request for a running instance is held
// up to this long and answered as soon as the instance finishes, so a client polling
// (waitForCompletionOrCreateCheckStatusResponse) sees completion without waiting out its interval.
export const STATUS_HOLD_MS = 250;

/** The query every URL of the API carries: the task hub, the connection and the system key. */
function requiredQuery(hub: string, systemKey: string): string {
  return `taskHub=${encodeURIComponent(hub)}&connection=Storage&code=${encodeURIComponent(systemKey)}`;
}

/**
 * The binding data the extension hands a durableClient input (OrchestrationClientInputData). No
 * `rpcBaseUrl`: in Azure that is a keyless endpoint only the worker's sandbox can reach; here the
 * client uses the public URLs, key included.
 */
export function clientBindingData(baseUrl: string, hub: string, systemKey: string): Record<string, unknown> {
  const base = `${baseUrl}/${WEBHOOK_PATH}`;
  const query = requiredQuery(hub, systemKey);
  const instance = `${base}/instances/INSTANCEID`;
  return {
    taskHubName: hub,
    creationUrls: {
      createNewInstancePostUri: `${base}/orchestrators/{functionName}[/{instanceId}]?${query}`,
      createAndWaitOnNewInstancePostUri: `${base}/orchestrators/{functionName}[/{instanceId}]?timeout={timeoutInSeconds}&pollingInterval={intervalInSeconds}&${query}`,
    },
    managementUrls: managementUrls(base, 'INSTANCEID', query, instance),
    baseUrl: base,
    requiredQueryStringParameters: query,
  };
}

function managementUrls(
  base: string,
  id: string,
  query: string,
  instance = `${base}/instances/${encodeURIComponent(id)}`,
) {
  return {
    id,
    statusQueryGetUri: `${instance}?${query}`,
    sendEventPostUri: `${instance}/raiseEvent/{eventName}?${query}`,
    terminatePostUri: `${instance}/terminate?reason={text}&${query}`,
    rewindPostUri: `${instance}/rewind?reason={text}&${query}`,
    purgeHistoryDeleteUri: `${instance}?${query}`,
    restartPostUri: `${instance}/restart?${query}`,
    suspendPostUri: `${instance}/suspend?reason={text}&${query}`,
    resumePostUri: `${instance}/resume?reason={text}&${query}`,
  };
}

/** Answers a request to the durable API without the HTTP server (see in-process-client.ts). */
export type DurableDispatch = (req: Omit<InternalRequest, 'params'>) => Promise<InternalResponse>;

type Params = Record<string, string>;

/** Serves the durable HTTP API on the host's routes; returns the same API as a function. */
export function addDurableRoutes(
  routes: InternalRoutes,
  engine: DurableEngine,
  api: { hub: string; systemKey: string; baseUrl: () => string; statusHoldMs?: number },
): DurableDispatch {
  const { hub, systemKey, baseUrl, statusHoldMs = STATUS_HOLD_MS } = api;
  const query = requiredQuery(hub, systemKey);
  const checkStatus = (id: string): InternalResponse => {
    const payload = managementUrls(`${baseUrl()}/${WEBHOOK_PATH}`, id, query);
    return {
      status: 202,
      headers: {
        'Content-Type': 'application/json',
        Location: payload.statusQueryGetUri,
        'Retry-After': '10',
      },
      body: payload,
    };
  };
  const statusResponse = (s: InstanceStatus, req: InternalRequest): InternalResponse => {
    if (s.runtimeStatus === 'Running' || s.runtimeStatus === 'Pending') {
      return {
        status: 202,
        headers: {
          Location: `${baseUrl()}/${req.path}${req.query.size ? `?${req.query}` : ''}`,
          'Retry-After': '5',
        },
        body: s,
      };
    }
    const failed500 =
      s.runtimeStatus === 'Failed' && flag(req.query, 'returnInternalServerErrorOnFailure') === true;
    return { status: failed500 ? 500 : 200, body: s };
  };

  const startOrchestration = async (req: InternalRequest, p: Params): Promise<InternalResponse> => {
    const name = engine.orchestratorName(p.functionName);
    if (!name) {
      return text(
        400,
        `The function '${p.functionName}' doesn't exist, is disabled, or is not an orchestrator function.`,
      );
    }
    const body = req.body.toString('utf8');
    let inputJson: string | null = null;
    if (body.length) {
      try {
        inputJson = JSON.stringify(JSON.parse(body));
      } catch {
        return text(400, 'Invalid JSON content');
      }
    }
    const id = p.instanceId || randomUUID().replace(/-/g, '');
    try {
      await engine.startNew(name, id, inputJson);
    } catch (err) {
      if (err instanceof InstanceExistsError) return text(409, err.message);
      throw err;
    }
    const timeout = seconds(req.query.get('timeout'));
    const interval = seconds(req.query.get('pollingInterval'));
    if (timeout === undefined || interval === undefined) return checkStatus(id);
    await engine.waitForFinish(id, timeout);
    const s = engine.status(id);
    if (s?.runtimeStatus === 'Completed') return { status: 200, body: s.output };
    if (s && s.runtimeStatus !== 'Running' && s.runtimeStatus !== 'Pending') return statusResponse(s, req);
    return checkStatus(id);
  };

  const getStatus = async (req: InternalRequest, id: string): Promise<InternalResponse> => {
    const options = {
      showHistory: flag(req.query, 'showHistory') ?? false,
      showHistoryOutput: flag(req.query, 'showHistoryOutput') ?? false,
      showInput: flag(req.query, 'showInput') ?? true,
    };
    let s = engine.status(id, options);
    if (!s) return { status: 404 };
    if ((s.runtimeStatus === 'Running' || s.runtimeStatus === 'Pending') && statusHoldMs > 0) {
      await engine.waitForFinish(id, statusHoldMs);
      s = engine.status(id, options) ?? s;
    }
    return statusResponse(s, req);
  };

  const listInstances = (req: InternalRequest): InternalResponse => {
    const all = engine.list(filterFrom(req.query), flag(req.query, 'showInput') ?? true);
    const top = Number(req.query.get('top'));
    const from = Number(header(req, 'x-ms-continuation-token') ?? 0) || 0;
    if (!(top > 0)) return { status: 200, body: all };
    const page = all.slice(from, from + top);
    const more = from + top < all.length;
    return {
      status: 200,
      headers: more ? { 'x-ms-continuation-token': String(from + top) } : {},
      body: page,
    };
  };

  const purgeWhere = (req: InternalRequest): InternalResponse => {
    const filter = filterFrom(req.query);
    if (filter.createdFrom === undefined) {
      return text(400, "Please provide value for 'createdTimeFrom' parameter.");
    }
    const deleted = engine.purgeWhere({ ...filter, createdTo: filter.createdTo ?? engine.now() });
    return deleted ? { status: 200, body: { instancesDeleted: deleted } } : { status: 404 };
  };

  const purge = (id: string): InternalResponse => {
    switch (engine.purge(id)) {
      case 'notFound':
        return { status: 404 };
      case 'notTerminal':
        return text(
          412,
          `Only orchestrations in a terminal state can be purged, but the orchestration with instance ID ${id} is not.`,
        );
      default:
        return { status: 200, body: { instancesDeleted: 1 } };
    }
  };

  const raiseEvent = async (
    req: InternalRequest,
    id: string,
    eventName: string,
  ): Promise<InternalResponse> => {
    const exists = engine.status(id);
    if (!exists) return { status: 404 };
    if (exists.runtimeStatus !== 'Running' && exists.runtimeStatus !== 'Pending') return { status: 410 };
    const contentType = header(req, 'content-type')?.split(';')[0].trim().toLowerCase();
    if (contentType !== 'application/json') {
      return text(400, 'Only application/json request content is supported');
    }
    const body = req.body.toString('utf8');
    let inputJson: string | undefined;
    if (body.trim().length) {
      try {
        inputJson = JSON.stringify(JSON.parse(body));
      } catch {
        return text(400, 'Invalid JSON content');
      }
    }
    return outcomeStatus(await engine.raiseEvent(id, eventName, inputJson));
  };

  // The extension's routes: orchestrators/{functionName}/{instanceId?}, instances/{instanceId?},
  // instances/{instanceId}/{operation}, instances/{instanceId}/raiseEvent/{eventName}. Literal
  // segments and operations match case-insensitively.
  const dispatch = async (req: InternalRequest): Promise<InternalResponse> => {
    const segments = req.path
      .replace(/^\/+|\/+$/g, '')
      .split('/')
      .map(decode);
    const [controller, a, b, c, ...extra] = segments.slice(WEBHOOK_SEGMENTS);
    const m = req.method;
    if (controller?.toLowerCase() === 'orchestrators' && a && c === undefined && m === 'POST') {
      return startOrchestration(req, { functionName: a, instanceId: b ?? '' });
    }
    if (controller?.toLowerCase() !== 'instances' || extra.length) return { status: 404 };
    if (a === undefined) {
      return m === 'GET' ? listInstances(req) : m === 'DELETE' ? purgeWhere(req) : { status: 404 };
    }
    if (b === undefined) {
      return m === 'GET' ? getStatus(req, a) : m === 'DELETE' ? purge(a) : { status: 404 };
    }
    if (m !== 'POST') return { status: 404 };
    const operation = b.toLowerCase();
    if (operation === 'raiseevent' && c !== undefined) return raiseEvent(req, a, c);
    if (c !== undefined) return { status: 404 };
    if (operation === 'terminate') {
      return outcomeStatus(await engine.terminate(a, req.query.get('reason') ?? undefined));
    }
    if (['rewind', 'restart', 'suspend', 'resume'].includes(operation)) {
      return text(501, `The local host's durable engine does not implement ${b}.`);
    }
    return { status: 404 };
  };

  for (const method of ['GET', 'POST', 'DELETE']) {
    routes.add(method, WEBHOOK_ROUTE, (req) => dispatch(req));
  }
  return (req) => dispatch({ ...req, params: {} });
}

const WEBHOOK_SEGMENTS = WEBHOOK_PATH.split('/').length;

function outcomeStatus(outcome: 'accepted' | 'notFound' | 'gone'): InternalResponse {
  return { status: outcome === 'accepted' ? 202 : outcome === 'gone' ? 410 : 404 };
}

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function text(status: number, message: string): InternalResponse {
  return { status, headers: { 'Content-Type': 'application/json' }, body: { Message: message } };
}

function header(req: InternalRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** .NET bool.TryParse: "true"/"false", any case; anything else is "not given". */
function flag(q: URLSearchParams, name: string): boolean | undefined {
  const v = q.get(name)?.trim().toLowerCase();
  return v === 'true' ? true : v === 'false' ? false : undefined;
}

/** Seconds (a number) as milliseconds. */
function seconds(v: string | null): number | undefined {
  const n = v === null ? NaN : Number(v);
  return Number.isFinite(n) && v!.trim() !== '' ? n * 1000 : undefined;
}

function filterFrom(q: URLSearchParams): InstanceFilter {
  const time = (name: string): number | undefined => {
    const v = q.get(name);
    const ms = v ? Date.parse(v) : NaN;
    return Number.isNaN(ms) ? undefined : ms;
  };
  const statuses = q
    .getAll('runtimeStatus')
    .flatMap((v) => v.split(','))
    .map((s) => s.trim())
    .filter(Boolean);
  return {
    createdFrom: time('createdTimeFrom'),
    createdTo: time('createdTimeTo'),
    statuses: statuses.length ? statuses : undefined,
    prefix: q.get('instanceIdPrefix') ?? undefined,
  };
}
