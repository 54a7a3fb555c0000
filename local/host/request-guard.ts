// Who may reach what on the local host, checked before any handler runs:
// - Only this machine's own names: a request whose `Host` is not 127.0.0.1, [::1] or localhost with
//   the host's port is refused (421), so a web page cannot reach the host through DNS rebinding.
// - The host's own routes (`/admin/*`, `/runtime/*`) refuse a request from another origin (403):
//   a page in the user's browser may send one, but only a page of this host may drive them.
// - Keys, as the Functions host has them: `/runtime/webhooks/<extension>/*` needs that extension's
//   system key (or the master key), every other host route the master key (401 otherwise). With
//   dev features on, the clock, the sign-in page's `POST /admin/dev/token` and admin runs of
//   functions that take no input (timers) need no key;
//   a run of a function that takes trigger input (a Cosmos DB change, an event, a message) needs
//   the master key on every host, as in Azure: that input is whatever the caller writes, and the
//   function trusts it as the service's own.
// Host routes are classified by the template they were registered with, never by the raw path, so
// spellings such as `/ADMIN/clock` or `/%61dmin/clock` are judged like the route they reach.
import { hostProblem } from './problem';
import { presentedKey, sameKey, type HostKeys } from './keys';
import type { InternalResponse } from './types';

export interface GuardedRequest {
  method: string;
  query: URLSearchParams;
  headers: Readonly<Record<string, string | string[] | undefined>>;
  /** The route's parameters (an admin run's `{name}`). */
  params?: Readonly<Record<string, string>>;
}

const WEBHOOKS = /^runtime\/webhooks\/([^/{}]+)\//i;

/** What `--dev` opens to callers without a key (still only from this machine and its own origin). */
const DEV_OPEN = new Set(['GET admin/clock', 'POST admin/clock', 'POST admin/dev/token']);
/** An admin run, which `--dev` opens only for a function that takes no input. */
const ADMIN_RUN = 'POST admin/functions/{name}';

export class RequestGuard {
  constructor(
    private readonly keys: HostKeys,
    private readonly dev: boolean,
    /** The port the host listens on (known once it listens). */
    private readonly port: () => number,
    /** Whether the function of that name runs with no input (a timer), so `--dev` may run it keyless. */
    private readonly takesNoInput: (functionName: string) => boolean,
  ) {}

  /** Refuses a request whose `Host` is not one of this machine's own names with the host's port. */
  foreignHost(host: string | undefined): InternalResponse | undefined {
    if (host !== undefined && this.ownAuthorities().has(host.toLowerCase())) return undefined;
    return hostProblem(
      421,
      `This host answers only to ${[...this.ownAuthorities()][0]} and the other names of this machine.`,
    );
  }

  /** Refuses a request to a host route (by its template) from another origin or without its key. */
  hostRoute(template: string, req: GuardedRequest): InternalResponse | undefined {
    const origin = header(req, 'origin');
    if (origin !== undefined && !this.ownOrigins().has(origin.toLowerCase())) {
      return hostProblem(403, `Requests from ${origin} may not use the host's own routes.`);
    }
    // A browser that sends no Origin still says where the request comes from.
    const site = header(req, 'sec-fetch-site');
    if (site !== undefined && site !== 'same-origin' && site !== 'none') {
      return hostProblem(403, `A ${site} request may not use the host's own routes.`);
    }
    return this.missingKey(template, req);
  }

  /** The key check alone (for requests that never crossed a socket, such as the in-process client). */
  missingKey(template: string, req: GuardedRequest): InternalResponse | undefined {
    const route = template.toLowerCase();
    if (this.dev && this.openInDev(`${req.method} ${route}`, req)) return undefined;
    const given = presentedKey(req.query, req.headers);
    if (sameKey(given, this.keys.master)) return undefined;
    const webhook = WEBHOOKS.exec(route);
    const systemKey = webhook && this.keys.system[`${webhook[1]}_extension`];
    if (systemKey && sameKey(given, systemKey)) return undefined;
    const needs = systemKey ? `the ${webhook[1]}_extension system key or the master key` : 'the master key';
    return hostProblem(
      401,
      `${given === undefined ? 'This route needs' : 'The key given is not'} ${needs} ` +
        '(`code=` in the query or the x-functions-key header; `npm run token -- --master` prints the master key).',
    );
  }

  private openInDev(methodAndRoute: string, req: GuardedRequest): boolean {
    if (DEV_OPEN.has(methodAndRoute)) return true;
    const name = req.params?.name;
    return methodAndRoute === ADMIN_RUN && name !== undefined && this.takesNoInput(name);
  }

  private ownAuthorities(): Set<string> {
    const port = this.port();
    const names = ['127.0.0.1', 'localhost', '[::1]'];
    return new Set([...names.map((n) => `${n}:${port}`), ...(port === 80 ? names : [])]);
  }

  private ownOrigins(): Set<string> {
    return new Set([...this.ownAuthorities()].map((a) => `http://${a}`));
  }
}

function header(req: GuardedRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}
