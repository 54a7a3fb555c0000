// Local bearer tokens: a JWT (HS256) signed with the local secret, standing in for App Service
// Authentication when the app runs on the local host. `npm run token` makes them.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import type { SignedIn } from './app/authorization';

export const LOCAL_TOKEN_ISSUER = 'rentbook-local';

const claims = z.discriminatedUnion('role', [
  z.object({ iss: z.literal(LOCAL_TOKEN_ISSUER), role: z.literal('librarian'), sub: z.string().min(1) }),
  z.object({
    iss: z.literal(LOCAL_TOKEN_ISSUER),
    role: z.literal('member'),
    sub: z.string().min(1),
    memberId: z.string().min(1),
  }),
]);

export type LocalTokenClaims = z.infer<typeof claims>;

/** A token for a member (acting as itself) or a librarian (`name` tells librarians apart). */
export function signLocalToken(secret: string, who: { member: string } | { librarian: string }): string {
  const body: LocalTokenClaims =
    'member' in who
      ? { iss: LOCAL_TOKEN_ISSUER, role: 'member', sub: who.member, memberId: who.member }
      : { iss: LOCAL_TOKEN_ISSUER, role: 'librarian', sub: who.librarian };
  const head = encode({ alg: 'HS256', typ: 'JWT' });
  const payload = encode(body);
  return `${head}.${payload}.${sign(secret, `${head}.${payload}`)}`;
}

/** The caller a token names, or undefined when it is malformed or not signed with `secret`. */
export function verifyLocalToken(secret: string, token: string): SignedIn | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  const [head, payload, signature] = parts;
  const expected = Buffer.from(sign(secret, `${head}.${payload}`));
  const given = Buffer.from(signature);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
  let header: unknown;
  let body: unknown;
  try {
    header = decode(head);
    body = decode(payload);
  } catch {
    return undefined;
  }
  // Only HS256: never let the token choose how it is checked.
  if ((header as { alg?: unknown } | null)?.alg !== 'HS256') return undefined;
  const parsed = claims.safeParse(body);
  if (!parsed.success) return undefined;
  const c = parsed.data;
  return c.role === 'member'
    ? { role: 'member', subject: `member:${c.sub}`, memberId: c.memberId }
    : { role: 'librarian', subject: `librarian:${c.sub}` };
}

function sign(secret: string, data: string): string {
  return createHmac('sha256', secret).update(data).digest('base64url');
}

function encode(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

function decode(part: string): unknown {
  return JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
}
