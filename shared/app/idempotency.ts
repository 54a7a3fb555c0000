// An Idempotency-Key stands for one request (as Stripe and the IETF Idempotency-Key draft have it):
// the first request with a key binds it, by a fingerprint of what was asked (route, caller,
// canonical body), and the same key with another request is refused rather than answered with the
// first request's outcome. Repeating the same request still gets the first answer: the use cases
// derive what they create from (caller, key).
import { createHash } from 'node:crypto';
import type { Caller } from './authorization';
import { idFromKey } from './ids';
import { fail, ok, type Outcome } from './outcome';
import { isDocumentError, type AppDeps } from './ports';
import type { IdempotencyKeyDoc } from './records';
import { nowIso } from './time';

/** What a keyed request asks: the route (`POST /rentals`) and its validated body. */
export interface KeyedRequest {
  route: string;
  body: unknown;
}

/** sha256 over the route, the caller and the body as canonical JSON (keys sorted, no spacing). */
export function requestFingerprint(caller: Caller, request: KeyedRequest): string {
  return createHash('sha256')
    .update(canonicalJson([request.route, caller.subject, request.body]))
    .digest('hex');
}

/**
 * Binds `key` to this request on first use (one conditional create, so of two different requests
 * racing with one key exactly one binds it); answers ok when the key is new or bound to this very
 * request, and a problem when it is bound to another.
 */
export async function bindIdempotencyKey(
  deps: AppDeps,
  caller: Caller,
  key: string,
  request: KeyedRequest,
): Promise<Outcome<void>> {
  const { members } = deps.containers;
  const record: IdempotencyKeyDoc = {
    id: idFromKey('idempotency-key', caller.subject, key),
    type: 'idempotency-key',
    memberId: caller.subject,
    fingerprint: requestFingerprint(caller, request),
    route: request.route,
    at: nowIso(deps.clock),
  };
  try {
    await members.create<IdempotencyKeyDoc>(record);
    return ok(undefined);
  } catch (err) {
    if (!isDocumentError(err, 409)) throw err;
  }
  const bound = await members.read<IdempotencyKeyDoc>(record.memberId, record.id);
  if (!bound) throw new Error(`Idempotency-Key record ${record.id} is taken but cannot be read`);
  if (bound.fingerprint === record.fingerprint) return ok(undefined);
  return fail(
    'unprocessable',
    'idempotency-key-reused',
    `This Idempotency-Key was first used for another request (${bound.route}); a new request needs a new key.`,
  );
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
