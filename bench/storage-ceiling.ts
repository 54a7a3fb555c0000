// The storage ceiling: how many single-row transactions SQLite commits per second on this file
// system, with the host's own settings (WAL, synchronous=NORMAL) and with an fsync per commit (FULL).
import fs from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';

export function measureCommitsPerSec(dir: string, synchronous: 'NORMAL' | 'FULL', seconds: number): number {
  const file = path.join(dir, `ceiling-${synchronous.toLowerCase()}.db`);
  const db = new BetterSqlite3(file);
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${synchronous}`);
  db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT NOT NULL)');
  const insert = db.prepare('INSERT INTO t (body) VALUES (?)');
  const one = db.transaction((body: string) => insert.run(body));
  const body = JSON.stringify({ id: 'x'.repeat(36), points: 1000, status: 'APPROVED' });
  const end = Date.now() + seconds * 1000;
  let n = 0;
  while (Date.now() < end) {
    for (let i = 0; i < 100; i++) one(body);
    n += 100;
  }
  const rate = Math.round(n / seconds);
  db.close();
  for (const f of [file, `${file}-wal`, `${file}-shm`]) fs.rmSync(f, { force: true });
  return rate;
}
