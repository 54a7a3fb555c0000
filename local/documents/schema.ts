// The document store's tables, what a container definition may hold, and each container's indexes.
// One row per item: (container, partition key, id) is the primary key, the document is kept as JSON
// text, `lsn` is its change-feed position and `expires_at` its TTL deadline on the host clock. An
// indexed path gets a partial expression index of its container (`WHERE cid = N`), which is why
// statements splice the container's number in as a literal; a filter-only path one over the items
// that have the field (`... AND <field> IS NOT NULL`).
import { createHash } from 'node:crypto';
import type { Database } from 'better-sqlite3';
import { fieldExpr } from './filters';
import { fieldSegments, partitionKeySegments } from './paths';
import { DocumentStoreError, type ContainerDefinition } from './types';

export const SCHEMA = `
CREATE TABLE IF NOT EXISTS doc_containers (
  cid INTEGER PRIMARY KEY,
  database_id TEXT NOT NULL,
  container_id TEXT NOT NULL,
  definition TEXT NOT NULL,
  last_lsn INTEGER NOT NULL DEFAULT 0,
  UNIQUE (database_id, container_id)
);
CREATE TABLE IF NOT EXISTS doc_items (
  cid INTEGER NOT NULL,
  pk TEXT NOT NULL,
  id TEXT NOT NULL,
  body TEXT NOT NULL,
  etag TEXT NOT NULL,
  lsn INTEGER NOT NULL,
  expires_at INTEGER,
  PRIMARY KEY (cid, pk, id)
);
CREATE INDEX IF NOT EXISTS doc_items_feed ON doc_items (cid, lsn, pk, id);
CREATE INDEX IF NOT EXISTS doc_items_expiry ON doc_items (expires_at) WHERE expires_at IS NOT NULL;
`;

/** The SQL condition "this row has not expired", with the time as its one parameter. */
export const LIVE = '(expires_at IS NULL OR expires_at > ?)';

export function checkName(kind: string, name: string): void {
  if (
    typeof name !== 'string' ||
    name === '' ||
    name.length > 255 ||
    /[/\\?#]/.test(name) ||
    name.endsWith(' ')
  ) {
    throw new DocumentStoreError(400, `Invalid ${kind} "${String(name)}".`);
  }
}

export function checkTtl(ttl: unknown, what: string): number {
  if (typeof ttl !== 'number' || !Number.isInteger(ttl) || ttl === 0 || ttl < -1) {
    throw new DocumentStoreError(
      400,
      `${what} must be a positive whole number of seconds or -1 (got ${String(ttl)}).`,
    );
  }
  return ttl;
}

/** Throws a 400 for a definition the store cannot hold. */
export function checkDefinition(databaseId: string, definition: ContainerDefinition): void {
  checkName('database id', databaseId);
  checkName('container id', definition?.id);
  partitionKeySegments(definition.partitionKeyPath);
  if (definition.defaultTtl !== undefined) checkTtl(definition.defaultTtl, 'A container defaultTtl');
  (definition.indexedPaths ?? []).forEach(fieldSegments);
  (definition.filterOnlyPaths ?? []).forEach(fieldSegments);
}

/** The definition as stored: only the known fields, each indexed path once. */
export function cleanDefinition(definition: ContainerDefinition): ContainerDefinition {
  return {
    id: definition.id,
    partitionKeyPath: definition.partitionKeyPath,
    ...(definition.defaultTtl !== undefined ? { defaultTtl: definition.defaultTtl } : {}),
    indexedPaths: [...new Set(definition.indexedPaths ?? [])],
    filterOnlyPaths: [...new Set(definition.filterOnlyPaths ?? [])],
  };
}

/** The paths a container indexes, in full or over the items that have them. */
export type ContainerIndexes = Pick<ContainerDefinition, 'indexedPaths' | 'filterOnlyPaths'>;

/** How a path is indexed: every item of the container, or only those that have the field. */
export type IndexKind = 'full' | 'present';

export function indexName(cid: number, field: string, kind: IndexKind = 'full'): string {
  const name = `doc_ix_${cid}_${createHash('sha1').update(field).digest('hex').slice(0, 12)}`;
  return kind === 'full' ? name : `${name}_p`;
}

/** The index serving `field` in a container, if it has one. */
export function indexOf(definition: ContainerIndexes, field: string): IndexKind | undefined {
  if (definition.indexedPaths?.includes(field)) return 'full';
  if (definition.filterOnlyPaths?.includes(field)) return 'present';
  return undefined;
}

/**
 * Creates container `cid`'s partial expression indexes (idempotent): over all its items for an
 * indexed path, over the items that have the field for a filter-only one.
 */
export function createIndexes(db: Database, cid: number, definition: ContainerIndexes): void {
  const paths = [...(definition.indexedPaths ?? []), ...(definition.filterOnlyPaths ?? [])];
  for (const field of paths) {
    fieldSegments(field); // validates before the path is spliced into SQL
    const kind = indexOf(definition, field)!;
    const present = kind === 'present' ? ` AND ${fieldExpr(field)} IS NOT NULL` : '';
    db.exec(
      `CREATE INDEX IF NOT EXISTS ${indexName(cid, field, kind)} ON doc_items (${fieldExpr(field)}, pk, id) WHERE cid = ${cid}${present}`,
    );
  }
}
