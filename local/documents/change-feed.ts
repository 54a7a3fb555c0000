// The change feed (Cosmos LatestVersion mode): each write gives an item the container's next `_lsn`
// (one for all items of a transaction), the feed lists the latest version of changed items in `_lsn`
// order, and listeners hear of new changes once the outermost store transaction has committed.
import type { Database, Statement } from 'better-sqlite3';
import type { Clock } from '../host/clock';
import { count } from '../host/counters';
import { beforeCommit } from '../host/db';
import type { Logger } from '../host/logger';
import { announce, onWakeup } from '../host/wakeups';
import { LIVE } from './schema';
import {
  DocumentStoreError,
  type ChangeFeedPage,
  type ChangeFeedTextPage,
  type StoredDocument,
} from './types';

/**
 * A container's last `_lsn`, kept in memory and written to `doc_containers` once per group commit
 * (it changed with every write transaction: one more UPDATE each). Shared by every store opened
 * on the same connection, so two never hand out the same position; a position given to a
 * transaction that rolled back is simply never used. Other connections (the host's consumer
 * threads) write to the same containers, each in groups under the host's write lock
 * (`host/write-lock.ts`): the first position a group takes is counted on from the stored one, which
 * the last group to write left there.
 */
class LsnCounter {
  private last = 0;
  private writeQueued = false;
  private readonly load: Statement;
  private readonly save: Statement;

  constructor(
    private readonly db: Database,
    cid: number,
  ) {
    this.load = db.prepare(`SELECT last_lsn FROM doc_containers WHERE cid = ${cid}`).pluck();
    this.save = db.prepare(`UPDATE doc_containers SET last_lsn = ? WHERE cid = ${cid} AND last_lsn < ?`);
  }

  latest(): number {
    return this.writeQueued ? this.last : (this.load.get() as number);
  }

  /** The next position; called inside the store transaction that uses it. */
  next(): number {
    const first = !this.writeQueued;
    if (first) this.last = this.load.get() as number;
    this.last++;
    if (first) {
      if (beforeCommit(this.db, this.write)) this.writeQueued = true;
      else this.write();
    }
    return this.last;
  }

  /** Gives `lsn` back when it is still the last one handed out (its transaction rolled back). */
  release(lsn: number): void {
    if (this.last === lsn) this.last--;
  }

  private readonly write = (): void => {
    this.writeQueued = false;
    this.save.run(this.last, this.last);
  };
}

const lsnCounters = new WeakMap<Database, Map<number, LsnCounter>>();

function lsnCounter(db: Database, cid: number): LsnCounter {
  let counters = lsnCounters.get(db);
  if (!counters) lsnCounters.set(db, (counters = new Map()));
  let counter = counters.get(cid);
  if (!counter) counters.set(cid, (counter = new LsnCounter(db, cid)));
  return counter;
}

/** A transaction's change-feed position (allocated on first use). */
export type LsnSource = (() => number) & { release(): void };

/** One container's feed. */
export class ChangeFeed {
  private readonly listeners = new Set<() => void>();
  private readonly lsn: LsnCounter;
  private readonly lsnAtStatement: Statement;
  private readonly feed: Statement;
  private readonly feedAt: Statement;
  /** The names its reads are counted under (../host/counters.ts): pages that held changes, changes, bytes. */
  private readonly counted: { pages: string; items: string; bytes: string };

  constructor(
    private readonly db: Database,
    private readonly container: { cid: number; name: string; clock: Clock; log: Logger | undefined },
  ) {
    const c = `cid = ${container.cid}`;
    // A write on another thread of the host grows this feed too.
    onWakeup(db, 'change-feed', (cid) => {
      if (cid === String(container.cid)) this.tell();
    });
    this.lsn = lsnCounter(db, container.cid);
    const id = container.name.slice(container.name.indexOf('/') + 1);
    this.counted = {
      pages: `documents.feedPages.${id}`,
      items: `documents.feedItems.${id}`,
      bytes: `documents.feedBytes.${id}`,
    };
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

  /**
   * For one transaction: allocates the container's next `_lsn` on first use, then keeps returning
   * it; `release` gives it back when the transaction rolled back.
   */
  lsnSource(): LsnSource {
    let lsn: number | undefined;
    const source = (() => (lsn ??= this.lsn.next())) as LsnSource;
    source.release = () => {
      if (lsn !== undefined) this.lsn.release(lsn);
    };
    return source;
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
    // Never split the items of one transaction (a batch shares one _lsn) across pages: Cosmos
    // returns them together even when that exceeds the page size.
    const bodies =
      rows.length < maxItems
        ? rows.map((r) => r.body)
        : [
            ...rows.filter((r) => r.lsn < lastLsn).map((r) => r.body),
            ...(this.feedAt.all(lastLsn, now) as string[]),
          ];
    count(this.counted.pages);
    count(this.counted.items, bodies.length);
    count(
      this.counted.bytes,
      bodies.reduce((n, b) => n + b.length, 0),
    );
    return { bodies, lastLsn };
  }

  latestLsn(): number {
    return this.lsn.latest();
  }

  lsnAt(timeMs: number): number {
    return this.lsnAtStatement.get(Math.floor(timeMs / 1000)) as number;
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Tells the listeners the feed grew, and those on the host's other threads once it is committed. */
  emit(): void {
    this.tell();
    announce(this.db, 'change-feed', String(this.container.cid));
  }

  private tell(): void {
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
