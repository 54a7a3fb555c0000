import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { HostClock } from '../../local/host/clock';
import { openDatabase } from '../../local/host/db';
import { createMessageSender, createQueueStore } from '../../local/queues/queue-store';
import { MessageLockLostError } from '../../local/queues/types';

const MINUTE = 60_000;
const clocks: HostClock[] = [];

function setup(file = ':memory:', options?: Parameters<typeof createQueueStore>[2]) {
  const db = openDatabase(file);
  const clock = new HostClock(true);
  clocks.push(clock);
  return { db, clock, store: createQueueStore(db, clock, options) };
}

afterEach(() => {
  for (const c of clocks.splice(0)) c.dispose();
});

describe('peek-lock', () => {
  it('hides a received message until it is completed, then it is gone', () => {
    const { store } = setup();
    store.send('notices', [
      { body: { memberId: 'm1' }, messageId: 'n-1', correlationId: 'r-1', contentType: 'application/json' },
    ]);
    const [m] = store.receive('notices', 10);
    expect(m).toMatchObject({
      body: { memberId: 'm1' },
      messageId: 'n-1',
      correlationId: 'r-1',
      contentType: 'application/json',
      deliveryCount: 1,
      sequenceNumber: 1,
    });
    expect(store.receive('notices', 10)).toEqual([]);
    store.complete('notices', m.lockToken);
    expect(store.counts('notices')).toEqual({ active: 0, scheduled: 0, locked: 0, deadLettered: 0 });
  });

  it('redelivers when the lock expires, counting the delivery, and the old lock can no longer settle', () => {
    const { store, clock } = setup();
    store.send('q', [{ body: 'x' }]);
    const [first] = store.receive('q', 1);
    expect(first.lockedUntilUtc - clock.now()).toBeLessThanOrEqual(MINUTE);
    expect(store.nextVisibleAt('q')).toBe(first.lockedUntilUtc);

    clock.advance(MINUTE + 1);
    const [second] = store.receive('q', 1);
    expect(second.sequenceNumber).toBe(first.sequenceNumber);
    expect(second.deliveryCount).toBe(2);
    expect(() => store.complete('q', first.lockToken)).toThrow(MessageLockLostError);
    store.complete('q', second.lockToken);
  });

  it('locks a received message for one lock duration (the trigger renews it while its function runs)', () => {
    const { store, clock } = setup();
    store.send('q', [{ body: 'x' }]);
    const [m] = store.receive('q', 1);
    clock.advance(MINUTE - 1_000);
    expect(store.receive('q', 1)).toEqual([]);
    clock.advance(2_000);
    expect(store.receive('q', 1)[0].deliveryCount).toBe(2);
    expect(() => store.complete('q', m.lockToken)).toThrow(MessageLockLostError);
  });

  it('renews a lock by one lock duration from now', () => {
    const { store, clock } = setup();
    store.declareQueue('q', { lockDurationMs: 30_000 });
    store.send('q', [{ body: 'x' }]);
    const [m] = store.receive('q', 1);
    clock.advance(20_000);
    // The clock follows real time, so "now" is only known to within the call.
    const before = clock.now();
    const until = store.renewLock('q', m.lockToken);
    expect(until).toBeGreaterThanOrEqual(before + 30_000);
    expect(until).toBeLessThanOrEqual(clock.now() + 30_000);
    clock.advance(20_000);
    expect(store.receive('q', 1)).toEqual([]);
    store.complete('q', m.lockToken);
  });

  it('keeps locks taken by a previous (crashed) process until they expire', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'queues-'));
    try {
      const file = path.join(dir, 'host.db');
      const before = setup(file);
      before.store.send('q', [{ body: 'x' }]);
      expect(before.store.receive('q', 1)).toHaveLength(1);
      before.db.close();

      const after = setup(file);
      expect(after.store.receive('q', 1)).toEqual([]);
      after.clock.advance(MINUTE + 1);
      expect(after.store.receive('q', 1)[0].deliveryCount).toBe(2);
      after.db.close();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('abandon and dead-lettering', () => {
  it('counts abandons and moves the message to the dead-letter queue at maxDeliveryCount', () => {
    const { store } = setup();
    store.declareQueue('q', { maxDeliveryCount: 3 });
    store.send('q', [{ body: 'poison', messageId: 'p-1', applicationProperties: { kind: 'overdue' } }]);
    const counts: number[] = [];
    for (;;) {
      const [m] = store.receive('q', 1);
      if (!m) break;
      counts.push(m.deliveryCount);
      store.abandon('q', m.lockToken);
    }
    expect(counts).toEqual([1, 2, 3]);
    expect(store.counts('q')).toMatchObject({ active: 0, deadLettered: 1 });
    const [dead] = store.peek('q/$deadletterqueue', 10);
    expect(dead).toMatchObject({
      messageId: 'p-1',
      body: 'poison',
      deliveryCount: 3,
      deadLetterReason: 'MaxDeliveryCountExceeded',
      applicationProperties: { kind: 'overdue' },
    });
    // Dead letters can be received (and are never dead-lettered again).
    const [fromDlq] = store.receive('q/$deadletterqueue', 1);
    store.abandon('q/$deadletterqueue', fromDlq.lockToken);
    expect(store.peek('q/$deadletterqueue', 10)).toHaveLength(1);
  });

  it('dead-letters a message whose last allowed lock ran out', () => {
    const { store, clock } = setup();
    store.declareQueue('q', { maxDeliveryCount: 1, lockDurationMs: 10_000 });
    store.send('q', [{ body: 'slow' }]);
    expect(store.receive('q', 1)).toHaveLength(1);
    clock.advance(10_001);
    expect(store.receive('q', 1)).toEqual([]);
    expect(store.peek('q/$deadletterqueue', 1)[0].deadLetterReason).toBe('MaxDeliveryCountExceeded');
  });

  it('dead-letters explicitly with a reason', () => {
    const { store } = setup();
    store.send('q', [{ body: 1 }]);
    const [m] = store.receive('q', 1);
    store.deadLetter('q', m.lockToken, {
      deadLetterReason: 'BadInput',
      deadLetterErrorDescription: 'no member',
    });
    expect(store.peek('q/$deadletterqueue', 1)[0]).toMatchObject({
      deadLetterReason: 'BadInput',
      deadLetterErrorDescription: 'no member',
    });
    expect(() => store.complete('q', m.lockToken)).toThrow(MessageLockLostError);
  });
});

describe('sending', () => {
  it('drops a duplicate message id within the window and accepts it after', () => {
    const { store, clock } = setup();
    expect(store.send('q', [{ body: 1, messageId: 'same' }]).duplicates).toEqual([]);
    clock.advance(9 * MINUTE);
    expect(store.send('q', [{ body: 2, messageId: 'same' }]).duplicates).toEqual(['same']);
    expect(store.peek('q', 10).map((m) => m.body)).toEqual([1]);
    clock.advance(MINUTE + 1);
    expect(store.send('q', [{ body: 3, messageId: 'same' }]).duplicates).toEqual([]);
    expect(store.peek('q', 10).map((m) => m.body)).toEqual([1, 3]);
  });

  it('keeps duplicates when duplicate detection is off', () => {
    const { store } = setup(':memory:', { defaults: { requiresDuplicateDetection: false } });
    store.send('q', [
      { body: 1, messageId: 'same' },
      { body: 2, messageId: 'same' },
    ]);
    expect(store.peek('q', 10)).toHaveLength(2);
  });

  it('hides a scheduled message until the clock reaches its time', () => {
    const { store, clock } = setup();
    const at = clock.now() + 3 * 24 * 60 * MINUTE;
    store.send('q', [{ body: 'later', scheduledEnqueueTimeUtc: new Date(at) }, { body: 'now' }]);
    const received = store.receive('q', 10);
    expect(received.map((m) => m.body)).toEqual(['now']);
    store.complete('q', received[0].lockToken);
    expect(store.nextVisibleAt('q')).toBe(at);
    expect(store.peek('q', 10).find((m) => m.body === 'later')?.state).toBe('scheduled');
    // The host clock keeps running after a set, so stop a whole minute short of the time.
    clock.set(at - MINUTE);
    expect(store.receive('q', 10)).toEqual([]);
    clock.set(at);
    const [later] = store.receive('q', 10);
    expect(later).toMatchObject({
      body: 'later',
      enqueuedTimeUtc: at,
      scheduledEnqueueTimeUtc: at,
      deliveryCount: 1,
    });
  });

  it('numbers messages in send order and receives them oldest first', async () => {
    const { store } = setup();
    await createMessageSender(store).send('q', [{ body: 'a' }, { body: 'b' }]);
    store.send('q', [{ body: 'c' }]);
    const got = store.receive('q', 10);
    expect(got.map((m) => [m.sequenceNumber, m.body])).toEqual([
      [1, 'a'],
      [2, 'b'],
      [3, 'c'],
    ]);
  });

  it('copies a topic message into every subscription', () => {
    const { store } = setup();
    store.declareSubscription('events', 'mail');
    store.declareSubscription('events', 'audit');
    store.send('events', [{ body: 'hello' }]);
    expect(store.receive('events/Subscriptions/mail', 1)[0].body).toBe('hello');
    expect(store.receive('events/Subscriptions/audit', 1)[0].body).toBe('hello');
    expect(() => store.receive('events', 1)).toThrow(/topic/);
    expect(() => store.send('events/Subscriptions/mail', [{ body: 1 }])).toThrow();
  });

  it('wakes subscribers of another store on the same connection, until it is closed', async () => {
    const { db, clock, store } = setup();
    const other = createQueueStore(db, clock);
    let woken = 0;
    other.subscribe('q', () => woken++);
    store.send('q', [{ body: 1 }]);
    await new Promise((r) => setImmediate(r));
    expect(woken).toBe(1);
    other.close();
    store.send('q', [{ body: 2 }]);
    await new Promise((r) => setImmediate(r));
    expect(woken).toBe(1);
  });

  it('wakes subscribers on new messages', async () => {
    const { store } = setup();
    let woken = 0;
    store.subscribe('q', () => woken++);
    store.send('q', [{ body: 1 }]);
    await new Promise((r) => setImmediate(r));
    expect(woken).toBe(1);
  });
});
