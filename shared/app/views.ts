// The read models (CQRS): a member's mypage and the librarian's rental board, kept in `views`
// (partition key `/memberId`) by a projector on the change feed of `members`, never computed from
// the write model when they are read (docs/decisions/0005-outbox-and-views.md).
// - one view item per member (id = memberId) and one per rental (id = rentalId);
// - each view item keeps the `version` of the write-model item it was made from, and a change is
//   applied only when its version is newer: a change delivered twice, or an older one after a
//   newer one, leaves the view as it is (the projector is idempotent and order-safe);
// - the time-dependent parts (overdue, the fee if returned now) are computed when read.
import { z } from 'zod';
import { loanStanding } from '../domain/fees';
import { holdPosition, type ActiveHoldStatus, type QueuedHold } from '../domain/hold';
import {
  boardOrder,
  RENTAL_STATUSES,
  type RejectionReason,
  type Rental,
  type RentalStatus,
} from '../domain/rental';
import { denial, type Caller } from './authorization';
import { memberNotFound } from './members';
import { fail, ok, type Outcome } from './outcome';
import { isDocumentError, type AppDeps, type Doc, type Filter, type Stored } from './ports';
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

const HISTORY_LENGTH = 20;
const MAX_ATTEMPTS = 20;

interface ViewItem extends Doc {
  memberId: string;
  /** The `version` of the write-model item this was made from. */
  sourceVersion: number;
  /** When that item was last written (its `_ts`). */
  updatedAt: string;
}

export interface MemberView extends ViewItem {
  kind: 'member';
  name: string;
  points: number;
  feesOwed: number;
}

/** A rental as its member's views and the board show it: the rental's own fields, one type. */
export interface RentalView extends ViewItem, Omit<Rental, 'id' | 'memberId' | 'renewals'> {
  kind: 'rental';
  rentalId: string;
  memberName: string | null;
  /** The board's sort key (domain `boardOrder`). */
  order: string;
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

type View = MemberView | RentalView | HoldView;

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
 * Applies a batch of `members` changes to the views. Other items (ledger entries, outbox items)
 * are not part of any view. Throws on a storage fault, so the trigger's retry policy runs it again.
 */
export async function projectMemberChanges(
  deps: AppDeps,
  changes: readonly unknown[],
): Promise<ProjectionResult> {
  const result: ProjectionResult = { applied: 0, skipped: 0, invalid: [] };
  const names = new Map<string, string | null>();
  const reviewed = new Set<string>();
  for (const change of changes) {
    const type =
      typeof change === 'object' && change !== null ? (change as { type?: unknown }).type : undefined;
    let view: View | undefined;
    if (type === 'review') {
      const parsed = reviewChange.safeParse(change);
      if (parsed.success) reviewed.add(parsed.data.bookId);
      else result.invalid.push(change);
      continue;
    }
    if (type === 'member') {
      const parsed = memberChange.safeParse(change);
      if (parsed.success) view = memberView(parsed.data);
    } else if (type === 'rental') {
      const parsed = rentalChange.safeParse(change);
      if (parsed.success) view = rentalView(parsed.data, await memberName(deps, parsed.data.memberId, names));
    } else continue;
    if (!view) {
      result.invalid.push(change);
      continue;
    }
    if (await applyView(deps, view)) result.applied++;
    else result.skipped++;
  }
  // Books whose reviews changed get their rating recomputed (the catalog's, not a member's view).
  result.applied += await projectRatings(deps, reviewed);
  return result;
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
  const { members } = deps.containers;
  const kinds = new Map<string, unknown>();
  let continuation: string | undefined;
  do {
    const page = await members.query<Doc & { type?: unknown }>({
      partitionKey: memberId,
      where: [{ field: 'type', op: 'in', value: ['member', 'rental', 'hold'] }],
      limit: 1000,
      continuation,
    });
    for (const doc of page.items) kinds.set(doc.id, doc.type);
    continuation = page.continuation;
  } while (continuation);
  // What the views hold beyond that (forged, or left from a write model that is gone) is removed.
  for (const view of await allPages<View>(deps, { partitionKey: memberId, where: [] }))
    if (!kinds.has(view.id)) kinds.set(view.id, view.kind);
  const sources: Record<string, (id: string) => Promise<View | undefined>> = {
    member: () => memberViewFromSource(deps, memberId),
    rental: (id) => rentalViewFromSource(deps, memberId, id),
    hold: (id) => holdViewFromSource(deps, memberId, id),
  };
  const result: RebuiltViews = { written: 0, removed: 0 };
  for (const [id, kind] of kinds) {
    const source = typeof kind === 'string' ? sources[kind] : undefined;
    const done = await settleView(deps, { memberId, id }, async () => (source && (await source(id))) ?? null);
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

async function memberViewFromSource(deps: AppDeps, memberId: string): Promise<MemberView | undefined> {
  const parsed = memberChange.safeParse(await deps.containers.members.read<MemberDoc>(memberId, memberId));
  return parsed.success && parsed.data.id === memberId ? memberView(parsed.data) : undefined;
}

async function rentalViewFromSource(
  deps: AppDeps,
  memberId: string,
  id: string,
): Promise<RentalView | undefined> {
  const parsed = rentalChange.safeParse(await deps.containers.members.read<RentalDoc>(memberId, id));
  if (!parsed.success) return undefined;
  const member = await deps.containers.members.read<MemberDoc>(memberId, memberId);
  return rentalView(parsed.data, member?.name ?? null);
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

function memberView(m: z.infer<typeof memberChange>): MemberView {
  return {
    id: m.memberId,
    memberId: m.memberId,
    kind: 'member',
    name: m.name,
    points: m.points,
    feesOwed: m.feesOwed,
    sourceVersion: m.version,
    updatedAt: tsIso(m._ts),
  };
}

function rentalView(r: z.infer<typeof rentalChange>, memberName: string | null): RentalView {
  const view: RentalView = {
    id: r.id,
    memberId: r.memberId,
    kind: 'rental',
    rentalId: r.id,
    bookId: r.bookId,
    bookTitle: r.bookTitle,
    memberName,
    price: r.price,
    status: r.status,
    requestedAt: r.requestedAt,
    order: boardOrder(r),
    sourceVersion: r.version,
    updatedAt: tsIso(r._ts),
  };
  const reason = r.reason as RejectionReason | undefined;
  return withDefined(view, { ...r, reason }, RENTAL_OUTCOME_FIELDS);
}

// A member's name never changes: from its view when there is one, else from the member itself.
async function memberName(
  deps: AppDeps,
  memberId: string,
  cache: Map<string, string | null>,
): Promise<string | null> {
  const known = cache.get(memberId);
  if (known !== undefined) return known;
  const view = await deps.containers.views.read<MemberView>(memberId, memberId);
  const name =
    view?.name ?? (await deps.containers.members.read<MemberDoc>(memberId, memberId))?.name ?? null;
  cache.set(memberId, name);
  return name;
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
  const now = nowIso(deps.clock);
  const open = await allPages<RentalView>(deps, {
    partitionKey: memberId,
    where: [
      { field: 'kind', op: '=', value: 'rental' },
      { field: 'status', op: 'in', value: ['REQUESTED', 'APPROVED', 'OVERDUE'] },
    ],
    orderBy: [{ field: 'order' }],
  });
  const past = await views.query<RentalView>({
    partitionKey: memberId,
    where: [
      { field: 'kind', op: '=', value: 'rental' },
      { field: 'status', op: 'in', value: ['REJECTED', 'RETURNED'] },
    ],
    orderBy: [{ field: 'requestedAt', direction: 'desc' }],
    limit: HISTORY_LENGTH,
  });
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
  const loans = open
    .filter((r) => r.status !== 'REQUESTED' && r.dueAt !== undefined)
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
  const history = past.items.map((r) => {
    const item: PastRental = {
      rentalId: r.rentalId,
      bookId: r.bookId,
      bookTitle: r.bookTitle,
      status: r.status,
      requestedAt: r.requestedAt,
    };
    return withDefined(item, r, ['reason', 'returnedAt', 'lateDays', 'fee']);
  });
  const updatedAt = [member, ...open, ...past.items, ...holdViews]
    .map((v) => v.updatedAt)
    .sort()
    .at(-1) as string;
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

export interface BoardQuery {
  status?: RentalStatus;
  overdue?: boolean;
  memberId?: string;
  bookId?: string;
  limit: number;
  continuation?: string;
}

export interface BoardEntry {
  rentalId: string;
  memberId: string;
  memberName: string | null;
  bookId: string;
  bookTitle: string | null;
  status: RentalStatus;
  reason?: RejectionReason;
  requestedAt: string;
  dueAt?: string;
  returnedAt?: string;
  overdue: boolean;
  feeIfReturnedNow: number;
}

export interface BoardPage {
  items: BoardEntry[];
  continuation: string | null;
}

/** The librarian's rental board: overdue first, then by due date; then open requests, then the rest. */
export async function rentalBoard(
  deps: AppDeps,
  caller: Caller,
  query: BoardQuery,
): Promise<Outcome<BoardPage>> {
  const denied = denial(caller, 'rentals.board');
  if (denied) return denied;
  const now = nowIso(deps.clock);
  const where: Filter[] = [{ field: 'kind', op: '=', value: 'rental' }];
  if (query.status) where.push({ field: 'status', op: '=', value: query.status });
  if (query.bookId) where.push({ field: 'bookId', op: '=', value: query.bookId });
  if (query.overdue) {
    where.push({ field: 'status', op: 'in', value: ['APPROVED', 'OVERDUE'] });
    where.push({ field: 'dueAt', op: '<', value: now });
  }
  try {
    const page = await deps.containers.views.query<RentalView>({
      partitionKey: query.memberId,
      where,
      orderBy: [{ field: 'order' }],
      limit: query.limit,
      continuation: query.continuation,
    });
    return ok({
      items: page.items.map((r) => {
        const entry: BoardEntry = {
          rentalId: r.rentalId,
          memberId: r.memberId,
          memberName: r.memberName,
          bookId: r.bookId,
          bookTitle: r.bookTitle,
          status: r.status,
          requestedAt: r.requestedAt,
          ...loanStanding(r, now, deps.policy.feeTimeZone),
        };
        if (r.reason !== undefined) entry.reason = r.reason;
        if (r.dueAt !== undefined) entry.dueAt = r.dueAt;
        if (r.returnedAt !== undefined) entry.returnedAt = r.returnedAt;
        return entry;
      }),
      continuation: page.continuation ?? null,
    });
  } catch (err) {
    if (isDocumentError(err, 400))
      return fail('invalid', 'invalid-continuation', 'The continuation token is not valid.');
    throw err;
  }
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
