// Domain events: what leaves the system when its state changes, as CloudEvents 1.0 (JSON format).
// One zod schema per type, `rentbook.<aggregate>.<fact>`; the same schemas check what arrives from
// the hub and describe it in the AsyncAPI document. An event's id is derived from the fact it
// records (type, subject, fact key), so a step that runs again can never mint a second event.
import { z } from 'zod';
import type { Rental } from '../domain/rental';
import { idFromKey } from './ids';

/** The Event Hub every domain event goes to; its partition key is the aggregate's id. */
export const EVENTS_HUB = 'rentbook-events';
export const EVENT_SOURCE = '/rentbook';

const id = z.string().min(1).max(100);
const count = z.number().int().min(0);
const time = z.string().datetime();

const bookFields = z.object({
  bookId: id,
  title: z.string(),
  author: z.string(),
  isbn: z.string().nullable(),
  price: count,
  copies: count,
  withdrawn: z.boolean(),
});

const rentalRef = z.object({ rentalId: id, memberId: id, bookId: id });
// The book's title as the rental recorded it, so a consumer (the notices) needs no lookup; optional on
// the types published before it was carried.
const title = z.string().nullable();
const rentalFact = rentalRef.extend({ bookTitle: title.optional() });
const loanFact = rentalRef.extend({ bookTitle: title, dueAt: time });
const holdRef = z.object({ holdId: id, bookId: id, memberId: id, bookTitle: title });

/** The `data` of each event type. */
export const eventData = {
  'rentbook.book.registered': bookFields,
  'rentbook.book.updated': bookFields,
  'rentbook.book.removed': z.object({ bookId: id }),
  'rentbook.member.registered': z.object({ memberId: id, name: z.string() }),
  'rentbook.points.deposited': z.object({ memberId: id, amount: count, points: count }),
  'rentbook.points.debited': z.object({ memberId: id, rentalId: id, amount: count }),
  'rentbook.points.refunded': z.object({ memberId: id, rentalId: id, amount: count }),
  // Fees paid from points: the amount, and what is owed and left afterwards.
  'rentbook.fee.paid': z.object({ memberId: id, amount: count, feesOwed: count, points: count }),
  'rentbook.rental.requested': rentalRef.extend({
    bookTitle: z.string().nullable(),
    price: count,
    requestedAt: time,
  }),
  'rentbook.rental.approved': rentalFact.extend({ approvedAt: time, dueAt: time }),
  'rentbook.rental.rejected': rentalFact.extend({ reason: z.string() }),
  'rentbook.rental.returned': rentalFact.extend({ returnedAt: time, lateDays: count, fee: count }),
  'rentbook.rental.renewed': rentalFact.extend({ renewedAt: time, dueAt: time, renewals: count }),
  // The overdue timer (./overdue.ts): a day before the due date, once per due date.
  'rentbook.rental.due-soon': loanFact,
  // Past its due date: the loan is now OVERDUE.
  'rentbook.rental.overdue': loanFact.extend({ overdueAt: time }),
  // Still OVERDUE, `reminder` × OVERDUE_REMINDER_DAYS after the due date.
  'rentbook.rental.still-overdue': loanFact.extend({ reminder: z.number().int().min(1) }),
  // Holds: a copy is kept for the member until `readyUntil`; a hold not collected in time.
  'rentbook.hold.ready': holdRef.extend({ readyUntil: time }),
  'rentbook.hold.expired': holdRef,
  // A hold's life: placed (WAITING, its place in the queue), ready, then fulfilled (the member
  // rented it), cancelled or expired.
  'rentbook.hold.placed': holdRef.extend({ placedAt: time, position: count }),
  'rentbook.hold.fulfilled': holdRef.extend({ rentalId: id }),
  'rentbook.hold.cancelled': holdRef,
  // A member's review of a book: posted (first, or again after removal), updated, removed.
  'rentbook.review.posted': z.object({ reviewId: id, bookId: id, memberId: id, rating: count }),
  'rentbook.review.updated': z.object({ reviewId: id, bookId: id, memberId: id, rating: count }),
  'rentbook.review.removed': z.object({ reviewId: id, bookId: id, memberId: id }),
} as const;

export type EventType = keyof typeof eventData;
export type EventData<T extends EventType> = z.infer<(typeof eventData)[T]>;

export const EVENT_TYPES = Object.keys(eventData) as EventType[];

function envelope<T extends EventType>(type: T) {
  return z
    .object({
      specversion: z.literal('1.0'),
      id: z.string().min(1),
      source: z.literal(EVENT_SOURCE),
      type: z.literal(type),
      subject: z.string().min(1),
      time,
      datacontenttype: z.literal('application/json'),
      data: eventData[type] as (typeof eventData)[T],
    })
    .strict();
}

/** One schema per event type: the whole CloudEvent. */
export const eventSchemas = Object.fromEntries(EVENT_TYPES.map((t) => [t, envelope(t)])) as {
  [T in EventType]: ReturnType<typeof envelope<T>>;
};

export type DomainEvent = { [T in EventType]: z.infer<(typeof eventSchemas)[T]> }[EventType];

/** Any domain event, by its `type`: use it on everything that arrives from the hub. */
export const domainEvent = z.discriminatedUnion(
  'type',
  EVENT_TYPES.map((t) => eventSchemas[t]) as unknown as [
    ReturnType<typeof envelope<EventType>>,
    ...ReturnType<typeof envelope<EventType>>[],
  ],
) as unknown as z.ZodType<DomainEvent>;

/**
 * Which fact an event records: its `subject` is `<collection>/<id>` (`rentals/<rentalId>`), `at`
 * when it happened; `key` tells apart facts of one type about one subject (a deposit's ledger id,
 * the version a book edit replaced), left out when the type happens at most once per subject.
 */
export interface Fact {
  subject: string;
  at: string;
  key?: string;
}

/** When a fact happened and, where one type can happen more than once, its key. */
export type When = Omit<Fact, 'subject'>;

/** A new event; its id follows from the type and the fact, so the same fact makes the same event. */
export function newEvent<T extends EventType>(type: T, fact: Fact, data: EventData<T>): DomainEvent {
  const { subject, at, key = '' } = fact;
  return {
    specversion: '1.0',
    id: idFromKey(type, subject, key),
    source: EVENT_SOURCE,
    type,
    subject,
    time: at,
    datacontenttype: 'application/json',
    data,
  } as DomainEvent;
}

/** A rental event; its facts beyond the rental's ids come in `data`. */
export function rentalEvent(type: 'rentbook.rental.requested', rental: Rental): DomainEvent;
export function rentalEvent<
  T extends
    | 'rentbook.rental.approved'
    | 'rentbook.rental.rejected'
    | 'rentbook.rental.returned'
    | 'rentbook.rental.renewed'
    | 'rentbook.rental.due-soon'
    | 'rentbook.rental.overdue'
    | 'rentbook.rental.still-overdue',
>(
  type: T,
  rental: Rental,
  data: Omit<EventData<T>, 'rentalId' | 'memberId' | 'bookId' | 'bookTitle'>,
  /** When; `key` tells apart facts of one type that a rental can have more than once (the nth renewal). */
  when: When,
): DomainEvent;
export function rentalEvent(
  type: EventType,
  rental: Rental,
  data?: Record<string, unknown>,
  when?: When,
): DomainEvent {
  const ids = { rentalId: rental.id, memberId: rental.memberId, bookId: rental.bookId };
  const subject = `rentals/${rental.id}`;
  if (type === 'rentbook.rental.requested') {
    return newEvent(
      type,
      { subject, at: rental.requestedAt },
      {
        ...ids,
        bookTitle: rental.bookTitle,
        price: rental.price,
        requestedAt: rental.requestedAt,
      },
    );
  }
  return newEvent(type, { subject, at: when?.at ?? rental.requestedAt, key: when?.key }, {
    ...ids,
    bookTitle: rental.bookTitle,
    ...data,
  } as EventData<typeof type>);
}
