// Requests with full control of the headers (fetch will not send a Host of our choosing, nor drop
// it), for tests of what the host refuses.
import http from 'node:http';

export interface RawReply {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  /** The body parsed as JSON (undefined when empty). */
  json<T = Record<string, unknown>>(): T;
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
  },
): Promise<RawReply> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    let answered = false;
    const req = http.request(
      {
        host: url.hostname,
        port: url.port,
        method: options.method ?? 'GET',
        path: options.path,
        headers: options.headers,
        setHost:
          !options.noHost && !Object.keys(options.headers ?? {}).some((h) => h.toLowerCase() === 'host'),
        agent: false,
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
    req.on('error', (err) => {
      if (!answered) reject(err);
    });
    if (options.chunks) {
      for (const c of options.chunks) if (!req.write(c)) break;
      req.end();
    } else req.end(options.body);
  });
}
