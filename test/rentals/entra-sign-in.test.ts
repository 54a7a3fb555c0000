// The app in Entra mode (AUTH_MODE=entra) on the local host: a token from the tenant's keys (a
// stand-in issuer on 127.0.0.1) reaches the routes as that librarian or member; a wrong one, or a
// local token, is 401 before anything is read or written.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalHost } from '../../local/host/host';
import type { Member } from '../../shared/domain/member';
import { CLIENT_ID, startEntraIssuer, type EntraIssuer } from '../helpers/entra-issuer';
import { call, librarian as localLibrarianToken, startHost } from './support-host';

let tenant: EntraIssuer;
let host: LocalHost;

beforeAll(async () => {
  tenant = await startEntraIssuer();
  // The app reads its settings once, when it loads.
  process.env.AUTH_MODE = 'entra';
  process.env.AUTH_CLIENT_ID = CLIENT_ID;
  process.env.AUTH_ISSUER = tenant.issuer;
  process.env.AUTH_MEMBER_ID_CLAIM = 'member_id';
  host = await startHost();
});
afterAll(async () => {
  await host?.stop();
  await tenant?.close();
});

const api = <T = Record<string, unknown>>(method: string, route: string, token?: string, body?: unknown) =>
  call<T>(host.url, method, route, { ...(token ? { token } : {}), ...(body !== undefined ? { body } : {}) });
const librarian = () => tenant.token({ oid: 'oid-desk-1', sub: 'sub-desk-1', roles: ['librarian'] });
const member = (memberId: string, claims: Record<string, unknown> = {}, expiresInSeconds?: number) =>
  tenant.token(
    { oid: `oid-${memberId}`, sub: `sub-${memberId}`, roles: ['member'], member_id: memberId, ...claims },
    expiresInSeconds === undefined ? {} : { expiresInSeconds },
  );

describe('Entra ID sign-in', () => {
  it('a librarian’s token registers a member; the member’s token reaches its own data only', async () => {
    const created = await api<Member>('POST', '/api/members', await librarian(), { name: 'Lee Jiwoo' });
    expect(created.status).toBe(201);
    const other = await api<Member>('POST', '/api/members', await librarian(), { name: 'Park Seo' });
    const id = created.body.id;

    const own = await api<Member>('GET', `/api/members/${id}`, await member(id));
    expect(own.status).toBe(200);
    expect(own.body).toMatchObject({ id, name: 'Lee Jiwoo' });
    const deposit = await api('POST', `/api/members/${id}/points`, await member(id), { amount: 700 });
    expect(deposit.status).toBe(200);
    expect((await api('GET', `/api/members/${other.body.id}`, await member(id))).status).toBe(403);
  });

  it('every wrong token is 401, and a write it carried changes nothing', async () => {
    const created = await api<Member>('POST', '/api/members', await librarian(), { name: 'Choi Ara' });
    const id = created.body.id;
    const impostor = await tenant.stranger(tenant.current.kid);
    const wrong: Record<string, string> = {
      'another issuer': await member(id, { iss: 'https://login.microsoftonline.com/another-tenant/v2.0' }),
      'another audience': await member(id, { aud: 'api://another-app' }),
      'another key': await tenant.token(
        { oid: 'x', sub: 'x', roles: ['member'], member_id: id },
        { key: impostor },
      ),
      expired: await member(id, {}, -3600),
      'no role': await member(id, { roles: [] }),
      'a local token': await localLibrarianToken,
    };
    for (const [what, token] of Object.entries(wrong)) {
      const read = await api('GET', `/api/members/${id}`, token);
      expect({ what, status: read.status }).toEqual({ what, status: 401 });
      const write = await api('POST', `/api/members/${id}/points`, token, { amount: 100 });
      expect({ what, status: write.status }).toEqual({ what, status: 401 });
    }
    const after = await api<Member>('GET', `/api/members/${id}`, await librarian());
    expect(after.body.points).toBe(0);
  });

  it('the catalog needs no sign-in', async () => {
    expect((await api('GET', '/api/books?limit=1')).status).toBe(200);
  });
});
