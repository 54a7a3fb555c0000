// The librarian's rental board: overdue first, then by due date; then open requests, then the rest
// (domain `boardOrder`). It reads the rentals themselves, where they live with their members in
// `members`, rather than a view of each: a rental view cost a write at every step of every rental,
// and the rentals are indexed by what the board asks (docs/decisions/0015-fewer-writes-per-rent.md).
// The order is three runs of one query each — the loans by due date, the requests by request time,
// the settled by request time — read one after the other, so it needs no stored sort key.
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { loanStanding } from '../domain/fees';
import type { RejectionReason, RentalStatus } from '../domain/rental';
import { denial, type Caller } from './authorization';
import { readMember } from './members';
import { ok, type Outcome } from './outcome';
import { continuationFrom, continuationToken, invalidContinuation } from './paging';
import { isDocumentError, type AppDeps, type Filter, type Page } from './ports';
import type { RentalDoc } from './records';
import { nowIso } from './time';

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

/** The board's runs, in its order: which rentals, sorted by what. */
const RUNS: readonly { statuses: readonly RentalStatus[]; by: 'dueAt' | 'requestedAt' }[] = [
  { statuses: ['APPROVED', 'OVERDUE'], by: 'dueAt' },
  { statuses: ['REQUESTED'], by: 'requestedAt' },
  { statuses: ['REJECTED', 'RETURNED'], by: 'requestedAt' },
];

/** Where a page left off: the query it is for, the run, and the store's continuation within it. */
const cursor = z
  .object({
    query: z.string(),
    run: z
      .number()
      .int()
      .min(0)
      .max(RUNS.length - 1),
    within: z.string().optional(),
  })
  .strict();
type Cursor = z.infer<typeof cursor>;

export async function rentalBoard(
  deps: AppDeps,
  caller: Caller,
  query: BoardQuery,
): Promise<Outcome<BoardPage>> {
  const denied = denial(caller, 'rentals.board');
  if (denied) return denied;
  const now = nowIso(deps.clock);
  const asked = queryId(query);
  let at: Cursor | undefined =
    query.continuation === undefined
      ? { query: asked, run: 0 }
      : continuationFrom(query.continuation, cursor);
  if (at?.query !== asked) return invalidContinuation();
  const docs: RentalDoc[] = [];
  try {
    while (at.run < RUNS.length && docs.length < query.limit) {
      const where = runFilters(RUNS[at.run].statuses, query, now);
      if (!where) {
        at = { query: asked, run: at.run + 1 };
        continue;
      }
      const page: Page<RentalDoc> = await deps.containers.members.query<RentalDoc>({
        partitionKey: query.memberId,
        where,
        orderBy: [{ field: RUNS[at.run].by }],
        limit: query.limit - docs.length,
        continuation: at.within,
      });
      docs.push(...page.items);
      at = {
        query: asked,
        run: at.run + (page.continuation === undefined ? 1 : 0),
        within: page.continuation,
      };
    }
  } catch (err) {
    if (isDocumentError(err, 400)) return invalidContinuation();
    throw err;
  }
  const names = await memberNames(deps, docs);
  return ok({
    items: docs.map((r) => {
      const entry: BoardEntry = {
        rentalId: r.id,
        memberId: r.memberId,
        memberName: names.get(r.memberId) ?? null,
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
    continuation: at.run < RUNS.length ? continuationToken(at) : null,
  });
}

// One run's filters for the query, or undefined when the query asks for none of that run's rentals.
// The status comes first: the store looks the run up by it.
function runFilters(statuses: readonly RentalStatus[], query: BoardQuery, now: string): Filter[] | undefined {
  let wanted = query.status ? statuses.filter((s) => s === query.status) : [...statuses];
  if (query.overdue) wanted = wanted.filter((s) => s === 'APPROVED' || s === 'OVERDUE');
  if (wanted.length === 0) return undefined;
  const where: Filter[] = [
    wanted.length === 1
      ? { field: 'status', op: '=', value: wanted[0] }
      : { field: 'status', op: 'in', value: wanted },
    { field: 'type', op: '=', value: 'rental' },
  ];
  if (query.bookId) where.push({ field: 'bookId', op: '=', value: query.bookId });
  if (query.overdue) where.push({ field: 'dueAt', op: '<', value: now });
  return where;
}

// The members' names (a name never changes), one read per member on the page.
async function memberNames(deps: AppDeps, rentals: RentalDoc[]): Promise<Map<string, string>> {
  const ids = [...new Set(rentals.map((r) => r.memberId))];
  const members = await Promise.all(ids.map((id) => readMember(deps, id)));
  return new Map(members.flatMap((m) => (m?.type === 'member' ? [[m.memberId, m.name] as const] : [])));
}

// What a continuation token is good for: the query that issued it, by its filters.
function queryId(query: BoardQuery): string {
  const filters = [query.status, query.overdue, query.memberId, query.bookId];
  return createHash('sha256').update(JSON.stringify(filters)).digest('base64url').slice(0, 16);
}
