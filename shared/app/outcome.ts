// What a use case answers: a value, or a problem the caller can act on. Problems are values, not
// exceptions; the HTTP layer maps `kind` to a status and `code` to a stable problem type.

export type ProblemKind =
  | 'invalid'
  | 'unauthenticated'
  | 'forbidden'
  | 'not-found'
  | 'conflict'
  | 'precondition-failed'
  // Well-formed, but it cannot be done as asked (an Idempotency-Key reused for another request).
  | 'unprocessable';

export interface Problem {
  kind: ProblemKind;
  /** Stable, kebab-case: `book-not-found`, `copies-on-loan`, ... */
  code: string;
  /** For people. */
  detail: string;
}

export type Outcome<T> = { ok: true; value: T } | { ok: false; problem: Problem };

export function ok<T>(value: T): Outcome<T> {
  return { ok: true, value };
}

export function fail<T = never>(kind: ProblemKind, code: string, detail: string): Outcome<T> {
  return { ok: false, problem: { kind, code, detail } };
}
