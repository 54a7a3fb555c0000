// The local host's HTTP server on the main thread: the app's HTTP-triggered functions under the
// route prefix (host.json `extensions.http.routePrefix`, default `api`) and the host's own routes
// (`/admin/...`, `/runtime/webhooks/...`). It listens on a socket of this process alone; the HTTP
// front (`http-front.ts`) takes the host's port on a thread of its own, keeps host.json's HTTP
// limits there and passes requests on. Requests reach handlers as RPC HTTP data, which
// `@azure/functions` turns into its real HttpRequest, as under the Functions host.
import { randomUUID } from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import { httpBindingData } from './binding-data';
import type { HttpStreamProxy } from './http-stream';
import type { Logger } from './logger';
import { FORWARDED_FOR } from './http-front';
import { answerClientError, hostProblem } from './problem';
import { logRequest, noteInvocation } from './request-log';
import type { RequestGuard } from './request-guard';
import { compareSpecificity, matchRoute, parseRouteTemplate, type RouteTemplate } from './routes';
import type { HostJson, InternalHandler, InternalRoutes, RegisteredFunction, Worker } from './types';

interface AppRoute {
  fn: RegisteredFunction;
  route: RouteTemplate;
  methods: Set<string> | undefined;
  /** Why the function cannot run (it failed to load): its route answers 500 saying so. */
  failure?: string;
}

interface HostRoute {
  method: string;
  route: RouteTemplate;
  handler: InternalHandler;
}

interface RpcHttpCookie {
  name: string;
  value: string;
  domain?: { value: string };
  path?: { value: string };
  expires?: { value: { seconds: number } };
  secure?: { value: boolean };
  httpOnly?: { value: boolean };
  sameSite?: 'none' | 'lax' | 'strict' | 'explicitNone';
  maxAge?: { value: number };
}

interface RpcHttpResponse {
  statusCode?: string;
  headers?: Record<string, string>;
  cookies?: RpcHttpCookie[];
  body?: { string?: string; bytes?: Uint8Array; json?: string };
}

export interface HttpLimits {
  /** host.json `extensions.http.maxConcurrentRequests` (-1: unbounded). */
  maxConcurrentRequests: number;
  /** host.json `extensions.http.maxOutstandingRequests` (-1: unbounded). */
  maxOutstandingRequests: number;
  /** Request bodies larger than this get 413, before anything reads them. */
  maxRequestBodyBytes: number;
}

/** The default request body limit (the setting FUNCTIONS_REQUEST_BODY_SIZE_LIMIT, in bytes, changes it). */
export const DEFAULT_MAX_REQUEST_BODY_BYTES = 1024 * 1024;

export function httpSettings(
  hostJson: HostJson,
  settings: Readonly<Record<string, string | undefined>> = {},
): { routePrefix: string; limits: HttpLimits } {
  const h = (hostJson.extensions?.http ?? {}) as Record<string, unknown>;
  const prefix = typeof h.routePrefix === 'string' ? h.routePrefix : 'api';
  const num = (v: unknown, d: number): number => (typeof v === 'number' && Number.isFinite(v) ? v : d);
  return {
    routePrefix: prefix.replace(/^\/+|\/+$/g, ''),
    limits: {
      maxConcurrentRequests: num(h.maxConcurrentRequests, -1),
      maxOutstandingRequests: num(h.maxOutstandingRequests, -1),
      maxRequestBodyBytes: bodyLimit(settings.FUNCTIONS_REQUEST_BODY_SIZE_LIMIT),
    },
  };
}

function bodyLimit(setting: string | undefined): number {
  if (setting === undefined || setting === '') return DEFAULT_MAX_REQUEST_BODY_BYTES;
  const n = Number(setting);
  if (!/^\d+$/.test(setting) || !Number.isSafeInteger(n) || n < 1) {
    throw new Error(`FUNCTIONS_REQUEST_BODY_SIZE_LIMIT must be a whole number of bytes, not "${setting}".`);
  }
  return n;
}

export class HostHttpServer implements InternalRoutes {
  private readonly appRoutes: AppRoute[] = [];
  private readonly hostRoutes: HostRoute[] = [];
  private readonly server: http.Server;

  readonly routePrefix: string;
  private readonly worker: Worker;
  private readonly log: Logger;
  /** Request bodies larger than this get 413 (the other limits are the front's: `http-front.ts`). */
  private readonly maxRequestBodyBytes: number;
  private readonly guard: RequestGuard;
  /** Resolves once the writes made so far are committed: no response goes out before that. */
  private readonly committed: () => Promise<void>;
  /** Set when the app streams HTTP (`app.setup({ enableHttpStream: true })`). */
  private readonly stream: HttpStreamProxy | undefined;

  constructor(parts: {
    worker: Worker;
    log: Logger;
    routePrefix: string;
    maxRequestBodyBytes: number;
    guard: RequestGuard;
    committed?: () => Promise<void>;
    stream?: HttpStreamProxy;
  }) {
    ({ worker: this.worker, log: this.log, routePrefix: this.routePrefix } = parts);
    ({ maxRequestBodyBytes: this.maxRequestBodyBytes, guard: this.guard } = parts);
    this.committed = parts.committed ?? (() => Promise.resolve());
    this.stream = parts.stream;
    // A request without Host reaches the guard (and gets problem+json) rather than Node's bare 400.
    this.server = http.createServer({ requireHostHeader: false }, (req, res) => void this.handle(req, res));
    // Its connections are the front's, kept for the next request: closing one as idle could race a
    // request the front is sending on it, which would fail for nothing. The front closes them.
    this.server.keepAliveTimeout = 0;
    this.server.on('clientError', answerClientError);
  }

  /** Registers an HTTP-triggered function; returns its URL path template for the start-up listing. */
  addFunction(fn: RegisteredFunction, failure?: string): { methods: string[]; path: string } {
    const b = fn.trigger.binding;
    const template = typeof b.route === 'string' ? b.route : fn.name;
    const methods =
      Array.isArray(b.methods) && b.methods.length
        ? (b.methods as string[]).map((m) => m.toUpperCase())
        : undefined;
    this.appRoutes.push({
      fn,
      route: parseRouteTemplate(template),
      methods: methods && new Set(methods),
      failure,
    });
    this.appRoutes.sort((x, y) => compareSpecificity(x.route, y.route));
    const prefix = this.routePrefix ? `/${this.routePrefix}` : '';
    return { methods: methods ?? ['ALL'], path: `${prefix}/${template.replace(/^\/+/, '')}` };
  }

  add(method: string, template: string, handler: InternalHandler): void {
    this.hostRoutes.push({ method: method.toUpperCase(), route: parseRouteTemplate(template), handler });
    this.hostRoutes.sort((x, y) => compareSpecificity(x.route, y.route));
  }

  /** Listens on `socketPath`, where the HTTP front (`http-front.ts`) passes the host's requests on. */
  async listen(socketPath: string): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(socketPath, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeIdleConnections();
    });
    this.stream?.close();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    logRequest(this.log, req, res);
    try {
      const foreign = this.guard.foreignHost(req.headers.host);
      if (foreign) return this.sendHost(res, foreign.status, foreign.headers ?? {}, foreign.body);
      const url = new URL(req.url ?? '/', `http://${req.headers.host}`);
      const method = (req.method ?? 'GET').toUpperCase();
      const path = url.pathname.replace(/^\/+/, '');

      const hostMatches = this.hostRoutes
        .map((r) => ({ r, params: matchRoute(r.route, path) }))
        .filter((m) => m.params);
      if (hostMatches.length) {
        const hit = hostMatches.find((m) => m.r.method === method);
        if (!hit) {
          const allow = [...new Set(hostMatches.map((m) => m.r.method))].join(', ');
          return this.sendProblem(res, 405, `${method} is not allowed here; use ${allow}.`, { Allow: allow });
        }
        const params = hit.params ?? {};
        const refused = this.guard.hostRoute(hit.r.route.template, {
          method,
          query: url.searchParams,
          headers: req.headers,
          params,
        });
        if (refused) return this.sendHost(res, refused.status, refused.headers ?? {}, refused.body);
        const body = await this.readBodyWithinLimit(req, res);
        if (body === undefined) return;
        const out = await hit.r.handler({
          method,
          path,
          params,
          query: url.searchParams,
          headers: req.headers,
          body,
          remoteAddress: [req.headers[FORWARDED_FOR]].flat()[0],
        });
        await this.committed();
        return this.sendHost(res, out.status, out.headers ?? {}, out.body);
      }

      const prefix = this.routePrefix;
      let appPath: string | undefined = path;
      if (prefix) {
        const lower = path.toLowerCase();
        appPath =
          lower === prefix.toLowerCase()
            ? ''
            : lower.startsWith(prefix.toLowerCase() + '/')
              ? path.slice(prefix.length + 1)
              : undefined;
      }
      const matches =
        appPath === undefined
          ? []
          : this.appRoutes.map((r) => ({ r, params: matchRoute(r.route, appPath) })).filter((m) => m.params);
      if (!matches.length) return this.sendProblem(res, 404, `Nothing is served at /${path}.`);
      const hit = matches.find((m) => !m.r.methods || m.r.methods.has(method));
      if (!hit) {
        const allow = [...new Set(matches.flatMap((m) => [...(m.r.methods ?? [])]))].join(', ');
        return this.sendProblem(res, 405, `${method} is not allowed here; use ${allow}.`, { Allow: allow });
      }
      if (hit.r.failure) return this.sendProblem(res, 500, hit.r.failure);
      await this.invokeFunction({ fn: hit.r.fn, params: hit.params ?? {}, url, method }, req, res);
    } catch (err) {
      this.log.error(`HTTP ${req.method} ${req.url} failed`, err);
      if (!res.headersSent) this.sendProblem(res, 500, 'The host failed to answer; see its log.');
      else res.destroy();
    }
  }

  /**
   * The request body, or undefined once a 413 has been sent: a declared length over the limit is
   * refused before a byte is read, a streamed body as soon as it passes the limit. The rest is read
   * and dropped, never kept (Node does that once the answer is sent), so the client reads the 413
   * rather than a connection reset while it is still sending; Node's request timeout bounds it.
   */
  private async readBodyWithinLimit(req: IncomingMessage, res: ServerResponse): Promise<Buffer | undefined> {
    const limit = this.maxRequestBodyBytes;
    const declared = Number(req.headers['content-length'] ?? 0);
    const body = declared > limit ? undefined : await readBody(req, limit);
    if (body === undefined) this.sendProblem(res, 413, `The request body is larger than ${limit} bytes.`);
    return body;
  }

  private async invokeFunction(
    call: { fn: RegisteredFunction; params: Record<string, string>; url: URL; method: string },
    req: IncomingMessage,
    res: ServerResponse,
  ): Promise<void> {
    const { fn, params, url, method } = call;
    const invocationId = randomUUID();
    noteInvocation(res, invocationId);
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers))
      if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
    const query: Record<string, string> = {};
    for (const [k, v] of url.searchParams) query[k] = k in query ? `${query[k]},${v}` : v;
    if (this.stream) {
      const limit = this.maxRequestBodyBytes;
      if (Number(req.headers['content-length'] ?? 0) > limit)
        return this.sendProblem(res, 413, `The request body is larger than ${limit} bytes.`);
      return await this.stream.forward(
        { fn, params, url, method, headers, query, invocationId },
        { req, res, limit },
        {
          problem: (status, detail) => this.sendProblem(res, status, detail),
          committed: this.committed,
        },
      );
    }
    const body = await this.readBodyWithinLimit(req, res);
    if (body === undefined) return;
    const rpcHttp = {
      method,
      url: url.href,
      headers,
      query,
      params,
      body: body.length ? { bytes: body } : undefined,
    };

    let response: RpcHttpResponse | undefined;
    try {
      const result = await this.worker.invoke(fn.name, {
        trigger: { http: rpcHttp },
        triggerIsTypedData: true,
        bindingData: httpBindingData({ params, query, headers, body }),
        invocationId,
      });
      const out = result.outputs['$return'] ?? result.returnValue ?? Object.values(result.outputs)[0];
      response = out as RpcHttpResponse | undefined;
    } catch (err) {
      // Like the Functions host, nothing of the error (no message, no stack) reaches the caller.
      this.log.error(`Function "${fn.name}" failed`, err);
      return this.sendProblem(res, 500, 'The function failed; see the host log.');
    }
    await this.committed();
    this.sendRpcResponse(res, response);
  }

  private sendRpcResponse(res: ServerResponse, response: RpcHttpResponse | undefined): void {
    if (!response) return this.sendStatus(res, 204);
    const status = Number(response.statusCode ?? 200);
    for (const [k, v] of Object.entries(response.headers ?? {})) res.setHeader(k, v);
    const cookies = (response.cookies ?? []).map(cookieHeader);
    if (cookies.length) res.setHeader('Set-Cookie', cookies);
    const b = response.body;
    const bytes = b?.bytes
      ? Buffer.from(b.bytes)
      : b?.string !== undefined
        ? Buffer.from(b.string)
        : b?.json !== undefined
          ? Buffer.from(b.json)
          : undefined;
    res.statusCode = status;
    if (bytes && status !== 204 && status !== 304) {
      res.setHeader('Content-Length', bytes.length);
      res.end(bytes);
    } else res.end();
  }

  private sendHost(
    res: ServerResponse,
    status: number,
    headers: Record<string, string>,
    body: unknown,
  ): void {
    res.statusCode = status;
    for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
    if (body === undefined || body === null) return void res.end();
    let bytes: Buffer;
    if (typeof body === 'string' || Buffer.isBuffer(body)) bytes = Buffer.from(body);
    else {
      bytes = Buffer.from(JSON.stringify(body));
      if (!res.hasHeader('Content-Type')) res.setHeader('Content-Type', 'application/json; charset=utf-8');
    }
    res.setHeader('Content-Length', bytes.length);
    res.end(bytes);
  }

  private sendStatus(res: ServerResponse, status: number): void {
    res.writeHead(status, { 'Content-Length': '0' });
    res.end();
  }

  private sendProblem(
    res: ServerResponse,
    status: number,
    detail: string,
    headers: Record<string, string> = {},
  ): void {
    const answer = hostProblem(status, detail, headers);
    this.sendHost(res, answer.status, answer.headers ?? {}, answer.body);
  }
}

function cookieHeader(c: RpcHttpCookie): string {
  const parts = [`${c.name}=${c.value}`];
  if (c.domain?.value) parts.push(`Domain=${c.domain.value}`);
  if (c.path?.value) parts.push(`Path=${c.path.value}`);
  if (c.expires?.value) parts.push(`Expires=${new Date(c.expires.value.seconds * 1000).toUTCString()}`);
  if (c.maxAge?.value !== undefined) parts.push(`Max-Age=${c.maxAge.value}`);
  if (c.secure?.value) parts.push('Secure');
  if (c.httpOnly?.value) parts.push('HttpOnly');
  const sameSite = { none: '', lax: 'Lax', strict: 'Strict', explicitNone: 'None' }[c.sameSite ?? 'none'];
  if (sameSite) parts.push(`SameSite=${sameSite}`);
  return parts.join('; ');
}

/** Reads the whole body; undefined as soon as it exceeds `limit` bytes (the rest is left unread). */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (c: Buffer): void => {
      size += c.length;
      if (size <= limit) return void chunks.push(c);
      req.off('data', onData);
      req.pause();
      resolve(undefined);
    };
    req.on('data', onData);
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}
