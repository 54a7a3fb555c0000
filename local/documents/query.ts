// Query planning: a QuerySpec becomes one SQL statement over a container's rows — its filters,
// its ORDER BY with (pk, id) as tie-breakers, keyset paging by continuation token, and the index
// to use — and a page of results with the token for the next.
import { createHash } from 'node:crypto';
import type { Statement } from 'better-sqlite3';
import { fieldExpr, filterSql } from './filters';
import { indexName, indexOf, LIVE, type ContainerIndexes } from './schema';
import {
  DocumentStoreError,
  type NewDocument,
  type QueryPage,
  type QuerySpec,
  type StoredDocument,
} from './types';
import type { Doc } from '../../shared/app/ports';

const DEFAULT_PAGE = 100;
const MAX_PAGE = 1000;

/** The container a query runs on, at a time (expired items are invisible). */
export interface QueryTarget {
  cid: number;
  indexes: ContainerIndexes;
  now: number;
}

export interface QueryPlan {
  sql: string;
  params: unknown[];
  /** The page size; the statement asks for one more row, to know whether more follow. */
  limit: number;
  sortKeys: string[];
  /** What the query asks, in short: a continuation token is good only for the query that issued it. */
  queryId: string;
}

interface SortKey {
  expr: string;
  desc: boolean;
}

export function planQuery(spec: QuerySpec, target: QueryTarget): QueryPlan {
  const limit = spec.limit ?? DEFAULT_PAGE;
  if (!Number.isInteger(limit) || limit < 1)
    throw new DocumentStoreError(400, `Invalid page size ${String(limit)}.`);
  const pageSize = Math.min(limit, MAX_PAGE);
  const where = [`cid = ${target.cid}`, LIVE];
  const params: unknown[] = [target.now];
  if (spec.partitionKey !== undefined) {
    where.push('pk = ?');
    params.push(spec.partitionKey);
  }
  for (const f of spec.where ?? []) {
    const frag = filterSql(f);
    where.push(frag.sql);
    params.push(...frag.params);
  }
  const order = (spec.orderBy ?? []).map((o) => {
    if (o.direction !== undefined && o.direction !== 'asc' && o.direction !== 'desc') {
      throw new DocumentStoreError(400, `Invalid order direction "${String(o.direction)}".`);
    }
    return { expr: fieldExpr(o.field), desc: o.direction === 'desc' };
  });
  // Ties break on (pk, id) in the direction of the last key, so an index on (field, pk, id) can
  // serve the whole ORDER BY in one pass (forwards or backwards).
  const tieDesc = order.length > 0 && order[order.length - 1].desc;
  const keys = [...order, { expr: 'pk', desc: tieDesc }, { expr: 'id', desc: tieDesc }];
  const queryId = createHash('sha256')
    .update(JSON.stringify([target.cid, spec.partitionKey ?? null, spec.where ?? [], spec.orderBy ?? []]))
    .digest('base64url')
    .slice(0, 16);
  if (spec.continuation !== undefined) {
    const after = keysetAfter(keys, decodeToken(spec.continuation, queryId, keys.length));
    where.push(after.sql);
    params.push(...after.params);
  }
  const select = ['body', 'pk', 'id', ...order.map((o, i) => `${o.expr} AS s${i}`)].join(', ');
  const orderSql = keys.map((k) => `${k.expr} ${k.desc ? 'DESC' : 'ASC'}`).join(', ');
  const index = chooseIndex(spec, target);
  // An index of the items that have the field: the filter picked implies it, saying so lets SQLite see it.
  if (index?.kind === 'present') where.push(`${fieldExpr(index.field)} IS NOT NULL`);
  const from = index ? `doc_items INDEXED BY ${indexName(target.cid, index.field, index.kind)}` : 'doc_items';
  const sql = `SELECT ${select} FROM ${from} WHERE ${where.join(' AND ')} ORDER BY ${orderSql} LIMIT ${pageSize + 1}`;
  return { sql, params, limit: pageSize, sortKeys: order.map((o) => o.expr), queryId };
}

/** Runs a planned query: one page, and a continuation token when more rows follow. */
export function runQuery<T extends Doc = NewDocument>(plan: QueryPlan, statement: Statement): QueryPage<T> {
  const rows = statement.all(...plan.params) as Record<string, unknown>[];
  const more = rows.length > plan.limit;
  const page = more ? rows.slice(0, plan.limit) : rows;
  const items = page.map((r) => JSON.parse(r.body as string) as StoredDocument<T>);
  if (!more) return { items };
  const last = page[page.length - 1];
  return {
    items,
    continuation: encodeToken(plan.queryId, [
      ...plan.sortKeys.map((_, i) => last[`s${i}`]),
      last.pk,
      last.id,
    ]),
  };
}

/**
 * The index to force for a cross-partition query, if one of its fields is indexed. Without
 * statistics SQLite's planner prefers the primary key's `cid = N` prefix to a range or IN on an
 * expression index, i.e. it would read the whole container; `INDEXED BY` makes the choice explicit.
 * Equality first (most selective), then ranges, then the first sort key (a full index only: an
 * index of the items that have the field cannot list those without it). `= null` matches items
 * without a value, so only a full index serves it.
 */
function chooseIndex(
  spec: QuerySpec,
  target: QueryTarget,
): { field: string; kind: 'full' | 'present' } | undefined {
  if (spec.partitionKey !== undefined) return undefined; // the (cid, pk, id) key serves it
  const kindOf = (field: string) => indexOf(target.indexes, field);
  const where = (spec.where ?? []).filter((f) => kindOf(f.field) !== undefined);
  const homogeneous = (v: unknown): boolean =>
    Array.isArray(v) &&
    v.length > 0 &&
    (v.every((x) => typeof x === 'string') || v.every((x) => typeof x === 'number'));
  const field =
    where.find(
      (f) =>
        (f.op === '=' && (f.value !== null || kindOf(f.field) === 'full')) ||
        (f.op === 'in' && homogeneous(f.value)),
    )?.field ??
    where.find((f) => ['<', '<=', '>', '>=', 'startsWith'].includes(f.op))?.field ??
    spec.orderBy?.find((o, i) => i === 0 && kindOf(o.field) === 'full')?.field;
  return field === undefined ? undefined : { field, kind: kindOf(field)! };
}

/**
 * "Rows after this one" in the ORDER BY: (k1 > v1) OR (k1 IS v1 AND k2 > v2) OR ... with SQLite's
 * NULL-lowest ordering (Cosmos also sorts null and missing lowest).
 */
function keysetAfter(keys: SortKey[], values: unknown[]): { sql: string; params: unknown[] } {
  const alternatives: string[] = [];
  const params: unknown[] = [];
  keys.forEach((k, i) => {
    const v = values[i];
    if (v === null && k.desc) return; // descending, nothing sorts after NULL (the lowest value)
    const terms = keys.slice(0, i).map((prev) => `${prev.expr} IS ?`);
    const termParams = values.slice(0, i);
    if (v === null) terms.push(`${k.expr} IS NOT NULL`);
    else {
      terms.push(k.desc ? `(${k.expr} < ? OR ${k.expr} IS NULL)` : `${k.expr} > ?`);
      termParams.push(v);
    }
    alternatives.push(`(${terms.join(' AND ')})`);
    params.push(...termParams);
  });
  return { sql: alternatives.length > 0 ? `(${alternatives.join(' OR ')})` : '0', params };
}

// A token is the query's id and the last row's sort values, pk and id. It is checked field by field:
// issued for this query, as many values as the query has keys, sort values scalars, pk and id
// non-empty strings. A forged token that passes names a place in this query's order, nothing more.
function encodeToken(queryId: string, values: unknown[]): string {
  return Buffer.from(JSON.stringify([queryId, ...values])).toString('base64url');
}

function decodeToken(token: string, queryId: string, expected: number): unknown[] {
  try {
    const decoded: unknown = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    if (Array.isArray(decoded) && decoded.length === expected + 1 && decoded[0] === queryId) {
      const values = decoded.slice(1);
      const scalar = (v: unknown) => v === null || typeof v === 'string' || typeof v === 'number';
      const key = (v: unknown) => typeof v === 'string' && v.length > 0;
      if (values.slice(0, -2).every(scalar) && values.slice(-2).every(key)) return values;
    }
  } catch {
    // fall through to the 400 below
  }
  throw new DocumentStoreError(400, 'Invalid continuation token for this query.');
}
