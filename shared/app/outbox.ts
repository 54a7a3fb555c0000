// The transactional outbox (docs/decisions/0005-outbox-and-views.md, 0010-less-work-per-rent.md,
// 0015-fewer-writes-per-rent.md). A write and the events that record it commit together or not at all:
// - in `members` (partition key `/memberId`) the events ride in an item the write creates and that
//   is never written again: the ledger entry of a points movement, or else an outbox item created in
//   the same transactional batch; a rental's last write (its return or rejection: nothing writes a
//   rental after those) carries its own;
// - in `books` (partition key `/id`, one item per partition) no second item can share the book's
//   partition, so the events ride in the book document itself (`outbox`, keyed by event), written by
//   the same replace; a removed book leaves a tombstone carrying its last event.
// The relay (a change-feed function per container) publishes them to the Event Hub with the
// aggregate id as partition key. Its progress through `members` is its change-feed lease, as the
// Cosmos DB change feed processor keeps it: the change feed (latest version) shows an item's newest
// version and may skip older ones, which is why `members` events ride only in items whose version
// carrying them is their last: each is seen by the relay once (again only when a batch is
// delivered again). Outbox items expire by TTL counted from their creation; events riding in items
// that stay (ledger entries, rentals) are past the same age when the relay sees them and are not
// published then, as an expired outbox item would not be. A book's entries are removed once
// published (the book is written again and again, and would carry them along). Publishing comes
// before the lease moves on or an entry is removed, so a crash in between publishes an event again
// rather than never: consumers deduplicate by event id.
import { z } from 'zod';
import { domainEvent, EVENTS_HUB, type DomainEvent } from './events';
import {
  isDocumentError,
  type AppDeps,
  type BatchOperation,
  type Doc,
  type EventPublisher,
  type PatchOperation,
} from './ports';

/**
 * How long an outbox item stays (seconds from its creation), and how old the events riding in any
 * item may be when the relay publishes them: the relay publishes within moments; past this they
 * are dropped published or not, so a relay stopped longer than this (its failures alert long
 * before) would lose what waits — and a relay started from the beginning of the change feed (a new
 * lease) publishes the last week's events again, not every ledger entry's since the first.
 */
export const OUTBOX_TTL_SECONDS = 7 * 24 * 60 * 60;

/** One event waiting to be published, with its Event Hubs partition key: the id of the aggregate it is about. */
export interface OutboxEntry {
  partitionKey: string;
  event: DomainEvent;
}

/** `members`: the events of one write, in the partition of the member whose write it records. */
export interface OutboxDoc extends Doc {
  type: 'outbox';
  memberId: string;
  /** In the order they happened: one aggregate's are published in this order. */
  events: OutboxEntry[];
  ttl: number;
}

export type BookOutbox = Record<string, OutboxEntry>;

/** An item of `members` that carries the events of the write that created or last wrote it. */
export interface CarriesEvents {
  /** In the order they happened: one aggregate's are published in this order. */
  events?: OutboxEntry[];
}

/**
 * The batch operation that records `events` (one write's, in order) beside the write they describe,
 * for a write that creates no item of its own to carry them.
 */
export function outboxCreate(memberId: string, ...events: [DomainEvent, ...DomainEvent[]]): BatchOperation {
  const doc: OutboxDoc = {
    id: `outbox:${events[0].id}`,
    type: 'outbox',
    memberId,
    events: events.map(outboxEntry),
    ttl: OUTBOX_TTL_SECONDS,
  };
  return { operationType: 'Create', resourceBody: { ...doc } };
}

/**
 * `item` carrying `events`: for an item the write creates and nothing writes again (a ledger
 * entry), so the relay sees the version that carries them whatever versions it skips.
 */
export function carrying<T extends object>(
  item: T,
  ...events: [DomainEvent, ...DomainEvent[]]
): { [K in keyof T]: T[K] } & Required<CarriesEvents> {
  return { ...item, events: events.map(outboxEntry) };
}

/**
 * The patch operation that makes an item's write carry `events`: only for the last write the item
 * will ever get (a rental's return or rejection), since a later write would hide this version from
 * the change feed, and with it the events.
 */
export function carryingPatch(...events: [DomainEvent, ...DomainEvent[]]): PatchOperation {
  return { op: 'set', path: '/events', value: events.map(outboxEntry) };
}

/** The book's pending events with `event` added (its key is a plain identifier, usable as a patch path). */
export function withBookEvent(outbox: BookOutbox | undefined, event: DomainEvent): BookOutbox {
  return { ...outbox, [bookOutboxKey(event.id)]: outboxEntry(event) };
}

// The aggregate an event is about is its subject's id (`rentals/<id>`, `members/<id>`, ...).
function outboxEntry(event: DomainEvent): OutboxEntry {
  return { partitionKey: event.subject.slice(event.subject.indexOf('/') + 1), event };
}

function bookOutboxKey(eventId: string): string {
  return 'e' + eventId.replace(/-/g, '');
}

const entry = z.object({ partitionKey: z.string().min(1), event: domainEvent });

const carrier = z.object({
  id: z.string().min(1),
  memberId: z.string().min(1),
  events: z.array(entry).min(1),
  // The change feed's position: the order items were written in.
  _lsn: z.number().optional(),
  // When the item was written (seconds): how old its events are.
  _ts: z.number().optional(),
});

// An outbox item written before items held several events: one event and its partition key.
const singleEventItem = z
  .object({
    id: z.string().min(1),
    memberId: z.string().min(1),
    _lsn: z.number().optional(),
    _ts: z.number().optional(),
  })
  .and(entry)
  .transform(({ partitionKey, event, ...item }) => ({ ...item, events: [{ partitionKey, event }] }));

const bookWithOutbox = z.object({
  id: z.string().min(1),
  type: z.string(),
  outbox: z.record(entry),
});

export interface RelayResult {
  published: number;
  /** Items that claim to be outbox items but are not valid ones: left alone, reported. */
  invalid: string[];
}

/**
 * The ids of the events this process published lately, newest last: a batch the trigger delivers
 * again after a failure (a publish refused halfway, the retry policy running it again) does not
 * publish again what already went out. Only a crash forgets them, and then the batch is published
 * again (at least once; consumers deduplicate by event id).
 */
class RecentlyPublished {
  private readonly ids = new Set<string>();
  constructor(private readonly capacity: number) {}

  has(id: string): boolean {
    return this.ids.has(id);
  }

  add(id: string): void {
    this.ids.add(id);
    if (this.ids.size > this.capacity) this.ids.delete(this.ids.values().next().value as string);
  }
}

const recentlyPublished = new RecentlyPublished(10_000);

/**
 * Relays the events carried by a batch of `members` changes (outbox items, ledger entries, rentals
 * at their last write): each item's once, in the order written. The batch is the change feed's next
 * page, past everything relayed before, so every event in it waits; a batch delivered again is
 * published again, but for what this process remembers publishing. Items written more than
 * `OUTBOX_TTL_SECONDS` before `nowMs` are past the outbox's lifetime and left alone.
 */
export async function relayMemberOutbox(
  publisher: EventPublisher,
  changes: readonly unknown[],
  nowMs: number,
): Promise<RelayResult> {
  const items: z.infer<typeof carrier>[] = [];
  const invalid: string[] = [];
  for (const change of changes) {
    if (typeof change !== 'object' || change === null) continue;
    // An outbox item marked sent was published by the relay before its progress was its lease.
    const outbox = isOfType(change, 'outbox');
    if (outbox ? 'sentAt' in change : !('events' in change)) continue;
    const parsed = (outbox ? carrier.or(singleEventItem) : carrier).safeParse(change);
    if (!parsed.success) invalid.push(describe(change));
    else items.push(parsed.data);
  }
  // Each item once (its newest version, should a batch hold two), none past the outbox's lifetime.
  const newest = new Map<string, (typeof items)[number]>();
  for (const item of items) {
    const key = `${item.memberId}/${item.id}`;
    if ((newest.get(key)?._lsn ?? -1) < (item._lsn ?? 0)) newest.set(key, item);
  }
  const oldest = nowMs / 1000 - OUTBOX_TTL_SECONDS;
  const unique = [...newest.values()].filter((item) => item._ts === undefined || item._ts >= oldest);
  unique.sort((a, b) => (a._lsn ?? 0) - (b._lsn ?? 0));
  const entries = unique.flatMap((item) => item.events).filter((e) => !recentlyPublished.has(e.event.id));
  await publishInOrder(publisher, entries, (published) => {
    for (const e of published) recentlyPublished.add(e.event.id);
  });
  return { published: entries.length, invalid };
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

// Events of one aggregate go out in the order they were written, one call per partition key. The
// calls of different aggregates go at once: a publish the hub refuses for a moment (and the
// client's retry waits out) holds up only its own aggregate's events, not the batch's. When one
// fails, the others are let finish, then the batch fails for the trigger's retry policy.
async function publishInOrder(
  publisher: EventPublisher,
  entries: OutboxEntry[],
  published?: (group: OutboxEntry[]) => void,
): Promise<void> {
  const byKey = groupBy(entries, (e) => e.partitionKey);
  const outcomes = await Promise.allSettled(
    [...byKey].map(async ([partitionKey, group]) => {
      await publisher.publish(
        EVENTS_HUB,
        partitionKey,
        group.map((g) => g.event),
      );
      published?.(group);
    }),
  );
  const failed = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
  if (failed) throw failed.reason;
}

/** How long a removed book's tombstone stays once its last event is relayed (seconds). */
const TOMBSTONE_TTL_SECONDS = 24 * 60 * 60;

// Removes the relayed entries from the book (a tombstone also gets its TTL).
async function clearBookOutbox(deps: AppDeps, bookId: string, keys: string[], tombstone: boolean) {
  for (const key of keys) {
    try {
      await deps.containers.books.patch(
        bookId,
        bookId,
        [
          { op: 'remove', path: `/outbox/${key}` },
          ...(tombstone ? [{ op: 'set' as const, path: '/ttl', value: TOMBSTONE_TTL_SECONDS }] : []),
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
