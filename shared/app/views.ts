// The read models (CQRS): a member's mypage and the hold queues on it, kept in `views` (partition
// key `/memberId`) by projectors on the change feeds of `members` and `books`, never computed from
// the write model when they are read (docs/decisions/0005-outbox-and-views.md,
// 0015-fewer-writes-per-rent.md).
// - one view item per member (id = memberId): the member's points and fees, and the rentals its
//   mypage shows (every one open, the last `HISTORY_LENGTH` settled), so a batch of changes about
//   one member is one write, and mypage one read;
// - one view item per hold (id = holdId), from its book's queue;
// - each part keeps the `version` of the write-model item it was made from, and a change is applied
//   only when its version is newer: a change delivered twice, or an older one after a newer one,
//   leaves the view as it is (the projectors are idempotent and order-safe);
// - the time-dependent parts (overdue, the fee if returned now) are computed when read.
// The librarian's rental board reads the rentals themselves (./rental-board.ts).
// The projector of `members` changes also does two things for the catalog, since it is what sees
// every write of a member's partition: a book's rating when its reviews change (./reviews.ts), and
// the copy of a returned rental whose return did not get as far as the book (./returns.ts).
import { z } from 'zod';
import { loanStanding } from '../domain/fees';
import { holdPosition, type ActiveHoldStatus, type QueuedHold } from '../domain/hold';
import {
  boardOrder,
  isOnLoan,
  RENTAL_STATUSES,
  type RejectionReason,
  type Rental,
  type RentalStatus,
} from '../domain/rental';
import { denial, type Caller } from './authorization';
import { memberNotFound } from './members';
import { ok, type Outcome } from './outcome';
import { isDocumentError, type AppDeps, type Doc, type Filter, type Stored } from './ports';
import { releaseReturnedCopies } from './returns';
import { projectRatings } from './reviews';
import {
  isBook,
  RENTAL_OUTCOME_FIELDS,
  withDefined,
  type BookDoc,
  type HoldDoc,
  type MemberDoc,
  type RentalDoc,
} from './records';
import { nowIso } from './time';

/** Settled rentals mypage shows, the ones requested last. */
const HISTORY_LENGTH = 20;
const MAX_ATTEMPTS = 20;

interface ViewItem extends Doc {
  memberId: string;
  /** The `version` of the write-model item this was made from. */
  sourceVersion: number;
  /** When what it was made from was last written (the newest `_ts`). */
  updatedAt: string;
}

/** A rental as its member's mypage shows it, kept in the member's view. */
export interface RentalEntry extends Omit<Rental, 'id' | 'memberId' | 'renewals'> {
  /** The `version` of the rental this was made from. */
  version: number;
  updatedAt: string;
}

export interface MemberView extends ViewItem {
  kind: 'member';
  name: string;
  points: number;
  feesOwed: number;
  /** By rental id: every rental open (REQUESTED or on loan), and the last settled ones. */
  rentals: Record<string, RentalEntry>;
  /**
   * The `requestedAt` of the newest settled rental let go from `rentals` (absent while none was):
   * a change of a rental not in the view and requested no later may be about one let go.
   */
  droppedThrough?: string;
}

/**
 * A hold as its member's mypage shows it, from its book's queue (`books` change feed): its version
 * is the queue's (`holdsVersion`), so every change of the queue rewrites the positions of all
 * holds in it. A hold that left the queue is kept as ENDED (hidden), so an older queue delivered late
 * cannot bring it back.
 */
export interface HoldView extends ViewItem {
  kind: 'hold';
  holdId: string;
  bookId: string;
  bookTitle: string;
  status: ActiveHoldStatus | 'ENDED';
  position: number;
  placedAt: string;
  readyUntil?: string;
}

type View = MemberView | HoldView;

// What the projector accepts from the change feed (it trusts nothing it has not checked).
const version = z.number().int().min(0).default(0);
const ts = z.number().int().min(0);
const memberChange = z.object({
  id: z.string().min(1),
  type: z.literal('member'),
  memberId: z.string().min(1),
  name: z.string(),
  points: z.number(),
  feesOwed: z.number(),
  version,
  _ts: ts,
});
const rentalChange = z.object({
  id: z.string().min(1),
  type: z.literal('rental'),
  memberId: z.string().min(1),
  bookId: z.string().min(1),
  bookTitle: z.string().nullable(),
  price: z.number(),
  status: z.enum(RENTAL_STATUSES),
  reason: z.string().optional(),
  requestedAt: z.string(),
  approvedAt: z.string().optional(),
  dueAt: z.string().optional(),
  returnedAt: z.string().optional(),
  lateDays: z.number().optional(),
  fee: z.number().optional(),
  version,
  _ts: ts,
});
type MemberChange = z.infer<typeof memberChange>;
type RentalChange = z.infer<typeof rentalChange>;

const reviewChange = z.object({ type: z.literal('review'), bookId: z.string().min(1) });
const queuedHold = z.object({
  holdId: z.string().min(1),
  memberId: z.string().min(1),
  status: z.enum(['WAITING', 'READY']),
  seq: z.number().int(),
  placedAt: z.string(),
  readyUntil: z.string().optional(),
});
const bookQueueChange = z.object({
  id: z.string().min(1),
  type: z.literal('book'),
  title: z.string(),
  holds: z.record(queuedHold).optional(),
  holdsVersion: z.number().int().min(0),
  _ts: ts,
});

export interface ProjectionResult {
  applied: number;
  /** Changes that were not newer than the view (repeats, older versions). */
  skipped: number;
  /** Member or rental changes that failed validation: not applied, handed back as they came. */
  invalid: unknown[];
}

/**
 * Applies a batch of `members` changes to the views: what it says about one member (the member, its
 * rentals) is one write of that member's view. Other items (ledger entries, outbox items) are not
 * part of any view. Throws on a storage fault, so the trigger's retry policy runs it again.
 */
export async function projectMemberChanges(
  deps: AppDeps,
  changes: readonly unknown[],
): Promise<ProjectionResult> {
  const result: ProjectionResult = { applied: 0, skipped: 0, invalid: [] };
  const byMember = new Map<string, MemberChanges>();
  const of = (memberId: string): MemberChanges => {
    let batch = byMember.get(memberId);
    if (!batch) byMember.set(memberId, (batch = { rentals: new Map() }));
    return batch;
  };
  const reviewed = new Set<string>();
  for (const change of changes) {
    const type =
      typeof change === 'object' && change !== null ? (change as { type?: unknown }).type : undefined;
    if (type === 'review') {
      const parsed = reviewChange.safeParse(change);
      if (parsed.success) reviewed.add(parsed.data.bookId);
      else result.invalid.push(change);
    } else if (type === 'member') {
      const parsed = memberChange.safeParse(change);
      if (!parsed.success) result.invalid.push(change);
      else if (parsed.data.id !== parsed.data.memberId) result.invalid.push(change);
      else {
        const batch = of(parsed.data.memberId);
        // A batch delivered with repeats: the newest version stands for them all.
        if (batch.member) result.skipped++;
        if (!batch.member || batch.member.version < parsed.data.version) batch.member = parsed.data;
      }
    } else if (type === 'rental') {
      const parsed = rentalChange.safeParse(change);
      if (!parsed.success) result.invalid.push(change);
      else {
        const { rentals } = of(parsed.data.memberId);
        const known = rentals.get(parsed.data.id);
        if (known) result.skipped++;
        if (!known || known.version < parsed.data.version) rentals.set(parsed.data.id, parsed.data);
      }
    }
  }
  for (const [memberId, batch] of byMember) {
    const counted = await projectMember(deps, memberId, batch);
    result.applied += counted.applied;
    result.skipped += counted.skipped;
  }
  // Books whose reviews changed get their rating recomputed (the catalog's, not a member's view),
  // and a returned rental's copy goes back if its return did not get that far (./returns.ts).
  result.applied += await projectRatings(deps, reviewed);
  const returned = [...byMember.values()].flatMap((b) =>
    [...b.rentals.values()].filter((r) => r.status === 'RETURNED'),
  );
  result.applied += await releaseReturnedCopies(deps, returned);
  return result;
}

/** What one batch says about one member: the member's newest change, and each rental's. */
interface MemberChanges {
  member?: MemberChange;
  rentals: Map<string, RentalChange>;
}

// One member's changes, in one write of its view. A view not made yet (or of an older shape) is
// made from the write model as it stands, which is at least as new as the changes.
async function projectMember(
  deps: AppDeps,
  memberId: string,
  batch: MemberChanges,
): Promise<{ applied: number; skipped: number }> {
  const size = batch.rentals.size + (batch.member ? 1 : 0);
  let counted = { applied: 0, skipped: size };
  await settleView(deps, { memberId, id: memberId }, async (current) => {
    counted = { applied: 0, skipped: size };
    if (!isMemberView(current)) {
      const made = await memberViewFromSource(deps, memberId);
      if (made) counted = { applied: size, skipped: 0 };
      return made;
    }
    const view: MemberView = { ...current, rentals: { ...current.rentals } };
    if (batch.member && batch.member.version > view.sourceVersion) {
      withMember(view, batch.member);
      counted.applied++;
    }
    for (const change of batch.rentals.values()) if (await withRental(deps, view, change)) counted.applied++;
    counted.skipped = size - counted.applied;
    return counted.applied > 0 ? view : undefined;
  });
  return counted;
}

function isMemberView(view: Stored<View> | undefined): view is Stored<MemberView> {
  return view?.kind === 'member' && typeof view.rentals === 'object' && view.rentals !== null;
}

function withMember(view: MemberView, m: MemberChange): void {
  view.name = m.name;
  view.points = m.points;
  view.feesOwed = m.feesOwed;
  view.sourceVersion = m.version;
  view.updatedAt = latest(view.updatedAt, tsIso(m._ts));
}

/**
 * Puts a rental's change in its member's view unless the view has it as new. True when the view
 * changed. A rental the view does not have, requested no later than the settled ones it let go,
 * may be one of those (a change delivered again, or replayed from the dead letters): the rental as
 * stored says what it is now, and a settled one that old stays out.
 */
async function withRental(deps: AppDeps, view: MemberView, change: RentalChange): Promise<boolean> {
  const known = view.rentals[change.id];
  let rental: RentalChange | undefined = change;
  if (known) {
    if (known.version >= change.version) return false;
  } else if (view.droppedThrough !== undefined && change.requestedAt <= view.droppedThrough) {
    const stored = rentalChange.safeParse(
      await deps.containers.members.read<RentalDoc>(view.memberId, change.id),
    );
    rental = stored.success && stored.data.version >= change.version ? stored.data : undefined;
    if (!rental) return false;
  }
  view.rentals[rental.id] = rentalEntry(rental);
  keepRecentHistory(view);
  if (!view.rentals[rental.id]) return false;
  view.updatedAt = latest(view.updatedAt, tsIso(rental._ts));
  return true;
}

// Lets go of the settled rentals beyond the last HISTORY_LENGTH requested (open ones all stay).
function keepRecentHistory(view: MemberView): void {
  const settled = Object.entries(view.rentals)
    .filter(([, r]) => isSettled(r.status))
    .sort(([a, x], [b, y]) => compare(y.requestedAt, x.requestedAt) || compare(b, a));
  for (const [id, r] of settled.slice(HISTORY_LENGTH)) {
    delete view.rentals[id];
    view.droppedThrough = latest(view.droppedThrough, r.requestedAt);
  }
}

const isSettled = (status: RentalStatus): boolean => status === 'REJECTED' || status === 'RETURNED';

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function latest(a: string | undefined, b: string): string {
  return a === undefined || b > a ? b : a;
}

/**
 * Applies a batch of `books` changes to the hold views: every hold in a changed queue gets its
 * status and position; holds of that book no longer in it are marked ENDED. Books no one ever held
 * are skipped at once.
 */
export async function projectBookChanges(
  deps: AppDeps,
  changes: readonly unknown[],
): Promise<ProjectionResult> {
  const result: ProjectionResult = { applied: 0, skipped: 0, invalid: [] };
  for (const change of changes) {
    if (typeof change !== 'object' || change === null || !('holdsVersion' in change)) continue;
    const parsed = bookQueueChange.safeParse(change);
    if (!parsed.success) {
      result.invalid.push(change);
      continue;
    }
    for (const view of await queueViews(deps, parsed.data)) {
      if (await applyView(deps, view)) result.applied++;
      else result.skipped++;
    }
  }
  return result;
}

// The views of a book's queue as of one version: its holds, and those of its holds seen before
// that have left it since.
async function queueViews(deps: AppDeps, book: z.infer<typeof bookQueueChange>): Promise<HoldView[]> {
  const holds = book.holds ?? {};
  const views: HoldView[] = Object.values(holds).map((h) => queuedHoldView(book, h));
  const inQueue = new Set(views.map((v) => v.holdId));
  const known = await allPages<HoldView>(deps, {
    where: [
      { field: 'kind', op: '=', value: 'hold' },
      { field: 'bookId', op: '=', value: book.id },
      { field: 'status', op: 'in', value: ['WAITING', 'READY'] },
    ],
  });
  for (const gone of known.filter((v) => !inQueue.has(v.holdId))) {
    const { _etag: _ignored, ...view } = gone;
    views.push(endedHoldView(book, view));
  }
  return views;
}

function queuedHoldView(book: z.infer<typeof bookQueueChange>, h: QueuedHold): HoldView {
  const holds = book.holds ?? {};
  return {
    id: h.holdId,
    memberId: h.memberId,
    kind: 'hold',
    holdId: h.holdId,
    bookId: book.id,
    bookTitle: book.title,
    placedAt: h.placedAt,
    status: h.status,
    position: holdPosition({ holds }, h),
    ...(h.readyUntil === undefined ? {} : { readyUntil: h.readyUntil }),
    sourceVersion: book.holdsVersion,
    updatedAt: tsIso(book._ts),
  };
}

/** A hold that has left its book's queue, as of that queue's version (hidden from mypage). */
function endedHoldView(
  book: z.infer<typeof bookQueueChange>,
  hold: Omit<HoldView, 'status' | 'position' | 'sourceVersion' | 'updatedAt'>,
): HoldView {
  return {
    ...hold,
    status: 'ENDED',
    position: 0,
    sourceVersion: book.holdsVersion,
    updatedAt: tsIso(book._ts),
  };
}

/**
 * Recomputes one member's views from the write model, replacing whatever they hold: a view item
 * whatever its version (a corrupted or too-new one is repaired, never skipped), and one with nothing
 * behind it in the write model is removed. Each item is read before its source and written only
 * over what was read (etag): a change the projector makes meanwhile makes it read both again, and a
 * change of the source after it was read is newer than what is written, so the projector applies it
 * after. A rebuild racing the projector therefore never leaves an older version behind.
 */
export async function rebuildMemberViews(deps: AppDeps, memberId: string): Promise<RebuiltViews> {
  const sources = new Map<string, () => Promise<View | undefined>>([
    [memberId, () => memberViewFromSource(deps, memberId)],
  ]);
  for (const hold of await partitionItems<HoldDoc>(deps, memberId, 'hold'))
    sources.set(hold.id, () => holdViewFromSource(deps, memberId, hold.id));
  // What the views hold beyond that (forged, left from a write model that is gone, or of a shape
  // no longer kept) is removed.
  const ids = new Set(sources.keys());
  for (const view of await allPages<View>(deps, { partitionKey: memberId, where: [] })) ids.add(view.id);
  const result: RebuiltViews = { written: 0, removed: 0 };
  for (const id of ids) {
    const source = sources.get(id);
    const done = await settleView(deps, { memberId, id }, async () => (source && (await source())) ?? null);
    if (done) result[done]++;
  }
  return result;
}

/** What a rebuild step did: view items written, and items removed (nothing behind them). */
export interface RebuiltViews {
  written: number;
  removed: number;
}

/**
 * The rebuild's last step, one page of the views at a time: removes the items of members the write
 * model does not have (forged, or left behind), which no member's rebuild visits.
 */
export async function sweepViewsPage(
  deps: AppDeps,
  continuation?: string,
): Promise<{ removed: number; continuation?: string }> {
  const page = await deps.containers.views.query<View>({ limit: 1000, continuation });
  const known = new Map<string, boolean>();
  let removed = 0;
  for (const item of page.items) {
    let member = known.get(item.memberId);
    if (member === undefined) {
      const doc = await deps.containers.members.read<MemberDoc>(item.memberId, item.memberId);
      known.set(item.memberId, (member = doc?.type === 'member'));
    }
    // A member's views are made after the member is written: with no member, nothing is behind them.
    if (!member && (await settleView(deps, item, async () => null)) === 'removed') removed++;
  }
  return { removed, ...(page.continuation === undefined ? {} : { continuation: page.continuation }) };
}

/** A member's view as the write model stands: the member and its rentals (those mypage shows). */
async function memberViewFromSource(deps: AppDeps, memberId: string): Promise<MemberView | undefined> {
  const member = memberChange.safeParse(await deps.containers.members.read<MemberDoc>(memberId, memberId));
  if (!member.success || member.data.id !== memberId) return undefined;
  const view: MemberView = {
    id: memberId,
    memberId,
    kind: 'member',
    name: '',
    points: 0,
    feesOwed: 0,
    rentals: {},
    sourceVersion: 0,
    updatedAt: tsIso(member.data._ts),
  };
  withMember(view, member.data);
  for (const doc of await partitionItems<RentalDoc>(deps, memberId, 'rental')) {
    const rental = rentalChange.safeParse(doc);
    if (!rental.success) continue;
    view.rentals[rental.data.id] = rentalEntry(rental.data);
    view.updatedAt = latest(view.updatedAt, tsIso(rental.data._ts));
  }
  keepRecentHistory(view);
  return view;
}

// Every item of one type in a member's partition of `members`.
async function partitionItems<T extends Doc>(deps: AppDeps, memberId: string, type: string): Promise<T[]> {
  const items: T[] = [];
  let continuation: string | undefined;
  do {
    const page = await deps.containers.members.query<T>({
      partitionKey: memberId,
      where: [{ field: 'type', op: '=', value: type }],
      limit: 1000,
      continuation,
    });
    items.push(...page.items);
    continuation = page.continuation;
  } while (continuation);
  return items;
}

// A hold as its book's queue stands now: in it, or ended.
async function holdViewFromSource(
  deps: AppDeps,
  memberId: string,
  id: string,
): Promise<HoldView | undefined> {
  const hold = await deps.containers.members.read<HoldDoc>(memberId, id);
  if (hold?.type !== 'hold') return undefined;
  const book = await deps.containers.books.read<BookDoc>(hold.bookId, hold.bookId);
  const parsed = isBook(book) ? bookQueueChange.safeParse(book) : undefined;
  if (!parsed?.success) return undefined;
  const queued = parsed.data.holds?.[id];
  if (queued?.memberId === memberId) return queuedHoldView(parsed.data, queued);
  return endedHoldView(parsed.data, {
    id,
    memberId,
    kind: 'hold',
    holdId: id,
    bookId: hold.bookId,
    bookTitle: parsed.data.title,
    placedAt: hold.placedAt,
  });
}

/** How many members there are (a rebuild's total). */
export async function countMembers(deps: AppDeps): Promise<number> {
  let total = 0;
  let continuation: string | undefined;
  do {
    const page = await memberIdsPage(deps, continuation);
    total += page.memberIds.length;
    continuation = page.continuation;
  } while (continuation);
  return total;
}

/** One page of member ids, for a rebuild to fan out over. */
export async function memberIdsPage(
  deps: AppDeps,
  continuation?: string,
): Promise<{ memberIds: string[]; continuation?: string }> {
  const page = await deps.containers.members.query<MemberDoc>({
    where: [{ field: 'type', op: '=', value: 'member' }],
    limit: 100,
    continuation,
  });
  return { memberIds: page.items.map((m) => m.memberId), continuation: page.continuation };
}

function rentalEntry(r: RentalChange): RentalEntry {
  const entry: RentalEntry = {
    bookId: r.bookId,
    bookTitle: r.bookTitle,
    price: r.price,
    status: r.status,
    requestedAt: r.requestedAt,
    version: r.version,
    updatedAt: tsIso(r._ts),
  };
  const reason = r.reason as RejectionReason | undefined;
  return withDefined(entry, { ...r, reason }, RENTAL_OUTCOME_FIELDS);
}

// Writes the view item unless the stored one is as new (the projector's rule: a repeat or an older
// change leaves the view as it is). True when written.
async function applyView(deps: AppDeps, view: View): Promise<boolean> {
  const done = await settleView(deps, view, async (current) =>
    current && current.sourceVersion >= view.sourceVersion ? undefined : view,
  );
  return done === 'written';
}

/**
 * Reads the stored view item, asks `decide` what it should be (a view; null: no item; undefined:
 * leave it), and makes it so, only over what was read (etag), deciding again when another writer
 * came first. Says what it did: wrote a view, removed the item, or nothing.
 */
async function settleView(
  deps: AppDeps,
  key: { memberId: string; id: string },
  decide: (current: Stored<View> | undefined) => Promise<View | null | undefined>,
): Promise<'written' | 'removed' | undefined> {
  const { views } = deps.containers;
  for (let attempt = 1; ; attempt++) {
    const current = await views.read<View>(key.memberId, key.id);
    const next = await decide(current);
    try {
      if (next === undefined || (next === null && !current)) return undefined;
      if (next === null) {
        await views.delete(key.memberId, key.id, { ifMatch: current!._etag });
        return 'removed';
      }
      if (current) await views.replace(key.memberId, key.id, next, { ifMatch: current._etag });
      else await views.create(next);
      return 'written';
    } catch (err) {
      if (!(isDocumentError(err, 412) || isDocumentError(err, 409) || isDocumentError(err, 404))) throw err;
      if (attempt >= MAX_ATTEMPTS) throw err;
    }
  }
}

function tsIso(seconds: number): string {
  return new Date(seconds * 1000).toISOString();
}

// ---- Reading the views ----

export interface Loan {
  rentalId: string;
  bookId: string;
  bookTitle: string | null;
  rentedAt: string;
  dueAt: string;
  overdue: boolean;
  feeIfReturnedNow: number;
}

export interface PendingRental {
  rentalId: string;
  bookId: string;
  bookTitle: string | null;
  requestedAt: string;
}

export interface PastRental {
  rentalId: string;
  bookId: string;
  bookTitle: string | null;
  status: RentalStatus;
  reason?: RejectionReason;
  requestedAt: string;
  returnedAt?: string;
  lateDays?: number;
  fee?: number;
}

export interface MypageHold {
  holdId: string;
  bookId: string;
  bookTitle: string;
  status: ActiveHoldStatus;
  position: number;
  readyUntil?: string;
}

export interface Mypage {
  memberId: string;
  name: string;
  points: number;
  feesOwed: number;
  onLoan: number;
  loans: Loan[];
  pending: PendingRental[];
  history: PastRental[];
  /** Holds waiting or ready, oldest first (those that ended are gone from here). */
  holds: MypageHold[];
  updatedAt: string;
}

/**
 * A member's mypage, from the views. A member whose view has not been made yet (just registered)
 * gets it empty; 404 only when there is no such member.
 */
export async function getMypage(deps: AppDeps, caller: Caller, memberId: string): Promise<Outcome<Mypage>> {
  const denied = denial(caller, 'members.mypage', { memberId });
  if (denied) return denied;
  const { views } = deps.containers;
  const member = await views.read<MemberView>(memberId, memberId);
  if (!member) {
    const doc = await deps.containers.members.read<MemberDoc>(memberId, memberId);
    if (!doc) return memberNotFound(memberId);
    return ok({
      memberId,
      name: doc.name,
      points: 0,
      feesOwed: 0,
      onLoan: 0,
      loans: [],
      pending: [],
      history: [],
      holds: [],
      updatedAt: doc.createdAt,
    });
  }
  const holdViews = await allPages<HoldView>(deps, {
    partitionKey: memberId,
    where: [
      { field: 'kind', op: '=', value: 'hold' },
      { field: 'status', op: 'in', value: ['WAITING', 'READY'] },
    ],
    orderBy: [{ field: 'placedAt' }],
  });
  const holds = holdViews.map((h) => {
    const item: MypageHold = {
      holdId: h.holdId,
      bookId: h.bookId,
      bookTitle: h.bookTitle,
      status: h.status as ActiveHoldStatus,
      position: h.position,
    };
    if (h.readyUntil !== undefined) item.readyUntil = h.readyUntil;
    return item;
  });
  const now = nowIso(deps.clock);
  const rentals = Object.entries(member.rentals ?? {}).map(([rentalId, r]) => ({ rentalId, ...r }));
  const open = rentals
    .filter((r) => !isSettled(r.status))
    .sort((a, b) => compare(boardOrder(a), boardOrder(b)) || compare(a.rentalId, b.rentalId));
  const loans = open
    .filter((r) => isOnLoan(r.status) && r.dueAt !== undefined)
    .map((r) => ({
      rentalId: r.rentalId,
      bookId: r.bookId,
      bookTitle: r.bookTitle,
      rentedAt: r.approvedAt ?? r.requestedAt,
      dueAt: r.dueAt as string,
      ...loanStanding(r, now, deps.policy.feeTimeZone),
    }));
  const pending = open
    .filter((r) => r.status === 'REQUESTED')
    .map((r) => ({
      rentalId: r.rentalId,
      bookId: r.bookId,
      bookTitle: r.bookTitle,
      requestedAt: r.requestedAt,
    }));
  const history = rentals
    .filter((r) => isSettled(r.status))
    .sort((a, b) => compare(b.requestedAt, a.requestedAt) || compare(b.rentalId, a.rentalId))
    .slice(0, HISTORY_LENGTH)
    .map((r) => {
      const item: PastRental = {
        rentalId: r.rentalId,
        bookId: r.bookId,
        bookTitle: r.bookTitle,
        status: r.status,
        requestedAt: r.requestedAt,
      };
      return withDefined(item, r, ['reason', 'returnedAt', 'lateDays', 'fee']);
    });
  const updatedAt = holdViews.map((v) => v.updatedAt).reduce(latest, member.updatedAt);
  return ok({
    memberId,
    name: member.name,
    points: member.points,
    feesOwed: member.feesOwed,
    onLoan: loans.length,
    loans,
    pending,
    history,
    holds,
    updatedAt,
  });
}

async function allPages<T extends Doc>(
  deps: AppDeps,
  spec: { partitionKey?: string; where: Filter[]; orderBy?: { field: string }[] },
): Promise<Stored<T>[]> {
  const items: Stored<T>[] = [];
  let continuation: string | undefined;
  do {
    const page = await deps.containers.views.query<T>({ ...spec, limit: 1000, continuation });
    items.push(...page.items);
    continuation = page.continuation;
  } while (continuation);
  return items;
}
