// Members and points through HTTP: registering, self-or-librarian access, deposits with
// idempotency keys, and the point check.
import { describe, expect, it } from 'vitest';
import { libraryHost, librarian, memberToken } from './support-host';
import type { Member } from '../../shared/domain/member';

const ctx = libraryHost();

describe('registering a member', () => {
  it('a librarian registers a member → 201, no points, no fees', async () => {
    const reply = await ctx.lib.api<Member>('POST', '/api/members', {
      token: librarian,
      body: { name: 'Lee Jiwoo', phone: '010-5555-1234' },
    });
    expect(reply.status).toBe(201);
    expect(reply.headers.get('location')).toBe(`/api/members/${reply.body.id}`);
    expect(reply.body).toEqual({
      id: expect.any(String),
      name: 'Lee Jiwoo',
      phone: '010-5555-1234',
      points: 0,
      feesOwed: 0,
    });
  });

  it('bad input → 400; no token → 401; a member → 403', async () => {
    expect((await ctx.lib.api('POST', '/api/members', { token: librarian, body: { name: '' } })).status).toBe(
      400,
    );
    expect(
      (await ctx.lib.api('POST', '/api/members', { token: librarian, body: { name: 'A', phone: 'x' } }))
        .status,
    ).toBe(400);
    expect((await ctx.lib.api('POST', '/api/members', { body: { name: 'A' } })).status).toBe(401);
    const member = memberToken(await ctx.lib.addMember());
    expect((await ctx.lib.api('POST', '/api/members', { token: member, body: { name: 'A' } })).status).toBe(
      403,
    );
  });
});

describe('a member sees only itself', () => {
  it('self → 200, another member → 403, a librarian → 200, unknown → 404, a forged token → 401', async () => {
    const me = await ctx.lib.addMember(0, 'Me');
    const other = await ctx.lib.addMember(0, 'Other');
    expect(
      (await ctx.lib.api<Member>('GET', `/api/members/${me}`, { token: memberToken(me) })).body.name,
    ).toBe('Me');
    const forbidden = await ctx.lib.api<{ type: string }>('GET', `/api/members/${other}`, {
      token: memberToken(me),
    });
    expect(forbidden.status).toBe(403);
    expect(forbidden.body.type).toBe('urn:rentbook:problem:forbidden');
    expect((await ctx.lib.api('GET', `/api/members/${other}`, { token: librarian })).status).toBe(200);
    expect((await ctx.lib.api('GET', '/api/members/nobody', { token: librarian })).status).toBe(404);
    expect((await ctx.lib.api('GET', `/api/members/${me}`)).status).toBe(401);
    const [head, , signature] = (await memberToken(me)).split('.');
    const forged = `${head}.${Buffer.from(JSON.stringify({ iss: 'rentbook-local', role: 'librarian', sub: 'x' })).toString('base64url')}.${signature}`;
    expect((await ctx.lib.api('GET', `/api/members/${me}`, { token: forged })).status).toBe(401);
  });
});

describe('depositing points', () => {
  it('a member deposits into its own balance → 200 with the new balance', async () => {
    const me = await ctx.lib.addMember();
    const reply = await ctx.lib.api('POST', `/api/members/${me}/points`, {
      token: memberToken(me),
      body: { amount: 1500 },
    });
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ memberId: me, points: 1500 });
  });

  it('the same Idempotency-Key again → the same answer, credited once; with another amount → 422; a new key credits again', async () => {
    const me = await ctx.lib.addMember();
    const deposit = (key: string, amount: number) =>
      ctx.lib.api('POST', `/api/members/${me}/points`, {
        token: memberToken(me),
        body: { amount },
        headers: { 'Idempotency-Key': key },
      });
    expect((await deposit('top-up-1', 1000)).body).toEqual({ memberId: me, points: 1000 });
    expect(
      (await ctx.lib.api('POST', `/api/members/${me}/points`, { token: librarian, body: { amount: 1 } }))
        .status,
    ).toBe(200);
    // The first answer again, even though the balance has moved on.
    expect((await deposit('top-up-1', 1000)).body).toEqual({ memberId: me, points: 1000 });
    // The key with another amount is another request: refused, nothing credited.
    const reused = await deposit('top-up-1', 5000);
    expect(reused.status).toBe(422);
    expect(reused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(reused.body).toMatchObject({ type: 'urn:rentbook:problem:idempotency-key-reused', status: 422 });
    expect((await ctx.lib.member(me)).points).toBe(1001);
    expect((await deposit('top-up-2', 1000)).body).toEqual({ memberId: me, points: 2001 });
  });

  it('concurrent deposits with one key credit once', async () => {
    const me = await ctx.lib.addMember();
    const replies = await Promise.all(
      Array.from({ length: 8 }, () =>
        ctx.lib.api('POST', `/api/members/${me}/points`, {
          token: memberToken(me),
          body: { amount: 700 },
          headers: { 'Idempotency-Key': 'same' },
        }),
      ),
    );
    expect(replies.map((r) => r.body)).toEqual(Array(8).fill({ memberId: me, points: 700 }));
    expect((await ctx.lib.member(me)).points).toBe(700);
  });

  it('bad amounts → 400 and the balance is unchanged; another member → 403', async () => {
    const me = await ctx.lib.addMember(100);
    const other = await ctx.lib.addMember();
    for (const amount of [0, -5, 2.5, '100', null]) {
      expect(
        (await ctx.lib.api('POST', `/api/members/${me}/points`, { token: memberToken(me), body: { amount } }))
          .status,
      ).toBe(400);
    }
    expect(
      (
        await ctx.lib.api('POST', `/api/members/${me}/points`, {
          token: memberToken(other),
          body: { amount: 9 },
        })
      ).status,
    ).toBe(403);
    expect((await ctx.lib.member(me)).points).toBe(100);
  });
});

describe('checking points', () => {
  it('says whether the balance covers an amount', async () => {
    const me = await ctx.lib.addMember(1000);
    const check = (amount: string) =>
      ctx.lib.api('GET', `/api/members/${me}/points/check?amount=${amount}`, { token: memberToken(me) });
    expect((await check('1000')).body).toEqual({
      memberId: me,
      points: 1000,
      amount: 1000,
      sufficient: true,
    });
    expect((await check('1001')).body).toEqual({
      memberId: me,
      points: 1000,
      amount: 1001,
      sufficient: false,
    });
    expect((await check('-1')).status).toBe(400);
    expect((await check('abc')).status).toBe(400);
    expect(
      (await ctx.lib.api('GET', `/api/members/${me}/points/check`, { token: memberToken(me) })).status,
    ).toBe(400);
  });

  it('another member → 403; a librarian may check anyone', async () => {
    const me = await ctx.lib.addMember(10);
    const other = await ctx.lib.addMember();
    expect(
      (await ctx.lib.api('GET', `/api/members/${me}/points/check?amount=1`, { token: memberToken(other) }))
        .status,
    ).toBe(403);
    expect(
      (await ctx.lib.api('GET', `/api/members/${me}/points/check?amount=1`, { token: librarian })).status,
    ).toBe(200);
  });
});

describe('health', () => {
  it('answers 200 without sign-in', async () => {
    expect((await ctx.lib.api('GET', '/api/health')).status).toBe(200);
  });
});
