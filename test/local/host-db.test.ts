// Group commit: the writes of one event-loop turn commit together; each transaction inside the
// group is still all-or-nothing; `committed` tells when the file holds them.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { closeDatabase, commitNow, committed, openDatabase } from '../../local/host/db';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'host-db-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('group commit', () => {
  const file = path.join(dir, 'group.db');
  const db = openDatabase(file, { groupCommit: true });
  db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)');
  // On the file before the reader looks, whenever the first test starts.
  commitNow(db);
  const insert = db.transaction((v: string) => db.prepare('INSERT INTO t (v) VALUES (?)').run(v));
  const failing = db.transaction((v: string) => {
    db.prepare('INSERT INTO t (v) VALUES (?)').run(v);
    throw new Error('no');
  });
  const reader = new BetterSqlite3(file, { readonly: true });
  const onFile = () =>
    (reader.prepare('SELECT v FROM t ORDER BY id').all() as { v: string }[]).map((r) => r.v);

  it('commits the transactions of one turn together, at the end of the turn', async () => {
    insert('a');
    insert('b');
    expect(db.inTransaction).toBe(true);
    expect(onFile()).toEqual([]);
    await committed(db);
    expect(onFile()).toEqual(['a', 'b']);
    expect(db.inTransaction).toBe(false);
  });

  it('undoes a failing transaction alone; the rest of the group commits', async () => {
    insert('c');
    expect(() => failing('x')).toThrow('no');
    insert('d');
    await committed(db);
    expect(onFile()).toEqual(['a', 'b', 'c', 'd']);
  });

  it('answers at once when nothing is waiting, and commits on demand', async () => {
    await committed(db);
    insert('e');
    commitNow(db);
    expect(onFile()).toEqual(['a', 'b', 'c', 'd', 'e']);
    reader.close();
    closeDatabase(db);
  });
});

describe('checkpoints', () => {
  it('copy committed pages into the database file from a worker thread, not in a commit', async () => {
    const file = path.join(dir, 'checkpointed.db');
    const db = openDatabase(file, { groupCommit: true, checkpointEveryMs: 100 });
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(0);
    db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)');
    await committed(db);
    const before = fs.statSync(file).size;
    const insert = db.transaction(() => {
      const statement = db.prepare('INSERT INTO t (v) VALUES (?)');
      for (let i = 0; i < 2000; i++) statement.run('x'.repeat(1000));
    });
    insert();
    await committed(db);
    // The commit writes the WAL only (automatic checkpoints are off); the file grows when the
    // checkpointer has run.
    const deadline = Date.now() + 15_000;
    while (fs.statSync(file).size < before + 1_000_000 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    expect(fs.statSync(file).size).toBeGreaterThan(before + 1_000_000);
    closeDatabase(db);
  });
});
