// Field paths in two spellings: dotted query fields (`due.at`, `items.0.id`) that become SQLite JSON
// paths, and Cosmos patch paths (JSON Pointer style, `/due/at`, `/items/-`).
import { DocumentStoreError } from './types';

export type Segment = string | number;

const NAME = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
const INDEX = /^(0|[1-9][0-9]*)$/;

/**
 * Splits a dotted field into segments; numeric segments index arrays. Names are restricted to
 * identifier characters because they are spliced into SQL text (as JSON path literals), which is
 * what lets SQLite match a query's expression to an expression index.
 */
export function fieldSegments(field: string): Segment[] {
  if (typeof field !== 'string' || field === '')
    throw new DocumentStoreError(400, 'A query field must be a non-empty string.');
  return field.split('.').map((part) => {
    if (INDEX.test(part)) return Number(part);
    if (NAME.test(part)) return part;
    throw new DocumentStoreError(
      400,
      `Unsupported field "${field}": use dotted identifiers such as "status" or "due.at".`,
    );
  });
}

/** The SQLite JSON path of a dotted field, e.g. `$."due"."at"`, `$."items"[0]`. */
export function sqlJsonPath(field: string): string {
  return (
    '$' +
    fieldSegments(field)
      .map((s) => (typeof s === 'number' ? `[${s}]` : `."${s}"`))
      .join('')
  );
}

/** The value at a dotted field (undefined when any step is missing). */
export function valueAt(doc: unknown, segments: readonly Segment[]): unknown {
  let at: unknown = doc;
  for (const s of segments) {
    if (typeof s === 'number') {
      if (!Array.isArray(at)) return undefined;
      at = at[s];
    } else {
      if (at === null || typeof at !== 'object' || Array.isArray(at) || !Object.hasOwn(at, s))
        return undefined;
      at = (at as Record<string, unknown>)[s];
    }
  }
  return at;
}

/** Parses a patch path (`/a/b/0`, `/list/-`); `~1` and `~0` unescape to `/` and `~` as in JSON Pointer. */
export function pointerSegments(path: string): string[] {
  if (typeof path !== 'string' || !path.startsWith('/') || path === '/') {
    throw new DocumentStoreError(
      400,
      `Invalid patch path "${String(path)}": it must look like "/field" or "/a/b".`,
    );
  }
  return path
    .slice(1)
    .split('/')
    .map((raw) => {
      const s = raw.replace(/~1/g, '/').replace(/~0/g, '~');
      if (s === '' || s === '__proto__') throw new DocumentStoreError(400, `Invalid patch path "${path}".`);
      return s;
    });
}

/** Segments of a partition key path such as `/memberId` or `/a/b`. */
export function partitionKeySegments(path: string): string[] {
  if (typeof path !== 'string' || !/^(\/[^/]+)+$/.test(path)) {
    throw new DocumentStoreError(
      400,
      `Invalid partition key path "${String(path)}": it must look like "/field".`,
    );
  }
  return path.slice(1).split('/');
}
