// The event-publisher port's contract (shared/app/ports.ts), written once for every adapter.
import { randomUUID } from 'node:crypto';
import { beforeAll, expect } from 'vitest';
import type { EventPublisher } from '../../shared/app/ports';
import { legSuite, type Leg } from './legs';

/** An event as a reader of the hub sees it. */
export interface ReadEvent {
  partitionId: string;
  body: unknown;
  contentType?: string;
}

export interface EventsLeg extends Leg {
  /** The hub the cases publish to (it must exist, with more than one partition). */
  hub: string;
  start(): Promise<{
    publisher: EventPublisher;
    /** Every event in the hub, oldest first per partition, once at least `atLeast` are there. */
    readBack(atLeast: number): Promise<ReadEvent[]>;
  }>;
}

interface TestEvent {
  specversion: '1.0';
  id: string;
  type: string;
  source: string;
  subject: string;
  data: { n: number; run: string };
}

export function eventsContract(leg: EventsLeg): void {
  legSuite('events', leg, (check) => {
    let publisher: EventPublisher;
    let readBack: (atLeast: number) => Promise<ReadEvent[]>;
    const run = randomUUID();
    let published = 0;
    const event = (subject: string, n: number): TestEvent => ({
      specversion: '1.0',
      id: randomUUID(),
      type: 'rentbook.contract.tested',
      source: '/contract',
      subject,
      data: { n, run },
    });
    const publish = async (key: string, events: TestEvent[]) => {
      await publisher.publish(leg.hub, key, events);
      published += events.length;
    };
    /** This run's events, as read back. */
    const ours = async () =>
      (await readBack(published)).filter((e) => (e.body as TestEvent | undefined)?.data?.run === run);

    beforeAll(async () => {
      if (leg.unavailable) return;
      ({ publisher, readBack } = await leg.start());
    });

    check('the events of one call land on one partition, in order, with their bodies', async () => {
      const events = [event('book-1', 1), event('book-1', 2), event('book-1', 3)];
      await publish('book-1', events);
      const read = (await ours()).filter((e) => (e.body as TestEvent).subject === 'book-1');
      expect(read.map((e) => e.body)).toEqual(events);
      expect(new Set(read.map((e) => e.partitionId)).size).toBe(1);
    });

    check('each partition key keeps its events on one partition, in order, across calls', async () => {
      const keys = ['member-a', 'member-b', 'member-c', 'member-d'];
      for (let round = 1; round <= 2; round++)
        for (const key of keys) await publish(key, [event(key, round * 10), event(key, round * 10 + 1)]);
      const read = await ours();
      for (const key of keys) {
        const mine = read.filter((e) => (e.body as TestEvent).subject === key);
        expect(mine.map((e) => (e.body as TestEvent).data.n)).toEqual([10, 11, 20, 21]);
        expect(new Set(mine.map((e) => e.partitionId)).size).toBe(1);
      }
    });

    check('publishing no events sends nothing', async () => {
      const before = (await ours()).length;
      await publisher.publish(leg.hub, 'nobody', []);
      expect((await ours()).length).toBe(before);
    });

    check('events are CloudEvents in the body, with content type application/cloudevents+json', async () => {
      await publish('typed', [event('typed', 1)]);
      const [read] = (await ours()).filter((e) => (e.body as TestEvent).subject === 'typed');
      expect(read.contentType).toBe('application/cloudevents+json');
    });
  });
}
