// Structured filters, twice: as SQL over the stored JSON text (queries) and as a JS predicate over a
// parsed document (patch conditions). Both follow Cosmos' typed comparisons: values of different
// JSON types never compare equal or ordered, so `{"n": "5"}` does not match `n = 5` and `n > 3`.
import { fieldSegments, sqlJsonPath, valueAt } from './paths';
import { DocumentStoreError, type Filter } from './types';

export interface SqlFragment {
  sql: string;
  params: unknown[];
}

type JsonKind = 'undefined' | 'null' | 'boolean' | 'number' | 'string' | 'array' | 'object';

function kindOf(v: unknown): JsonKind {
  if (v === undefined) return 'undefined';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  const t = typeof v;
  if (t === 'boolean' || t === 'number' || t === 'string') return t;
  return 'object';
}

function checkValue(v: unknown, filter: Filter): void {
  const k = kindOf(v);
  if (k === 'undefined')
    throw new DocumentStoreError(400, `Filter on "${filter.field}" (${filter.op}) needs a value.`);
  if (k === 'number' && !Number.isFinite(v))
    throw new DocumentStoreError(400, `Filter on "${filter.field}": not a JSON number.`);
}

/** The kind of a range filter's value: ranges compare numbers or strings only. */
function rangeKind(v: unknown, filter: Filter): 'number' | 'string' {
  checkValue(v, filter);
  const k = kindOf(v);
  if (k !== 'number' && k !== 'string') {
    throw new DocumentStoreError(
      400,
      `Filter on "${filter.field}": ${filter.op} compares numbers or strings only.`,
    );
  }
  return k;
}

/** The SQL expression reading a field, exactly as expression indexes are declared (so they match). */
export function fieldExpr(field: string): string {
  return `json_extract(body, '${sqlJsonPath(field)}')`;
}

function typeExpr(field: string): string {
  return `json_type(body, '${sqlJsonPath(field)}')`;
}

// json_extract turns JSON true/false into 1/0 and objects/arrays into JSON text, so every comparison
// is paired with the JSON type (json_type), and the value comparison comes first so an expression
// index on json_extract(...) serves it.
function eqSql(e: string, t: string, v: unknown): SqlFragment {
  switch (kindOf(v)) {
    case 'string':
      return { sql: `(${e} = ? AND ${t} = 'text')`, params: [v] };
    case 'number':
      return { sql: `(${e} = ? AND ${t} IN ('integer', 'real'))`, params: [v] };
    case 'boolean':
      return { sql: `(${e} = ${v ? 1 : 0} AND ${t} = '${v ? 'true' : 'false'}')`, params: [] };
    case 'null':
      return { sql: `(${e} IS NULL AND ${t} = 'null')`, params: [] };
    case 'array':
      return { sql: `(${e} = json(?) AND ${t} = 'array')`, params: [JSON.stringify(v)] };
    default:
      return { sql: `(${e} = json(?) AND ${t} = 'object')`, params: [JSON.stringify(v)] };
  }
}

const RANGE_SQL = { '<': '<', '<=': '<=', '>': '>', '>=': '>=' } as const;

/** The smallest string greater than every string starting with `prefix` (undefined if none). */
function prefixUpperBound(prefix: string): string | undefined {
  const points = [...prefix].map((c) => c.codePointAt(0) as number);
  while (points.length > 0) {
    let last = (points.pop() as number) + 1;
    if (last >= 0xd800 && last <= 0xdfff) last = 0xe000; // skip the surrogate range
    if (last <= 0x10ffff) return String.fromCodePoint(...points, last);
  }
  return undefined;
}

export function filterSql(filter: Filter): SqlFragment {
  const e = fieldExpr(filter.field);
  const t = typeExpr(filter.field);
  const v = filter.value;
  switch (filter.op) {
    case '=':
      checkValue(v, filter);
      return eqSql(e, t, v);
    case '!=': {
      checkValue(v, filter);
      const eq = eqSql(e, t, v);
      return { sql: `(${t} IS NOT NULL AND NOT ${eq.sql})`, params: eq.params };
    }
    case '<':
    case '<=':
    case '>':
    case '>=': {
      const k = rangeKind(v, filter);
      const types = k === 'number' ? `IN ('integer', 'real')` : `= 'text'`;
      return { sql: `(${e} ${RANGE_SQL[filter.op]} ? AND ${t} ${types})`, params: [v] };
    }
    case 'in': {
      if (!Array.isArray(v))
        throw new DocumentStoreError(400, `Filter on "${filter.field}": "in" needs an array value.`);
      if (v.length === 0) return { sql: '0', params: [] };
      v.forEach((x) => checkValue(x, filter));
      const kinds = new Set(v.map(kindOf));
      if (kinds.size === 1 && (kinds.has('string') || kinds.has('number'))) {
        const types = kinds.has('number') ? `IN ('integer', 'real')` : `= 'text'`;
        return { sql: `(${e} IN (${v.map(() => '?').join(', ')}) AND ${t} ${types})`, params: [...v] };
      }
      const parts = v.map((x) => eqSql(e, t, x));
      return { sql: `(${parts.map((p) => p.sql).join(' OR ')})`, params: parts.flatMap((p) => p.params) };
    }
    case 'startsWith': {
      if (typeof v !== 'string')
        throw new DocumentStoreError(400, `Filter on "${filter.field}": startsWith needs a string.`);
      if (v === '') return { sql: `(${t} = 'text')`, params: [] };
      // The range lets an index narrow the scan; the substr check is the exact test.
      const upper = prefixUpperBound(v);
      const range = upper === undefined ? `${e} >= ?` : `${e} >= ? AND ${e} < ?`;
      const params: unknown[] = upper === undefined ? [v] : [v, upper];
      return {
        sql: `(${range} AND ${t} = 'text' AND substr(${e}, 1, ${[...v].length}) = ?)`,
        params: [...params, v],
      };
    }
    case 'contains': {
      // A string field: substring (Cosmos CONTAINS). An array field: has an equal element (ARRAY_CONTAINS).
      checkValue(v, filter);
      const inArray = eqSql('je.value', 'je.type', v);
      const arraySql = `(${t} = 'array' AND EXISTS (SELECT 1 FROM json_each(doc_items.body, '${sqlJsonPath(filter.field)}') AS je WHERE ${inArray.sql}))`;
      if (typeof v !== 'string') return { sql: arraySql, params: inArray.params };
      return {
        sql: `((${t} = 'text' AND instr(${e}, ?) > 0) OR ${arraySql})`,
        params: [v, ...inArray.params],
      };
    }
    case 'exists':
      return { sql: `(${t} IS NOT NULL)`, params: [] };
    case 'notExists':
      return { sql: `(${t} IS NULL)`, params: [] };
    default:
      throw new DocumentStoreError(400, `Unknown filter operator "${String((filter as Filter).op)}".`);
  }
}

function jsonEqual(a: unknown, b: unknown): boolean {
  const k = kindOf(a);
  if (k !== kindOf(b)) return false;
  if (k === 'array' || k === 'object') return JSON.stringify(a) === JSON.stringify(b);
  return a === b;
}

// SQLite compares text as UTF-8 bytes; compare the same way so a condition and a query agree.
function compare(a: number | string, b: number | string): number {
  if (typeof a === 'number') return a - (b as number);
  return Buffer.compare(Buffer.from(a), Buffer.from(b as string));
}

export function matchesFilter(doc: unknown, filter: Filter): boolean {
  const actual = valueAt(doc, fieldSegments(filter.field));
  const v = filter.value;
  switch (filter.op) {
    case '=':
      checkValue(v, filter);
      return jsonEqual(actual, v);
    case '!=':
      checkValue(v, filter);
      return actual !== undefined && !jsonEqual(actual, v);
    case '<':
    case '<=':
    case '>':
    case '>=': {
      const k = rangeKind(v, filter);
      if (kindOf(actual) !== k) return false;
      const c = compare(actual as number | string, v as number | string);
      return filter.op === '<' ? c < 0 : filter.op === '<=' ? c <= 0 : filter.op === '>' ? c > 0 : c >= 0;
    }
    case 'in':
      if (!Array.isArray(v))
        throw new DocumentStoreError(400, `Filter on "${filter.field}": "in" needs an array value.`);
      v.forEach((x) => checkValue(x, filter));
      return v.some((x) => jsonEqual(actual, x));
    case 'startsWith':
      if (typeof v !== 'string')
        throw new DocumentStoreError(400, `Filter on "${filter.field}": startsWith needs a string.`);
      return typeof actual === 'string' && actual.startsWith(v);
    case 'contains':
      checkValue(v, filter);
      if (typeof actual === 'string') return typeof v === 'string' && actual.includes(v);
      return Array.isArray(actual) && actual.some((x) => jsonEqual(x, v));
    case 'exists':
      return actual !== undefined;
    case 'notExists':
      return actual === undefined;
    default:
      throw new DocumentStoreError(400, `Unknown filter operator "${String((filter as Filter).op)}".`);
  }
}
