// The overdue timer reads only the loans whose check time has come: its query is one range on
// `dueCheckAt`, served by that field's index in the local store (SQLite's plan says so) and written
// for Cosmos DB as a single-path range filter with an ORDER BY on the same path, which its default
// range index serves.
import { beforeEach, describe, expect, it } from 'vitest';
import { createDocumentStore } from '../../local/documents/store';
import type { DocumentContainer } from '../../local/documents/types';
import { HostClock } from '../../local/host/clock';
import { openDatabase } from '../../local/host/db';
import { dueChecks } from '../../shared/app/overdue';
import { containerDefinitions } from '../../shared/app/records';
import { querySql } from '../../shared/azure/cosmos-sql';

let members: DocumentContainer;

beforeEach(() => {
  const store = createDocumentStore(openDatabase(':memory:'), new HostClock(true));
  members = store.createContainerIfNotExists('rentbook', containerDefinitions.members);
});

describe('the overdue scan query', () => {
  it('is served by the dueCheckAt index, not by reading every rental', () => {
    const plan = members.explain(dueChecks('2026-12-01T00:00:00.000Z')).join('\n');
    expect(plan).toMatch(/SEARCH doc_items USING INDEX doc_ix_\w+ \(<expr>\s*<\s*\?\)/);
    expect(plan).not.toMatch(/SCAN doc_items/);
    expect(plan).not.toMatch(/TEMP B-TREE/);
  });

  it('finds exactly the loans due, among many that are not', () => {
    const at = (days: number) => new Date(Date.UTC(2026, 11, 1) + days * 86_400_000).toISOString();
    for (let i = 0; i < 500; i++) {
      members.create({ id: `r${i}`, memberId: `m${i % 50}`, type: 'rental', dueCheckAt: at(1 + (i % 30)) });
    }
    for (let i = 0; i < 5; i++)
      members.create({ id: `due${i}`, memberId: `m${i}`, type: 'rental', dueCheckAt: at(-i) });
    members.create({ id: 'returned', memberId: 'm1', type: 'rental', dueCheckAt: null });
    members.create({ id: 'm1', memberId: 'm1', type: 'member' });
    const found = members.query(dueChecks(at(0))).items.map((d) => d.id);
    expect(found).toEqual(['due4', 'due3', 'due2', 'due1', 'due0']);
  });

  it('reads in Cosmos DB SQL as one range and an ORDER BY on the same path', () => {
    expect(querySql(dueChecks('2026-12-01T00:00:00.000Z'))).toEqual({
      query: 'SELECT * FROM c WHERE c["dueCheckAt"] <= @p0 ORDER BY c["dueCheckAt"] ASC',
      parameters: [{ name: '@p0', value: '2026-12-01T00:00:00.000Z' }],
    });
  });
});
