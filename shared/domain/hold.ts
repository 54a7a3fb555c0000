// Holds: a queue per book for members waiting for a copy. When a copy comes back and someone is
// waiting, the copy is set aside for the first in line (READY until `readyUntil`); only that member
// may take it. A READY hold not collected in time EXPIREs and the copy goes to the next in line, or
// back on the shelf. The queue and the copy counters are one state, changed together (see
// docs/decisions/0008-holds.md); these rules are pure functions over it.

export const HOLD_STATUSES = ['WAITING', 'READY', 'FULFILLED', 'CANCELLED', 'EXPIRED'] as const;

export type HoldStatus = (typeof HOLD_STATUSES)[number];

/** A hold still in its book's queue. */
export type ActiveHoldStatus = 'WAITING' | 'READY';

export const DEFAULT_HOLD_DAYS = 3;

const DAY_MS = 24 * 60 * 60 * 1000;

/** One hold in a book's queue, keyed there by its member. */
export interface QueuedHold {
  holdId: string;
  memberId: string;
  status: ActiveHoldStatus;
  /** Its place in the order holds were placed on this book (grows by one per hold). */
  seq: number;
  placedAt: string;
  /** READY: until when the copy is kept. */
  readyUntil?: string;
}

/** A book's shelf as the queue sees it: copies free for anyone, copies set aside, and the queue. */
export interface Shelf {
  /** Copies on the shelf free for anyone. */
  available: number;
  /** Copies on the shelf set aside for READY holds. */
  held: number;
  /** Active holds by member key; empty when no one waits. */
  holds: Record<string, QueuedHold>;
  /** The `seq` of the last hold placed. */
  holdSeq: number;
}

/** A hold as the API shows it. */
export interface Hold {
  id: string;
  bookId: string;
  memberId: string;
  status: HoldStatus;
  /** WAITING: 1 for the next copy, 2 after that, ...; READY: 0 (the copy is waiting); ended: null. */
  position: number | null;
  placedAt: string;
  readyUntil?: string;
}

/** What happened to one hold in a change of the shelf: each becomes one event. */
export interface HoldTransition {
  hold: QueuedHold;
  to: 'READY' | 'FULFILLED' | 'CANCELLED' | 'EXPIRED';
}

export interface ShelfChange {
  shelf: Shelf;
  transitions: HoldTransition[];
}

export type PlaceRefusal = 'copy-available' | 'already-held';
export type TakeRefusal = 'BOOK_ON_HOLD' | 'BOOK_RENTED';

function copy(shelf: Shelf): Shelf {
  return { ...shelf, holds: { ...shelf.holds } };
}

/** The active holds in queue order (READY ones first: they were first in line). */
export function queueOrder(shelf: Pick<Shelf, 'holds'>): QueuedHold[] {
  return Object.values(shelf.holds).sort((a, b) => a.seq - b.seq);
}

/** READY: 0; WAITING: 1 + the WAITING holds placed before it. */
export function holdPosition(shelf: Pick<Shelf, 'holds'>, hold: QueuedHold): number {
  if (hold.status === 'READY') return 0;
  return 1 + Object.values(shelf.holds).filter((h) => h.status === 'WAITING' && h.seq < hold.seq).length;
}

/** Whether anyone is waiting for a copy (a WAITING hold): renewals are refused then. */
export function hasWaitingHold(shelf: Pick<Shelf, 'holds'>): boolean {
  return Object.values(shelf.holds).some((h) => h.status === 'WAITING');
}

/** The earliest time a READY hold runs out, or undefined when none is READY: the timer's index. */
export function nextReadyUntil(shelf: Pick<Shelf, 'holds'>): string | undefined {
  const times = Object.values(shelf.holds)
    .filter((h) => h.status === 'READY' && h.readyUntil !== undefined)
    .map((h) => h.readyUntil as string)
    .sort();
  return times[0];
}

/** A member joins the queue; refused while a copy is free or when the member is in the queue already. */
export function placeHold(
  shelf: Shelf,
  memberKey: string,
  hold: { holdId: string; memberId: string; placedAt: string },
): { ok: true; change: ShelfChange; hold: QueuedHold } | { ok: false; refusal: PlaceRefusal } {
  if (shelf.holds[memberKey]) return { ok: false, refusal: 'already-held' };
  if (shelf.available > 0) return { ok: false, refusal: 'copy-available' };
  const next = copy(shelf);
  next.holdSeq = shelf.holdSeq + 1;
  const queued: QueuedHold = { ...hold, status: 'WAITING', seq: next.holdSeq };
  next.holds[memberKey] = queued;
  return { ok: true, change: { shelf: next, transitions: [] }, hold: queued };
}

/**
 * A copy comes onto the shelf (a return, a rent undone, a READY hold ended, a copy added): it is set
 * aside for the first WAITING hold, which becomes READY for `holdDays`; with no one waiting it is free.
 */
export function copyBack(shelf: Shelf, now: string, holdDays: number): ShelfChange {
  const next = copy(shelf);
  const first = queueOrder(next).find((h) => h.status === 'WAITING');
  if (!first) {
    next.available += 1;
    return { shelf: next, transitions: [] };
  }
  const ready: QueuedHold = {
    ...first,
    status: 'READY',
    readyUntil: new Date(Date.parse(now) + holdDays * DAY_MS).toISOString(),
  };
  next.holds[keyOf(next, first.holdId)] = ready;
  next.held += 1;
  return { shelf: next, transitions: [{ hold: ready, to: 'READY' }] };
}

/**
 * A member takes a copy. A member whose hold is READY takes the copy set aside (the hold is
 * FULFILLED); anyone else takes a free copy (a WAITING hold of the taker's is FULFILLED with it).
 * With no free copy: BOOK_ON_HOLD when copies are set aside for others, else BOOK_RENTED.
 */
export function takeCopy(
  shelf: Shelf,
  memberKey: string,
): { ok: true; change: ShelfChange } | { ok: false; reason: TakeRefusal } {
  const own = shelf.holds[memberKey];
  const next = copy(shelf);
  if (own?.status === 'READY') {
    next.held -= 1;
  } else if (shelf.available > 0) {
    next.available -= 1;
  } else {
    return { ok: false, reason: shelf.held > 0 ? 'BOOK_ON_HOLD' : 'BOOK_RENTED' };
  }
  if (!own) return { ok: true, change: { shelf: next, transitions: [] } };
  delete next.holds[memberKey];
  return { ok: true, change: { shelf: next, transitions: [{ hold: own, to: 'FULFILLED' }] } };
}

/** The member's hold leaves the queue; a READY hold's copy passes on to the next in line. */
export function cancelHold(shelf: Shelf, memberKey: string, now: string, holdDays: number): ShelfChange {
  return endHold(shelf, { memberKey, to: 'CANCELLED' }, now, holdDays);
}

/** Every READY hold whose time ran out by `now` EXPIREs; each copy passes on. */
export function expireDue(shelf: Shelf, now: string, holdDays: number): ShelfChange {
  let change: ShelfChange = { shelf, transitions: [] };
  const due = queueOrder(shelf).filter(
    (h) => h.status === 'READY' && h.readyUntil !== undefined && h.readyUntil <= now,
  );
  for (const hold of due) {
    const next = endHold(
      change.shelf,
      { memberKey: keyOf(change.shelf, hold.holdId), to: 'EXPIRED' },
      now,
      holdDays,
    );
    change = { shelf: next.shelf, transitions: [...change.transitions, ...next.transitions] };
  }
  return change;
}

/** Copies free to hand to WAITING holds (a librarian added copies): each goes to the next in line. */
export function settleFreeCopies(shelf: Shelf, now: string, holdDays: number): ShelfChange {
  let change: ShelfChange = { shelf, transitions: [] };
  while (change.shelf.available > 0 && hasWaitingHold(change.shelf)) {
    const taken = { ...change.shelf, available: change.shelf.available - 1 };
    const next = copyBack(taken, now, holdDays);
    change = { shelf: next.shelf, transitions: [...change.transitions, ...next.transitions] };
  }
  return change;
}

function endHold(
  shelf: Shelf,
  { memberKey, to }: { memberKey: string; to: 'CANCELLED' | 'EXPIRED' },
  now: string,
  holdDays: number,
): ShelfChange {
  const hold = shelf.holds[memberKey];
  if (!hold) return { shelf, transitions: [] };
  const next = copy(shelf);
  delete next.holds[memberKey];
  const ended: HoldTransition = { hold, to };
  if (hold.status !== 'READY') return { shelf: next, transitions: [ended] };
  next.held -= 1;
  const passed = copyBack(next, now, holdDays);
  return { shelf: passed.shelf, transitions: [ended, ...passed.transitions] };
}

function keyOf(shelf: Shelf, holdId: string): string {
  const entry = Object.entries(shelf.holds).find(([, h]) => h.holdId === holdId);
  if (!entry) throw new Error(`Hold ${holdId} is not in the queue`);
  return entry[0];
}

/** The hold as the API shows it, from its place in the queue. */
export function activeHold(shelf: Pick<Shelf, 'holds'>, bookId: string, hold: QueuedHold): Hold {
  const shown: Hold = {
    id: hold.holdId,
    bookId,
    memberId: hold.memberId,
    status: hold.status,
    position: holdPosition(shelf, hold),
    placedAt: hold.placedAt,
  };
  if (hold.readyUntil !== undefined) shown.readyUntil = hold.readyUntil;
  return shown;
}
