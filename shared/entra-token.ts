// Microsoft Entra ID bearer tokens, verified by the app itself (AUTH_MODE=entra), so sign-in does not
// depend on a platform feature that a hosting plan may lack (docs/decisions/0010-sign-in-on-any-plan.md).
// The tenant's signing keys come from its OpenID metadata (`<issuer>/.well-known/openid-configuration`
// → `jwks_uri`), fetched on first use and cached; a token signed with a key id not in the cached set
// makes one fresh read of the keys (Entra rotates its keys), at most once per cool-down.
import { createRemoteJWKSet, decodeJwt, errors, jwtVerify, type JWTPayload } from 'jose';
import { z } from 'zod';
import { callerOfRoles, type SignedIn } from './app/authorization';
import { isSecureOrLoopbackUrl } from './config';

export interface EntraTokenSettings {
  /** The tenant's v2.0 issuer (`https://login.microsoftonline.com/<tenant id>/v2.0`). */
  issuer: string;
  /** The app registration's client id. */
  clientId: string;
  /** Claim carrying a member's id. */
  memberIdClaim: string;
}

export interface EntraKeyOptions {
  /** How long the keys are kept before they are read again (ms); default 10 minutes. */
  cacheMaxAgeMs?: number;
  /** After a read of the keys, how long an unknown key id waits before it may cause another (ms); default 30 s. */
  cooldownMs?: number;
  /** How long a read of the metadata or the keys may take (ms); default 5 s. */
  timeoutMs?: number;
}

/** The tenant's keys could not be read (network, metadata): no token can be checked for now. */
export class SignInUnavailable extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SignInUnavailable';
  }
}

/** Tokens may be this far past `exp` (or before `nbf`): clocks differ a little. */
export const CLOCK_SKEW_SECONDS = 60;

// Entra ID signs access tokens with RS256; a token may not choose how it is checked.
const ALGORITHMS = ['RS256'];

const metadata = z.object({ issuer: z.string(), jwks_uri: z.string().refine(isSecureOrLoopbackUrl) });

const claims = z.object({
  oid: z.string().min(1).optional(),
  sub: z.string().min(1),
  roles: z.array(z.string()).default([]),
});

/**
 * A verifier of the tenant's access tokens for this app: the caller a token names, or undefined when
 * the token is not one (wrong issuer, audience, signature or algorithm; expired; no role). Throws
 * SignInUnavailable when the keys cannot be read.
 */
export function entraTokenVerifier(
  settings: EntraTokenSettings,
  options: EntraKeyOptions = {},
): (token: string) => Promise<SignedIn | undefined> {
  const timeoutMs = options.timeoutMs ?? 5000;
  // v2.0 access tokens carry the client id in `aud`; v1.0 ones the App ID URI the caller asked for
  // (https://learn.microsoft.com/entra/identity-platform/access-tokens, "aud").
  const audiences = [`api://${settings.clientId}`, settings.clientId];
  let keys: Promise<ReturnType<typeof createRemoteJWKSet>> | undefined;

  const readKeys = async () => {
    const url = `${settings.issuer}/.well-known/openid-configuration`;
    let body: unknown;
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
      if (!response.ok) throw new Error(`answered ${response.status}`);
      body = await response.json();
    } catch (err) {
      throw new SignInUnavailable(`Reading ${url} failed: ${(err as Error).message}`);
    }
    const parsed = metadata.safeParse(body);
    // OpenID Connect Discovery 1.0, 4.3: the metadata's issuer is exactly the one it was read for.
    if (!parsed.success || parsed.data.issuer !== settings.issuer)
      throw new SignInUnavailable(`${url} is not OpenID metadata of the issuer ${settings.issuer}`);
    return createRemoteJWKSet(new URL(parsed.data.jwks_uri), {
      timeoutDuration: timeoutMs,
      cooldownDuration: options.cooldownMs ?? 30_000,
      cacheMaxAge: options.cacheMaxAgeMs ?? 600_000,
    });
  };

  return async (token) => {
    // A token for another issuer or audience is refused before any key is fetched for it.
    let unverified: JWTPayload;
    try {
      unverified = decodeJwt(token);
    } catch {
      return undefined;
    }
    const aud = [unverified.aud ?? []].flat();
    if (unverified.iss !== settings.issuer || !aud.some((a) => audiences.includes(a))) return undefined;

    keys ??= readKeys().catch((err: unknown) => {
      keys = undefined; // read the metadata again on the next token
      throw err;
    });
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, await keys, {
        issuer: settings.issuer,
        audience: audiences,
        algorithms: ALGORITHMS,
        clockTolerance: CLOCK_SKEW_SECONDS,
        requiredClaims: ['exp'],
      }));
    } catch (err) {
      if (isTokenProblem(err)) return undefined;
      if (err instanceof SignInUnavailable) throw err;
      throw new SignInUnavailable(`Reading the signing keys failed: ${(err as Error).message}`);
    }
    const parsed = claims.safeParse(payload);
    if (!parsed.success) return undefined;
    const memberId = payload[settings.memberIdClaim];
    return callerOfRoles(
      parsed.data.roles,
      parsed.data.oid ?? parsed.data.sub,
      typeof memberId === 'string' ? memberId : undefined,
    );
  };
}

// What the token is to blame for; the rest (a timeout, a key set that would not load) is the reading
// of the keys failing.
function isTokenProblem(err: unknown): boolean {
  return (
    err instanceof errors.JOSEError &&
    !(err instanceof errors.JWKSTimeout) &&
    !(err instanceof errors.JWKSInvalid) &&
    err.code !== errors.JOSEError.code
  );
}
