// HTTP streaming as the Functions host does it for Node apps that call
// `app.setup({ enableHttpStream: true })`: in the capabilities exchange `@azure/functions` starts an
// HTTP server of its own and answers its address as `HttpUri`. The host then forwards each request
// to that server, tagged with `x-ms-invocation-id` (plus `x-forwarded-host` / `-proto`), and sends
// the invocation with the route parameters, query and headers in its trigger metadata. The library
// pairs the two by invocation id, hands the handler the forwarded request as a stream, and writes
// the handler's response back on that connection, which the host relays to the client as it comes.
// Nothing is buffered: the body flows client → proxy → handler and back with backpressure, and the
// body size limit is counted as the bytes pass.
import http, { type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from 'node:http';
import { Transform, type TransformCallback } from 'node:stream';
import { httpBindingData } from './binding-data';
import type { Logger } from './logger';
import type { RegisteredFunction, Worker } from './types';

/** Request and response headers that describe one connection, not the message (RFC 9110 §7.6.1). */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'host',
]);

export interface StreamedCall {
  fn: RegisteredFunction;
  params: Record<string, string>;
  url: URL;
  method: string;
  headers: Record<string, string>;
  query: Record<string, string>;
  /** Tags the forwarded request (`x-ms-invocation-id`), as the Functions host does. */
  invocationId: string;
}

export interface StreamedAnswer {
  /** Answers a problem+json of the host's own, while nothing has been sent yet. */
  problem(status: number, detail: string): void;
  /** Resolves once the writes made so far are committed (before the first byte of the answer). */
  committed(): Promise<void>;
}

class ByteLimit extends Transform {
  private seen = 0;
  exceeded = false;

  constructor(readonly limit: number) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.seen += chunk.length;
    if (this.seen > this.limit) {
      this.exceeded = true;
      return done(new Error('request body over the limit'));
    }
    done(null, chunk);
  }
}

export class HttpStreamProxy {
  private readonly agent = new http.Agent({ keepAlive: true });
  private readonly port: number;

  /** `httpUri`: the address the library answered in the capabilities exchange. */
  constructor(
    httpUri: string,
    private readonly worker: Worker,
    private readonly log: Logger,
  ) {
    const uri = new URL(httpUri);
    if (uri.protocol !== 'http:' || !uri.port)
      throw new Error(`The app's HTTP stream address "${httpUri}" is not an http://host:port/ URL.`);
    // The library listens on every interface and names it "localhost"; the host talks to it over
    // the loopback address only.
    this.port = Number(uri.port);
  }

  close(): void {
    this.agent.destroy();
  }

  /** Forwards one request to the app's stream proxy and relays the answer; settles when both are done. */
  async forward(
    call: StreamedCall,
    exchange: { req: IncomingMessage; res: ServerResponse; limit: number },
    answer: StreamedAnswer,
  ): Promise<void> {
    const { req, res, limit } = exchange;
    const { invocationId } = call;
    const headers: OutgoingHttpHeaders = {};
    for (const [k, v] of Object.entries(req.headers))
      if (!HOP_BY_HOP.has(k) && v !== undefined) headers[k] = v;
    Object.assign(headers, {
      'x-ms-invocation-id': invocationId,
      'x-forwarded-host': req.headers.host ?? `127.0.0.1:${this.port}`,
      'x-forwarded-proto': 'http',
    });
    const proxyReq = http.request({
      host: '127.0.0.1',
      port: this.port,
      method: call.method,
      path: `${call.url.pathname}${call.url.search}`,
      headers,
      agent: this.agent,
    });
    const proxyRes = new Promise<IncomingMessage>((resolve, reject) => {
      proxyReq.once('response', resolve);
      proxyReq.once('error', reject);
    });
    proxyRes.catch(() => undefined);
    const counter = new ByteLimit(limit);
    // Whether the client sent a body is in its headers, whatever the method: a GET or HEAD may carry
    // one too, and its content-length is forwarded, so its bytes must follow (the proxy would
    // otherwise wait for them and take them from the next request on the same connection).
    const length = req.headers['content-length'];
    const hasBody =
      length !== undefined ? Number(length) > 0 : req.headers['transfer-encoding'] !== undefined;
    if (hasBody) {
      req.pipe(counter).pipe(proxyReq);
      counter.once('error', () => {
        req.unpipe(counter);
        proxyReq.destroy(new Error('request body over the limit'));
        req.resume(); // the rest is read and dropped, so the client reads the 413
      });
      req.once('close', () => req.complete || proxyReq.destroy(new Error('the client went away')));
    } else proxyReq.end();

    try {
      // The library waits for the forwarded request before it runs the handler: reach it first.
      await connected(proxyReq);
    } catch (err) {
      this.log.error(`Function "${call.fn.name}": the app's HTTP stream proxy is unreachable`, err);
      return answer.problem(500, 'The function could not be reached; see the host log.');
    }
    const invocation = this.worker.invoke(call.fn.name, {
      trigger: {
        http: { method: call.method, url: call.url.href, headers: call.headers, query: call.query },
      },
      triggerIsTypedData: true,
      triggerMetadata: { ...call.params, Query: call.query, Headers: call.headers },
      // The body is the handler's to stream: binding expressions see the route, query and headers.
      bindingData: httpBindingData({ params: call.params, query: call.query, headers: call.headers }),
      invocationId,
    });
    invocation.catch(() => undefined);

    const first = await Promise.race([
      proxyRes.then(
        (r) => ({ response: r }),
        () => ({ response: undefined }),
      ),
      invocation.then(
        (result) => ({ result }),
        (error: unknown) => ({ error }),
      ),
    ]);
    if ('error' in first) return this.failed(call, first.error, { proxyReq, counter, res, answer });
    if ('result' in first && (first.result.result === undefined || first.result.result === null)) {
      // The handler returned no response: the library sends nothing back on the connection.
      proxyReq.destroy();
      await answer.committed();
      return void res.writeHead(204, { 'Content-Length': '0' }).end();
    }
    const response = 'response' in first ? first.response : await proxyRes.catch(() => undefined);
    if (!response) {
      const outcome = await invocation.then(
        () => new Error('the app closed its stream proxy connection without an answer'),
        (err: unknown) => err,
      );
      return this.failed(call, outcome, { proxyReq, counter, res, answer });
    }
    await answer.committed();
    res.statusCode = response.statusCode ?? 200;
    for (const [k, v] of Object.entries(response.headers))
      if (!HOP_BY_HOP.has(k) && k !== 'x-ms-invocation-id' && v !== undefined) res.setHeader(k, v);
    response.pipe(res);
    response.once('close', () => response.complete || res.destroy());
    const [outcome] = await Promise.all([
      invocation.then(
        () => undefined,
        (err: unknown) => err,
      ),
      new Promise<void>((resolve) => res.once('close', resolve)),
    ]);
    if (outcome !== undefined) {
      // The handler's response stream failed after its head went out: the client sees it cut short.
      this.log.error(`Function "${call.fn.name}" failed while streaming its response`, outcome);
      res.destroy();
    }
  }

  private failed(
    call: StreamedCall,
    error: unknown,
    parts: { proxyReq: http.ClientRequest; counter: ByteLimit; res: ServerResponse; answer: StreamedAnswer },
  ): void {
    parts.proxyReq.destroy();
    if (parts.counter.exceeded)
      return parts.answer.problem(413, `The request body is larger than ${parts.counter.limit} bytes.`);
    // Like the Functions host, nothing of the error (no message, no stack) reaches the caller.
    this.log.error(`Function "${call.fn.name}" failed`, error);
    if (parts.res.headersSent) return void parts.res.destroy();
    parts.answer.problem(500, 'The function failed; see the host log.');
  }
}

function connected(req: http.ClientRequest): Promise<void> {
  return new Promise((resolve, reject) => {
    req.once('error', reject);
    req.once('socket', (socket) => {
      if (!socket.connecting) return resolve();
      socket.once('connect', () => resolve());
    });
    req.flushHeaders();
  });
}
