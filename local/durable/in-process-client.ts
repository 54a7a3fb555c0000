// Local-host optimisation, invisible to callers: `df.getClient(context)` talks HTTP (axios) to the
// durable API of the host it runs under. Here that host is this process, so requests for its
// durable webhooks are answered in-process by the very handlers the HTTP server uses (same status
// codes, headers and bodies), without a socket round trip. Any other request goes to axios's own
// adapter. Installed on the axios that the app's durable-functions loads (found from the app's
// folder, which need not be this host's), once per copy; each running host adds the origin it
// answers for.
import { createRequire } from 'node:module';
import type { InternalResponse } from '../host/types';
import { WEBHOOK_PATH, type DurableDispatch } from './http-api';

// The slice of axios this module touches (axios is untyped here: it is durable-functions' dependency).
interface AxiosConfig {
  url?: string;
  method?: string;
  data?: unknown;
  headers?: { toJSON?: () => Record<string, unknown> } & Record<string, unknown>;
}
interface AxiosResponse {
  data: unknown;
  status: number;
  statusText: string;
  headers: unknown;
  config: AxiosConfig;
  request: unknown;
}
type Adapter = (config: AxiosConfig) => Promise<AxiosResponse>;
interface Axios {
  defaults: { adapter?: unknown };
  getAdapter(adapters: unknown): Adapter;
  AxiosHeaders: new (headers?: Record<string, string>) => unknown;
}

const hosts = new Map<string, DurableDispatch>();
const installedOn = new WeakSet<Axios>();

/**
 * Answers requests to `origin`'s durable API in-process from now on, for the durable-functions the
 * app in `appDir` loads (an app without it keeps plain axios); returns the undo.
 */
export function serveInProcess(appDir: string, origin: string, dispatch: DurableDispatch): () => void {
  const axios = loadAxios(appDir);
  if (axios && !installedOn.has(axios)) install(axios);
  hosts.set(origin, dispatch);
  return () => {
    if (hosts.get(origin) === dispatch) hosts.delete(origin);
  };
}

function install(axios: Axios): void {
  const fallback = axios.getAdapter(axios.defaults.adapter);
  const adapter: Adapter = async (config) => {
    const url = config.url ? new URL(config.url) : undefined;
    const dispatch = url && hosts.get(url.origin);
    const path = url?.pathname.replace(/^\/+/, '') ?? '';
    if (!url || !dispatch || !path.toLowerCase().startsWith(WEBHOOK_PATH)) return fallback(config);
    const headers: Record<string, string> = {};
    const raw = config.headers?.toJSON ? config.headers.toJSON() : (config.headers ?? {});
    for (const [k, v] of Object.entries(raw))
      if (v !== undefined && v !== null) headers[k.toLowerCase()] = String(v);
    let res: InternalResponse;
    try {
      res = await dispatch({
        method: (config.method ?? 'get').toUpperCase(),
        path,
        query: url.searchParams,
        headers,
        body: typeof config.data === 'string' ? Buffer.from(config.data) : Buffer.alloc(0),
      });
    } catch {
      res = { status: 500 };
    }
    const body = res.body;
    return {
      // A string, as off the wire: axios's own transformResponse parses JSON.
      data: body === undefined || body === null ? '' : typeof body === 'string' ? body : JSON.stringify(body),
      status: res.status,
      statusText: '',
      headers: new axios.AxiosHeaders(res.headers ?? {}),
      config,
      request: {},
    };
  };
  axios.defaults.adapter = adapter;
  installedOn.add(axios);
}

function loadAxios(appDir: string): Axios | undefined {
  try {
    const fromDurable = createRequire(require.resolve('durable-functions', { paths: [appDir] }));
    return fromDurable('axios') as Axios;
  } catch {
    return undefined;
  }
}
