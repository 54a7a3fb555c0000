// Listing members: librarians find whom to act for by name, page by page; members and strangers may not.
import { describe, expect, it } from 'vitest';
import type { MemberPage } from '../../shared/app/members';
import { libraryHost, librarian, memberToken } from './support-host';

const ctx = libraryHost();

describe('listing members', () => {
  it('a librarian lists members by name and searches the name, case-insensitive, page by page', async () => {
    const tag = `Qx${Date.now()}`;
    const gamma = await ctx.lib.addMember(300, `${tag} Gamma`);
    const alpha = await ctx.lib.addMember(0, `${tag} Alpha`);
    const beta = await ctx.lib.addMember(0, `${tag} beta`);
    await ctx.lib.addMember(0, 'Someone Else');

    const list = (query: string) =>
      ctx.lib.api<MemberPage>('GET', `/api/members?${query}`, { token: librarian });
    const found = await list(`q=${tag.toLowerCase()}`);
    expect(found.status).toBe(200);
    // Sorted by name as stored: upper-case letters before lower-case ones.
    expect(found.body).toEqual({
      items: [
        { id: alpha, name: `${tag} Alpha`, phone: null, points: 0, feesOwed: 0 },
        { id: gamma, name: `${tag} Gamma`, phone: null, points: 300, feesOwed: 0 },
        { id: beta, name: `${tag} beta`, phone: null, points: 0, feesOwed: 0 },
      ],
      continuation: null,
    });
    expect((await list(`q=${encodeURIComponent(`${tag} GAM`)}`)).body.items.map((m) => m.id)).toEqual([
      gamma,
    ]);

    const first = await list(`q=${tag}&limit=2`);
    expect(first.body.items.map((m) => m.id)).toEqual([alpha, gamma]);
    const rest = await list(`q=${tag}&limit=2&continuation=${encodeURIComponent(first.body.continuation!)}`);
    expect(rest.body).toEqual({ items: [expect.objectContaining({ id: beta })], continuation: null });

    // Without q, every member: the rentals and ledger entries beside them are not members.
    const all = await list('limit=100');
    expect(all.body.items.map((m) => m.id)).toEqual(expect.arrayContaining([alpha, beta, gamma]));
    expect(all.body.items.every((m) => typeof m.name === 'string' && m.id)).toBe(true);
  });

  it('no token → 401; a member → 403; bad query parameters → 400 problem+json', async () => {
    const anonymous = await ctx.lib.api<{ type: string }>('GET', '/api/members');
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.type).toBe('urn:rentbook:problem:unauthenticated');

    const member = memberToken(await ctx.lib.addMember());
    const forbidden = await ctx.lib.api<{ type: string }>('GET', '/api/members', { token: member });
    expect(forbidden.status).toBe(403);
    expect(forbidden.headers.get('content-type')).toMatch(/^application\/problem\+json/);

    for (const query of [
      'limit=0',
      'limit=101',
      'limit=ten',
      `q=${'x'.repeat(101)}`,
      'continuation=garbage',
    ]) {
      const bad = await ctx.lib.api<{ type: string; status: number }>('GET', `/api/members?${query}`, {
        token: librarian,
      });
      expect(bad.status, query).toBe(400);
      expect(bad.headers.get('content-type'), query).toMatch(/^application\/problem\+json/);
      expect(bad.body.type, query).toMatch(/^urn:rentbook:problem:invalid-(request|continuation)$/);
    }
  });
});
