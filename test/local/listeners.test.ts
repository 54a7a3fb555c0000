// The connection's listener registry (local/host/listeners.ts): two stores on one connection wake
// each other's subscribers; closing one drops only its own subscriptions.
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../local/host/db';
import { ListenerRegistry } from '../../local/host/listeners';
import type { Database } from '../../local/host/types';

let db: Database | undefined;
afterEach(() => db?.close());

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('the listener registry', () => {
  it('wakes every subscriber of a key on the connection, after the caller has returned', async () => {
    db = openDatabase(':memory:');
    const first = new ListenerRegistry<[string[]]>(db, 'log');
    const second = new ListenerRegistry<[string[]]>(db, 'log');
    const heard: string[] = [];
    first.subscribe('rentals', (ids) => heard.push(`first ${ids.join(',')}`));
    second.subscribe('rentals', (ids) => heard.push(`second ${ids.join(',')}`));
    second.subscribe('returns', () => heard.push('returns'));
    second.notify('rentals', ['0', '2']);
    expect(heard).toEqual([]);
    await nextTurn();
    expect(heard).toEqual(['first 0,2', 'second 0,2']);
  });

  it('drops only the closed instance’s subscriptions, and nothing of another kind or connection', async () => {
    db = openDatabase(':memory:');
    const other = openDatabase(':memory:');
    const closing = new ListenerRegistry(db, 'queue');
    const staying = new ListenerRegistry(db, 'queue');
    const otherKind = new ListenerRegistry(db, 'log');
    const otherDb = new ListenerRegistry(other, 'queue');
    const heard: string[] = [];
    closing.subscribe('q', () => heard.push('closing'));
    staying.subscribe('q', () => heard.push('staying'));
    otherKind.subscribe('q', () => heard.push('other kind'));
    otherDb.subscribe('q', () => heard.push('other connection'));
    closing.close();
    closing.notify('q');
    await nextTurn();
    expect(heard).toEqual(['staying']);
    other.close();
  });
});
