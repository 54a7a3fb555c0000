// What must hold once a run's load has drained, read from the stopped host's data file: nothing
// there is taken on trust from the API that wrote it.
// - no copy oversold: each book's `available` is its copies less its loans and the copies kept for
//   READY holds, within [0, copies], and
//   its loans are exactly the rentals of it on loan;
// - points conserved: each member's points are its ledger's sum (deposits less debits, plus
//   refunds, less fee payments), and each rental holds its price once if it was lent, else nothing;
// - no rental left REQUESTED;
// - every event an outbox recorded (an outbox item, a ledger entry, a rental's last write) is on
//   the hub, once by id (copies of one id are counted apart: consumers deduplicate them), and each
//   settled rental's events are among them;
// - every member's view equal to the write model it shows (the member's version and facts; each
//   rental mypage shows, at its version and status: every one open, the last 20 settled);
// - one notice per event the notice policy names, and none without one;
// - no dead letters (a consumer that gave up on something).
import Database from 'better-sqlite3';
import { EVENTS_HUB, type DomainEvent } from '../shared/app/events';
import { noticeOf } from '../shared/app/notices';
import type { CarriesEvents } from '../shared/app/outbox';
import {
  DATABASE_ID,
  type BookDoc,
  type LedgerDoc,
  type MemberDoc,
  type RentalDoc,
} from '../shared/app/records';
import type { MemberView } from '../shared/app/views';

export interface Invariants {
  /** Books whose copies do not add up. */
  oversold: number;
  /** Members whose points are not their ledger's sum, and rentals charged other than once (or never). */
  pointsNotConserved: number;
  requestedLeft: number;
  events: {
    recorded: number;
    missing: number;
    /** Copies of an event id beyond the first on the hub (consumers deduplicate them). */
    extraCopies: number;
    /** Settled rentals one of whose events never reached the hub. */
    rentalsMissingEvents: number;
  };
  /** View items that differ from the write model, or are missing. */
  viewsDiffering: number;
  notices: { expected: number; missing: number; extra: number };
  deadLetters: number;
  /** True when every count above that must be 0 is 0. */
  hold: boolean;
}

const ON_LOAN = new Set(['APPROVED', 'OVERDUE']);
const LENT = new Set(['APPROVED', 'OVERDUE', 'RETURNED']);
/** The events a settled rental must have given, by its status. */
const RENTAL_EVENTS: Record<string, string[]> = {
  APPROVED: ['requested', 'approved'],
  OVERDUE: ['requested', 'approved'],
  REJECTED: ['requested', 'rejected'],
  RETURNED: ['requested', 'approved', 'returned'],
};

export function checkInvariants(dbFile: string, feeTimeZone = 'Asia/Seoul'): Invariants {
  const db = new Database(dbFile, { readonly: true, fileMustExist: true });
  try {
    const items = <T>(container: string): T[] =>
      (
        db
          .prepare(
            `SELECT i.body FROM doc_items i JOIN doc_containers c ON c.cid = i.cid
             WHERE c.database_id = ? AND c.container_id = ?`,
          )
          .pluck()
          .all(DATABASE_ID, container) as string[]
      ).map((body) => JSON.parse(body) as T);
    const members = items<{ type?: string } & CarriesEvents>('members');
    const ofType = <T>(type: string) => members.filter((d) => d.type === type) as T[];
    const memberDocs = ofType<MemberDoc>('member');
    const rentals = ofType<RentalDoc>('rental');
    const ledger = ofType<LedgerDoc>('ledger');
    const books = items<{ type?: string }>('books').filter((d) => d.type === 'book') as BookDoc[];

    // Copies.
    const onLoanByBook = new Map<string, Set<string>>();
    for (const r of rentals)
      if (ON_LOAN.has(r.status)) {
        const set = onLoanByBook.get(r.bookId) ?? new Set<string>();
        onLoanByBook.set(r.bookId, set.add(r.id));
      }
    let oversold = 0;
    for (const b of books) {
      const loans = new Set(Object.values(b.loans ?? {}).map((l) => l.rentalId));
      const lent = onLoanByBook.get(b.id) ?? new Set<string>();
      const same = loans.size === lent.size && [...loans].every((id) => lent.has(id));
      // A READY hold keeps a copy off the shelf for its member.
      const kept = Object.values(b.holds ?? {}).filter((h) => h.status === 'READY').length;
      const free = b.copies - loans.size - kept;
      if (b.available < 0 || b.available > b.copies || b.available !== free || !same) oversold++;
    }

    // Points.
    const sign: Record<string, number> = { deposit: 1, debit: -1, refund: 1, 'fee-payment': -1 };
    const sums = new Map<string, number>();
    const charged = new Map<string, number>();
    for (const e of ledger) {
      sums.set(e.memberId, (sums.get(e.memberId) ?? 0) + sign[e.kind] * e.amount);
      if (e.rentalId && (e.kind === 'debit' || e.kind === 'refund'))
        charged.set(e.rentalId, (charged.get(e.rentalId) ?? 0) - sign[e.kind] * e.amount);
    }
    let pointsNotConserved = memberDocs.filter((m) => m.points !== (sums.get(m.memberId) ?? 0)).length;
    for (const r of rentals)
      if ((charged.get(r.id) ?? 0) !== (LENT.has(r.status) ? r.price : 0)) pointsNotConserved++;

    // Events.
    const hubIds = db
      .prepare(`SELECT message_id AS id, body FROM eh_events WHERE hub = ?`)
      .all(EVENTS_HUB) as { id: string | null; body: string }[];
    const copies = new Map<string, number>();
    const onHub = new Map<string, DomainEvent>();
    for (const row of hubIds) {
      const event = JSON.parse(row.body) as DomainEvent;
      copies.set(event.id, (copies.get(event.id) ?? 0) + 1);
      onHub.set(event.id, event);
    }
    const recorded = new Set(members.flatMap((o) => (o.events ?? []).map((e) => e.event.id)));
    const missing = [...recorded].filter((id) => !onHub.has(id)).length;
    const extraCopies = [...copies.values()].reduce((n, c) => n + c - 1, 0);
    const typesByRental = new Map<string, Set<string>>();
    for (const e of onHub.values()) {
      const rentalId = (e.data as { rentalId?: unknown }).rentalId;
      if (!e.type.startsWith('rentbook.rental.') || typeof rentalId !== 'string') continue;
      const set = typesByRental.get(rentalId) ?? new Set<string>();
      typesByRental.set(rentalId, set.add(e.type.slice('rentbook.rental.'.length)));
    }
    const rentalsMissingEvents = rentals.filter((r) =>
      (RENTAL_EVENTS[r.status] ?? []).some((t) => !typesByRental.get(r.id)?.has(t)),
    ).length;

    // Views: each member's, with the rentals its mypage shows (every one open, the last 20 settled).
    const views = new Map(items<MemberView>('views').map((v) => [`${v.memberId}/${v.id}`, v] as const));
    const rentalsOf = new Map<string, RentalDoc[]>();
    for (const r of rentals) rentalsOf.set(r.memberId, [...(rentalsOf.get(r.memberId) ?? []), r]);
    let viewsDiffering = 0;
    for (const m of memberDocs) {
      const v = views.get(`${m.memberId}/${m.memberId}`);
      if (!v || v.sourceVersion !== m.version || v.points !== m.points || v.feesOwed !== m.feesOwed) {
        viewsDiffering++;
        continue;
      }
      const own = rentalsOf.get(m.memberId) ?? [];
      const settled = own
        .filter((r) => !ON_LOAN.has(r.status) && r.status !== 'REQUESTED')
        // Newest first, ties by id, as the view keeps them.
        .sort((a, b) => `${b.requestedAt}|${b.id}`.localeCompare(`${a.requestedAt}|${a.id}`));
      const shown = [...own.filter((r) => !settled.includes(r)), ...settled.slice(0, 20)];
      const entries = v.rentals ?? {};
      const differing = shown.filter(
        (r) => entries[r.id]?.version !== r.version || entries[r.id]?.status !== r.status,
      );
      viewsDiffering += differing.length + Math.max(0, Object.keys(entries).length - shown.length);
    }

    // Notices.
    const noticed = new Set(
      [...onHub.values()].filter((e) => noticeOf(e, feeTimeZone) !== undefined).map((e) => e.id),
    );
    const notices = new Set(
      items<{ id: string; type?: string }>('notices')
        .filter((n) => n.type === 'notice')
        .map((n) => n.id),
    );
    const noticesMissing = [...noticed].filter((id) => !notices.has(id)).length;
    const noticesExtra = [...notices].filter((id) => !noticed.has(id)).length;

    const deadLetters = items('dead-letters').length;
    const requestedLeft = rentals.filter((r) => r.status === 'REQUESTED').length;
    const result = {
      oversold,
      pointsNotConserved,
      requestedLeft,
      events: { recorded: recorded.size, missing, extraCopies, rentalsMissingEvents },
      viewsDiffering,
      notices: { expected: noticed.size, missing: noticesMissing, extra: noticesExtra },
      deadLetters,
    };
    const hold =
      oversold + pointsNotConserved + requestedLeft + missing + rentalsMissingEvents + viewsDiffering === 0 &&
      noticesMissing + noticesExtra + deadLetters === 0;
    return { ...result, hold };
  } finally {
    db.close();
  }
}
