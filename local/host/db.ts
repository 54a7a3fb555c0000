// One SQLite file holds all of the host's state (WAL mode; `:memory:` for tests).
import fs from 'node:fs';
import path from 'node:path';
import BetterSqlite3, { type Database } from 'better-sqlite3';

export function openDatabase(file: string): Database {
  if (file !== ':memory:') fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const db = new BetterSqlite3(file);
  db.pragma('journal_mode = WAL');
  // NORMAL in WAL mode survives a killed process (SIGKILL) with nothing lost; only an OS crash or
  // power cut can drop the last transactions. That is the trade the Functions emulators make too.
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  db.pragma('foreign_keys = ON');
  db.exec(`CREATE TABLE IF NOT EXISTS host_state (key TEXT PRIMARY KEY, value TEXT NOT NULL)`);
  return db;
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
