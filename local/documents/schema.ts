// The document store's tables, what a container definition may hold, and each container's indexes.
// One row per item: (container, partition key, id) is the primary key, the document is kept as JSON
// text, `lsn` is its change-feed position and `expires_at` its TTL deadline on the host clock. An
// indexed path gets a partial expression index of its container (`WHERE cid = N`), which is why
// statements splice the container's number in as a literal.
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
}

/** The definition as stored: only the known fields, each indexed path once. */
export function cleanDefinition(definition: ContainerDefinition): ContainerDefinition {
  return {
    id: definition.id,
    partitionKeyPath: definition.partitionKeyPath,
    ...(definition.defaultTtl !== undefined ? { defaultTtl: definition.defaultTtl } : {}),
    indexedPaths: [...new Set(definition.indexedPaths ?? [])],
  };
}

export function indexName(cid: number, field: string): string {
  return `doc_ix_${cid}_${createHash('sha1').update(field).digest('hex').slice(0, 12)}`;
}

/** Creates container `cid`'s partial expression index for each path (idempotent). */
export function createIndexes(db: Database, cid: number, paths: string[]): void {
  for (const field of paths) {
    fieldSegments(field); // validates before the path is spliced into SQL
    db.exec(
      `CREATE INDEX IF NOT EXISTS ${indexName(cid, field)} ON doc_items (${fieldExpr(field)}, pk, id) WHERE cid = ${cid}`,
    );
  }
}
