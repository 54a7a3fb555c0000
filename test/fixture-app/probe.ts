// Fixture functions record what they did in the host's own SQLite file, so tests (in-process or
// across a killed and restarted host) can read it back. Not a pattern for apps: it reaches into the host.
import type { Database } from 'better-sqlite3';
import { getService } from '../../local/host/services';

function db(): Database {
  const d = getService<Database>('db');
  d.exec(`CREATE TABLE IF NOT EXISTS fixture_probe (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL, key TEXT, value TEXT NOT NULL)`);
  return d;
}

/** Records one effect. With a `key`, recording the same (kind, key) twice keeps one row (idempotent effect). */
export function record(kind: string, value: unknown, key?: string): void {
  const d = db();
  if (key !== undefined) {
    const exists = d.prepare('SELECT 1 FROM fixture_probe WHERE kind = ? AND key = ?').get(kind, key);
    if (exists) return;
  }
  d.prepare('INSERT INTO fixture_probe (kind, key, value) VALUES (?, ?, ?)').run(
    kind,
    key ?? null,
    JSON.stringify(value),
  );
}

/** Counts every call, idempotent or not (to see at-least-once redeliveries). */
export function count(kind: string): void {
  record(`count:${kind}`, null);
}

export function readProbe(database: Database, kind: string): unknown[] {
  database.exec(`CREATE TABLE IF NOT EXISTS fixture_probe (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL, key TEXT, value TEXT NOT NULL)`);
  return (
    database.prepare('SELECT value FROM fixture_probe WHERE kind = ? ORDER BY seq').all(kind) as {
      value: string;
    }[]
  ).map((r) => JSON.parse(r.value) as unknown);
}
