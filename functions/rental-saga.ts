// The borrow saga (Durable orchestration; instance id = rental id). Reads as the story:
// check the member and book and take a copy → take the points and approve with a due date (one
// write in the member's partition). When a step says no, what was done is undone in reverse (the
// points are refunded, the copy goes back; each exactly once, as every step is idempotent and keyed
// by the rental id) and the rental is rejected with that step's reason. Deterministic: time only from currentUtcDateTime.
// It runs only for a rental the API recorded, on the recorded member, book and price: its input
// says where that rental is and nothing more (a start that names no recorded rental fails and
// changes nothing).
// Operators' events (rental.approved/rejected, saga.failed/compensated) are written here, where the
// outcome is decided, and only when the turn is not a replay: each fact is in the history once, so
// its line is written once (twice only if the host dies between running a turn and recording it,
// as Durable then runs that turn again).
import * as df from 'durable-functions';
import type { OrchestrationContext, Task } from 'durable-functions';
import type { Charged, Reservation } from '../shared/app/rental-saga-steps';
import type { RejectionReason, Rental } from '../shared/domain/rental';
import { RENTAL_SAGA, sagaActivities as step } from './lib/rental-saga-client';
import { parseInput, sagaStart } from './lib/rental-saga-schemas';
import { logEvent, type COMPENSATION_STEPS, type TelemetryEvent } from './lib/telemetry';

// Transient faults (a busy store) get a few quick retries before the saga gives up on a step.
const retry = new df.RetryOptions(500, 5);
retry.backoffCoefficient = 2;
retry.maxRetryIntervalInMilliseconds = 10_000;

type Compensation = (typeof COMPENSATION_STEPS)[number];

type Saga<T> = Generator<Task, T, unknown>;

function* rentalSaga(context: OrchestrationContext): Saga<Rental> {
  const start = parseInput(sagaStart, context.df.getInput(), RENTAL_SAGA);
  const where = { rentalId: context.df.instanceId, ...start };
  let reserved: Reservation;
  try {
    reserved = (yield call(context, step.reserveCopy, where)) as Reservation;
  } catch (err) {
    // The step kept failing, yet it may have taken the copy before it failed: put it back (only a
    // copy this rental holds goes back, so a forged start changes nothing). The rental stays
    // REQUESTED, as before any step ran.
    emit(context, { event: 'saga.failed', rentalId: where.rentalId, step: 'reserveCopy' });
    yield* untilDone(context, step.releaseCopy, { id: where.rentalId, bookId: start.bookId });
    throw err;
  }
  if ('refused' in reserved) throw new Error(reserved.refused);
  const { rental, reason } = reserved;
  // Settled already: a repeated start for this rental finds its outcome and changes nothing.
  if (rental.status !== 'REQUESTED') return rental;
  if (reason) return yield* reject(context, rental, reason, []);

  try {
    const approvedAt = context.df.currentUtcDateTime.toISOString();
    const charged = (yield call(context, step.chargeAndApprove, { rental, approvedAt })) as Charged;
    if (!charged.ok) return yield* reject(context, rental, charged.reason, ['releaseCopy']);
    return approved(context, charged.rental);
  } catch {
    // The step kept failing through its retries, yet it may have taken effect before it failed. If
    // the approval went through, the rental stands. Otherwise undo every step: undoing is conditional
    // (a refund needs the debit, a release needs the loan), so undoing what never happened is a no-op.
    const current = (yield* untilDone(context, step.read, rental)) as Rental;
    if (current.status !== 'REQUESTED') return approved(context, current);
    emit(context, { event: 'saga.failed', rentalId: rental.id, step: 'chargeAndApprove' });
    return yield* reject(context, rental, 'PROCESSING_FAILED', ['releaseCopy', 'refundPoints']);
  }
}

function approved(context: OrchestrationContext, rental: Rental): Rental {
  if (rental.status === 'APPROVED') emit(context, { event: 'rental.approved', rentalId: rental.id });
  return rental;
}

// Undo what was done, newest first, then record the rejection: the rental stays REQUESTED until
// its points and copy are back, so whoever sees it REJECTED sees the undoing complete.
function* reject(
  context: OrchestrationContext,
  rental: Rental,
  reason: RejectionReason,
  done: Compensation[],
): Saga<Rental> {
  for (const compensation of [...done].reverse()) {
    // true when the step's effect was there to undo (false: it never happened, nothing was put back).
    const undone = yield* untilDone(context, step[compensation], rental);
    if (undone === true)
      emit(context, { event: 'saga.compensated', rentalId: rental.id, step: compensation });
  }
  const settled = (yield* untilDone(context, step.reject, { rental, reason })) as Rental;
  if (settled.status === 'REJECTED')
    emit(context, { event: 'rental.rejected', rentalId: rental.id, reason: settled.reason ?? reason });
  return settled;
}

// Compensation must not give up: retry (with a durable timer between rounds) until it succeeds.
function* untilDone(context: OrchestrationContext, name: string, input: unknown): Saga<unknown> {
  for (let round = 1; ; round++) {
    try {
      return yield call(context, name, input);
    } catch {
      const waitMs = Math.min(60_000, 1_000 * 2 ** round);
      yield context.df.createTimer(new Date(context.df.currentUtcDateTime.getTime() + waitMs));
    }
  }
}

/** An operators' event, written once: not again when the orchestrator replays this part of its history. */
function emit(context: OrchestrationContext, event: TelemetryEvent): void {
  if (!context.df.isReplaying) logEvent(context, event);
}

function call(context: OrchestrationContext, name: string, input: unknown): Task {
  return context.df.callActivityWithRetry(name, retry, input);
}

df.app.orchestration(RENTAL_SAGA, rentalSaga);
