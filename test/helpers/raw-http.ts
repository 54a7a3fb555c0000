// Requests with full control of the headers (fetch will not send a Host of our choosing, nor drop
// it), for tests of what the host refuses; and, on kept-alive connections, the tests' everyday calls
// (../rentals/support-host.ts `call`): Node's global fetch took four times the processor time of
// node:http per request (1.2 against 0.3 ms, client and a trivial server together), and some 70 ms to
// load in each test file's worker.
import http from 'node:http';

export interface RawReply {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  /** The body parsed as JSON (undefined when empty). */
  json<T = Record<string, unknown>>(): T;
}

/** Whether `headers` names `name`, in any case (HTTP header names are case-insensitive). */
export function hasHeader(headers: Record<string, unknown> | undefined, name: string): boolean {
  const wanted = name.toLowerCase();
  return Object.keys(headers ?? {}).some((h) => h.toLowerCase() === wanted);
}

export function rawRequest(
  baseUrl: string,
  options: {
    method?: string;
    path: string;
    headers?: Record<string, string | number>;
    body?: string | Buffer;
    /** Chunked: the body goes in pieces with no Content-Length. */
    chunks?: Buffer[];
    /** HTTP/1.0 with no Host header at all. */
    noHost?: boolean;
    /** Connections kept alive for the next request; by default each request has its own. */
    agent?: http.Agent;
  },
): Promise<RawReply> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    let answered = false;
    const req: http.ClientRequest = http.request(
      {
        host: url.hostname,
        port: url.port,
        method: options.method ?? 'GET',
        path: options.path,
        headers: options.headers,
        setHost: !options.noHost && !hasHeader(options.headers, 'host'),
        agent: options.agent ?? false,
      },
      (res) => {
        answered = true;
        const parts: Buffer[] = [];
        res.on('data', (c: Buffer) => parts.push(c));
        res.on('end', () => {
          const text = Buffer.concat(parts).toString('utf8');
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            text,
            json: <T>() => (text ? JSON.parse(text) : undefined) as T,
          });
        });
        res.on('error', reject);
      },
    );
    // The server may answer (413, 431) before the whole request is sent, then close.
    req.on('error', (err: NodeJS.ErrnoException) => {
      if (answered) return;
      // A kept-alive connection the server closed while it was idle: the request never reached it,
      // so it is sent again on a new one (as Node's documentation of `reusedSocket` advises).
      if (req.reusedSocket && err.code === 'ECONNRESET') rawRequest(baseUrl, options).then(resolve, reject);
      else reject(err);
    });
    if (options.chunks) {
      for (const c of options.chunks) if (!req.write(c)) break;
      req.end();
    } else req.end(options.body);
  });
}
