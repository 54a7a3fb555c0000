// The document-container port's contract (shared/app/ports.ts), written once for every adapter.
import { randomUUID } from 'node:crypto';
import { beforeAll, expect } from 'vitest';
import { isDocumentError, type DocumentContainer, type Filter } from '../../shared/app/ports';
import type { ContainerSource } from '../../shared/injected-adapters';
import { legSuite, type Leg } from './legs';

export interface DocumentsLeg extends Leg {
  /** The adapter under test, and a way to let time pass for TTL (a clock moved, or real waiting). */
  start(): Promise<{ source: ContainerSource; passTime(seconds: number): Promise<void> }>;
}

interface Item {
  id: string;
  pk: string;
  [field: string]: unknown;
}

/** The status a rejected port call carries. */
async function statusOf(call: Promise<unknown>): Promise<number> {
  try {
    await call;
  } catch (err) {
    for (const s of [400, 404, 409, 412, 424, 429, 500, 503]) if (isDocumentError(err, s)) return s;
    throw err;
  }
  throw new Error('the call succeeded');
}

export function documentsContract(leg: DocumentsLeg): void {
  legSuite('documents', leg, (check) => {
    let source: ContainerSource;
    let passTime: (seconds: number) => Promise<void>;
    let c: DocumentContainer;
    const databaseId = `contract${randomUUID().slice(0, 8)}`;
    const newId = () => randomUUID();

    beforeAll(async () => {
      if (leg.unavailable) return;
      ({ source, passTime } = await leg.start());
      c = source.open(databaseId, { id: 'items', partitionKeyPath: '/pk', indexedPaths: ['title'] });
    });

    check('create then read returns the fields and an etag; an absent item reads as undefined', async () => {
      const id = newId();
      const created = await c.create<Item>({ id, pk: 'a', title: 'Dune', n: 1, tags: ['x'] });
      expect(created).toMatchObject({ id, pk: 'a', title: 'Dune', n: 1, tags: ['x'] });
      expect(typeof created._etag).toBe('string');
      const read = await c.read<Item>('a', id);
      expect(read).toMatchObject({ id, title: 'Dune', _etag: created._etag });
      expect(await c.read('a', newId())).toBeUndefined();
      expect(await c.read('b', id)).toBeUndefined();
    });

    check('create of a taken id is 409; the same id in another partition is another item', async () => {
      const id = newId();
      await c.create<Item>({ id, pk: 'a' });
      expect(await statusOf(c.create<Item>({ id, pk: 'a' }))).toBe(409);
      await expect(c.create<Item>({ id, pk: 'b' })).resolves.toMatchObject({ id, pk: 'b' });
    });

    check(
      'replace with the current etag succeeds and changes it; a stale one is 412; an absent item 404',
      async () => {
        const id = newId();
        const v1 = await c.create<Item>({ id, pk: 'a', n: 1 });
        const v2 = await c.replace<Item>('a', id, { id, pk: 'a', n: 2 }, { ifMatch: v1._etag });
        expect(v2.n).toBe(2);
        expect(v2._etag).not.toBe(v1._etag);
        expect(await statusOf(c.replace<Item>('a', id, { id, pk: 'a', n: 3 }, { ifMatch: v1._etag }))).toBe(
          412,
        );
        expect((await c.read<Item>('a', id))?.n).toBe(2);
        const absent = newId();
        expect(await statusOf(c.replace<Item>('a', absent, { id: absent, pk: 'a' }))).toBe(404);
      },
    );

    check('upsert creates, then replaces; with a stale etag it is 412', async () => {
      const id = newId();
      const v1 = await c.upsert<Item>({ id, pk: 'a', n: 1 });
      const v2 = await c.upsert<Item>({ id, pk: 'a', n: 2 }, { ifMatch: v1._etag });
      expect(v2.n).toBe(2);
      expect(await statusOf(c.upsert<Item>({ id, pk: 'a', n: 3 }, { ifMatch: v1._etag }))).toBe(412);
    });

    check('delete with a stale etag is 412; then deletes; deleting again is 404', async () => {
      const id = newId();
      const v1 = await c.create<Item>({ id, pk: 'a', n: 1 });
      await c.replace<Item>('a', id, { id, pk: 'a', n: 2 });
      expect(await statusOf(c.delete('a', id, { ifMatch: v1._etag }))).toBe(412);
      await c.delete('a', id);
      expect(await c.read('a', id)).toBeUndefined();
      expect(await statusOf(c.delete('a', id))).toBe(404);
    });

    check('patch sets, adds, increments and removes', async () => {
      const id = newId();
      await c.create<Item>({ id, pk: 'a', n: 1, gone: true, loans: {} });
      const patched = await c.patch<Item>('a', id, [
        { op: 'incr', path: '/n', value: 2 },
        { op: 'set', path: '/title', value: 'Emma' },
        { op: 'add', path: '/loans/r1', value: { at: '2026-01-01' } },
        { op: 'remove', path: '/gone' },
      ]);
      expect(patched).toMatchObject({ n: 3, title: 'Emma', loans: { r1: { at: '2026-01-01' } } });
      expect(patched.gone).toBeUndefined();
      expect(await statusOf(c.patch('a', newId(), [{ op: 'set', path: '/n', value: 1 }]))).toBe(404);
    });

    check('patch with a condition applies only while every filter holds (else 412, unchanged)', async () => {
      const id = newId();
      await c.create<Item>({ id, pk: 'a', available: 1, withdrawn: false, kind: 'novel', loans: {} });
      const reserve = (rental: string) =>
        c.patch<Item>(
          'a',
          id,
          [
            { op: 'incr', path: '/available', value: -1 },
            { op: 'set', path: `/loans/${rental}`, value: { at: 'now' } },
          ],
          {
            condition: [
              { field: 'available', op: '>', value: 0 },
              { field: 'withdrawn', op: '=', value: false },
              { field: 'kind', op: 'in', value: ['novel', 'essay'] },
              { field: 'kind', op: 'startsWith', value: 'nov' },
              { field: `loans.${rental}`, op: 'notExists' },
              { field: 'loans', op: 'exists' },
            ],
          },
        );
      await expect(reserve('r1')).resolves.toMatchObject({ available: 0, loans: { r1: { at: 'now' } } });
      expect(await statusOf(reserve('r2'))).toBe(412);
      expect(await c.read<Item>('a', id)).toMatchObject({ available: 0, loans: { r1: { at: 'now' } } });
      // A string value with quotes and backslashes is a value, not query text.
      const tricky = `it's "quoted" \\ here`;
      await c.patch<Item>('a', id, [{ op: 'set', path: '/note', value: tricky }]);
      const cond = (value: string): Filter[] => [{ field: 'note', op: '=', value }];
      await expect(
        c.patch<Item>('a', id, [{ op: 'set', path: '/seen', value: true }], { condition: cond(tricky) }),
      ).resolves.toMatchObject({ seen: true });
      expect(
        await statusOf(c.patch('a', id, [{ op: 'set', path: '/seen', value: 1 }], { condition: cond('x') })),
      ).toBe(412);
    });

    check('a batch of creates in one partition writes them all', async () => {
      const [x, y] = [newId(), newId()];
      const results = await c.batch('p1', [
        { operationType: 'Create', resourceBody: { id: x, pk: 'p1', n: 1 } },
        { operationType: 'Create', resourceBody: { id: y, pk: 'p1', n: 2 } },
      ]);
      expect(results.map((r) => r.statusCode)).toEqual([201, 201]);
      expect((await c.read<Item>('p1', y))?.n).toBe(2);
    });

    check(
      'a batch is all or nothing: one failure, nothing applied (the failing one has its status, the rest 424)',
      async () => {
        const [taken, fresh] = [newId(), newId()];
        await c.create<Item>({ id: taken, pk: 'p2' });
        const results = await c.batch('p2', [
          { operationType: 'Create', resourceBody: { id: fresh, pk: 'p2' } },
          { operationType: 'Create', resourceBody: { id: taken, pk: 'p2' } },
        ]);
        expect(results.map((r) => r.statusCode)).toEqual([424, 409]);
        expect(await c.read('p2', fresh)).toBeUndefined();
      },
    );

    check('a batch reads, upserts, replaces, patches with a condition and deletes', async () => {
      const [a, b, d] = [newId(), newId(), newId()];
      await c.create<Item>({ id: a, pk: 'p3', n: 1 });
      const bDoc = await c.create<Item>({ id: b, pk: 'p3', n: 1 });
      await c.create<Item>({ id: d, pk: 'p3' });
      const results = await c.batch('p3', [
        { operationType: 'Read', id: a },
        { operationType: 'Upsert', resourceBody: { id: newId(), pk: 'p3' } },
        { operationType: 'Replace', id: b, resourceBody: { id: b, pk: 'p3', n: 5 }, ifMatch: bDoc._etag },
        {
          operationType: 'Patch',
          id: a,
          operations: [{ op: 'incr', path: '/n', value: 1 }],
          condition: [{ field: 'n', op: '=', value: 1 }],
        },
        { operationType: 'Delete', id: d },
      ]);
      expect(results.map((r) => r.statusCode)).toEqual([200, 201, 200, 200, 204]);
      expect((await c.read<Item>('p3', a))?.n).toBe(2);
      expect((await c.read<Item>('p3', b))?.n).toBe(5);
      expect(await c.read('p3', d)).toBeUndefined();
    });

    check('queries filter within a partition with every operator', async () => {
      const pk = `q-${newId()}`;
      const docs = [
        { id: 'i1', pk, set: pk, n: 1, s: 'apple pie', tags: ['red'], opt: true },
        { id: 'i2', pk, set: pk, n: 5, s: 'banana', tags: ['yellow', 'red'] },
        { id: 'i3', pk, set: pk, n: 9, s: 'apricot', tags: [] },
      ];
      for (const d of docs) await c.create<Item>(d);
      const ids = async (where: Filter[]) =>
        (
          await c.query<Item>({
            partitionKey: pk,
            where: [{ field: 'set', op: '=', value: pk }, ...where],
            orderBy: [{ field: 'n' }],
          })
        ).items.map((i) => i.id);
      expect(await ids([{ field: 'n', op: '=', value: 5 }])).toEqual(['i2']);
      expect(await ids([{ field: 'n', op: '!=', value: 5 }])).toEqual(['i1', 'i3']);
      expect(await ids([{ field: 'n', op: '<', value: 5 }])).toEqual(['i1']);
      expect(await ids([{ field: 'n', op: '>=', value: 5 }])).toEqual(['i2', 'i3']);
      expect(await ids([{ field: 'n', op: 'in', value: [1, 9] }])).toEqual(['i1', 'i3']);
      expect(await ids([{ field: 's', op: 'startsWith', value: 'ap' }])).toEqual(['i1', 'i3']);
      expect(await ids([{ field: 's', op: 'contains', value: 'pie' }])).toEqual(['i1']);
      expect(await ids([{ field: 'tags', op: 'contains', value: 'red' }])).toEqual(['i1', 'i2']);
      expect(await ids([{ field: 'opt', op: 'exists' }])).toEqual(['i1']);
      expect(await ids([{ field: 'opt', op: 'notExists' }])).toEqual(['i2', 'i3']);
      expect(await ids([{ field: 'n', op: '=', value: '5' }])).toEqual([]);
    });

    check('a query with a partition key sees only that partition', async () => {
      const pk = `scope-${newId()}`;
      await c.create<Item>({ id: 'mine', pk, n: 5 });
      await c.create<Item>({ id: 'theirs', pk: `${pk}-other`, n: 5 });
      const page = await c.query<Item>({ partitionKey: pk, where: [{ field: 'n', op: '=', value: 5 }] });
      expect(page.items.map((i) => i.id)).toEqual(['mine']);
    });

    check('a cross-partition query pages in order with continuation tokens', async () => {
      const group = `g-${newId()}`;
      const titles = ['Ba', 'Ab', 'Ca', 'Ac', 'Bb'];
      for (const title of titles)
        await c.create<Item>({ id: newId(), pk: `${group}-${title}`, group, title });
      const seen: string[] = [];
      let continuation: string | undefined;
      let pages = 0;
      do {
        const page = await c.query<Item>({
          where: [{ field: 'group', op: '=', value: group }],
          orderBy: [{ field: 'title', direction: 'desc' }],
          limit: 2,
          ...(continuation !== undefined ? { continuation } : {}),
        });
        expect(page.items.length).toBeLessThanOrEqual(2);
        seen.push(...page.items.map((i) => i.title as string));
        continuation = page.continuation;
        pages++;
      } while (continuation !== undefined && pages < 10);
      expect(seen).toEqual([...titles].sort().reverse());
      expect(pages).toBeGreaterThanOrEqual(3);
    });

    check('a malformed continuation token is 400', async () => {
      expect(
        await statusOf(c.query({ orderBy: [{ field: 'title' }], limit: 1, continuation: 'not-a-token' })),
      ).toBe(400);
    });

    check('an item with a ttl expires after it (container TTL on, no default expiry)', async () => {
      const ttlItems = source.open(databaseId, { id: 'expiring', partitionKeyPath: '/pk', defaultTtl: -1 });
      const [short, forever] = [newId(), newId()];
      await ttlItems.create<Item>({ id: short, pk: 't', ttl: 2 });
      await ttlItems.create<Item>({ id: forever, pk: 't' });
      expect(await ttlItems.read('t', short)).toBeDefined();
      await passTime(4);
      let gone = false;
      for (let i = 0; i < 60 && !gone; i++) {
        gone = (await ttlItems.read('t', short)) === undefined;
        if (!gone) await passTime(1);
      }
      expect(gone).toBe(true);
      expect(await ttlItems.read('t', forever)).toBeDefined();
    });
  });
}
