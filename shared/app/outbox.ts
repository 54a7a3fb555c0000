// The transactional outbox (docs/decisions/0005-outbox-and-views.md). A write and the event that
// records it commit together or not at all:
// - in `members` (partition key `/memberId`) the event is an outbox item created in the same
//   transactional batch as the write, in the member's partition;
// - in `books` (partition key `/id`, one item per partition) no second item can share the book's
//   partition, so the event rides in the book document itself (`outbox`, keyed by event), written by
//   the same replace; a removed book leaves a tombstone carrying its last event.
// The relay (a change-feed function per container) publishes pending events to the Event Hub with
// the aggregate id as partition key, then marks them sent: a sent item expires by TTL, a book's
// entry is removed. Publishing comes first, so a crash in between publishes an event again rather
// than never: consumers deduplicate by event id.
import { z } from 'zod';
import { domainEvent, EVENTS_HUB, type DomainEvent } from './events';
import { isDocumentError, type AppDeps, type BatchOperation, type Doc, type EventPublisher } from './ports';
import { nowIso } from './time';

/** How long a sent outbox item stays (seconds): long enough to look into, then it expires. */
export const SENT_OUTBOX_TTL_SECONDS = 24 * 60 * 60;

/** `members`: one pending event, in the partition of the member whose write it records. */
export interface OutboxDoc extends Doc {
  type: 'outbox';
  memberId: string;
  /** The Event Hubs partition key: the id of the aggregate the event is about. */
  partitionKey: string;
  event: DomainEvent;
  sentAt?: string;
  ttl?: number;
}

/** One pending event inside a book document. */
export interface BookOutboxEntry {
  partitionKey: string;
  event: DomainEvent;
}

export type BookOutbox = Record<string, BookOutboxEntry>;

/** The batch operation that records `event` beside the write it describes. */
export function outboxCreate(memberId: string, partitionKey: string, event: DomainEvent): BatchOperation {
  const doc: OutboxDoc = { id: `outbox:${event.id}`, type: 'outbox', memberId, partitionKey, event };
  return { operationType: 'Create', resourceBody: { ...doc } };
}

/** The book's pending events with `event` added (its key is a plain identifier, usable as a patch path). */
export function withBookEvent(outbox: BookOutbox | undefined, event: DomainEvent): BookOutbox {
  return { ...outbox, [bookOutboxKey(event.id)]: { partitionKey: event.subject.split('/')[1], event } };
}

function bookOutboxKey(eventId: string): string {
  return 'e' + eventId.replace(/-/g, '');
}

const outboxItem = z.object({
  id: z.string().min(1),
  type: z.literal('outbox'),
  memberId: z.string().min(1),
  partitionKey: z.string().min(1),
  event: domainEvent,
  sentAt: z.string().optional(),
  // The change feed's position: the order items were written in.
  _lsn: z.number().optional(),
});

const bookWithOutbox = z.object({
  id: z.string().min(1),
  type: z.string(),
  outbox: z.record(z.object({ partitionKey: z.string().min(1), event: domainEvent })),
});

export interface RelayResult {
  published: number;
  /** Items that claim to be outbox items but are not valid ones: left alone, reported. */
  invalid: string[];
}

export interface RelayOptions {
  /**
   * The changes are a change-feed page just read (a first delivery): the latest version of each
   * item, so none of those pending can have been marked sent since, and they need not be read
   * again. Otherwise (a retried or replayed batch) each one is read to see whether it still waits.
   */
  fresh?: boolean;
}

/** Relays the pending outbox items among a batch of `members` changes. */
export async function relayMemberOutbox(
  deps: AppDeps,
  publisher: EventPublisher,
  changes: readonly unknown[],
  options: RelayOptions = {},
): Promise<RelayResult> {
  const candidates: z.infer<typeof outboxItem>[] = [];
  const invalid: string[] = [];
  for (const change of changes) {
    // Sent items come back through the feed too (marking them is a write): nothing to check there.
    if (!isOfType(change, 'outbox') || typeof (change as { sentAt?: unknown }).sentAt === 'string') continue;
    const parsed = outboxItem.safeParse(change);
    if (!parsed.success) invalid.push(describe(change));
    else candidates.push(parsed.data);
  }
  // A change delivered again may be an older version of an item sent since: what is stored now
  // decides. Each item once, in the order written.
  const unique = [...new Map(candidates.map((c) => [`${c.memberId}/${c.id}`, c])).values()];
  unique.sort((a, b) => (a._lsn ?? 0) - (b._lsn ?? 0));
  const pending: z.infer<typeof outboxItem>[] = [];
  for (const item of unique) {
    if (options.fresh) {
      pending.push(item);
      continue;
    }
    const current = await deps.containers.members.read<OutboxDoc>(item.memberId, item.id);
    if (current && current.sentAt === undefined) pending.push(item);
  }
  await publishInOrder(
    publisher,
    pending.map((p) => ({ partitionKey: p.partitionKey, event: p.event })),
  );
  const sentAt = nowIso(deps.clock);
  const byMember = groupBy(pending, (p) => p.memberId);
  await Promise.all([...byMember].map(([memberId, items]) => markSent(deps, memberId, items, sentAt)));
  return { published: pending.length, invalid };
}

/** Relays the events pending in a batch of `books` changes. */
export async function relayBookOutbox(
  deps: AppDeps,
  publisher: EventPublisher,
  changes: readonly unknown[],
): Promise<RelayResult> {
  let published = 0;
  const invalid: string[] = [];
  for (const change of changes) {
    if (!hasOutbox(change)) continue;
    const parsed = bookWithOutbox.safeParse(change);
    if (!parsed.success) {
      invalid.push(describe(change));
      continue;
    }
    const { id, type, outbox } = parsed.data;
    if (Object.keys(outbox).length === 0) continue;
    // Only what the book still holds: a change delivered again may carry entries relayed since.
    const current = await deps.containers.books.read<Doc & { outbox?: BookOutbox }>(id, id);
    const keys = Object.keys(outbox).filter((k) => current?.outbox?.[k] !== undefined);
    if (keys.length === 0) continue;
    await publishInOrder(
      publisher,
      keys.map((k) => outbox[k]),
    );
    published += keys.length;
    await clearBookOutbox(deps, id, keys, type !== 'book');
  }
  return { published, invalid };
}

// Events of one aggregate go out in the order they were written, one call per partition key.
async function publishInOrder(publisher: EventPublisher, entries: BookOutboxEntry[]): Promise<void> {
  const byKey = groupBy(entries, (e) => e.partitionKey);
  for (const [partitionKey, group] of byKey) {
    await publisher.publish(
      EVENTS_HUB,
      partitionKey,
      group.map((g) => g.event),
    );
  }
}

// One batch per member marks its items sent; an item already marked (a change delivered again) or
// gone (expired) makes the batch fail, and then each is marked on its own.
async function markSent(
  deps: AppDeps,
  memberId: string,
  items: { id: string }[],
  sentAt: string,
): Promise<void> {
  const { members } = deps.containers;
  const patch = (id: string): BatchOperation => ({
    operationType: 'Patch',
    id,
    operations: [
      { op: 'set', path: '/sentAt', value: sentAt },
      { op: 'set', path: '/ttl', value: SENT_OUTBOX_TTL_SECONDS },
    ],
    condition: [{ field: 'sentAt', op: 'notExists' }],
  });
  for (let i = 0; i < items.length; i += 100) {
    const chunk = items.slice(i, i + 100);
    const results = await members.batch(
      memberId,
      chunk.map((item) => patch(item.id)),
    );
    if (results.every((r) => r.statusCode < 300)) continue;
    for (const item of chunk) {
      const [result] = await members.batch(memberId, [patch(item.id)]);
      if (result.statusCode >= 300 && result.statusCode !== 404 && result.statusCode !== 412) {
        throw new Error(`Marking outbox item ${item.id} sent failed: ${result.statusCode}`);
      }
    }
  }
}

// Removes the relayed entries from the book (a tombstone also gets its TTL).
async function clearBookOutbox(deps: AppDeps, bookId: string, keys: string[], tombstone: boolean) {
  for (const key of keys) {
    try {
      await deps.containers.books.patch(
        bookId,
        bookId,
        [
          { op: 'remove', path: `/outbox/${key}` },
          ...(tombstone ? [{ op: 'set' as const, path: '/ttl', value: SENT_OUTBOX_TTL_SECONDS }] : []),
        ],
        { condition: [{ field: `outbox.${key}`, op: 'exists' }] },
      );
    } catch (err) {
      // Already removed (the change came twice) or the item is gone.
      if (!isDocumentError(err, 412) && !isDocumentError(err, 404)) throw err;
    }
  }
}

function isOfType(value: unknown, type: string): boolean {
  return typeof value === 'object' && value !== null && (value as { type?: unknown }).type === type;
}

// Most book changes (a copy lent or returned) carry an empty outbox: not worth parsing.
function hasOutbox(value: unknown): boolean {
  if (typeof value !== 'object' || value === null || !('outbox' in value)) return false;
  const outbox = (value as { outbox: unknown }).outbox;
  return typeof outbox !== 'object' || outbox === null || Object.keys(outbox).length > 0;
}

function describe(value: unknown): string {
  const id = typeof value === 'object' && value !== null ? (value as { id?: unknown }).id : undefined;
  return typeof id === 'string' ? id : JSON.stringify(value).slice(0, 100);
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const group = groups.get(k);
    if (group) group.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}
