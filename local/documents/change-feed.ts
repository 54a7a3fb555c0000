// The change feed (Cosmos LatestVersion mode): each write gives an item the container's next `_lsn`
// (one for all items of a transaction), the feed lists the latest version of changed items in `_lsn`
// order, and listeners hear of new changes once the outermost store transaction has committed.
import type { Database, Statement } from 'better-sqlite3';
import type { Clock } from '../host/clock';
import type { Logger } from '../host/logger';
import { LIVE } from './schema';
import {
  DocumentStoreError,
  type ChangeFeedPage,
  type ChangeFeedTextPage,
  type StoredDocument,
} from './types';

/** One container's feed. */
export class ChangeFeed {
  private readonly listeners = new Set<() => void>();
  private readonly nextLsnStatement: Statement;
  private readonly latestLsnStatement: Statement;
  private readonly lsnAtStatement: Statement;
  private readonly feed: Statement;
  private readonly feedAt: Statement;

  constructor(
    db: Database,
    private readonly container: { cid: number; name: string; clock: Clock; log: Logger | undefined },
  ) {
    const c = `cid = ${container.cid}`;
    this.nextLsnStatement = db
      .prepare(`UPDATE doc_containers SET last_lsn = last_lsn + 1 WHERE ${c} RETURNING last_lsn`)
      .pluck();
    this.latestLsnStatement = db.prepare(`SELECT last_lsn FROM doc_containers WHERE ${c}`).pluck();
    this.lsnAtStatement = db
      .prepare(`SELECT COALESCE(MAX(lsn), 0) FROM doc_items WHERE ${c} AND json_extract(body, '$._ts') < ?`)
      .pluck();
    this.feed = db.prepare(
      `SELECT body, lsn FROM doc_items WHERE ${c} AND lsn > ? AND ${LIVE} ORDER BY lsn, pk, id LIMIT ?`,
    );
    this.feedAt = db
      .prepare(`SELECT body FROM doc_items WHERE ${c} AND lsn = ? AND ${LIVE} ORDER BY pk, id`)
      .pluck();
  }

  /** For one transaction: allocates the container's next `_lsn` on first use, then keeps returning it. */
  lsnSource(): () => number {
    let lsn: number | undefined;
    return () => (lsn ??= this.nextLsnStatement.get() as number);
  }

  read(afterLsn: number, maxItems: number): ChangeFeedPage {
    const page = this.readText(afterLsn, maxItems);
    return { items: page.bodies.map((b) => JSON.parse(b) as StoredDocument), lastLsn: page.lastLsn };
  }

  /** As `read`, with each item as the JSON text it is stored as (for a trigger to pass on unparsed). */
  readText(afterLsn: number, maxItems: number): ChangeFeedTextPage {
    if (!Number.isInteger(maxItems) || maxItems < 1)
      throw new DocumentStoreError(400, `Invalid maxItems ${maxItems}.`);
    const now = this.container.clock.now();
    const rows = this.feed.all(afterLsn, now, maxItems) as { body: string; lsn: number }[];
    if (rows.length === 0) return { bodies: [], lastLsn: afterLsn };
    const lastLsn = rows[rows.length - 1].lsn;
    if (rows.length < maxItems) return { bodies: rows.map((r) => r.body), lastLsn };
    // Never split the items of one transaction (a batch shares one _lsn) across pages: Cosmos
    // returns them together even when that exceeds the page size.
    const bodies = [
      ...rows.filter((r) => r.lsn < lastLsn).map((r) => r.body),
      ...(this.feedAt.all(lastLsn, now) as string[]),
    ];
    return { bodies, lastLsn };
  }

  latestLsn(): number {
    return this.latestLsnStatement.get() as number;
  }

  lsnAt(timeMs: number): number {
    return this.lsnAtStatement.get(Math.floor(timeMs / 1000)) as number;
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Tells the listeners the feed grew. */
  emit(): void {
    for (const listener of [...this.listeners]) {
      try {
        listener();
      } catch (err) {
        this.container.log?.error(`A change-feed listener of ${this.container.name} threw`, err);
      }
    }
  }
}

/**
 * Store transactions that nest (better-sqlite3 runs an inner one as a savepoint), and the feeds they
 * grew: their listeners are told when the outermost one has committed, and not for a rollback.
 */
export class FeedTransactions {
  private readonly changed = new Set<ChangeFeed>();
  private readonly runInTransaction: (fn: () => unknown) => unknown;
  private depth = 0;

  constructor(private readonly db: Database) {
    this.runInTransaction = db.transaction((fn: () => unknown) => fn());
  }

  run<T>(fn: () => T): T {
    this.depth++;
    let committed = false;
    try {
      const result = this.runInTransaction(fn) as T;
      committed = true;
      return result;
    } finally {
      this.depth--;
      if (this.depth === 0) this.notify(committed);
    }
  }

  /** Records that the running transaction wrote to `feed`. */
  grew(feed: ChangeFeed): void {
    this.changed.add(feed);
  }

  private notify(committed: boolean): void {
    if (this.changed.size === 0) return;
    const changed = [...this.changed];
    this.changed.clear();
    if (!committed) return;
    // Inside a transaction someone opened on the connection directly, the commit is still ahead;
    // better-sqlite3 transactions are synchronous, so it has happened by the next microtask.
    if (this.db.inTransaction) queueMicrotask(() => changed.forEach((feed) => feed.emit()));
    else changed.forEach((feed) => feed.emit());
  }
}
