// Local bearer tokens: a JWT (HS256) signed with the local secret, standing in for App Service
// Authentication when the app runs on the local host. `npm run token` makes them.
//
// jose 5, not 6: jose 6 is ESM-only, and this CommonJS app would load it through require(esm), on by
// default in every Node we accept (20.19+, 22.12+, 24) but marked experimental on 20 and 22
// (docs/decisions/0013-node-versions.md). jose 5 ships a CommonJS build with the same API.
import { jwtVerify, SignJWT } from 'jose';
import { z } from 'zod';
import type { SignedIn } from './app/authorization';

export const LOCAL_TOKEN_ISSUER = 'rentbook-local';

/** How long a local token is good for unless its maker says otherwise: a working day and then some. */
export const DEFAULT_LOCAL_TOKEN_TTL_SECONDS = 86_400;

// Every token carries its expiry (`exp`, which jose checks against real time, not the host's dev
// clock, so moving that clock signs nobody out); one without is refused.
const expiring = { iss: z.literal(LOCAL_TOKEN_ISSUER), exp: z.number().int() };
const claims = z.discriminatedUnion('role', [
  z.object({ ...expiring, role: z.literal('librarian'), sub: z.string().min(1) }),
  z.object({ ...expiring, role: z.literal('member'), sub: z.string().min(1), memberId: z.string().min(1) }),
]);

/**
 * A token for a member (acting as itself) or a librarian (`name` tells librarians apart), good for
 * `ttlSeconds` from now.
 */
export function signLocalToken(
  secret: string,
  who: { member: string } | { librarian: string },
  ttlSeconds: number = DEFAULT_LOCAL_TOKEN_TTL_SECONDS,
): Promise<string> {
  if (!Number.isInteger(ttlSeconds) || ttlSeconds < 1)
    throw new RangeError(`A token's lifetime is a whole number of seconds, at least 1 (got ${ttlSeconds}).`);
  const body =
    'member' in who
      ? { iss: LOCAL_TOKEN_ISSUER, role: 'member', sub: who.member, memberId: who.member }
      : { iss: LOCAL_TOKEN_ISSUER, role: 'librarian', sub: who.librarian };
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT(body)
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuedAt(now)
    .setExpirationTime(now + ttlSeconds)
    .sign(key(secret));
}

// Verified tokens, so a client sending the same token on every request is checked once (HMAC and
// claims cost more than the rest of a small request). Bounded; a token's `exp` still holds.
const VERIFIED_LIMIT = 10_000;
const verified = new Map<string, { caller: SignedIn; expiresAtMs: number }>();

/** The caller a token names, or undefined when it is malformed or not signed with `secret`. */
export async function verifyLocalToken(secret: string, token: string): Promise<SignedIn | undefined> {
  const cacheKey = `${secret}\n${token}`;
  const known = verified.get(cacheKey);
  if (known && known.expiresAtMs > Date.now()) return known.caller;
  let payload: unknown;
  try {
    // Only HS256: never let the token choose how it is checked.
    ({ payload } = await jwtVerify(token, key(secret), { algorithms: ['HS256'] }));
  } catch {
    return undefined;
  }
  const parsed = claims.safeParse(payload);
  if (!parsed.success) return undefined;
  const c = parsed.data;
  const caller: SignedIn =
    c.role === 'member'
      ? { role: 'member', subject: `member:${c.sub}`, memberId: c.memberId }
      : { role: 'librarian', subject: `librarian:${c.sub}` };
  Object.freeze(caller);
  if (verified.size >= VERIFIED_LIMIT) verified.clear();
  verified.set(cacheKey, { caller, expiresAtMs: c.exp * 1000 });
  return caller;
}

function key(secret: string): Uint8Array {
  return new TextEncoder().encode(secret);
}
