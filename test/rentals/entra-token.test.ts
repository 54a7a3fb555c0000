// Microsoft Entra ID bearer tokens verified by the app (AUTH_MODE=entra), against a stand-in issuer on
// 127.0.0.1 whose keys the test makes: the right token names its member or librarian; a token of
// another issuer, audience, key or algorithm, an expired one or one without a role names no one;
// the keys are read once, and again once for a key id not yet seen (rotation).
import { SignJWT, UnsecuredJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLOCK_SKEW_SECONDS, entraTokenVerifier, SignInUnavailable } from '../../shared/entra-token';
import { CLIENT_ID, startEntraIssuer, TENANT_ID, type EntraIssuer } from '../helpers/entra-issuer';

let tenant: EntraIssuer;
beforeAll(async () => {
  tenant = await startEntraIssuer();
});
afterAll(async () => {
  await tenant?.close();
});

const verifier = (options: Parameters<typeof entraTokenVerifier>[1] = {}) =>
  entraTokenVerifier({ issuer: tenant.issuer, clientId: CLIENT_ID, memberIdClaim: 'member_id' }, options);
const keyReads = () => tenant.requests.filter((r) => r.endsWith('/discovery/v2.0/keys')).length;
const member = { oid: 'oid-member-1', sub: 'sub-1', roles: ['member'], member_id: 'm-42' };
const librarian = { oid: 'oid-librarian-1', sub: 'sub-2', roles: ['librarian'] };

describe('a token from the tenant for this app', () => {
  it('names the member by the member id claim, or the librarian by their object id', async () => {
    const verify = verifier();
    expect(await verify(await tenant.token(member))).toEqual({
      role: 'member',
      subject: 'member:m-42',
      memberId: 'm-42',
    });
    expect(await verify(await tenant.token(librarian))).toEqual({
      role: 'librarian',
      subject: 'librarian:oid-librarian-1',
    });
  });

  it('is for api://<client id> (v1.0 tokens) or the client id itself (v2.0 tokens)', async () => {
    const verify = verifier();
    expect(await verify(await tenant.token({ ...member, aud: `api://${CLIENT_ID}` }))).toMatchObject({
      memberId: 'm-42',
    });
    expect(await verify(await tenant.token({ ...member, aud: CLIENT_ID }))).toMatchObject({
      memberId: 'm-42',
    });
  });

  it(`may be up to ${CLOCK_SKEW_SECONDS} s past its expiry (clocks differ), not more`, async () => {
    const verify = verifier();
    expect(
      await verify(await tenant.token(member, { expiresInSeconds: -(CLOCK_SKEW_SECONDS / 2) })),
    ).toBeDefined();
    expect(
      await verify(await tenant.token(member, { expiresInSeconds: -(CLOCK_SKEW_SECONDS + 60) })),
    ).toBeUndefined();
  });
});

describe('a token that is not one names no one', () => {
  it('of another issuer (another tenant), even signed with the tenant’s key', async () => {
    const other = `${tenant.issuer.replace(TENANT_ID, '00000000-0000-0000-0000-000000000001')}`;
    expect(await verifier()(await tenant.token({ ...member, iss: other }))).toBeUndefined();
  });

  it('for another audience (another app of the tenant)', async () => {
    expect(await verifier()(await tenant.token({ ...member, aud: 'api://another-app' }))).toBeUndefined();
  });

  it('signed with a key the tenant never published, even under a published key id', async () => {
    const impostor = await tenant.stranger(tenant.current.kid);
    expect(await verifier()(await tenant.token(librarian, { key: impostor }))).toBeUndefined();
  });

  it('of another algorithm: unsigned, HMAC with a guessed secret, RS384 with the tenant’s key', async () => {
    const verify = verifier();
    const now = Math.floor(Date.now() / 1000);
    const claims = { ...librarian, iss: tenant.issuer, aud: CLIENT_ID, exp: now + 600 };
    expect(await verify(new UnsecuredJWT(claims).encode())).toBeUndefined();
    const hmac = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256', kid: tenant.current.kid })
      .sign(new TextEncoder().encode('a-secret-anyone-could-guess'));
    expect(await verify(hmac)).toBeUndefined();
    // The tenant's own key, but RS384: only RS256 is accepted.
    const rs384 = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS384', kid: tenant.current.kid })
      .sign(tenant.current.privateKey);
    expect(await verify(rs384)).toBeUndefined();
  });

  it('without a role, or a member without the member id claim, or not a token at all', async () => {
    const verify = verifier();
    expect(await verify(await tenant.token({ oid: 'x', sub: 'x', roles: [] }))).toBeUndefined();
    expect(await verify(await tenant.token({ oid: 'x', sub: 'x', roles: ['member'] }))).toBeUndefined();
    expect(await verify(await tenant.token({ oid: 'x', sub: 'x', roles: ['reader'] }))).toBeUndefined();
    expect(await verify('not-a-token')).toBeUndefined();
  });

  it('of another issuer or audience is refused without reading any key', async () => {
    const verify = verifier();
    const before = tenant.requests.length;
    expect(await verify(await tenant.token({ ...member, aud: 'api://another-app' }))).toBeUndefined();
    expect(
      await verify(await tenant.token({ ...member, iss: 'https://sts.windows.net/x/' })),
    ).toBeUndefined();
    expect(tenant.requests.length).toBe(before);
  });
});

describe('the tenant’s keys', () => {
  it('are read once, and once more for a key id not in the cached set (rotation)', async () => {
    const verify = verifier({ cooldownMs: 0 });
    const first = keyReads();
    expect(await verify(await tenant.token(member))).toBeDefined();
    expect(await verify(await tenant.token(librarian))).toBeDefined();
    expect(keyReads() - first).toBe(1);

    await tenant.rotate();
    expect(await verify(await tenant.token(member))).toBeDefined();
    expect(keyReads() - first).toBe(2);
    expect(await verify(await tenant.token(librarian))).toBeDefined();
    expect(keyReads() - first).toBe(2);

    // A key id the tenant does not publish: one more read, then no one.
    const unknown = await tenant.stranger('never-published');
    expect(await verify(await tenant.token(member, { key: unknown }))).toBeUndefined();
    expect(keyReads() - first).toBe(3);
  });

  it('are not read again for unknown key ids during the cool-down after a read', async () => {
    const verify = verifier({ cooldownMs: 60_000 });
    expect(await verify(await tenant.token(member))).toBeDefined();
    const after = keyReads();
    const unknown = await tenant.stranger();
    for (let i = 0; i < 3; i++)
      expect(await verify(await tenant.token(member, { key: unknown }))).toBeUndefined();
    expect(keyReads()).toBe(after);
  });

  it('out of reach: sign-in is unavailable (not "no one"), and works again once they are back', async () => {
    const verify = verifier();
    tenant.down = true;
    try {
      await expect(verify(await tenant.token(member))).rejects.toBeInstanceOf(SignInUnavailable);
    } finally {
      tenant.down = false;
    }
    expect(await verify(await tenant.token(member))).toMatchObject({ memberId: 'm-42' });
  });

  it('from metadata that names another issuer are not trusted', async () => {
    const verify = verifier();
    tenant.metadataIssuer = 'https://login.microsoftonline.com/00000000-0000-0000-0000-000000000001/v2.0';
    try {
      await expect(verify(await tenant.token(member))).rejects.toBeInstanceOf(SignInUnavailable);
    } finally {
      tenant.metadataIssuer = undefined;
    }
  });
});
