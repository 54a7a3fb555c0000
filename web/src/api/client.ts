// The typed API client: paths, parameters, bodies and answers come from the types generated from
// the API's own OpenAPI document (openapi.d.ts), so the page and the API cannot drift apart.
// Every answer that is not a success becomes a `Problem` the page shows as a person would want it.
import createClient, { type Middleware } from 'openapi-fetch';
import type { components, paths } from './openapi';
import { currentToken } from '../auth';

export type Schemas = components['schemas'];
export type Book = Schemas['Book'];
export type Rental = Schemas['Rental'];
export type Mypage = Schemas['Mypage'];

/** An RFC 9457 problem the API answered (or one made up for an answer that carried none). */
export class Problem extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail: string,
    readonly type = 'about:blank',
  ) {
    super(detail);
  }

  /** The last part of a problem type of this API (`urn:rentbook:problem:<code>`). */
  get code(): string {
    return this.type.split(':').pop() ?? '';
  }
}

const signIn: Middleware = {
  async onRequest({ request }) {
    const token = await currentToken();
    if (token && !request.headers.has('Authorization'))
      request.headers.set('Authorization', `Bearer ${token}`);
    return request;
  },
};

export const api = createClient<paths>({ baseUrl: '/api' });
api.use(signIn);

/**
 * The answer's data, or a thrown `Problem`: the problem the API gave, else one saying what happened
 * in words (a host's bare error, a network failure).
 */
export async function data<T>(
  call: Promise<{ data?: T; error?: unknown; response: Response }>,
): Promise<{ value: T; response: Response }> {
  let answer: Awaited<typeof call>;
  try {
    answer = await call;
  } catch {
    throw new Problem(
      0,
      'No answer',
      'The library could not be reached. Check your connection and try again.',
    );
  }
  const { data: value, error, response } = answer;
  if (response.ok) return { value: value as T, response };
  throw toProblem(response.status, error);
}

export function toProblem(status: number, body: unknown): Problem {
  const p = (body ?? {}) as Partial<Schemas['Problem']>;
  if (typeof p.title === 'string' && typeof p.detail === 'string')
    return new Problem(status, p.title, p.detail, typeof p.type === 'string' ? p.type : undefined);
  return new Problem(
    status,
    'Something went wrong',
    `The library answered with an error (${status}). Try again.`,
  );
}

/** A fresh key for a request that must not happen twice (a rent, a deposit, a payment). */
export function idempotencyKey(): string {
  return crypto.randomUUID();
}
