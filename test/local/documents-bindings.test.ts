// Cosmos DB input bindings with binding expressions, through the fixture app's HTTP functions
// (test/fixture-app/functions/cosmos-lookups.ts): the id, partition key and query come from the
// route, the query string or the JSON body, as the Functions host resolves them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalHost } from '../../local/host/host';
import { startHost } from '../helpers/hosts';

let host: LocalHost;
beforeAll(async () => {
  host = await startHost();
  const people = [
    { id: 'ada', group: 'eng', age: '36', name: 'Ada' },
    { id: 'alan', group: 'eng', age: '41', name: 'Alan' },
    { id: 'grace', group: 'navy', age: '45', name: 'Grace' },
    { id: 'ada', group: 'navy', age: '20', name: 'Another Ada' },
  ];
  const res = await fetch(`${host.url}/api/cosmos/people`, { method: 'POST', body: JSON.stringify(people) });
  expect(res.status).toBe(200);
});
afterAll(async () => {
  await host?.stop();
});

const found = async (path: string, init?: RequestInit) => {
  const res = await fetch(`${host.url}/api/${path}`, init);
  expect(res.status).toBe(200);
  return ((await res.json()) as { found: unknown }).found;
};

describe('Cosmos DB input binding expressions', () => {
  it('reads the item named by route parameters: {id} in the partition {group}', async () => {
    expect(await found('people/navy/ada')).toMatchObject({ name: 'Another Ada' });
    expect(await found('people/eng/ada')).toMatchObject({ name: 'Ada' });
    expect(await found('people/eng/grace')).toBeNull();
  });

  it('reads the item named by the query string: {Query.id}, {Query.group}', async () => {
    expect(await found('people-by-query?id=grace&group=navy')).toMatchObject({ name: 'Grace' });
  });

  it('reads the item named by fields of a JSON body, nested ones too', async () => {
    const body = JSON.stringify({ person: { id: 'alan', group: 'eng' } });
    const headers = { 'content-type': 'application/json' };
    expect(await found('people-lookup', { method: 'POST', body, headers })).toMatchObject({ name: 'Alan' });
  });

  it('runs a sqlQuery with its expressions as parameters: a value cannot change the query', async () => {
    const eng = (await found('people-in/eng?minAge=0')) as { id: string }[];
    expect(eng.map((p) => p.id)).toEqual(['alan', 'ada']);
    const older = (await found('people-in/eng?minAge=40')) as { id: string }[];
    expect(older.map((p) => p.id)).toEqual(['alan']);
    // Spliced into the text this would match everyone; as a parameter it is just a group name.
    const injected = encodeURIComponent("eng' OR c.group != 'x");
    expect(await found(`people-in/${injected}?minAge=0`)).toEqual([]);
  });

  it('fails the invocation (500 problem) when an expression has no value, and reads nothing', async () => {
    const res = await fetch(`${host.url}/api/people-by-query?group=navy`);
    expect(res.status).toBe(500);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
  });
});
