// The document port's structured filters as Cosmos DB SQL. Queries take parameters; a patch
// condition is a bare `FROM c WHERE ...` string (the service takes no parameters there), so its
// values are written as literals, JSON-encoded (Cosmos string literals use JSON's escapes).
import type { JSONValue, SqlParameter, SqlQuerySpec } from '@azure/cosmos';
import { DocumentError, type Filter, type QuerySpec } from '../app/ports';

/** `loans.r1` → `c["loans"]["r1"]`: every segment quoted, so no field name can break the query. */
export function fieldRef(field: string): string {
  const segments = field.split('.');
  if (field === '' || segments.some((s) => s === ''))
    throw new DocumentError(400, `Invalid field path "${field}".`);
  return 'c' + segments.map((s) => `[${JSON.stringify(s)}]`).join('');
}

type Bind = (value: unknown) => string;

function needsValue(filter: Filter): void {
  if (filter.value === undefined)
    throw new DocumentError(400, `Filter on "${filter.field}" (${filter.op}) needs a value.`);
}

function condition(filter: Filter, bind: Bind): string {
  const f = fieldRef(filter.field);
  const v = filter.value;
  switch (filter.op) {
    case '=':
    case '!=':
      needsValue(filter);
      return `${f} ${filter.op} ${bind(v)}`;
    case '<':
    case '<=':
    case '>':
    case '>=':
      if (typeof v !== 'number' && typeof v !== 'string')
        throw new DocumentError(
          400,
          `Filter on "${filter.field}": ${filter.op} compares numbers or strings only.`,
        );
      return `${f} ${filter.op} ${bind(v)}`;
    case 'in':
      if (!Array.isArray(v))
        throw new DocumentError(400, `Filter on "${filter.field}": "in" needs an array value.`);
      return v.length === 0 ? 'false' : `${f} IN (${v.map(bind).join(', ')})`;
    case 'startsWith':
      if (typeof v !== 'string')
        throw new DocumentError(400, `Filter on "${filter.field}": startsWith needs a string.`);
      return `STARTSWITH(${f}, ${bind(v)})`;
    case 'contains':
      // A string field: substring (CONTAINS). An array field: an equal element (ARRAY_CONTAINS).
      needsValue(filter);
      return typeof v === 'string'
        ? `(CONTAINS(${f}, ${bind(v)}) OR ARRAY_CONTAINS(${f}, ${bind(v)}))`
        : `ARRAY_CONTAINS(${f}, ${bind(v)})`;
    case 'exists':
      return `IS_DEFINED(${f})`;
    case 'notExists':
      return `NOT IS_DEFINED(${f})`;
    default:
      throw new DocumentError(400, `Unknown filter operator "${String((filter as Filter).op)}".`);
  }
}

/** A parameterized `SELECT * FROM c WHERE ... ORDER BY ...` for the port's query spec. */
export function querySql(spec: Pick<QuerySpec, 'where' | 'orderBy'>): SqlQuerySpec {
  const parameters: SqlParameter[] = [];
  const bind: Bind = (value) => {
    const name = `@p${parameters.length}`;
    parameters.push({ name, value: value as JSONValue });
    return name;
  };
  const where = (spec.where ?? []).map((f) => condition(f, bind));
  const order = (spec.orderBy ?? []).map((o) => {
    if (o.direction !== undefined && o.direction !== 'asc' && o.direction !== 'desc')
      throw new DocumentError(400, `Invalid order direction "${String(o.direction)}".`);
    return `${fieldRef(o.field)} ${o.direction === 'desc' ? 'DESC' : 'ASC'}`;
  });
  let query = 'SELECT * FROM c';
  if (where.length > 0) query += ` WHERE ${where.join(' AND ')}`;
  if (order.length > 0) query += ` ORDER BY ${order.join(', ')}`;
  return { query, parameters };
}

/** A patch filter predicate: `FROM c WHERE ...` with literal values. */
export function patchConditionSql(filters: Filter[]): string {
  const literal: Bind = (value) => {
    if (typeof value === 'number' && !Number.isFinite(value))
      throw new DocumentError(400, 'A condition value must be a JSON number.');
    return JSON.stringify(value);
  };
  return `FROM c WHERE ${filters.map((f) => condition(f, literal)).join(' AND ')}`;
}
