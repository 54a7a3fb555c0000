// The host's own error answers (unknown route, wrong method, body too large, no key, ...): RFC 9457
// problem details, like every answer of the app. The host knows no app vocabulary, so `type` is
// `about:blank` and the status and title carry the meaning.
import { STATUS_CODES } from 'node:http';
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
