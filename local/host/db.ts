// One SQLite file holds all of the host's state (WAL mode; `:memory:` for tests).
import fs from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import BetterSqlite3, { type Database, type Statement } from 'better-sqlite3';
import { count } from './counters';
import type { WriteLock } from './write-lock';

export interface OpenOptions {
  /** Commit the writes of one event-loop turn together (see GroupCommit). */
  groupCommit?: boolean;
  /** Called when a group commit fails; the process state is then ahead of the file. */
  onCommitFailure?: (err: unknown) => void;
  /**
   * The lock the threads of one host share (`write-lock.ts`): each group holds it from its first
   * write to its commit. Only with `groupCommit`.
   */
  writeLock?: WriteLock;
  /**
   * Whether this connection keeps the periodic checkpoint (`startCheckpointer`); default true. A
   * host's consumer threads leave it to the main thread's connection.
   */
  checkpoints?: boolean;
  /** How often the checkpoint thread copies committed pages into the file; default 5 s. */
  checkpointEveryMs?: number;
}

export function openDatabase(file: string, options: OpenOptions = {}): Database {
  if (file !== ':memory:') fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const db = new BetterSqlite3(file);
  db.pragma('journal_mode = WAL');
  // NORMAL in WAL mode survives a killed process (SIGKILL) with nothing lost; only an OS crash or
  // power cut can drop the last transactions. That is the trade the Functions emulators make too.
  db.pragma('synchronous = NORMAL');
  // Checkpoint when the WAL holds 10,000 pages (~40 MB) instead of 1,000: a page written by many
  // commits is copied into the database file once per checkpoint, and each checkpoint syncs both
  // files. The trade: under NORMAL, a power cut can lose the commits since the last checkpoint,
  // so that window is ten times as many pages; a killed process still loses nothing. A host (group
  // commit) turns this off and checkpoints every five seconds from a worker thread (startCheckpointer),
  // which bounds that window in time and keeps the copying off the event loop.
  db.pragma('wal_autocheckpoint = 10000');
  db.pragma('busy_timeout = 5000');
  db.pragma('foreign_keys = ON');
  // A page cache for the hot pages (the B-tree tails new items go to) and not much more: ending a
  // write transaction scans the cache's hash table (pcache1Truncate), which with a 64 MB cache took
  // ~2.4% of a busy host's CPU (0.4% at 8 MB). Colder pages are read through mmap.
  db.pragma('cache_size = -16000');
  db.pragma('mmap_size = 268435456');
  db.exec(`CREATE TABLE IF NOT EXISTS host_state (key TEXT PRIMARY KEY, value TEXT NOT NULL)`);
  if (options.groupCommit) {
    if (options.checkpoints === false) db.pragma('wal_autocheckpoint = 0');
    const checkpointer =
      file === ':memory:' || options.checkpoints === false
        ? undefined
        : startCheckpointer(db, file, options.checkpointEveryMs ?? CHECKPOINT_INTERVAL_MS);
    groupCommits.set(
      db,
      new GroupCommit(db, {
        onFailure: options.onCommitFailure,
        checkpointer,
        lock: options.writeLock,
      }),
    );
  }
  return db;
}

const groupCommits = new WeakMap<Database, GroupCommit>();

/**
 * Resolves once everything written to `db` so far is committed to the file. Whatever leaves the
 * process (an HTTP response) waits for this, so nobody hears of a write a crash could still undo.
 */
export function committed(db: Database): Promise<void> {
  return groupCommits.get(db)?.barrier() ?? Promise.resolve();
}

/**
 * Runs `write` once, inside the open group, just before it commits (a state that many transactions
 * of one group change, written once per group instead of once each). False when `db` has no group
 * commit or no group is open: the caller then writes at once.
 */
export function beforeCommit(db: Database, write: () => void): boolean {
  return groupCommits.get(db)?.beforeCommit(write) ?? false;
}

/**
 * Runs `fn` once what has been written to `db` so far is committed: after the open group's commit,
 * or straight after the running transaction, or now. For telling another connection of a write
 * (`wakeups.ts`): it can only see it once committed.
 */
export function afterCommit(db: Database, fn: () => void): void {
  if (groupCommits.get(db)?.afterCommit(fn)) return;
  // better-sqlite3 transactions are synchronous: one open now has ended by the next microtask.
  if (db.inTransaction) queueMicrotask(fn);
  else fn();
}

/** Commits the open group now. */
export function commitNow(db: Database): void {
  groupCommits.get(db)?.commit();
}

/** Commits what is open, stops the periodic checkpoint, and closes the file. */
export function closeDatabase(db: Database): void {
  const group = groupCommits.get(db);
  group?.commit();
  group?.stop();
  db.close();
}

/**
 * Group commit: the first write of an event-loop turn opens one SQLite transaction; every
 * transaction in that turn runs inside it as a savepoint (still all-or-nothing on its own); the
 * group commits when the turn ends. One commit then carries the writes of many requests, which is
 * where a write-heavy host spends its time otherwise. A killed process loses the open group
 * whole — as if it had died a moment earlier — and since nothing leaves the process before the
 * group commits (`committed`), no one has been told of those writes. This is the only batching of
 * writes: the stores and the durable engine write at once, each write its own transaction.
 *
 * A group is also where a connection holds the host's write lock, when it shares the file with
 * other threads of the host: from its first write to its commit, so no other connection commits in
 * between (a transaction that read before another connection committed could not write after it).
 * Every write enters the group: transaction functions, statements that write on their own, and SQL
 * run directly. A
 * group that another thread waits for commits at the end of the transaction or statement in hand
 * instead of at the end of the turn, so the wait is one write long, not one turn.
 */
class GroupCommit {
  private open = false;
  private depth = 0;
  private waiters: (() => void)[] = [];
  private lastWrites = new Set<() => void>();
  private afterWrites: (() => void)[] = [];
  private readonly db: Database;
  private readonly onFailure: (err: unknown) => void;
  private readonly checkpointer?: Worker;
  private readonly lock?: WriteLock;
  /** The connection's own `exec`, which enters no group (BEGIN and COMMIT go through it). */
  private readonly exec: (sql: string) => Database;

  constructor(
    db: Database,
    options: { onFailure?: (err: unknown) => void; checkpointer?: Worker; lock?: WriteLock },
  ) {
    this.db = db;
    this.onFailure =
      options.onFailure ??
      ((err) => {
        throw err;
      });
    this.checkpointer = options.checkpointer;
    this.lock = options.lock;
    // Every transaction function the stores make enters the group first (better-sqlite3 runs a
    // transaction function inside an open transaction as a savepoint).
    type Run = (...args: unknown[]) => unknown;
    const original = db.transaction.bind(db) as (
      fn: Run,
    ) => Run & Record<'default' | 'deferred' | 'immediate' | 'exclusive', Run>;
    (db as unknown as { transaction: (fn: Run) => Run }).transaction = (fn) => {
      const tx = original(fn);
      return Object.assign(this.enter(tx), {
        default: this.enter(tx.default),
        deferred: this.enter(tx.deferred),
        immediate: this.enter(tx.immediate),
        exclusive: this.enter(tx.exclusive),
      });
    };
    // So does SQL run directly (a store's schema, an index a container gains): it may write.
    const exec = (this.exec = db.exec.bind(db));
    (db as unknown as { exec: (sql: string) => Database }).exec = (sql) => this.enter(() => exec(sql))();
    // So does every statement that writes, when it runs on its own.
    const prepare = db.prepare.bind(db);
    (db as unknown as { prepare: (sql: string) => Statement }).prepare = (sql) => {
      const statement = prepare(sql);
      if (!statement.readonly) {
        for (const method of ['run', 'get', 'all'] as const) {
          const call = statement[method].bind(statement) as Run;
          (statement as unknown as Record<string, Run>)[method] = this.enter(call);
        }
      }
      return statement;
    };
  }

  stop(): void {
    void this.checkpointer?.terminate();
  }

  beforeCommit(write: () => void): boolean {
    if (!this.open) return false;
    this.lastWrites.add(write);
    return true;
  }

  afterCommit(fn: () => void): boolean {
    if (!this.open) return false;
    this.afterWrites.push(fn);
    return true;
  }

  barrier(): Promise<void> {
    if (!this.open) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  commit(): void {
    if (!this.open) return;
    const lastWrites = [...this.lastWrites];
    this.lastWrites.clear();
    this.open = false;
    try {
      if (this.db.open && this.db.inTransaction) {
        for (const write of lastWrites) write();
        this.exec('COMMIT');
        count('storage.commits');
      }
    } catch (err) {
      this.onFailure(err);
    } finally {
      this.lock?.release();
    }
    const afterWrites = this.afterWrites;
    this.afterWrites = [];
    for (const fn of afterWrites) fn();
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  /** `run`, inside the group (opened first if need be); the group yields after it if someone waits. */
  private enter<A extends unknown[], R>(run: (...args: A) => R): (...args: A) => R {
    return (...args) => {
      this.begin();
      this.depth++;
      try {
        return run(...args);
      } finally {
        this.depth--;
        if (this.depth === 0 && this.open && this.lock?.contended()) {
          count('storage.commitsYielded');
          this.commit();
        }
      }
    };
  }

  private begin(): void {
    if (this.open || this.db.inTransaction) return;
    this.lock?.acquire();
    try {
      this.exec('BEGIN');
    } catch (err) {
      this.lock?.release();
      throw err;
    }
    this.open = true;
    setImmediate(() => this.commit());
  }
}

const CHECKPOINT_INTERVAL_MS = 5_000;

/**
 * Checkpoints (copying committed WAL pages into the database file, and syncing it) run on a worker
 * thread with a connection of its own, every five seconds, instead of inside a COMMIT on the event loop:
 * SQLite's automatic checkpoint made every ~100th commit copy ~40 MB while every request waited.
 * PASSIVE never blocks the writer; once a checkpoint has caught up, the next write starts the WAL
 * over, so it holds about five seconds of writes. The main connection's automatic checkpoint is off;
 * closing it (the last connection) checkpoints what is left.
 */
function startCheckpointer(db: Database, file: string, everyMs: number): Worker | undefined {
  if (String(db.pragma('journal_mode', { simple: true })).toLowerCase() !== 'wal') return undefined;
  db.pragma('wal_autocheckpoint = 0');
  const worker = new Worker(
    `
    const { workerData } = require('node:worker_threads');
    const Database = require(workerData.library);
    const db = new Database(workerData.file, { fileMustExist: true });
    db.pragma('busy_timeout = 5000');
    setInterval(() => {
      try { db.pragma('wal_checkpoint(PASSIVE)'); } catch { /* busy or closing: the next round tries again */ }
    }, workerData.intervalMs);
    `,
    {
      eval: true,
      workerData: {
        library: require.resolve('better-sqlite3'),
        file: path.resolve(file),
        intervalMs: everyMs,
      },
    },
  );
  worker.unref();
  return worker;
}

export function readState(db: Database, key: string): string | undefined {
  const row = db.prepare('SELECT value FROM host_state WHERE key = ?').get(key) as
    { value: string } | undefined;
  return row?.value;
}

export function writeState(db: Database, key: string, value: string): void {
  db.prepare(
    'INSERT INTO host_state (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value',
  ).run(key, value);
}

/** Prepares a store's statements once, by name. */
export function prepareStatements<K extends string>(
  db: Database,
  sql: Record<K, string>,
): Record<K, Statement> {
  return Object.fromEntries(
    Object.entries<string>(sql).map(([name, text]) => [name, db.prepare(text)]),
  ) as Record<K, Statement>;
}
