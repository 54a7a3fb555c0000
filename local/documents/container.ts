// A container of the document store: the public DocumentContainer, each write one store transaction
// (nested in the caller's, if any) that grows the change feed. The work is done by its parts:
// items.ts (single items), batch.ts, query.ts and change-feed.ts.
import type { Database, Statement } from 'better-sqlite3';
import type { Doc } from '../../shared/app/ports';
import type { Clock } from '../host/clock';
import { count } from '../host/counters';
import type { Logger } from '../host/logger';
import { checkBatch, runBatch } from './batch';
import { ChangeFeed, type FeedTransactions } from './change-feed';
import { Items, type Lsn } from './items';
import { planQuery, runQuery, type QueryPlan } from './query';
import { createIndexes, type ContainerIndexes } from './schema';
import type {
  BatchOperation,
  BatchResult,
  ChangeFeedPage,
  ChangeFeedTextPage,
  ContainerDefinition,
  DocumentContainer,
  NewDocument,
  PatchOperation,
  PatchOptions,
  QueryPage,
  QuerySpec,
  StoredDocument,
  WriteOptions,
} from './types';

/** What a container shares with the store it belongs to. */
export interface ContainerContext {
  db: Database;
  clock: Clock;
  log: Logger | undefined;
  transactions: FeedTransactions;
}

export class Container implements DocumentContainer {
  readonly definition: ContainerDefinition;
  private readonly items: Items;
  private readonly feed: ChangeFeed;
  private readonly statements = new Map<string, Statement>();

  constructor(
    private readonly context: ContainerContext,
    readonly cid: number,
    readonly databaseId: string,
    definition: ContainerDefinition,
  ) {
    const { db, clock, log } = context;
    this.definition = {
      ...definition,
      indexedPaths: [...(definition.indexedPaths ?? [])],
      filterOnlyPaths: [...(definition.filterOnlyPaths ?? [])],
    };
    this.items = new Items(db, { cid, definition: this.definition, clock });
    this.feed = new ChangeFeed(db, { cid, name: `${databaseId}/${definition.id}`, clock, log });
    createIndexes(db, cid, this.definition);
  }

  /** Adds the paths to the container's definition and indexes them (idempotent). */
  addIndexes(added: ContainerIndexes): void {
    for (const list of ['indexedPaths', 'filterOnlyPaths'] as const) {
      const paths = (this.definition[list] ??= []);
      for (const field of added[list] ?? []) if (!paths.includes(field)) paths.push(field);
    }
    createIndexes(this.context.db, this.cid, this.definition);
  }

  read<T extends Doc = NewDocument>(partitionKey: string, id: string): StoredDocument<T> | undefined {
    return this.items.read<T>({ partitionKey, id });
  }

  create<T extends Doc>(doc: T): StoredDocument<T> {
    return this.write((lsn) => this.items.create(doc, lsn));
  }

  replace<T extends Doc>(
    partitionKey: string,
    id: string,
    doc: T,
    options?: WriteOptions,
  ): StoredDocument<T> {
    return this.write((lsn) => this.items.replace({ partitionKey, id, doc, ifMatch: options?.ifMatch }, lsn));
  }

  upsert<T extends Doc>(doc: T, options?: WriteOptions): StoredDocument<T> {
    return this.write((lsn) => this.items.upsert({ doc, ifMatch: options?.ifMatch }, lsn).doc);
  }

  delete(partitionKey: string, id: string, options?: WriteOptions): void {
    // A delete is not a change-feed event (LatestVersion mode).
    this.context.transactions.run(() => this.items.delete({ partitionKey, id, ifMatch: options?.ifMatch }));
  }

  patch<T extends Doc = NewDocument>(
    partitionKey: string,
    id: string,
    operations: PatchOperation[],
    options?: PatchOptions,
  ): StoredDocument<T> {
    return this.write((lsn) => this.items.patch<T>({ partitionKey, id, operations, ...options }, lsn));
  }

  batch(partitionKey: string, operations: BatchOperation[]): BatchResult[] {
    checkBatch(this.items, partitionKey, operations);
    return runBatch({ items: this.items, partitionKey, operations, transaction: (fn) => this.write(fn) });
  }

  query<T extends Doc = NewDocument>(spec: QuerySpec): QueryPage<T> {
    const plan = this.plan(spec);
    const page = runQuery<T>(plan, this.statement(plan.sql));
    count(`documents.query.${this.definition.id}`);
    count(`documents.queryItems.${this.definition.id}`, page.items.length);
    return page;
  }

  explain(spec: QuerySpec): string[] {
    const plan = this.plan(spec);
    const rows = this.context.db.prepare(`EXPLAIN QUERY PLAN ${plan.sql}`).all(...plan.params) as {
      detail: string;
    }[];
    return rows.map((r) => r.detail);
  }

  readChangeFeed(afterLsn: number, maxItems: number): ChangeFeedPage {
    return this.feed.read(afterLsn, maxItems);
  }

  readChangeFeedText(afterLsn: number, maxItems: number): ChangeFeedTextPage {
    return this.feed.readText(afterLsn, maxItems);
  }

  latestLsn(): number {
    return this.feed.latestLsn();
  }

  lsnAt(timeMs: number): number {
    return this.feed.lsnAt(timeMs);
  }

  onChange(listener: () => void): () => void {
    return this.feed.onChange(listener);
  }

  /** One transaction: every item it writes shares one change-feed position, and the feed grows. */
  private write<T>(fn: (lsn: Lsn) => T): T {
    const { transactions } = this.context;
    const lsn = this.feed.lsnSource();
    try {
      return transactions.run(() => {
        const result = fn(lsn);
        transactions.grew(this.feed);
        return result;
      });
    } catch (err) {
      lsn.release();
      throw err;
    }
  }

  private plan(spec: QuerySpec): QueryPlan {
    const target = {
      cid: this.cid,
      indexes: this.definition,
      now: this.context.clock.now(),
    };
    return planQuery(spec, target);
  }

  private statement(sql: string): Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      if (this.statements.size >= 256) this.statements.clear(); // bounded: query shapes are few in practice
      statement = this.context.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }
}
