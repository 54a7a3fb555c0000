// The overdue timer's work (functions/overdue-scan.ts): every loan whose `dueCheckAt` has come is
// looked at — a day before it is due (the due-soon notice), when it falls due (it becomes OVERDUE),
// and every OVERDUE_REMINDER_DAYS while it stays out (a reminder) — and moved on to its next check.
// The loans are found by a range on `dueCheckAt` alone, an indexed field that only loans carry and
// that a returned loan clears, so a run reads the loans whose time has come and no others: its cost
// grows with the loans due, not with all loans ever made (docs/decisions/0007-notices-and-the-overdue-index.md).
// Each step is one batch in the member's partition, written only if the rental is unchanged since read
// (etag): the rental and its event (through the outbox) together, with an event id keyed by the fact,
// so two runs at once, or a run repeated after a crash, do each step once.
import { dueStep, type DueStep } from '../domain/overdue';
import { rentalEvent, type DomainEvent } from './events';
import { outboxCreate } from './outbox';
import type { AppDeps, BatchOperation, PatchOperation, QuerySpec, Stored } from './ports';
import type { RentalDoc } from './records';
import { nowIso } from './time';

const PAGE = 100;
// Only a concurrent change to the same rental (a return, a renewal, another run) makes a step retry.
const MAX_ATTEMPTS = 20;

export interface OverdueScanResult {
  /** Loans looked at in this run (their check time had come). */
  checked: number;
  dueSoon: number;
  /** Loans that became OVERDUE in this run. */
  markedOverdue: number;
  reminders: number;
  /** Loans OVERDUE now, after the run. */
  overdue: number;
}

/**
 * The loans whose check time has come: one range on `dueCheckAt`, and nothing else, so an index on
 * that field alone serves it (the local store's and Cosmos DB's range index alike).
 */
export function dueChecks(now: string, continuation?: string): QuerySpec {
  return {
    where: [{ field: 'dueCheckAt', op: '<=', value: now }],
    orderBy: [{ field: 'dueCheckAt' }],
    limit: PAGE,
    continuation,
  };
}

export async function scanOverdue(deps: AppDeps): Promise<OverdueScanResult> {
  const now = nowIso(deps.clock);
  const result: OverdueScanResult = { checked: 0, dueSoon: 0, markedOverdue: 0, reminders: 0, overdue: 0 };
  let continuation: string | undefined;
  do {
    // A loan handled below moves its check past `now`, out of this range: paging goes on after the
    // last one read, so nothing is read twice.
    const page = await deps.containers.members.query<RentalDoc>(dueChecks(now, continuation));
    const steps = await Promise.all(page.items.map((doc) => lookAt(deps, doc, now)));
    for (const step of steps) {
      if (step === undefined) continue;
      result.checked++;
      if (step === 'due-soon') result.dueSoon++;
      else if (step === 'overdue') result.markedOverdue++;
      else if (step === 'reminder') result.reminders++;
    }
    continuation = page.continuation;
  } while (continuation);
  result.overdue = await countOverdue(deps);
  return result;
}

/** Takes the step due for one loan; answers which (undefined: it was no rental, or not due after all). */
async function lookAt(
  deps: AppDeps,
  found: Stored<RentalDoc>,
  now: string,
): Promise<DueStep['kind'] | undefined> {
  const { members } = deps.containers;
  let doc: Stored<RentalDoc> | undefined = found;
  for (let attempt = 1; ; attempt++) {
    if (!doc || doc.type !== 'rental' || doc.dueCheckAt == null || doc.dueCheckAt > now) return undefined;
    const step = dueStep(doc, now, deps.policy.overdueReminderDays);
    const operations: PatchOperation[] = [{ op: 'set', path: '/dueCheckAt', value: step.nextCheckAt }];
    let event: DomainEvent | undefined;
    const dueAt = doc.dueAt as string;
    if (step.kind === 'due-soon') {
      // Once per due date: a renewed loan is told again before its new one.
      event = rentalEvent('rentbook.rental.due-soon', doc, { dueAt }, { at: now, key: dueAt });
    } else if (step.kind === 'overdue') {
      operations.push(
        { op: 'set', path: '/status', value: 'OVERDUE' },
        // The views show the new status: a new version of the rental.
        { op: 'incr', path: '/version', value: 1 },
      );
      event = rentalEvent('rentbook.rental.overdue', doc, { dueAt, overdueAt: now }, { at: now });
    } else if (step.kind === 'reminder') {
      event = rentalEvent(
        'rentbook.rental.still-overdue',
        doc,
        { dueAt, reminder: step.reminder },
        { at: now, key: String(step.reminder) },
      );
    }
    const batch: BatchOperation[] = [{ operationType: 'Patch', id: doc.id, ifMatch: doc._etag, operations }];
    if (event) batch.push(outboxCreate(doc.memberId, event));
    const [written, recorded] = await members.batch(doc.memberId, batch);
    if (written.statusCode < 300) return step.kind;
    if (written.statusCode !== 412 && written.statusCode !== 404) {
      throw new Error(
        `Overdue step ${step.kind} for rental ${doc.id} failed: ${written.statusCode}/${recorded?.statusCode}`,
      );
    }
    if (attempt >= MAX_ATTEMPTS) throw new Error(`The overdue step for rental ${doc.id} kept losing races`);
    // Changed since read (returned, renewed, or another run took the step): judge again on what is stored.
    doc = await members.read<RentalDoc>(doc.memberId, doc.id);
  }
}

/** How many loans are OVERDUE now (what the dashboard charts); reads those loans and no others. */
async function countOverdue(deps: AppDeps): Promise<number> {
  let count = 0;
  let continuation: string | undefined;
  do {
    const page = await deps.containers.members.query<RentalDoc>({
      where: [
        { field: 'status', op: '=', value: 'OVERDUE' },
        { field: 'type', op: '=', value: 'rental' },
      ],
      limit: 1000,
      continuation,
    });
    count += page.items.length;
    continuation = page.continuation;
  } while (continuation);
  return count;
}
