// One container's items: reading the live version of an item and the single-item writes (create,
// replace, upsert, delete, patch) with their checks — key and partition, etag, patch condition,
// size, TTL — and the system properties every write sets. Callers run these inside a store
// transaction and give each write its change-feed position (`lsn`).
import { randomUUID } from 'node:crypto';
import type { Database, Statement } from 'better-sqlite3';
import type { Clock } from '../host/clock';
import { count } from '../host/counters';
import { matchesFilter } from './filters';
import { applyPatch } from './patch';
import { partitionKeySegments, valueAt } from './paths';
import { checkName, checkTtl } from './schema';
import {
  DocumentStoreError,
  type ContainerDefinition,
  type NewDocument,
  type PatchOperation,
  type PatchOptions,
  type StoredDocument,
} from './types';
import type { Doc } from '../../shared/app/ports';

const MAX_DOCUMENT_BYTES = 2 * 1024 * 1024;
/** Properties Cosmos owns: ignored on input, set on every write. */
const SYSTEM_PROPERTIES = new Set(['_rid', '_self', '_etag', '_attachments', '_ts', '_lsn']);

interface Row {
  body: string;
  etag: string;
  expires_at: number | null;
}

export interface ItemKey {
  partitionKey: string;
  id: string;
}

/** The container's change-feed position for the transaction a write belongs to. */
export type Lsn = () => number;

/**
 * The store's key for an item's partition-key value, as Cosmos DB accepts them: a string is itself;
 * a number, boolean or null is its JSON after a NUL, and a missing value is the "none" partition
 * (`\0none`), so no string value shares their partitions. Objects and arrays are refused, as is a
 * string starting with NUL.
 */
export function partitionKeyText(value: unknown, id: string): string {
  if (typeof value === 'string') {
    if (value.startsWith('\0'))
      throw new DocumentStoreError(400, `The partition key of "${id}" starts with NUL.`);
    return value;
  }
  if (value === undefined) return '\0none';
  if (value === null || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value)))
    return `\0${JSON.stringify(value)}`;
  throw new DocumentStoreError(
    400,
    `The partition key of "${id}" must be a string, number, boolean or null (or missing), not ${JSON.stringify(value)}.`,
  );
}

export class Items {
  private readonly pkSegments: string[];
  private readonly selectRow: Statement;
  private readonly selectMeta: Statement;
  private readonly writeRow: Statement;
  private readonly deleteRow: Statement;
  /** The names this container's operations are counted under (../host/counters.ts). */
  private readonly counted: Record<'read' | 'readBytes' | 'write' | 'writeBytes' | 'delete', string>;

  constructor(
    db: Database,
    private readonly container: { cid: number; definition: ContainerDefinition; clock: Clock },
  ) {
    const { cid, definition } = container;
    this.pkSegments = partitionKeySegments(definition.partitionKeyPath);
    const counted = (what: string) => `documents.${what}.${definition.id}`;
    this.counted = {
      read: counted('read'),
      readBytes: counted('readBytes'),
      write: counted('write'),
      writeBytes: counted('writeBytes'),
      delete: counted('delete'),
    };
    const c = `cid = ${cid}`;
    this.selectRow = db.prepare(
      `SELECT body, etag, expires_at FROM doc_items WHERE ${c} AND pk = ? AND id = ?`,
    );
    this.selectMeta = db.prepare(`SELECT etag, expires_at FROM doc_items WHERE ${c} AND pk = ? AND id = ?`);
    this.writeRow = db.prepare(
      `INSERT INTO doc_items (cid, pk, id, body, etag, lsn, expires_at) VALUES (${cid}, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (cid, pk, id) DO UPDATE SET body = excluded.body, etag = excluded.etag, lsn = excluded.lsn,
         expires_at = excluded.expires_at`,
    );
    this.deleteRow = db.prepare(`DELETE FROM doc_items WHERE ${c} AND pk = ? AND id = ?`);
  }

  read<T extends Doc = NewDocument>(key: ItemKey): StoredDocument<T> | undefined {
    const row = this.liveRow(key);
    count(this.counted.read);
    if (!row) return undefined;
    count(this.counted.readBytes, row.body.length);
    return JSON.parse(row.body) as StoredDocument<T>;
  }

  /** The item's partition key and id; 400 when it is not a JSON object with both. */
  keyOf(doc: Doc): ItemKey {
    if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
      throw new DocumentStoreError(400, 'A document must be a JSON object.');
    }
    checkName('id', doc.id);
    return { partitionKey: partitionKeyText(valueAt(doc, this.pkSegments), doc.id), id: doc.id };
  }

  create<T extends Doc>(doc: T, lsn: Lsn): StoredDocument<T> {
    const key = this.keyOf(doc);
    if (this.liveMeta(key))
      throw new DocumentStoreError(409, `An item with id "${key.id}" already exists in that partition.`);
    return this.persist(key, doc, lsn);
  }

  replace<T extends Doc>(target: ItemKey & { doc: T; ifMatch?: string }, lsn: Lsn): StoredDocument<T> {
    const { partitionKey, id } = target;
    const key = this.keyOf(target.doc);
    if (key.id !== id) throw new DocumentStoreError(400, `The document's id "${key.id}" is not "${id}".`);
    if (key.partitionKey !== partitionKey)
      throw new DocumentStoreError(400, 'The document belongs to another partition.');
    this.current(target, (key) => this.liveMeta(key));
    return this.persist(key, target.doc, lsn);
  }

  upsert<T extends Doc>(
    target: { doc: T; ifMatch?: string },
    lsn: Lsn,
  ): { doc: StoredDocument<T>; created: boolean } {
    const key = this.keyOf(target.doc);
    const current = this.liveMeta(key);
    if (target.ifMatch !== undefined) this.current({ ...key, ifMatch: target.ifMatch }, () => current);
    return { doc: this.persist(key, target.doc, lsn), created: !current };
  }

  delete(target: ItemKey & { ifMatch?: string }): void {
    this.current(target, (key) => this.liveMeta(key));
    this.deleteRow.run(target.partitionKey, target.id);
    count(this.counted.delete);
  }

  patch<T extends Doc = NewDocument>(
    target: ItemKey & PatchOptions & { operations: PatchOperation[] },
    lsn: Lsn,
  ): StoredDocument<T> {
    const current = this.current(target, (key) => this.liveRow(key));
    const doc = JSON.parse(current.body) as NewDocument;
    if (target.condition && !target.condition.every((f) => matchesFilter(doc, f))) {
      throw new DocumentStoreError(412, `The patch condition does not hold for "${target.id}".`);
    }
    applyPatch(doc, target.operations, this.container.definition.partitionKeyPath);
    return this.persist(target, doc as T, lsn);
  }

  /** The live item a conditional write needs: 404 when absent, 412 when `ifMatch` is stale. */
  private current<R extends Omit<Row, 'body'>>(
    target: ItemKey & { ifMatch?: string },
    find: (key: ItemKey) => R | undefined,
  ): R {
    const found = find(target);
    if (!found) throw new DocumentStoreError(404, `No item "${target.id}" in that partition.`);
    if (target.ifMatch !== undefined && found.etag !== target.ifMatch)
      throw new DocumentStoreError(412, `The item "${target.id}" has changed.`);
    return found;
  }

  private liveRow(key: ItemKey): Row | undefined {
    return this.live(this.selectRow.get(key.partitionKey, key.id) as Row | undefined);
  }

  private liveMeta(key: ItemKey): Omit<Row, 'body'> | undefined {
    return this.live(this.selectMeta.get(key.partitionKey, key.id) as Omit<Row, 'body'> | undefined);
  }

  private live<R extends { expires_at: number | null }>(row: R | undefined): R | undefined {
    return row && (row.expires_at === null || row.expires_at > this.container.clock.now()) ? row : undefined;
  }

  /** Seconds to live after the write, or null for never (Cosmos TTL rules). */
  private ttlOf(doc: Record<string, unknown>): number | null {
    const defaultTtl = this.container.definition.defaultTtl;
    if (defaultTtl === undefined) return null; // TTL off: an item's own `ttl` has no effect (as in Cosmos)
    const ttl = doc.ttl === undefined || doc.ttl === null ? defaultTtl : checkTtl(doc.ttl, 'An item ttl');
    return ttl === -1 ? null : ttl;
  }

  private persist<T extends Doc>(key: ItemKey, doc: T, lsn: Lsn): StoredDocument<T> {
    const { partitionKey, id } = key;
    const stored: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(doc)) if (!SYSTEM_PROPERTIES.has(k)) stored[k] = v;
    const ttl = this.ttlOf(stored);
    const ts = Math.floor(this.container.clock.now() / 1000);
    const etag = `"${randomUUID()}"`;
    stored.id = id;
    stored._etag = etag;
    stored._ts = ts;
    stored._lsn = lsn();
    const body = JSON.stringify(stored);
    if (body.length * 3 > MAX_DOCUMENT_BYTES && Buffer.byteLength(body) > MAX_DOCUMENT_BYTES) {
      throw new DocumentStoreError(413, `The document "${id}" is larger than 2 MB.`);
    }
    // Cosmos measures TTL from the item's _ts.
    this.writeRow.run(partitionKey, id, body, etag, stored._lsn, ttl === null ? null : (ts + ttl) * 1000);
    count(this.counted.write);
    count(this.counted.writeBytes, body.length);
    return JSON.parse(body) as StoredDocument<T>;
  }
}
