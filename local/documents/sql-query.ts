// The Cosmos DB input binding's `sqlQuery`, for the shapes the document store can answer:
//   SELECT * FROM c [WHERE <condition> [AND <condition>]...] [ORDER BY c.<path> [ASC|DESC], ...]
// where a condition is `c.<path> <op> <value>` (=, !=, <>, <, <=, >, >=), `STARTSWITH(c.<path>, <value>)`,
// `CONTAINS(c.<path>, <value>)`, `IS_DEFINED(c.<path>)` or `NOT IS_DEFINED(c.<path>)`, and a value
// is a string, number, true, false, null or a binding expression `{name}`. As the Cosmos DB
// extension does, a binding expression becomes a query parameter holding the resolved text (so
// `c.age = {age}` compares with the string "5"), never text spliced into the query. Any other
// query is refused, naming what the local host understands.
import type { Filter, FilterOp } from '../../shared/app/ports';

export interface ParsedSqlQuery {
  where: Filter[];
  orderBy: { field: string; direction: 'asc' | 'desc' }[];
}

const SUPPORTED =
  'the local host understands SELECT * FROM c [WHERE c.<path> <op> <value> [AND ...]] [ORDER BY c.<path> [ASC|DESC]], ' +
  'with =, !=, <, <=, >, >=, STARTSWITH, CONTAINS, IS_DEFINED and NOT IS_DEFINED';

const TOKEN = /\s*('(?:[^'\\]|\\.)*'|\{[^{}]+\}|-?\d+(?:\.\d+)?|<>|!=|<=|>=|[=<>(),*]|[A-Za-z_][\w.]*)/y;

function tokenize(sql: string): string[] {
  const tokens: string[] = [];
  TOKEN.lastIndex = 0;
  let m: RegExpExecArray | null;
  while (TOKEN.lastIndex < sql.length && (m = TOKEN.exec(sql))) tokens.push(m[1]);
  if (sql.slice(TOKEN.lastIndex).trim() !== '') throw new Error(`sqlQuery "${sql}": ${SUPPORTED}.`);
  return tokens;
}

/** Parses `sql`; `param` gives each `{name}` its value (the resolved text). */
export function parseSqlQuery(sql: string, param: (name: string) => unknown): ParsedSqlQuery {
  const t = tokenize(sql);
  let i = 0;
  const fail = (): never => {
    throw new Error(`sqlQuery "${sql}": ${SUPPORTED}.`);
  };
  const word = (w: string): boolean => (t[i]?.toUpperCase() === w ? (i++, true) : false);
  const expect = (w: string): void => void (word(w) || fail());
  expect('SELECT');
  expect('*');
  expect('FROM');
  const alias = t[i++] ?? fail();
  if (!/^[A-Za-z_]\w*$/.test(alias)) fail();
  const path = (): string => {
    const p = t[i++] ?? '';
    return p.startsWith(`${alias}.`) && p.length > alias.length + 1 ? p.slice(alias.length + 1) : fail();
  };
  const value = (): unknown => {
    const v = t[i++] ?? fail();
    if (v.startsWith("'")) return v.slice(1, -1).replace(/\\(.)/g, '$1');
    if (v.startsWith('{')) return param(v.slice(1, -1));
    if (/^-?\d/.test(v)) return Number(v);
    const literal = { TRUE: true, FALSE: false, NULL: null }[v.toUpperCase()];
    return literal === undefined ? fail() : literal;
  };
  const ops: Record<string, FilterOp> = {
    '=': '=',
    '!=': '!=',
    '<>': '!=',
    '<': '<',
    '<=': '<=',
    '>': '>',
    '>=': '>=',
  };
  const where: Filter[] = [];
  if (word('WHERE')) {
    do {
      const negated = word('NOT');
      const fn = t[i]?.toUpperCase();
      if (fn === 'STARTSWITH' || fn === 'CONTAINS' || fn === 'IS_DEFINED') {
        i++;
        expect('(');
        const field = path();
        if (fn === 'IS_DEFINED') {
          expect(')');
          where.push({ field, op: negated ? 'notExists' : 'exists' });
          continue;
        }
        expect(',');
        const v = value();
        expect(')');
        if (negated) fail();
        where.push({ field, op: fn === 'STARTSWITH' ? 'startsWith' : 'contains', value: v });
        continue;
      }
      if (negated) fail();
      const field = path();
      const op = ops[t[i++] ?? ''] ?? fail();
      where.push({ field, op, value: value() });
    } while (word('AND'));
  }
  const orderBy: ParsedSqlQuery['orderBy'] = [];
  if (word('ORDER')) {
    expect('BY');
    do {
      const field = path();
      orderBy.push({ field, direction: word('DESC') ? 'desc' : (word('ASC'), 'asc') });
    } while (word(','));
  }
  if (i !== t.length) fail();
  return { where, orderBy };
}
