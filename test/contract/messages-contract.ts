// The message-sender and dead-letter ports' contract (shared/app/ports.ts), written once.
import { randomUUID } from 'node:crypto';
import { beforeAll, expect } from 'vitest';
import type { DeadLetterReceiver, MessageSender } from '../../shared/app/ports';
import { legSuite, type Leg } from './legs';

/** A message as a queue's receiver sees it; settle it with the probe. */
export interface ReadMessage {
  messageId: string;
  body: unknown;
  contentType?: string;
  handle: unknown;
}

export interface QueueProbe {
  /** Peek-locks up to `maxCount` messages of the queue, waiting up to `waitMs` for the first. */
  receive(maxCount: number, waitMs: number): Promise<ReadMessage[]>;
  complete(message: ReadMessage): Promise<void>;
  abandon(message: ReadMessage): Promise<void>;
  deadLetter(message: ReadMessage, reason: string, description: string): Promise<void>;
}

export interface MessagesLeg extends Leg {
  /** A queue with duplicate detection off and this max delivery count. */
  queue: string;
  maxDeliveryCount: number;
  start(): Promise<{
    sender: MessageSender;
    deadLetters: DeadLetterReceiver;
    probe: QueueProbe;
    passTime(seconds: number): Promise<void>;
  }>;
}

export function messagesContract(leg: MessagesLeg): void {
  legSuite('messages', leg, (check) => {
    let sender: MessageSender;
    let deadLetters: DeadLetterReceiver;
    let probe: QueueProbe;
    let passTime: (seconds: number) => Promise<void>;
    const q = leg.queue;

    beforeAll(async () => {
      if (leg.unavailable) return;
      ({ sender, deadLetters, probe, passTime } = await leg.start());
    });

    /** Receives until `count` messages came or nothing more arrives. */
    const receiveAll = async (count: number): Promise<ReadMessage[]> => {
      const got: ReadMessage[] = [];
      while (got.length < count) {
        const batch = await probe.receive(count - got.length, 3000);
        if (batch.length === 0) break;
        got.push(...batch);
      }
      return got;
    };

    check('sent messages arrive with their message id, body and content type', async () => {
      const ids = [randomUUID(), randomUUID()];
      await sender.send(q, [
        { messageId: ids[0], body: { notice: 'due-soon', rentalId: 'r1' }, contentType: 'application/json' },
        { messageId: ids[1], body: { notice: 'overdue', rentalId: 'r2' }, contentType: 'application/json' },
      ]);
      const got = await receiveAll(2);
      expect(got.map((m) => [m.messageId, m.body, m.contentType])).toEqual([
        [ids[0], { notice: 'due-soon', rentalId: 'r1' }, 'application/json'],
        [ids[1], { notice: 'overdue', rentalId: 'r2' }, 'application/json'],
      ]);
      for (const m of got) await probe.complete(m);
    });

    check('sending no messages sends nothing', async () => {
      await sender.send(q, []);
      expect(await probe.receive(1, 500)).toEqual([]);
    });

    check('a scheduled message is delivered at its time, not before', async () => {
      const id = randomUUID();
      await sender.send(q, [
        { messageId: id, body: { at: 'later' }, scheduledEnqueueTimeUtc: new Date(Date.now() + 3000) },
      ]);
      expect(await probe.receive(1, 500)).toEqual([]);
      await passTime(4);
      const [got] = await receiveAll(1);
      expect(got?.messageId).toBe(id);
      await probe.complete(got);
    });

    check(
      'a dead-lettered message is read back with its reason; release keeps it, complete removes it',
      async () => {
        const id = randomUUID();
        await sender.send(q, [{ messageId: id, body: { notice: 'bad' }, contentType: 'application/json' }]);
        const [m] = await receiveAll(1);
        await probe.deadLetter(m, 'NotDeliverable', 'the member has no phone');
        const [letter] = await deadLetters.receive(q, 10);
        expect(letter).toMatchObject({
          queue: q,
          messageId: id,
          body: { notice: 'bad' },
          reason: 'NotDeliverable',
          description: 'the member has no phone',
        });
        await deadLetters.release(letter);
        const [again] = await deadLetters.receive(q, 10);
        expect(again?.messageId).toBe(id);
        await deadLetters.complete(again);
        expect(await deadLetters.receive(q, 10)).toEqual([]);
      },
    );

    check('a message that keeps failing is dead-lettered after the max delivery count', async () => {
      const id = randomUUID();
      await sender.send(q, [{ messageId: id, body: { notice: 'flaky' } }]);
      for (let i = 0; i < leg.maxDeliveryCount; i++) {
        const [m] = await receiveAll(1);
        expect(m?.messageId).toBe(id);
        await probe.abandon(m);
      }
      expect(await probe.receive(1, 500)).toEqual([]);
      const [letter] = await deadLetters.receive(q, 10);
      expect(letter).toMatchObject({ messageId: id, reason: 'MaxDeliveryCountExceeded' });
      await deadLetters.complete(letter);
    });
  });
}
