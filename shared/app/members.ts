// Members and their points: librarians register members; a member (or a librarian for it) sees
// the member, deposits points, checks the balance and reads the rental history.
import { feePaymentRefusal, newMember, type Member } from '../domain/member';
import { isSufficient } from '../domain/points';
import type { Rental, RentalStatus } from '../domain/rental';
import { denial, type Caller } from './authorization';
import { newEvent } from './events';
import { bindIdempotencyKey } from './idempotency';
import { idFromKey, newId } from './ids';
import { carrying, outboxCreate } from './outbox';
import { fail, ok, type Outcome } from './outcome';
import type { AppDeps, Filter } from './ports';
import {
  ledgerId,
  memberSearchText,
  toMember,
  toRental,
  type LedgerDoc,
  type MemberDoc,
  type RentalDoc,
} from './records';
import { nowIso } from './time';
import { listPage } from './paging';

export interface PointsBalance {
  memberId: string;
  points: number;
}

export interface PointsCheck extends PointsBalance {
  amount: number;
  sufficient: boolean;
}

export interface FeesBalance extends PointsBalance {
  feesOwed: number;
}

export interface FeePayment {
  memberId: string;
  /** KRW, paid with as many points. */
  amount: number;
  /** A repeated request with the same key (from the same caller) pays once. */
  idempotencyKey?: string;
}

export interface MemberQuery {
  /** Words to find in the name (case-insensitive). */
  q?: string;
  limit: number;
  continuation?: string;
}

export interface MemberPage {
  items: Member[];
  continuation: string | null;
}

export interface RentalHistoryQuery {
  status?: RentalStatus;
  limit: number;
  continuation?: string;
}

export interface RentalPage {
  items: Rental[];
  continuation: string | null;
}

// A deposit races only with other writes to the same member; losing this often in a row is a fault.
const MAX_ATTEMPTS = 20;

export interface NewMember {
  name: string;
  phone: string | null;
}

export async function registerMember(
  deps: AppDeps,
  caller: Caller,
  { name, phone }: NewMember,
): Promise<Outcome<Member>> {
  const denied = denial(caller, 'members.register');
  if (denied) return denied;
  const member = newMember(newId(deps.clock), name, phone);
  const at = nowIso(deps.clock);
  const doc: MemberDoc = {
    id: member.id,
    type: 'member',
    memberId: member.id,
    name: member.name,
    search: memberSearchText(member),
    phone: member.phone,
    points: member.points,
    feesOwed: member.feesOwed,
    onLoan: 0,
    loans: {},
    createdAt: at,
    version: 1,
  };
  const event = newEvent(
    'rentbook.member.registered',
    { subject: `members/${member.id}`, at },
    {
      memberId: member.id,
      name: member.name,
    },
  );
  const [created] = await deps.containers.members.batch(member.id, [
    { operationType: 'Create', resourceBody: { ...doc } },
    outboxCreate(member.id, event),
  ]);
  if (created.statusCode >= 300)
    throw new Error(`Registering member ${member.id} failed: ${created.statusCode}`);
  return ok(toMember(doc));
}

/** Members by name, page by page: librarians find whom to act for. */
export async function listMembers(
  deps: AppDeps,
  caller: Caller,
  query: MemberQuery,
): Promise<Outcome<MemberPage>> {
  const denied = denial(caller, 'members.list');
  if (denied) return denied;
  const where: Filter[] = [{ field: 'type', op: '=', value: 'member' }];
  const q = query.q?.trim().toLowerCase();
  if (q) where.push({ field: 'search', op: 'contains', value: q });
  return listPage(
    () =>
      deps.containers.members.query<MemberDoc>({
        where,
        orderBy: [{ field: 'name' }],
        limit: query.limit,
        continuation: query.continuation,
      }),
    toMember,
  );
}

export async function getMember(deps: AppDeps, caller: Caller, memberId: string): Promise<Outcome<Member>> {
  const denied = denial(caller, 'members.read', { memberId });
  if (denied) return denied;
  const doc = await readMember(deps, memberId);
  return doc ? ok(toMember(doc)) : memberNotFound(memberId);
}

export interface Deposit {
  memberId: string;
  amount: number;
  /** A repeated request with the same key (from the same caller) credits the points once. */
  idempotencyKey?: string;
}

/**
 * Credits points. With an idempotency key the same caller gets the first answer again and the
 * points are credited once: the ledger entry's id is derived from the key, and the entry and the
 * new balance are written in one batch, so either both exist or neither does. The key with
 * another request (another member or amount) is refused.
 */
export async function depositPoints(
  deps: AppDeps,
  caller: Caller,
  { memberId, amount, idempotencyKey }: Deposit,
): Promise<Outcome<PointsBalance>> {
  const denied = denial(caller, 'points.deposit', { memberId });
  if (denied) return denied;
  if (idempotencyKey) {
    const route = `POST /members/${memberId}/points`;
    const bound = await bindIdempotencyKey(deps, caller, idempotencyKey, { route, body: { amount } });
    if (!bound.ok) return bound;
  }
  const members = deps.containers.members;
  const entryId = ledgerId(
    'deposit',
    idempotencyKey ? idFromKey('deposit', caller.subject, idempotencyKey) : newId(deps.clock),
  );
  if (idempotencyKey) {
    const earlier = await members.read<LedgerDoc>(memberId, entryId);
    if (earlier) return ok({ memberId, points: earlier.pointsAfter ?? 0 });
  }
  for (let attempt = 1; ; attempt++) {
    const member = await readMember(deps, memberId);
    if (!member) return memberNotFound(memberId);
    const points = member.points + amount;
    const at = nowIso(deps.clock);
    const entry: LedgerDoc = {
      id: entryId,
      type: 'ledger',
      memberId,
      kind: 'deposit',
      amount,
      at,
      pointsAfter: points,
    };
    const event = newEvent(
      'rentbook.points.deposited',
      { subject: `members/${memberId}`, at, key: entryId },
      {
        memberId,
        amount,
        points,
      },
    );
    const [created, credited] = await members.batch(memberId, [
      { operationType: 'Create', resourceBody: carrying(entry, event) },
      {
        operationType: 'Patch',
        id: memberId,
        operations: [
          { op: 'set', path: '/points', value: points },
          { op: 'incr', path: '/version', value: 1 },
        ],
        ifMatch: member._etag,
      },
    ]);
    if (created.statusCode < 300) return ok({ memberId, points });
    if (created.statusCode === 409) {
      // The same key won a concurrent race: answer what it answered.
      const earlier = await members.read<LedgerDoc>(memberId, entryId);
      return ok({ memberId, points: earlier?.pointsAfter ?? points });
    }
    if (credited.statusCode === 404) return memberNotFound(memberId);
    if (credited.statusCode !== 412 || attempt >= MAX_ATTEMPTS) {
      throw new Error(`Deposit batch failed: ${created.statusCode}/${credited.statusCode}`);
    }
  }
}

/**
 * Pays late fees from points. Refused (409, nothing changes) when the amount is more than is owed or
 * than the points cover, judged on the member as read; the ledger entry, the new balances (written
 * only if the member is still as read: etag) and the `rentbook.fee.paid` event are one batch. With an
 * idempotency key, bound to the request as for deposits, the payment happens once and a repeat gets
 * the first answer again.
 */
export async function payFees(
  deps: AppDeps,
  caller: Caller,
  { memberId, amount, idempotencyKey }: FeePayment,
): Promise<Outcome<FeesBalance>> {
  const denied = denial(caller, 'fees.pay', { memberId });
  if (denied) return denied;
  if (idempotencyKey) {
    const route = `POST /members/${memberId}/fees/payments`;
    const bound = await bindIdempotencyKey(deps, caller, idempotencyKey, { route, body: { amount } });
    if (!bound.ok) return bound;
  }
  const members = deps.containers.members;
  const entryId = ledgerId(
    'fee-payment',
    idempotencyKey ? idFromKey('fee-payment', caller.subject, idempotencyKey) : newId(deps.clock),
  );
  const answered = async (): Promise<Outcome<FeesBalance> | undefined> => {
    const earlier = await members.read<LedgerDoc>(memberId, entryId);
    return (
      earlier && ok({ memberId, feesOwed: earlier.feesOwedAfter ?? 0, points: earlier.pointsAfter ?? 0 })
    );
  };
  if (idempotencyKey) {
    const earlier = await answered();
    if (earlier) return earlier;
  }
  for (let attempt = 1; ; attempt++) {
    const member = await readMember(deps, memberId);
    if (!member) return memberNotFound(memberId);
    const refusal = feePaymentRefusal(member, amount);
    if (refusal === 'more-than-owed') {
      return fail(
        'conflict',
        'more-than-owed',
        `Member ${memberId} owes ${member.feesOwed} in fees; ${amount} is more than that.`,
      );
    }
    if (refusal === 'insufficient-points') {
      return fail(
        'conflict',
        'insufficient-points',
        `Member ${memberId} has ${member.points} points; paying ${amount} needs more.`,
      );
    }
    const points = member.points - amount;
    const feesOwed = member.feesOwed - amount;
    const at = nowIso(deps.clock);
    const entry: LedgerDoc = {
      id: entryId,
      type: 'ledger',
      memberId,
      kind: 'fee-payment',
      amount,
      at,
      pointsAfter: points,
      feesOwedAfter: feesOwed,
    };
    const event = newEvent(
      'rentbook.fee.paid',
      { subject: `members/${memberId}`, at, key: entryId },
      {
        memberId,
        amount,
        feesOwed,
        points,
      },
    );
    const [created, paid] = await members.batch(memberId, [
      { operationType: 'Create', resourceBody: carrying(entry, event) },
      {
        operationType: 'Patch',
        id: memberId,
        operations: [
          { op: 'set', path: '/points', value: points },
          { op: 'set', path: '/feesOwed', value: feesOwed },
          { op: 'incr', path: '/version', value: 1 },
        ],
        ifMatch: member._etag,
      },
    ]);
    if (created.statusCode < 300) return ok({ memberId, feesOwed, points });
    if (created.statusCode === 409) {
      // The same key won a concurrent race: answer what it answered.
      const earlier = await answered();
      if (earlier) return earlier;
    }
    if (paid.statusCode === 404) return memberNotFound(memberId);
    if (paid.statusCode !== 412 || attempt >= MAX_ATTEMPTS) {
      throw new Error(`Fee payment batch failed: ${created.statusCode}/${paid.statusCode}`);
    }
  }
}

export async function checkPoints(
  deps: AppDeps,
  caller: Caller,
  memberId: string,
  amount: number,
): Promise<Outcome<PointsCheck>> {
  const denied = denial(caller, 'points.check', { memberId });
  if (denied) return denied;
  const member = await readMember(deps, memberId);
  if (!member) return memberNotFound(memberId);
  return ok({ memberId, points: member.points, amount, sufficient: isSufficient(member.points, amount) });
}

/** The member's rentals, newest first. */
export async function rentalHistory(
  deps: AppDeps,
  caller: Caller,
  memberId: string,
  query: RentalHistoryQuery,
): Promise<Outcome<RentalPage>> {
  const denied = denial(caller, 'rentals.history', { memberId });
  if (denied) return denied;
  if (!(await readMember(deps, memberId))) return memberNotFound(memberId);
  const where: Filter[] = [{ field: 'type', op: '=', value: 'rental' }];
  if (query.status) where.push({ field: 'status', op: '=', value: query.status });
  return listPage(
    () =>
      deps.containers.members.query<RentalDoc>({
        partitionKey: memberId,
        where,
        orderBy: [{ field: 'requestedAt', direction: 'desc' }],
        limit: query.limit,
        continuation: query.continuation,
      }),
    toRental,
  );
}

export function readMember(deps: AppDeps, memberId: string) {
  return deps.containers.members.read<MemberDoc>(memberId, memberId);
}

export function memberNotFound<T>(memberId: string): Outcome<T> {
  return fail('not-found', 'member-not-found', `There is no member with id ${memberId}.`);
}
