// One host per data file. Two hosts on one file would each run the timers, the change-feed leases
// and the durable work the file holds, and the second would overwrite the first's record, so a
// host takes this lock before it opens the file and keeps it until it has closed it.
//
// The lock is SQLite's own file lock (an exclusive transaction held open on a small file beside the
// data file): the operating system releases it when the process ends however it ends, so a host that
// was killed never leaves a stale lock behind, and SQLite sees it between connections of one process
// too (two hosts started by one test process).
import fs from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { runningHost } from './host-record';

/** Another host holds the data file: `message` names it (its URL and process) when it has said where it runs. */
export class DataFileInUse extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DataFileInUse';
  }
}

export interface DataFileLock {
  release(): void;
}

export function lockFile(dbFile: string): string {
  return path.resolve(dbFile) + '.lock';
}

/** Takes the lock on `dbFile` (nothing to take for `:memory:`), or throws DataFileInUse at once. */
export function lockDataFile(dbFile: string): DataFileLock {
  if (dbFile === ':memory:') return { release: () => undefined };
  const file = lockFile(dbFile);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const lock = new BetterSqlite3(file, { timeout: 0 });
  try {
    // No journal file beside the lock: the transaction never writes.
    lock.pragma('journal_mode = MEMORY');
    lock.exec('BEGIN EXCLUSIVE');
  } catch (err) {
    lock.close();
    if ((err as { code?: string }).code === 'SQLITE_BUSY') throw new DataFileInUse(holderOf(dbFile));
    throw err;
  }
  return { release: () => lock.close() };
}

function holderOf(dbFile: string): string {
  const data = path.resolve(dbFile);
  const running = runningHost(dbFile);
  if (running) {
    return (
      `another host serves ${data}: ${running.url} (process ${running.pid}, since ${running.startedAt}); ` +
      'stop it first, or give another --db.'
    );
  }
  // The holder has not recorded itself yet (it is starting) or no longer (it is stopping).
  return `another host is starting or stopping on ${data}; wait for it, or give another --db.`;
}
