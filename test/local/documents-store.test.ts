import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Database } from 'better-sqlite3';
import { beforeEach, describe, expect, it } from 'vitest';
import { HostClock } from '../../local/host/clock';
import { closeDatabase, committed, openDatabase } from '../../local/host/db';
import { fieldExpr } from '../../local/documents/filters';
import { createDocumentStore } from '../../local/documents/store';
import {
  DocumentStoreError,
  type DocumentContainer,
  type DocumentStore,
  type QuerySpec,
  type StoredDocument,
} from '../../local/documents/types';

let db: Database;
let clock: HostClock;
let store: DocumentStore;
let rentals: DocumentContainer;

beforeEach(() => {
  db = openDatabase(':memory:');
  clock = new HostClock(true);
  store = createDocumentStore(db, clock);
  rentals = store.createContainerIfNotExists('library', { id: 'rentals', partitionKeyPath: '/memberId' });
});

function statusOf(fn: () => unknown): number | undefined {
  try {
    fn();
  } catch (err) {
    if (err instanceof DocumentStoreError) return err.status;
    throw err;
  }
  return undefined;
}

describe('containers', () => {
  it('returns the same container when asked again and refuses another partition key path', () => {
    const again = store.createContainerIfNotExists('library', {
      id: 'rentals',
      partitionKeyPath: '/memberId',
    });
    again.create({ id: 'r1', memberId: 'm1' });
    expect(rentals.read('m1', 'r1')?.id).toBe('r1');
    expect(
      statusOf(() => store.createContainerIfNotExists('library', { id: 'rentals', partitionKeyPath: '/id' })),
    ).toBe(400);
    expect(store.container('library', 'nope')).toBeUndefined();
  });

  it('keeps containers and items in the file: a second store on the same database sees them', () => {
    rentals.create({ id: 'r1', memberId: 'm1' });
    const other = createDocumentStore(db, clock);
    expect(other.container('library', 'rentals')?.read('m1', 'r1')?.memberId).toBe('m1');
  });

  it('tells listeners when a container is created', () => {
    const seen: string[] = [];
    store.onContainerCreated((c) => seen.push(c.definition.id));
    store.createContainerIfNotExists('library', { id: 'books', partitionKeyPath: '/id' });
    store.createContainerIfNotExists('library', { id: 'books', partitionKeyPath: '/id' });
    expect(seen).toEqual(['books']);
  });
});

describe('point operations', () => {
  it('create adds system properties and refuses a duplicate id in the same partition with 409', () => {
    const doc = rentals.create({ id: 'r1', memberId: 'm1', status: 'ACTIVE', _etag: 'ignored' });
    expect(doc._etag).toMatch(/^".+"$/);
    expect(doc._etag).not.toBe('ignored');
    expect(doc._ts).toBe(Math.floor(clock.now() / 1000));
    expect(doc._lsn).toBe(1);
    expect(statusOf(() => rentals.create({ id: 'r1', memberId: 'm1' }))).toBe(409);
    // The same id in another partition is another item.
    expect(rentals.create({ id: 'r1', memberId: 'm2' })._lsn).toBe(2);
  });

  it('read returns undefined for an absent item', () => {
    expect(rentals.read('m1', 'missing')).toBeUndefined();
  });

  it('takes partition-key values as Cosmos DB does: string, number, boolean, null, or missing (the "none" partition)', () => {
    const keys = ['7', 7, true, null, undefined];
    for (const memberId of keys) rentals.create({ id: 'same', memberId, kind: String(memberId) });
    const all = rentals.query({ limit: 1000 }).items.filter((d) => d.id === 'same');
    // Five partitions: the string "7" and the number 7 are not one partition, nor null and missing.
    expect(all.map((d) => d.kind).sort()).toEqual(['7', 'null', 'true', 'undefined', '7'].sort());
    expect(rentals.read('7', 'same')?.memberId).toBe('7');
    expect(statusOf(() => rentals.create({ id: 'same', memberId: 7 }))).toBe(409);
  });

  it('rejects an object or array as partition-key value and an invalid id (400)', () => {
    expect(statusOf(() => rentals.create({ id: 'r1', memberId: { a: 1 } }))).toBe(400);
    expect(statusOf(() => rentals.create({ id: 'r1', memberId: ['m1'] }))).toBe(400);
    expect(statusOf(() => rentals.create({ id: 'a/b', memberId: 'm1' }))).toBe(400);
    expect(rentals.query({ limit: 1000 }).items).toEqual([]);
  });

  it('replace needs the item (404) and a current etag when ifMatch is given (412)', () => {
    expect(statusOf(() => rentals.replace('m1', 'r1', { id: 'r1', memberId: 'm1' }))).toBe(404);
    const v1 = rentals.create({ id: 'r1', memberId: 'm1', n: 1 });
    const v2 = rentals.replace('m1', 'r1', { id: 'r1', memberId: 'm1', n: 2 }, { ifMatch: v1._etag });
    expect(v2._etag).not.toBe(v1._etag);
    expect(
      statusOf(() => rentals.replace('m1', 'r1', { id: 'r1', memberId: 'm1', n: 3 }, { ifMatch: v1._etag })),
    ).toBe(412);
    expect(rentals.read('m1', 'r1')?.n).toBe(2);
  });

  it('upsert creates or replaces; with ifMatch it is 404 when absent and 412 when stale', () => {
    const v1 = rentals.upsert({ id: 'r1', memberId: 'm1', n: 1 });
    const v2 = rentals.upsert({ id: 'r1', memberId: 'm1', n: 2 });
    expect(v2.n).toBe(2);
    expect(statusOf(() => rentals.upsert({ id: 'r1', memberId: 'm1', n: 3 }, { ifMatch: v1._etag }))).toBe(
      412,
    );
    expect(rentals.upsert({ id: 'r1', memberId: 'm1', n: 4 }, { ifMatch: v2._etag }).n).toBe(4);
    expect(statusOf(() => rentals.upsert({ id: 'r9', memberId: 'm1' }, { ifMatch: v1._etag }))).toBe(404);
  });

  it('delete is 404 when absent and 412 on a stale etag', () => {
    expect(statusOf(() => rentals.delete('m1', 'r1'))).toBe(404);
    const v1 = rentals.create({ id: 'r1', memberId: 'm1' });
    rentals.upsert({ id: 'r1', memberId: 'm1', n: 2 });
    expect(statusOf(() => rentals.delete('m1', 'r1', { ifMatch: v1._etag }))).toBe(412);
    rentals.delete('m1', 'r1');
    expect(rentals.read('m1', 'r1')).toBeUndefined();
  });
});

describe('patch', () => {
  beforeEach(() => {
    rentals.create({
      id: 'r1',
      memberId: 'm1',
      points: 100,
      tags: ['a', 'c'],
      due: { at: 1 },
      status: 'ACTIVE',
    });
  });

  it('applies set, add, replace, incr and remove on top-level and nested paths', () => {
    const doc = rentals.patch('m1', 'r1', [
      { op: 'incr', path: '/points', value: -30 },
      { op: 'set', path: '/due/at', value: 2 },
      { op: 'add', path: '/tags/1', value: 'b' },
      { op: 'add', path: '/tags/-', value: 'd' },
      { op: 'replace', path: '/status', value: 'RETURNED' },
      { op: 'remove', path: '/due' },
      { op: 'add', path: '/note', value: { text: 'hi' } },
      { op: 'incr', path: '/fees', value: 500 },
    ]);
    expect(doc).toMatchObject({
      points: 70,
      tags: ['a', 'b', 'c', 'd'],
      status: 'RETURNED',
      note: { text: 'hi' },
      fees: 500,
    });
    expect(doc.due).toBeUndefined();
    expect(rentals.read('m1', 'r1')).toMatchObject({ points: 70, fees: 500 });
  });

  it('is 400 for incr of a non-number, replace/remove of a missing path, the partition key or a missing parent', () => {
    expect(statusOf(() => rentals.patch('m1', 'r1', [{ op: 'incr', path: '/status', value: 1 }]))).toBe(400);
    expect(statusOf(() => rentals.patch('m1', 'r1', [{ op: 'replace', path: '/nope', value: 1 }]))).toBe(400);
    expect(statusOf(() => rentals.patch('m1', 'r1', [{ op: 'remove', path: '/nope' }]))).toBe(400);
    expect(statusOf(() => rentals.patch('m1', 'r1', [{ op: 'set', path: '/memberId', value: 'm2' }]))).toBe(
      400,
    );
    expect(statusOf(() => rentals.patch('m1', 'r1', [{ op: 'set', path: '/a/b', value: 1 }]))).toBe(400);
    // Nothing of a failed patch is applied, not even its earlier operations.
    expect(
      statusOf(() =>
        rentals.patch('m1', 'r1', [
          { op: 'incr', path: '/points', value: 1 },
          { op: 'incr', path: '/status', value: 1 },
        ]),
      ),
    ).toBe(400);
    expect(rentals.read('m1', 'r1')?.points).toBe(100);
  });

  it('is 404 for an absent item and 412 when its condition or etag does not hold', () => {
    expect(statusOf(() => rentals.patch('m1', 'nope', [{ op: 'set', path: '/x', value: 1 }]))).toBe(404);
    const cond = [{ field: 'points', op: '>=' as const, value: 150 }];
    expect(
      statusOf(() =>
        rentals.patch('m1', 'r1', [{ op: 'incr', path: '/points', value: -150 }], { condition: cond }),
      ),
    ).toBe(412);
    expect(
      statusOf(() =>
        rentals.patch('m1', 'r1', [{ op: 'set', path: '/x', value: 1 }], { ifMatch: '"stale"' }),
      ),
    ).toBe(412);
    const ok = rentals.patch('m1', 'r1', [{ op: 'incr', path: '/points', value: -100 }], {
      condition: [
        { field: 'points', op: '>=', value: 100 },
        { field: 'status', op: '=', value: 'ACTIVE' },
      ],
    });
    expect(ok.points).toBe(0);
  });
});

describe('transactional batch', () => {
  it('applies every operation and reports each status', () => {
    const r1 = rentals.create({ id: 'r1', memberId: 'm1', n: 1 });
    rentals.create({ id: 'r2', memberId: 'm1' });
    const results = rentals.batch('m1', [
      { operationType: 'Create', resourceBody: { id: 'r3', memberId: 'm1' } },
      { operationType: 'Upsert', resourceBody: { id: 'r4', memberId: 'm1' } },
      { operationType: 'Upsert', resourceBody: { id: 'r3', memberId: 'm1', n: 3 } },
      {
        operationType: 'Replace',
        id: 'r1',
        resourceBody: { id: 'r1', memberId: 'm1', n: 2 },
        ifMatch: r1._etag,
      },
      { operationType: 'Patch', id: 'r1', operations: [{ op: 'incr', path: '/n', value: 1 }] },
      { operationType: 'Read', id: 'r1' },
      { operationType: 'Delete', id: 'r2' },
    ]);
    expect(results.map((r) => r.statusCode)).toEqual([201, 201, 200, 200, 200, 200, 204]);
    expect(results[5].resourceBody?.n).toBe(3);
    expect(rentals.read('m1', 'r2')).toBeUndefined();
    expect(rentals.read('m1', 'r3')?.n).toBe(3);
  });

  it('is all-or-nothing: one failing operation leaves no change, it carries its status and the others 424', () => {
    rentals.create({ id: 'r1', memberId: 'm1', n: 1 });
    const before = rentals.latestLsn();
    let notified = 0;
    rentals.onChange(() => notified++);
    const results = rentals.batch('m1', [
      { operationType: 'Create', resourceBody: { id: 'r2', memberId: 'm1' } },
      { operationType: 'Patch', id: 'r1', operations: [{ op: 'incr', path: '/n', value: 1 }] },
      { operationType: 'Create', resourceBody: { id: 'r1', memberId: 'm1' } },
      { operationType: 'Delete', id: 'r1' },
    ]);
    expect(results.map((r) => r.statusCode)).toEqual([424, 424, 409, 424]);
    expect(rentals.read('m1', 'r2')).toBeUndefined();
    expect(rentals.read('m1', 'r1')?.n).toBe(1);
    expect(rentals.latestLsn()).toBe(before);
    expect(rentals.readChangeFeed(before, 10).items).toEqual([]);
    expect(notified).toBe(0);

    const failedRead = rentals.batch('m1', [
      { operationType: 'Upsert', resourceBody: { id: 'r5', memberId: 'm1' } },
      { operationType: 'Read', id: 'missing' },
    ]);
    expect(failedRead.map((r) => r.statusCode)).toEqual([424, 404]);
    expect(rentals.read('m1', 'r5')).toBeUndefined();
  });

  it('refuses more than 100 operations, an empty batch and items of another partition with 400', () => {
    const ops = Array.from({ length: 101 }, (_, i) => ({
      operationType: 'Create' as const,
      resourceBody: { id: `r${i}`, memberId: 'm1' },
    }));
    expect(statusOf(() => rentals.batch('m1', ops))).toBe(400);
    expect(statusOf(() => rentals.batch('m1', []))).toBe(400);
    expect(
      statusOf(() =>
        rentals.batch('m1', [{ operationType: 'Create', resourceBody: { id: 'x', memberId: 'm2' } }]),
      ),
    ).toBe(400);
    expect(rentals.batch('m1', ops.slice(0, 100)).every((r) => r.statusCode === 201)).toBe(true);
  });

  it('gives every item of a batch one change-feed position, notifies once, and never splits it across pages', () => {
    let notified = 0;
    rentals.onChange(() => notified++);
    rentals.create({ id: 'a', memberId: 'm1' });
    rentals.batch('m1', [
      { operationType: 'Create', resourceBody: { id: 'b1', memberId: 'm1' } },
      { operationType: 'Create', resourceBody: { id: 'b2', memberId: 'm1' } },
      { operationType: 'Create', resourceBody: { id: 'b3', memberId: 'm1' } },
    ]);
    expect(notified).toBe(2);
    const page = rentals.readChangeFeed(0, 2);
    expect(page.items.map((d) => d.id)).toEqual(['a', 'b1', 'b2', 'b3']);
    expect(new Set(page.items.slice(1).map((d) => d._lsn)).size).toBe(1);
    expect(rentals.readChangeFeed(page.lastLsn, 2).items).toEqual([]);
  });

  it('joins an outer store transaction: a later failure there undoes the batch', () => {
    expect(() =>
      store.transaction(() => {
        rentals.batch('m1', [{ operationType: 'Create', resourceBody: { id: 'r1', memberId: 'm1' } }]);
        throw new Error('later step failed');
      }),
    ).toThrow('later step failed');
    expect(rentals.read('m1', 'r1')).toBeUndefined();
  });
});

describe('queries', () => {
  beforeEach(() => {
    for (let i = 0; i < 25; i++) {
      rentals.create({
        id: `r${String(i).padStart(2, '0')}`,
        memberId: `m${i % 3}`,
        status: i % 5 === 0 ? 'OVERDUE' : 'ACTIVE',
        points: i * 10,
        title: i % 2 === 0 ? `Dune ${i}` : `Emma ${i}`,
        tags: i % 4 === 0 ? ['classic'] : [],
        due: { at: 1000 - i },
        ...(i % 6 === 0 ? { note: null } : {}),
      });
    }
  });

  const ids = (items: StoredDocument[]): string[] => items.map((d) => d.id);

  it('filters with =, !=, <, <=, >, >=, in, startsWith, contains, exists and notExists', () => {
    // Without orderBy the order is unspecified (as in Cosmos): compare sets.
    const q = (where: Parameters<DocumentContainer['query']>[0]['where']) =>
      ids(rentals.query({ where, limit: 1000 }).items).sort();
    expect(q([{ field: 'status', op: '=', value: 'OVERDUE' }])).toEqual(['r00', 'r05', 'r10', 'r15', 'r20']);
    expect(q([{ field: 'status', op: '!=', value: 'ACTIVE' }])).toEqual(['r00', 'r05', 'r10', 'r15', 'r20']);
    expect(q([{ field: 'points', op: '<', value: 30 }])).toEqual(['r00', 'r01', 'r02']);
    expect(q([{ field: 'points', op: '<=', value: 30 }])).toEqual(['r00', 'r01', 'r02', 'r03']);
    expect(q([{ field: 'points', op: '>', value: 220 }])).toEqual(['r23', 'r24']);
    expect(q([{ field: 'due.at', op: '>=', value: 998 }])).toEqual(['r00', 'r01', 'r02']);
    expect(
      q([
        { field: 'memberId', op: 'in', value: ['m1', 'm9'] },
        { field: 'points', op: '<', value: 80 },
      ]),
    ).toEqual(['r01', 'r04', 'r07']);
    expect(q([{ field: 'title', op: 'startsWith', value: 'Dune 1' }])).toEqual([
      'r10',
      'r12',
      'r14',
      'r16',
      'r18',
    ]);
    expect(q([{ field: 'title', op: 'contains', value: 'mma 2' }])).toEqual(['r21', 'r23']);
    expect(q([{ field: 'tags', op: 'contains', value: 'classic' }])).toEqual([
      'r00',
      'r04',
      'r08',
      'r12',
      'r16',
      'r20',
      'r24',
    ]);
    expect(q([{ field: 'note', op: 'exists' }])).toEqual(['r00', 'r06', 'r12', 'r18', 'r24']);
    expect(
      q([
        { field: 'note', op: 'notExists' },
        { field: 'points', op: '<', value: 30 },
      ]),
    ).toEqual(['r01', 'r02']);
    expect(
      q([
        { field: 'note', op: '=', value: null },
        { field: 'points', op: '<', value: 70 },
      ]),
    ).toEqual(['r00', 'r06']);
  });

  it('never matches values of another JSON type', () => {
    rentals.create({ id: 'x1', memberId: 'm1', points: '5' });
    rentals.create({ id: 'x2', memberId: 'm1', points: true });
    expect(ids(rentals.query({ where: [{ field: 'points', op: '=', value: 5 }] }).items)).toEqual([]);
    expect(ids(rentals.query({ where: [{ field: 'points', op: '=', value: '5' }] }).items)).toEqual(['x1']);
    expect(ids(rentals.query({ where: [{ field: 'points', op: '=', value: 1 }] }).items)).toEqual([]);
    expect(ids(rentals.query({ where: [{ field: 'points', op: '=', value: true }] }).items)).toEqual(['x2']);
    expect(ids(rentals.query({ where: [{ field: 'points', op: '>', value: '0' }] }).items)).toEqual(['x1']);
  });

  it('restricts to one partition and orders by fields in either direction', () => {
    const page = rentals.query({ partitionKey: 'm2', orderBy: [{ field: 'points', direction: 'desc' }] });
    expect(ids(page.items)).toEqual(['r23', 'r20', 'r17', 'r14', 'r11', 'r08', 'r05', 'r02']);
    const byStatus = rentals.query({
      orderBy: [{ field: 'status' }, { field: 'due.at', direction: 'desc' }],
      limit: 7,
    });
    expect(ids(byStatus.items)).toEqual(['r01', 'r02', 'r03', 'r04', 'r06', 'r07', 'r08']);
  });

  it('pages with an opaque continuation token across several pages without gaps or repeats', () => {
    for (const orderBy of [
      undefined,
      [{ field: 'status' }, { field: 'points', direction: 'desc' as const }],
      [{ field: 'note', direction: 'desc' as const }],
      [{ field: 'note' }],
    ]) {
      const all = ids(rentals.query({ orderBy, limit: 1000 }).items);
      const seen: string[] = [];
      let continuation: string | undefined;
      let pages = 0;
      do {
        const page = rentals.query({ orderBy, limit: 4, continuation });
        seen.push(...ids(page.items));
        continuation = page.continuation;
        pages++;
      } while (continuation);
      expect(seen).toEqual(all);
      expect(all).toHaveLength(25);
      expect(pages).toBe(7);
    }
  });

  it('defaults to 100 items a page and caps a page at 1000', () => {
    for (let i = 0; i < 1100; i++) rentals.create({ id: `bulk${i}`, memberId: 'bulk' });
    const first = rentals.query({ partitionKey: 'bulk' });
    expect(first.items).toHaveLength(100);
    expect(first.continuation).toBeDefined();
    expect(rentals.query({ partitionKey: 'bulk', limit: 5000 }).items).toHaveLength(1000);
    expect(statusOf(() => rentals.query({ limit: 0 }))).toBe(400);
    expect(statusOf(() => rentals.query({ continuation: 'garbage' }))).toBe(400);
  });

  it('serves equality, range and order on indexed paths from an index, not a table scan', () => {
    const books = store.createContainerIfNotExists('library', {
      id: 'books',
      partitionKeyPath: '/id',
      indexedPaths: ['status', 'stock.free'],
    });
    for (let i = 0; i < 50; i++)
      books.create({ id: `b${i}`, status: i % 2 ? 'AVAILABLE' : 'RENTED', stock: { free: i } });
    const plans = [
      books.explain({ where: [{ field: 'status', op: '=', value: 'RENTED' }] }),
      books.explain({ where: [{ field: 'stock.free', op: '>', value: 40 }] }),
      books.explain({ orderBy: [{ field: 'stock.free', direction: 'desc' }], limit: 5 }),
      books.explain({ where: [{ field: 'status', op: 'in', value: ['RENTED', 'AVAILABLE'] }] }),
    ];
    for (const plan of plans) {
      expect(plan.join('\n')).toMatch(/USING INDEX doc_ix_/);
      expect(plan.join('\n')).not.toMatch(/^SCAN doc_items$/m);
    }
    // The ordered one needs no separate sort step either.
    expect(plans[2].join('\n')).not.toMatch(/TEMP B-TREE/);
    // A field without an index is still queryable (by scan).
    expect(books.explain({ where: [{ field: 'title', op: '=', value: 'x' }] }).join('\n')).not.toMatch(
      /doc_ix_/,
    );
    // Pages of an index-ordered query, continuation included, still come from that index.
    const ordered: string[] = [];
    let continuation: string | undefined;
    do {
      const spec = { orderBy: [{ field: 'stock.free', direction: 'desc' as const }], limit: 7, continuation };
      expect(books.explain(spec).join('\n')).toMatch(/USING INDEX doc_ix_/);
      const page = books.query(spec);
      ordered.push(...page.items.map((d) => d.id));
      continuation = page.continuation;
    } while (continuation);
    expect(ordered).toEqual(Array.from({ length: 50 }, (_, i) => `b${49 - i}`));
    const forged = Buffer.from(JSON.stringify([{}, 'b1', 'b1'])).toString('base64url');
    expect(statusOf(() => books.query({ orderBy: [{ field: 'stock.free' }], continuation: forged }))).toBe(
      400,
    );
    expect(
      books.query({ where: [{ field: 'stock.free', op: '>', value: 46 }] }).items.map((d) => d.id),
    ).toEqual(['b47', 'b48', 'b49']);
  });

  it('indexes a filter-only path over the items that have it, and answers every query as a full index does', () => {
    const spec = { partitionKeyPath: '/memberId', indexedPaths: ['type'] };
    const sparse = store.createContainerIfNotExists('library', {
      id: 'sparse',
      ...spec,
      filterOnlyPaths: ['dueAt', 'flag'],
    });
    const full = store.createContainerIfNotExists('library', {
      id: 'full',
      ...spec,
      indexedPaths: ['type', 'dueAt', 'flag'],
    });
    for (const c of [sparse, full]) {
      for (let i = 0; i < 30; i++) {
        // Every third item has no dueAt (an outbox item, say), one has it null, some have a flag.
        const dueAt = i % 3 === 0 ? {} : { dueAt: i === 1 ? null : `2026-12-${String(i).padStart(2, '0')}` };
        c.create({
          id: `r${i}`,
          memberId: `m${i % 4}`,
          type: i % 3 ? 'rental' : 'outbox',
          ...dueAt,
          ...(i % 5 ? {} : { flag: i % 2 === 0 }),
        });
      }
    }
    const specs: QuerySpec[] = [
      { where: [{ field: 'dueAt', op: '=', value: '2026-12-05' }] },
      { where: [{ field: 'dueAt', op: '<=', value: '2026-12-10' }], orderBy: [{ field: 'dueAt' }] },
      { where: [{ field: 'dueAt', op: 'in', value: ['2026-12-02', '2026-12-20'] }] },
      { where: [{ field: 'dueAt', op: 'startsWith', value: '2026-12-2' }] },
      { where: [{ field: 'flag', op: '=', value: true }] },
      { where: [{ field: 'dueAt', op: '=', value: null }] },
      { orderBy: [{ field: 'dueAt', direction: 'desc' }], limit: 7 },
      {
        where: [
          { field: 'type', op: '=', value: 'rental' },
          { field: 'dueAt', op: '>', value: '2026-12-20' },
        ],
      },
    ];
    const all = (c: DocumentContainer, s: QuerySpec) => {
      const ids: string[] = [];
      let continuation: string | undefined;
      do {
        const page = c.query({ ...s, continuation });
        ids.push(...page.items.map((d) => d.id));
        continuation = page.continuation;
      } while (continuation);
      return ids;
    };
    for (const s of specs) expect(all(sparse, s)).toEqual(all(full, s));
    expect(all(sparse, specs[0])).toEqual(['r5']);
    expect(all(sparse, specs[5])).toEqual(['r1']);
    expect(all(sparse, specs[6])).toHaveLength(30); // the items without dueAt too, last (lowest)

    // Filters that need the field use the index of the items that have it...
    for (const s of specs.slice(0, 5))
      expect(sparse.explain(s).join('\n')).toMatch(/SEARCH doc_items USING INDEX doc_ix_\w+_p /);
    // ...which holds no entry for an item without it; `= null` and an ORDER BY alone cannot use it.
    const name = /USING INDEX (doc_ix_\w+_p)/.exec(sparse.explain(specs[0]).join('\n'))![1];
    const indexSql = db.prepare(`SELECT sql FROM sqlite_master WHERE name = ?`).pluck().get(name) as string;
    expect(indexSql).toContain(`WHERE cid = `);
    expect(indexSql.endsWith(`AND ${fieldExpr('dueAt')} IS NOT NULL`)).toBe(true);
    expect(sparse.explain(specs[5]).join('\n')).not.toMatch(/_p\b/);
    expect(sparse.explain(specs[6]).join('\n')).not.toMatch(/_p\b/);
    expect(store.container('library', 'sparse')?.definition).toMatchObject({
      filterOnlyPaths: ['dueAt', 'flag'],
    });
  });

  it('adds indexes asked for later', () => {
    expect(rentals.explain({ where: [{ field: 'status', op: '=', value: 'x' }] }).join('\n')).not.toMatch(
      /doc_ix_/,
    );
    store.createContainerIfNotExists('library', {
      id: 'rentals',
      partitionKeyPath: '/memberId',
      indexedPaths: ['status'],
    });
    expect(rentals.explain({ where: [{ field: 'status', op: '=', value: 'x' }] }).join('\n')).toMatch(
      /USING INDEX doc_ix_/,
    );
    expect(createDocumentStore(db, clock).container('library', 'rentals')?.definition.indexedPaths).toEqual([
      'status',
    ]);
  });

  it('refuses field paths that are not dotted identifiers (they end up in SQL text)', () => {
    expect(statusOf(() => rentals.query({ where: [{ field: "x') OR 1=1 --", op: 'exists' }] }))).toBe(400);
  });
});

describe('TTL', () => {
  it('hides expired items at once, on the host clock, and purges them without a change-feed entry', () => {
    const sessions = store.createContainerIfNotExists('library', {
      id: 'sessions',
      partitionKeyPath: '/id',
      defaultTtl: 60,
    });
    sessions.create({ id: 'short' });
    sessions.create({ id: 'long', ttl: 3600 });
    sessions.create({ id: 'forever', ttl: -1 });
    clock.advance(59_000);
    expect(sessions.read('short', 'short')).toBeDefined();
    clock.advance(2_000);
    expect(sessions.read('short', 'short')).toBeUndefined();
    expect(sessions.query({}).items.map((d) => d.id)).toEqual(['forever', 'long']);
    expect(sessions.readChangeFeed(0, 10).items.map((d) => d.id)).toEqual(['long', 'forever']);
    // An expired item is gone: its id can be created again.
    expect(sessions.create({ id: 'short' })._lsn).toBe(4);
    clock.advance(3600_000);
    const lsn = sessions.latestLsn();
    expect(store.purgeExpired()).toBe(2);
    expect(sessions.latestLsn()).toBe(lsn);
    expect(sessions.query({}).items.map((d) => d.id)).toEqual(['forever']);
  });

  it('lets items opt in when the container default is -1, and ignores item ttl when TTL is off', () => {
    const optIn = store.createContainerIfNotExists('library', {
      id: 'optin',
      partitionKeyPath: '/id',
      defaultTtl: -1,
    });
    optIn.create({ id: 'keep' });
    optIn.create({ id: 'go', ttl: 10 });
    rentals.create({ id: 'r1', memberId: 'm1', ttl: 10 });
    clock.advance(11_000);
    expect(optIn.read('keep', 'keep')).toBeDefined();
    expect(optIn.read('go', 'go')).toBeUndefined();
    expect(rentals.read('m1', 'r1')).toBeDefined();
    expect(statusOf(() => optIn.create({ id: 'bad', ttl: 0 }))).toBe(400);
  });
});

describe('change feed', () => {
  it('shows the latest version of each changed item once, in write order, without deletes', () => {
    rentals.create({ id: 'a', memberId: 'm1', v: 1 });
    rentals.create({ id: 'b', memberId: 'm1', v: 1 });
    const checkpoint = rentals.latestLsn();
    rentals.create({ id: 'c', memberId: 'm1', v: 1 });
    rentals.patch('m1', 'a', [{ op: 'set', path: '/v', value: 2 }]);
    rentals.patch('m1', 'a', [{ op: 'set', path: '/v', value: 3 }]);
    rentals.upsert({ id: 'a', memberId: 'm1', v: 4 });
    rentals.create({ id: 'd', memberId: 'm1', v: 1 });
    rentals.delete('m1', 'd');
    rentals.delete('m1', 'b');
    const page = rentals.readChangeFeed(checkpoint, 100);
    expect(page.items.map((d) => [d.id, d.v])).toEqual([
      ['c', 1],
      ['a', 4],
    ]);
    expect(page.lastLsn).toBe(page.items[1]._lsn);
    expect(rentals.readChangeFeed(page.lastLsn, 100)).toEqual({ items: [], lastLsn: page.lastLsn });
    expect(rentals.readChangeFeed(0, 1).items.map((d) => d.id)).toEqual(['c']);
  });

  it('numbers changes past deleted items: a new write never reuses an _lsn', () => {
    rentals.create({ id: 'a', memberId: 'm1' });
    const last = rentals.create({ id: 'b', memberId: 'm1' });
    rentals.delete('m1', 'b');
    const again = createDocumentStore(db, clock).container('library', 'rentals') as DocumentContainer;
    expect(again.create({ id: 'c', memberId: 'm1' })._lsn).toBe(last._lsn + 1);
  });

  it('notifies after commit: once per write, once per store transaction, never for a rollback', () => {
    const feedAtNotify: number[] = [];
    rentals.onChange(() => feedAtNotify.push(rentals.readChangeFeed(0, 100).items.length));
    rentals.create({ id: 'a', memberId: 'm1' });
    store.transaction(() => {
      rentals.create({ id: 'b', memberId: 'm1' });
      rentals.create({ id: 'c', memberId: 'm2' });
      expect(feedAtNotify).toEqual([1]);
    });
    expect(() =>
      store.transaction(() => {
        rentals.create({ id: 'd', memberId: 'm1' });
        throw new Error('rolled back');
      }),
    ).toThrow();
    expect(statusOf(() => rentals.create({ id: 'a', memberId: 'm1' }))).toBe(409);
    expect(feedAtNotify).toEqual([1, 3]);
  });

  it('finds where to start for a point in time', () => {
    rentals.create({ id: 'old', memberId: 'm1' });
    clock.advance(10_000);
    const t = clock.now();
    clock.advance(1_000);
    rentals.create({ id: 'new', memberId: 'm1' });
    expect(rentals.readChangeFeed(rentals.lsnAt(t), 10).items.map((d) => d.id)).toEqual(['new']);
  });
});

describe('change-feed positions under group commit', () => {
  it('are written with the group, survive a reopen, and two stores on one file never share one', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'feed-lsn-'));
    const file = path.join(dir, 'feed.db');
    try {
      const first = openDatabase(file, { groupCommit: true });
      const one = createDocumentStore(first, clock);
      const two = createDocumentStore(first, clock);
      const a = one.createContainerIfNotExists('library', { id: 'rentals', partitionKeyPath: '/memberId' });
      const b = two.container('library', 'rentals')!;
      a.create({ id: 'r1', memberId: 'm1' });
      b.create({ id: 'r2', memberId: 'm1' });
      a.create({ id: 'r3', memberId: 'm2' });
      expect(statusOf(() => a.create({ id: 'r3', memberId: 'm2' }))).toBe(409);
      await committed(first);
      expect(a.readChangeFeed(0, 10).items.map((d) => [d.id, d._lsn])).toEqual([
        ['r1', 1],
        ['r2', 2],
        ['r3', 3],
      ]);
      closeDatabase(first);

      const again = openDatabase(file, { groupCommit: true });
      const rentalsAgain = createDocumentStore(again, clock).container('library', 'rentals')!;
      expect(rentalsAgain.latestLsn()).toBe(3);
      expect(rentalsAgain.create({ id: 'r4', memberId: 'm1' })._lsn).toBe(4);
      closeDatabase(again);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
