// Who is calling, in each sign-in mode: App Service Authentication's principal (easyauth), or a local
// bearer token signed with the local secret (local); Entra ID tokens: ./entra-token.test.ts. One
// mode serves every request: what another mode would accept names no one.
import { HttpRequest } from '@azure/functions';
import { SignJWT, decodeJwt } from 'jose';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { callerResolver } from '../../functions/lib/http';
import type { AuthConfig } from '../../shared/config';
import {
  DEFAULT_LOCAL_TOKEN_TTL_SECONDS,
  LOCAL_TOKEN_ISSUER,
  signLocalToken,
  verifyLocalToken,
} from '../../shared/local-token';

const SECRET = 'a-local-secret-of-some-length';
const appService: AuthConfig = { mode: 'easyauth', memberIdClaim: 'member_id' };
const local: AuthConfig = { mode: 'local', localSecret: SECRET };
const resolveCaller = (request: HttpRequest, auth: AuthConfig) => callerResolver(auth)(request);

function request(headers: Record<string, string>): HttpRequest {
  return new HttpRequest({ method: 'GET', url: 'http://127.0.0.1/api/members/m1', headers });
}

function principal(claims: { typ: string; val: string }[], roleTyp = 'roles'): string {
  return Buffer.from(
    JSON.stringify({ auth_typ: 'aad', claims, name_typ: 'name', role_typ: roleTyp }),
  ).toString('base64');
}

describe('App Service Authentication', () => {
  it('a principal with the librarian app role is a librarian', async () => {
    const req = request({
      'x-ms-client-principal': principal([{ typ: 'roles', val: 'librarian' }]),
      'x-ms-client-principal-id': 'oid-1',
    });
    expect(await resolveCaller(req, appService)).toEqual({ role: 'librarian', subject: 'librarian:oid-1' });
  });

  it('a member is known by the configured claim; without it there is no caller', async () => {
    const claims = [
      { typ: 'http://schemas.microsoft.com/ws/2008/06/identity/claims/role', val: 'member' },
      { typ: 'member_id', val: 'm1' },
    ];
    const req = request({
      'x-ms-client-principal': principal(claims, 'unused'),
      'x-ms-client-principal-id': 'oid-2',
    });
    expect(await resolveCaller(req, appService)).toEqual({
      role: 'member',
      subject: 'member:m1',
      memberId: 'm1',
    });
    const noId = request({
      'x-ms-client-principal': principal([{ typ: 'roles', val: 'member' }]),
      'x-ms-client-principal-id': 'oid-2',
    });
    expect(await resolveCaller(noId, appService)).toBeUndefined();
  });

  it('a principal without a role, or a header that is not base64 JSON, is no caller', async () => {
    const id = { 'x-ms-client-principal-id': 'oid-3' };
    expect(
      await resolveCaller(
        request({ ...id, 'x-ms-client-principal': principal([{ typ: 'name', val: 'x' }]) }),
        appService,
      ),
    ).toBeUndefined();
    expect(
      await resolveCaller(request({ ...id, 'x-ms-client-principal': '%%%' }), appService),
    ).toBeUndefined();
  });

  it('is not trusted when the platform auth is off: anyone could send the header', async () => {
    const req = request({
      'x-ms-client-principal': principal([{ typ: 'roles', val: 'librarian' }]),
      'x-ms-client-principal-id': 'oid-1',
    });
    expect(await resolveCaller(req, local)).toBeUndefined();
  });

  it('ignores local bearer tokens (easyauth mode): the local secret is for the local host only', async () => {
    const token = await signLocalToken(SECRET, { librarian: 'x' });
    expect(await resolveCaller(request({ authorization: `Bearer ${token}` }), appService)).toBeUndefined();
  });
});

describe('local bearer tokens', () => {
  it('a token names a member or a librarian', async () => {
    const member = await signLocalToken(SECRET, { member: 'm7' });
    expect(await resolveCaller(request({ authorization: `Bearer ${member}` }), local)).toEqual({
      role: 'member',
      subject: 'member:m7',
      memberId: 'm7',
    });
    const librarian = await signLocalToken(SECRET, { librarian: 'desk-2' });
    expect(await verifyLocalToken(SECRET, librarian)).toEqual({
      role: 'librarian',
      subject: 'librarian:desk-2',
    });
  });

  it('refuses a token signed with another secret, tampered with, or of another algorithm', async () => {
    expect(
      await verifyLocalToken(SECRET, await signLocalToken('another-secret-entirely', { member: 'm7' })),
    ).toBeUndefined();
    const [head, , sig] = (await signLocalToken(SECRET, { member: 'm7' })).split('.');
    const promoted = Buffer.from(
      JSON.stringify({ iss: 'rentbook-local', role: 'librarian', sub: 'm7' }),
    ).toString('base64url');
    expect(await verifyLocalToken(SECRET, `${head}.${promoted}.${sig}`)).toBeUndefined();
    const none = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
    const body = Buffer.from(JSON.stringify({ iss: 'rentbook-local', role: 'librarian', sub: 'x' })).toString(
      'base64url',
    );
    expect(await verifyLocalToken(SECRET, `${none}.${body}.`)).toBeUndefined();
    expect(await verifyLocalToken(SECRET, 'not-a-token')).toBeUndefined();
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  it('a token is good for a day unless its maker says otherwise, then refused (a verified one too)', async () => {
    const daily = decodeJwt(await signLocalToken(SECRET, { member: 'm7' }));
    expect(daily.exp! - daily.iat!).toBe(DEFAULT_LOCAL_TOKEN_TTL_SECONDS);
    expect(DEFAULT_LOCAL_TOKEN_TTL_SECONDS).toBe(86_400);
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.parse('2031-05-01T09:00:00Z'));
    const short = await signLocalToken(SECRET, { librarian: 'short-lived' }, 60);
    expect(await verifyLocalToken(SECRET, short)).toEqual({
      role: 'librarian',
      subject: 'librarian:short-lived',
    });
    vi.setSystemTime(Date.parse('2031-05-01T09:00:59Z'));
    expect(await verifyLocalToken(SECRET, short)).toBeDefined();
    vi.setSystemTime(Date.parse('2031-05-01T09:01:01Z'));
    expect(await verifyLocalToken(SECRET, short)).toBeUndefined();
    expect(await resolveCaller(request({ authorization: `Bearer ${short}` }), local)).toBeUndefined();
    expect(() => signLocalToken(SECRET, { member: 'm7' }, 0)).toThrow(/at least 1/);
  });

  it('refuses a token with no expiry, however well signed', async () => {
    const forever = await new SignJWT({ iss: LOCAL_TOKEN_ISSUER, role: 'librarian', sub: 'old' })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .sign(new TextEncoder().encode(SECRET));
    expect(await verifyLocalToken(SECRET, forever)).toBeUndefined();
  });

  it('without a local secret, no token is accepted', async () => {
    const token = await signLocalToken(SECRET, { member: 'm7' });
    expect(
      await resolveCaller(request({ authorization: `Bearer ${token}` }), {
        mode: 'local',
        localSecret: undefined,
      }),
    ).toBeUndefined();
  });
});
