// The host's own error answers (unknown route, wrong method, body too large, no key, ...): RFC 9457
// problem details, like every answer of the app. The host knows no app vocabulary, so `type` is
// `about:blank` and the status and title carry the meaning.
import { STATUS_CODES } from 'node:http';
import type { InternalResponse } from './types';

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
