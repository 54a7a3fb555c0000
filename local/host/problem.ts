// The host's own error answers (unknown route, wrong method, body too large, no key, ...): RFC 9457
// problem details, like every answer of the app. The host knows no app vocabulary, so `type` is
// `about:blank` and the status and title carry the meaning.
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { isJsonMediaType, notJsonDetail } from '../../shared/media-type';
import type { InternalRequest, InternalResponse } from './types';

export interface ProblemDetails {
  type: 'about:blank';
  title: string;
  status: number;
  detail: string;
}

export function problemDetails(status: number, detail: string): ProblemDetails {
  return { type: 'about:blank', title: STATUS_CODES[status] ?? 'Error', status, detail };
}

export function hostProblem(
  status: number,
  detail: string,
  headers: Record<string, string> = {},
): InternalResponse & { body: ProblemDetails } {
  return {
    status,
    headers: { 'Content-Type': 'application/problem+json', ...headers },
    body: problemDetails(status, detail),
  };
}

/**
 * 415 for a body that says it is not JSON (a form, as `curl -d` sends by default, or text, as
 * `fetch` does with a string), as the Functions host's admin API answers (ASP.NET Core's
 * `[FromBody]`); a request with no body is taken as one that gives nothing.
 */
export function notJsonBody(req: InternalRequest): (InternalResponse & { body: ProblemDetails }) | undefined {
  const type = req.headers['content-type'];
  if (req.body.length === 0 || isJsonMediaType(typeof type === 'string' ? type : undefined)) return undefined;
  return hostProblem(415, notJsonDetail(typeof type === 'string' ? type : undefined));
}

// Requests Node's parser refuses before there is a request object (headers too large, malformed
// HTTP, a client too slow): answered with problem+json too, then the connection is closed.
export function answerClientError(err: NodeJS.ErrnoException, socket: Duplex): void {
  if (err.code === 'ECONNRESET' || !socket.writable) return void socket.destroy();
  const status =
    err.code === 'HPE_HEADER_OVERFLOW'
      ? 431
      : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? 408
        : err.code === 'HPE_CHUNK_EXTENSIONS_OVERFLOW'
          ? 413
          : 400;
  const detail =
    status === 431
      ? 'The request headers are too large.'
      : status === 408
        ? 'The request took too long.'
        : 'The request is not valid HTTP.';
  const body = JSON.stringify(problemDetails(status, detail));
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/problem+json\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
