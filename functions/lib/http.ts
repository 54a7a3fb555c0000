// The one HTTP helper module: JSON and problem+json (RFC 9457) responses, body/query parsing with
// zod, the caller behind a request, and the wrapper that turns thrown problems into responses.
import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { z } from 'zod';
import {
  ANONYMOUS,
  callerOfRoles,
  denial,
  type Action,
  type Caller,
  type SignedIn,
} from '../../shared/app/authorization';
import type { Outcome, Problem, ProblemKind } from '../../shared/app/outcome';
import type { RentAdmission } from '../../shared/app/admission';
import { isBusyDocumentError, isDocumentError } from '../../shared/app/ports';
import type { AuthConfig } from '../../shared/config';
import { entraTokenVerifier, SignInUnavailable } from '../../shared/entra-token';
import { verifyLocalToken } from '../../shared/local-token';
import { isJsonMediaType, notJsonDetail } from '../../shared/media-type';
import { PROBLEM_TITLES } from './problem-titles';
import { appConfig } from './settings';

/** Problem types are stable URNs; `code` is the last part (`urn:rentbook:problem:book-not-found`). */
export const PROBLEM_TYPE_PREFIX = 'urn:rentbook:problem:';

const statusOf: Record<ProblemKind, number> = {
  invalid: 400,
  unauthenticated: 401,
  forbidden: 403,
  'not-found': 404,
  conflict: 409,
  'precondition-failed': 412,
  unprocessable: 422,
};

/** A problem raised while reading the request (bad input, no caller); `handled` answers it. */
export class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly detail: string,
  ) {
    super(detail);
    this.name = 'HttpProblem';
  }
}

export function json(status: number, body: unknown, headers: Record<string, string> = {}): HttpResponseInit {
  return { status, jsonBody: body, headers: { 'Content-Type': 'application/json', ...headers } };
}

export function noContent(): HttpResponseInit {
  return { status: 204 };
}

export function problem(
  status: number,
  code: string,
  detail: string,
  headers: Record<string, string> = {},
): HttpResponseInit {
  // RFC 9110: a 401 names the scheme the client should sign in with.
  const challenge: Record<string, string> = status === 401 ? { 'WWW-Authenticate': 'Bearer' } : {};
  return {
    status,
    jsonBody: { type: PROBLEM_TYPE_PREFIX + code, title: PROBLEM_TITLES[status] ?? 'Error', status, detail },
    headers: { 'Content-Type': 'application/problem+json', ...challenge, ...headers },
  };
}

export function problemResponse(p: Problem): HttpResponseInit {
  return problem(statusOf[p.kind], p.code, p.detail);
}

/** A use case's answer as a response: the value through `onOk`, a problem as problem+json. */
export function respond<T>(outcome: Outcome<T>, onOk: (value: T) => HttpResponseInit): HttpResponseInit {
  return outcome.ok ? onOk(outcome.value) : problemResponse(outcome.problem);
}

/**
 * Wraps a handler: problems thrown while reading the request become their response; anything
 * else is logged and answered 500 with no internals in the body.
 */
export function handled<A extends [...unknown[], InvocationContext]>(
  handler: (...args: A) => Promise<HttpResponseInit>,
): (...args: A) => Promise<HttpResponseInit> {
  return async (...args: A) => {
    try {
      return await handler(...args);
    } catch (err) {
      if (err instanceof HttpProblem) return problem(err.status, err.code, err.detail);
      // The tenant's signing keys could not be read: no sign-in can be checked for the moment.
      if (err instanceof SignInUnavailable) {
        const context = args[args.length - 1] as InvocationContext;
        context.warn(err.message);
        return problem(
          503,
          'sign-in-unavailable',
          'Sign-in cannot be checked right now. Try again in a moment.',
          {
            'Retry-After': '5',
          },
        );
      }
      // The store stayed throttled, unavailable or slow through its client's retries: answer at once
      // and say when to retry.
      if (isBusyDocumentError(err))
        return problem(503, 'busy', 'The service is busy. Try again in a moment.', { 'Retry-After': '1' });
      const context = args[args.length - 1] as InvocationContext;
      context.error('Unhandled error', err);
      return problem(500, 'internal-error', 'Something went wrong on our side. Try again later.');
    }
  };
}

/**
 * Wraps a handler that starts work the app sheds under load (a rent): it runs only when `admission`
 * lets it in, and leaves when it has answered. Refused, the caller gets 503 `overloaded` with
 * `Retry-After` at once, before its sign-in or body is even read: refusing must cost next to nothing,
 * and nothing is recorded (shared/app/admission.ts). A store that stays throttled through its
 * client's retries holds new rents back for as long as it asked.
 */
export function admitted<A extends unknown[]>(
  admission: () => RentAdmission,
  handler: (...args: A) => Promise<HttpResponseInit>,
): (...args: A) => Promise<HttpResponseInit> {
  return async (...args: A) => {
    const entry = admission().enter();
    if (!entry.admitted) {
      const detail =
        entry.reason === 'store-throttling'
          ? 'The library is busy right now; nothing was recorded. Try again in a moment.'
          : 'Too many rents are in progress right now; nothing was recorded. Try again in a moment.';
      return problem(503, 'overloaded', detail, { 'Retry-After': String(entry.retryAfterSeconds) });
    }
    try {
      return await handler(...args);
    } catch (err) {
      if (isDocumentError(err, 429)) admission().throttled(err.retryAfterMs);
      throw err;
    } finally {
      entry.leave();
    }
  };
}

/**
 * The JSON body, validated: 415 when the request says it is something else than JSON (a form, as
 * `curl -d` sends by default, or text), 400 when it is not JSON or not what `schema` wants.
 */
export async function readBody<S extends z.ZodTypeAny>(
  request: HttpRequest,
  schema: S,
): Promise<z.output<S>> {
  const text = await request.text();
  const type = request.headers.get('content-type');
  if (text !== '' && !isJsonMediaType(type))
    throw new HttpProblem(415, 'unsupported-media-type', notJsonDetail(type));
  let body: unknown;
  try {
    body = text === '' ? undefined : JSON.parse(text);
  } catch {
    throw new HttpProblem(400, 'invalid-json', 'The request body is not valid JSON.');
  }
  return validate(schema, body, 'body');
}

/** The query string, validated (each parameter as its string value). */
export function readQuery<S extends z.ZodTypeAny>(request: HttpRequest, schema: S): z.output<S> {
  return validate(schema, Object.fromEntries(request.query.entries()), 'query');
}

const idempotencyKey = z
  .string()
  .min(1)
  .max(255)
  .regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces');

/** The `Idempotency-Key` header, if given. */
export function readIdempotencyKey(request: HttpRequest): string | undefined {
  const key = request.headers.get('idempotency-key');
  if (key === null) return undefined;
  const parsed = idempotencyKey.safeParse(key);
  if (!parsed.success) {
    throw new HttpProblem(
      400,
      'invalid-idempotency-key',
      `Idempotency-Key ${parsed.error.issues[0].message}.`,
    );
  }
  return parsed.data;
}

/**
 * Who is calling the route that takes `action`: the signed-in caller, or anonymous. Before anything
 * else of the request is read, the policy is asked what it can tell without the request's content:
 * sign-in (401), librarians only (403), and whether a member acts for itself where the route's path
 * names the member (`{memberId}`, 403). So a caller who may not take the action learns nothing of
 * the body's or the query's rules. The use case asks again with whatever target it looks up.
 */
export async function identify(request: HttpRequest, action: Action): Promise<Caller> {
  const caller = (await resolveCaller(request)) ?? ANONYMOUS;
  const memberId = request.params.memberId;
  const denied = denial(caller, action, memberId === undefined ? undefined : { memberId });
  if (denied && !denied.ok) {
    const { kind, code, detail } = denied.problem;
    throw new HttpProblem(statusOf[kind], code, detail);
  }
  return caller;
}

/** Who sent a request: the signed-in caller, or undefined when it carries no valid sign-in. */
export type CallerResolver = (request: HttpRequest) => Promise<SignedIn | undefined>;

/**
 * The one way callers are resolved, for the sign-in mode the settings chose (`AUTH_MODE`):
 * - `entra`: a Microsoft Entra ID bearer token, verified here (shared/entra-token.ts);
 * - `easyauth`: App Service Authentication's `x-ms-client-principal` (the platform validated the
 *   token and strips that header from outside requests; the settings allow this mode only while
 *   the platform says its auth is on);
 * - `local`: a bearer token signed with the local secret.
 */
export function callerResolver(auth: AuthConfig): CallerResolver {
  switch (auth.mode) {
    case 'entra': {
      const verify = entraTokenVerifier(auth);
      return async (request) => {
        const token = bearerToken(request);
        return token === undefined ? undefined : verify(token);
      };
    }
    case 'easyauth':
      return async (request) => principalCaller(request, auth.memberIdClaim);
    case 'local': {
      const secret = auth.localSecret;
      return async (request) => {
        const token = bearerToken(request);
        return token === undefined || secret === undefined ? undefined : verifyLocalToken(secret, token);
      };
    }
  }
}

const resolveCaller = callerResolver(appConfig().auth);

function bearerToken(request: HttpRequest): string | undefined {
  return request.headers.get('authorization')?.match(/^Bearer\s+(\S+)$/i)?.[1];
}

const principal = z.object({
  claims: z.array(z.object({ typ: z.string(), val: z.string() })),
  role_typ: z.string().optional(),
});

// Roles are app roles (`librarian`, `member`) in the principal's role claims; a member's id is in
// the configured claim.
function principalCaller(request: HttpRequest, memberIdClaim: string): SignedIn | undefined {
  const encoded = request.headers.get('x-ms-client-principal');
  if (!encoded) return undefined;
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(encoded, 'base64').toString('utf8'));
  } catch {
    return undefined;
  }
  const parsed = principal.safeParse(decoded);
  if (!parsed.success) return undefined;
  const { claims, role_typ } = parsed.data;
  const roleTypes = new Set([
    role_typ,
    'roles',
    'http://schemas.microsoft.com/ws/2008/06/identity/claims/role',
  ]);
  const roles = claims.filter((c) => roleTypes.has(c.typ)).map((c) => c.val);
  const subject =
    request.headers.get('x-ms-client-principal-id') ?? request.headers.get('x-ms-client-principal-name');
  if (!subject) return undefined;
  return callerOfRoles(roles, subject, claims.find((c) => c.typ === memberIdClaim)?.val);
}

function validate<S extends z.ZodTypeAny>(schema: S, value: unknown, where: string): z.output<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const detail = parsed.error.issues
    .map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message))
    .join('; ');
  throw new HttpProblem(400, 'invalid-request', `The request ${where} is not valid: ${detail}.`);
}
