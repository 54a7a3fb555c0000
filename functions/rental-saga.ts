// The borrow saga (Durable orchestration; instance id = rental id). Reads as the story:
// check the member and book → take the points → take a copy → approve with a due date.
// When a step says no, what was done is undone in reverse (the copy goes back, the points are
// refunded; each exactly once, as every step is idempotent and keyed by the rental id) and the
// rental is rejected with that step's reason. Deterministic: time only from currentUtcDateTime.
// It runs only for a rental the API recorded, on the recorded member, book and price: its input
// says where that rental is and nothing more (a start that names no recorded rental fails and
// changes nothing).
import * as df from 'durable-functions';
import type { OrchestrationContext, Task } from 'durable-functions';
import type { Eligibility, StepOutcome } from '../shared/app/rental-saga-steps';
import type { RejectionReason, Rental } from '../shared/domain/rental';
import { RENTAL_SAGA, sagaActivities as step } from './lib/rental-saga-client';
import { parseInput, sagaStart } from './lib/rental-saga-schemas';

// Transient faults (a busy store) get a few quick retries before the saga gives up on a step.
const retry = new df.RetryOptions(500, 5);
retry.backoffCoefficient = 2;
retry.maxRetryIntervalInMilliseconds = 10_000;

interface Compensation {
  name: string;
  input: Rental;
}

type Saga<T> = Generator<Task, T, unknown>;

function* rentalSaga(context: OrchestrationContext): Saga<Rental> {
  const start = parseInput(sagaStart, context.df.getInput(), RENTAL_SAGA);
  const checked = (yield call(context, step.checkEligibility, {
    rentalId: context.df.instanceId,
    ...start,
  })) as Eligibility;
  if ('refused' in checked) throw new Error(checked.refused);
  const { rental, reason } = checked;
  // Settled already: a repeated start for this rental finds its outcome and changes nothing.
  if (rental.status !== 'REQUESTED') return rental;
  if (reason) return yield* reject(context, rental, reason, []);

  const refund: Compensation = { name: step.refundPoints, input: rental };
  const release: Compensation = { name: step.releaseCopy, input: rental };
  let approving = false;
  try {
    const debited = (yield call(context, step.debitPoints, rental)) as StepOutcome;
    if (!debited.ok) return yield* reject(context, rental, debited.reason, []);

    const reserved = (yield call(context, step.reserveCopy, rental)) as StepOutcome;
    if (!reserved.ok) return yield* reject(context, rental, reserved.reason, [refund]);

    approving = true;
    const approvedAt = context.df.currentUtcDateTime.toISOString();
    return (yield call(context, step.approve, { rental, approvedAt })) as Rental;
  } catch {
    // A step kept failing through its retries, yet it may have taken effect before it failed. If the
    // approval went through, the rental stands. Otherwise undo every step: undoing is conditional
    // (a refund needs the debit, a release needs the loan), so undoing what never happened is a no-op.
    if (approving) {
      const current = (yield* untilDone(context, step.read, rental)) as Rental;
      if (current.status !== 'REQUESTED') return current;
    }
    return yield* reject(context, rental, 'PROCESSING_FAILED', [refund, release]);
  }
}

// Undo what was done, newest first, then record the rejection: the rental stays REQUESTED until
// its points and copy are back, so whoever sees it REJECTED sees the undoing complete.
function* reject(
  context: OrchestrationContext,
  rental: Rental,
  reason: RejectionReason,
  done: Compensation[],
): Saga<Rental> {
  for (const compensation of [...done].reverse())
    yield* untilDone(context, compensation.name, compensation.input);
  return (yield* untilDone(context, step.reject, { rental, reason })) as Rental;
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

function call(context: OrchestrationContext, name: string, input: unknown): Task {
  return context.df.callActivityWithRetry(name, retry, input);
}

df.app.orchestration(RENTAL_SAGA, rentalSaga);
