// A stand-in for a Microsoft Entra ID tenant's token issuer on 127.0.0.1: its OpenID metadata
// (`/<tenant>/v2.0/.well-known/openid-configuration`) and signing keys (`jwks_uri`), with RSA keys
// the test makes, and access tokens shaped as Entra issues them for an API (v2.0: `iss`
// `<authority>/<tenant>/v2.0`, `aud` the client id, `roles`, `oid`, `sub`, `tid`). Keys rotate on
// demand, as the tenant's do.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type JWK, type JWTPayload, type KeyLike } from 'jose';

export const TENANT_ID = '72f988bf-86f1-41af-91ab-2d7cd011db47';
export const CLIENT_ID = '6e74172b-be56-4843-9ff4-e66a39bb12e3';

interface SigningKey {
  kid: string;
  privateKey: KeyLike;
  jwk: JWK;
}

export interface EntraIssuer {
  /** `http://127.0.0.1:<port>/<tenant>/v2.0`: what AUTH_ISSUER is set to. */
  issuer: string;
  /** Requests served, by path. */
  requests: string[];
  /** The key that signs new tokens (the newest). */
  readonly current: SigningKey;
  /** A new signing key replaces the published ones (`keep`: the old ones stay published too). */
  rotate(options?: { keep?: boolean }): Promise<SigningKey>;
  /** A key the tenant never published. */
  stranger(kid?: string): Promise<SigningKey>;
  /** An access token for this app, signed with `key` (default: the current one). */
  token(claims: JWTPayload, options?: { key?: SigningKey; expiresInSeconds?: number }): Promise<string>;
  /** The metadata and keys answer 503 while this is set. */
  down: boolean;
  /** When set, the metadata names this issuer instead of its own (a misdirected or forged document). */
  metadataIssuer: string | undefined;
  close(): Promise<void>;
}

let keyCount = 0;

async function newKey(kid = `key-${++keyCount}`): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair('RS256');
  return { kid, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, use: 'sig', kty: 'RSA' } };
}

export async function startEntraIssuer(): Promise<EntraIssuer> {
  let published: SigningKey[] = [await newKey()];
  const requests: string[] = [];
  const server = http.createServer((req, res) => {
    requests.push(req.url ?? '');
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (issuer.down) return send(503, { error: 'temporarily_unavailable' });
    if (req.url === `/${TENANT_ID}/v2.0/.well-known/openid-configuration`)
      return send(200, {
        issuer: issuer.metadataIssuer ?? issuer.issuer,
        jwks_uri: `${base}/${TENANT_ID}/discovery/v2.0/keys`,
        id_token_signing_alg_values_supported: ['RS256'],
      });
    if (req.url === `/${TENANT_ID}/discovery/v2.0/keys`)
      return send(200, { keys: published.map((k) => k.jwk) });
    send(404, { error: 'not_found' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const issuer: EntraIssuer = {
    issuer: `${base}/${TENANT_ID}/v2.0`,
    requests,
    down: false,
    metadataIssuer: undefined,
    get current() {
      return published[published.length - 1];
    },
    async rotate(options = {}) {
      const key = await newKey();
      published = options.keep ? [...published, key] : [key];
      return key;
    },
    stranger: (kid) => newKey(kid),
    async token(claims, options = {}) {
      const key = options.key ?? issuer.current;
      const now = Math.floor(Date.now() / 1000);
      return new SignJWT({
        iss: issuer.issuer,
        aud: CLIENT_ID,
        tid: TENANT_ID,
        ver: '2.0',
        iat: now,
        nbf: now,
        exp: now + (options.expiresInSeconds ?? 3600),
        ...claims,
      })
        .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: key.kid })
        .sign(key.privateKey);
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  return issuer;
}
