// The document store (Cosmos DB NoSQL stand-in) on the host's SQLite file: its containers, created
// on first use and found again after a restart. Where each part lives:
//   schema.ts        tables, container definitions and their indexes
//   container.ts     a container's public API, each write one transaction
//   items.ts         single-item reads and writes, with their checks
//   batch.ts         transactional batches
//   query.ts         query planning and paging
//   change-feed.ts   change-feed positions, reads and listeners
import type { Database, Statement } from 'better-sqlite3';
import type { Clock } from '../host/clock';
import type { Logger } from '../host/logger';
import { announce, onWakeup } from '../host/wakeups';
import { faultPlan, type FaultPlan } from '../faults/plan';
import { FeedTransactions } from './change-feed';
import { Container, type ContainerContext } from './container';
import { checkDefinition, cleanDefinition, SCHEMA, type ContainerIndexes } from './schema';
import {
  DocumentStoreError,
  type ContainerDefinition,
  type DocumentContainer,
  type DocumentStore,
} from './types';

class Store implements DocumentStore {
  private readonly containers = new Map<string, Container>();
  private readonly createdListeners = new Set<(c: DocumentContainer) => void>();
  private readonly context: ContainerContext;
  private readonly findContainer: Statement;
  private readonly insertContainer: Statement;
  private readonly updateDefinition: Statement;
  private readonly purge: Statement;
  readonly faults: FaultPlan;

  constructor(db: Database, clock: Clock, log: Logger | undefined) {
    db.exec(SCHEMA);
    this.faults = faultPlan(db);
    this.context = { db, clock, log, transactions: new FeedTransactions(db), faults: this.faults };
    this.findContainer = db.prepare(
      'SELECT cid, definition FROM doc_containers WHERE database_id = ? AND container_id = ?',
    );
    this.insertContainer = db
      .prepare(
        'INSERT INTO doc_containers (database_id, container_id, definition) VALUES (?, ?, ?) ' +
          'ON CONFLICT (database_id, container_id) DO NOTHING RETURNING cid',
      )
      .pluck();
    this.updateDefinition = db.prepare('UPDATE doc_containers SET definition = ? WHERE cid = ?');
    this.purge = db.prepare('DELETE FROM doc_items WHERE expires_at IS NOT NULL AND expires_at <= ?');
    // A container created on another thread of the host (its own connection) is news here too.
    onWakeup(db, 'container-created', (key) => {
      const slash = key.indexOf('/');
      const container = this.container(key.slice(0, slash), key.slice(slash + 1));
      if (container) this.created(container);
    });
  }

  createContainerIfNotExists(databaseId: string, definition: ContainerDefinition): DocumentContainer {
    checkDefinition(databaseId, definition);
    const existing = this.container(databaseId, definition.id) as Container | undefined;
    if (existing) {
      if (existing.definition.partitionKeyPath !== definition.partitionKeyPath) {
        throw new DocumentStoreError(
          400,
          `Container ${databaseId}/${definition.id} has partition key ${existing.definition.partitionKeyPath}, not ${definition.partitionKeyPath}.`,
        );
      }
      const isNew = (list: keyof ContainerIndexes) =>
        (definition[list] ?? []).filter((p) => !existing.definition[list]?.includes(p));
      const added = { indexedPaths: isNew('indexedPaths'), filterOnlyPaths: isNew('filterOnlyPaths') };
      const anyAdded = added.indexedPaths.length + added.filterOnlyPaths.length > 0;
      if (anyAdded) existing.addIndexes(added);
      // As in Cosmos, a container's default TTL can be turned on or changed later (it applies from
      // the next write of each item).
      const ttlChanged =
        definition.defaultTtl !== undefined && definition.defaultTtl !== existing.definition.defaultTtl;
      if (ttlChanged) existing.definition.defaultTtl = definition.defaultTtl;
      if (anyAdded || ttlChanged) {
        this.updateDefinition.run(JSON.stringify(existing.definition), existing.cid);
      }
      return existing;
    }
    const clean = cleanDefinition(definition);
    const cid = this.insertContainer.get(databaseId, definition.id, JSON.stringify(clean)) as
      number | undefined;
    // Another thread of the host created it between the look above and this write (the write waited
    // for that thread's commit): it exists now, and is taken as an existing one.
    if (cid === undefined) return this.createContainerIfNotExists(databaseId, definition);
    const container = new Container(this.context, cid, databaseId, clean);
    this.containers.set(`${databaseId}/${definition.id}`, container);
    announce(this.context.db, 'container-created', `${databaseId}/${definition.id}`);
    this.created(container);
    return container;
  }

  private created(container: DocumentContainer): void {
    for (const listener of [...this.createdListeners]) {
      try {
        listener(container);
      } catch (err) {
        this.context.log?.error(`A container-created listener threw`, err);
      }
    }
  }

  container(databaseId: string, containerId: string): DocumentContainer | undefined {
    const key = `${databaseId}/${containerId}`;
    const cached = this.containers.get(key);
    if (cached) return cached;
    const row = this.findContainer.get(databaseId, containerId) as
      { cid: number; definition: string } | undefined;
    if (!row) return undefined;
    const definition = JSON.parse(row.definition) as ContainerDefinition;
    const container = new Container(this.context, row.cid, databaseId, definition);
    this.containers.set(key, container);
    return container;
  }

  onContainerCreated(listener: (container: DocumentContainer) => void): () => void {
    this.createdListeners.add(listener);
    return () => this.createdListeners.delete(listener);
  }

  purgeExpired(): number {
    return this.purge.run(this.context.clock.now()).changes;
  }

  transaction<T>(fn: () => T): T {
    return this.context.transactions.run(fn);
  }
}

export function createDocumentStore(db: Database, clock: Clock, log?: Logger): DocumentStore {
  return new Store(db, clock, log);
}
