// Binding expressions and the Cosmos DB input binding's sqlQuery, as pure functions.
import { describe, expect, it } from 'vitest';
import { parseSqlQuery } from '../../local/documents/sql-query';
import {
  expressionValue,
  httpBindingData,
  resolveExpressions,
  triggerBindingData,
} from '../../local/host/binding-data';

describe('binding data', () => {
  const json = { 'content-type': 'application/json' };

  it('takes route parameters over JSON body fields, and keeps Query and Headers apart', () => {
    const data = httpBindingData({
      params: { id: 'from-route' },
      query: { id: 'from-query' },
      headers: { ...json, 'x-tenant': 't1' },
      body: Buffer.from(JSON.stringify({ id: 'from-body', person: { group: 'eng' } })),
    });
    expect(resolveExpressions('{id}|{Query.id}|{Headers.X-Tenant}|{person.group}', data)).toBe(
      'from-route|from-query|t1|eng',
    );
  });

  it('gives no body fields for a body that is not a JSON object', () => {
    const data = httpBindingData({ params: {}, query: {}, headers: json, body: Buffer.from('[1,2]') });
    expect(() => expressionValue(data, 'length')).toThrow("No value for named parameter 'length'.");
    const text = httpBindingData({
      params: {},
      query: {},
      headers: { 'content-type': 'text/plain' },
      body: Buffer.from('{"id":"x"}'),
    });
    expect(() => expressionValue(text, 'id')).toThrow(/No value/);
  });

  it('matches names without regard to case and fails on a missing or null value', () => {
    const data = triggerBindingData('{"OrderId": 7, "gone": null}', { DeliveryCount: 2 });
    expect(resolveExpressions('{orderid}-{deliveryCount}', data)).toBe('7-2');
    expect(() => expressionValue(data, 'gone')).toThrow("No value for named parameter 'gone'.");
    expect(() => resolveExpressions('{nope}', data)).toThrow("No value for named parameter 'nope'.");
  });

  it('knows the host system values', () => {
    expect(expressionValue({}, 'rand-guid')).toMatch(/^[0-9a-f-]{36}$/);
    expect(expressionValue({}, 'sys.randguid')).not.toBe(expressionValue({}, 'sys.randguid'));
    expect(Date.parse(String(expressionValue({}, 'DateTime')))).not.toBeNaN();
  });
});

describe('sqlQuery', () => {
  it('turns conditions and ordering into the store query, expressions into parameter values', () => {
    const q = parseSqlQuery(
      "SELECT * FROM c WHERE c.group = {group} AND c.age >= 18 AND STARTSWITH(c.name, 'A') AND NOT IS_DEFINED(c.gone) ORDER BY c.name DESC, c.id",
      (name) => `value of ${name}`,
    );
    expect(q).toEqual({
      where: [
        { field: 'group', op: '=', value: 'value of group' },
        { field: 'age', op: '>=', value: 18 },
        { field: 'name', op: 'startsWith', value: 'A' },
        { field: 'gone', op: 'notExists' },
      ],
      orderBy: [
        { field: 'name', direction: 'desc' },
        { field: 'id', direction: 'asc' },
      ],
    });
  });

  it('keeps a parameter value a value, whatever it holds', () => {
    const q = parseSqlQuery('SELECT * FROM c WHERE c.group = {g}', () => "x' OR 1=1 --");
    expect(q.where).toEqual([{ field: 'group', op: '=', value: "x' OR 1=1 --" }]);
  });

  it('refuses what the store cannot answer, saying what it understands', () => {
    for (const sql of [
      'SELECT VALUE COUNT(1) FROM c',
      'SELECT c.id FROM c',
      'SELECT * FROM c WHERE c.a = 1 OR c.b = 2',
      'SELECT * FROM c JOIN t IN c.tags',
      'SELECT * FROM c WHERE NOT STARTSWITH(c.a, 1)',
      'SELECT * FROM c OFFSET 0 LIMIT 10',
      'SELECT * FROM c WHERE d.a = 1',
    ]) {
      expect(() => parseSqlQuery(sql, () => ''), sql).toThrow(/the local host understands SELECT \* FROM c/);
    }
  });
});
