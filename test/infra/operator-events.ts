// Cross-checks the log queries of the compiled deployment (the Portal dashboard's tiles, the
// log-search alerts) against the operators' events the app declares (functions/lib/telemetry.ts):
// every event a query names is one the app writes, every field it reads (`e.<field>`) is one each
// of those events carries, with the type the query converts it to; and every event the app writes
// is read by some query. Returns the problems found; none means they fit.
import { z } from 'zod';
import { telemetryEvents } from '../../functions/lib/telemetry';
import type { Evaluation, Value } from './arm';

export type FieldType = 'string' | 'number';
/** Event name → its fields (the discriminator `event` left out) and their types. */
export type DeclaredEvents = Map<string, Map<string, FieldType>>;

/** What the app declares, read from its schemas. */
export function declaredEvents(): DeclaredEvents {
  const declared: DeclaredEvents = new Map();
  for (const schema of telemetryEvents) {
    const { event, ...fields } = schema.shape;
    const types = new Map<string, FieldType>();
    for (const [name, type] of Object.entries(fields))
      types.set(name, (type as z.ZodTypeAny) instanceof z.ZodNumber ? 'number' : 'string');
    declared.set(event.value, types);
  }
  return declared;
}

export interface LogQuery {
  /** `dashboard tile "Rents per minute"`, `alert projection-dead-letters`. */
  where: string;
  query: string;
}

function find(v: Value | undefined, key: string): Value | undefined {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return undefined;
  const k = Object.keys(v).find((x) => x.toLowerCase() === key.toLowerCase());
  return k === undefined ? undefined : v[k];
}
const list = (v: Value | undefined): Value[] => (Array.isArray(v) ? v : []);

/** Every log query of the deployed dashboards and scheduled-query alerts. */
export function logQueries(evaluation: Evaluation): LogQuery[] {
  const queries: LogQuery[] = [];
  for (const r of evaluation.resources) {
    if (r.deployed === false) continue;
    const type = r.type.toLowerCase();
    if (type === 'microsoft.portal/dashboards') {
      for (const lens of list(find(find(r.body, 'properties'), 'lenses')))
        for (const part of list(find(lens, 'parts'))) {
          const inputs = list(find(find(part, 'metadata'), 'inputs'));
          const input = (name: string) =>
            find(
              inputs.find((i) => find(i, 'name') === name),
              'value',
            );
          const query = input('Query');
          if (typeof query === 'string')
            queries.push({ where: `dashboard tile "${String(input('PartTitle'))}"`, query });
        }
    }
    if (type === 'microsoft.insights/scheduledqueryrules') {
      for (const criterion of list(find(find(find(r.body, 'properties'), 'criteria'), 'allOf'))) {
        const query = find(criterion, 'query');
        if (typeof query === 'string') queries.push({ where: `alert ${r.name}`, query });
      }
    }
  }
  return queries;
}

const NUMERIC = new Set(['todouble', 'toreal', 'toint', 'tolong', 'todecimal']);

/** The events a query selects and the fields it reads, as it spells them. */
export function readsOf(query: string): { events: string[]; fields: { name: string; as: string }[] } {
  const events = new Set<string>();
  for (const m of query.matchAll(/\bevent\s*==\s*"([^"]+)"/g)) events.add(m[1]);
  for (const m of query.matchAll(/\bevent\s+in\s*\(([^)]*)\)/g))
    for (const name of m[1].matchAll(/"([^"]+)"/g)) events.add(name[1]);
  for (const m of query.matchAll(/startswith\s*'\{"event":"([^"]+)"/g)) events.add(m[1]);
  const fields = [...query.matchAll(/\b(\w+)\(\s*e\.(\w+)\s*\)/g)]
    .map((m) => ({ name: m[2], as: m[1].toLowerCase() }))
    .filter((f) => f.name !== 'event');
  return { events: [...events], fields };
}

export function checkOperatorEvents(evaluation: Evaluation, declared: DeclaredEvents): string[] {
  const problems: string[] = [];
  const read = new Set<string>();
  const queries = logQueries(evaluation).filter((q) => /\btraces\b/.test(q.query));
  if (queries.length === 0) return ['no dashboard tile or alert queries the traces the app writes'];
  for (const { where, query } of queries) {
    const { events, fields } = readsOf(query);
    if (events.length === 0) {
      problems.push(`${where} queries traces but selects no event by name: ${query}`);
      continue;
    }
    for (const event of events) {
      read.add(event);
      const shape = declared.get(event);
      if (!shape) {
        problems.push(`${where} reads event "${event}", which the app does not write`);
        continue;
      }
      for (const field of fields) {
        const type = shape.get(field.name);
        if (!type) problems.push(`${where} reads e.${field.name}, which event "${event}" does not carry`);
        else if (NUMERIC.has(field.as) && type !== 'number')
          problems.push(
            `${where} reads e.${field.name} as a number (${field.as}); "${event}" writes a ${type}`,
          );
      }
    }
  }
  for (const event of declared.keys())
    if (!read.has(event))
      problems.push(`event "${event}" is written by the app but no dashboard tile or alert reads it`);
  return problems;
}
