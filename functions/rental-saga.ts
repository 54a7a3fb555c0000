// The borrow saga (Durable orchestration; instance id = rental id). Reads as the story:
// check the member and book → take the points → take a copy → approve with a due date.
// When a step says no, the rental is rejected with that step's reason and what was done is undone
// in reverse: the copy goes back, the points are refunded (each exactly once: the steps are
// idempotent, keyed by the rental id). Deterministic: time only from currentUtcDateTime.
import * as df from 'durable-functions';
import type { OrchestrationContext, Task } from 'durable-functions';
import type { Eligibility, StepOutcome } from '../shared/app/rental-saga-steps';
import type { RejectionReason, Rental } from '../shared/domain/rental';
import { RENTAL_SAGA, sagaActivities as step } from './lib/rental-saga-client';

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
  const requested = context.df.getInput<Rental>();
  const { rental, reason } = (yield call(context, step.checkEligibility, requested)) as Eligibility;
  // Settled already: a repeated start for this rental finds its outcome and changes nothing.
  if (rental.status !== 'REQUESTED') return rental;
  if (reason) return yield* reject(context, rental, reason, []);

  const done: Compensation[] = [];
  try {
    const debited = (yield call(context, step.debitPoints, rental)) as StepOutcome;
    if (!debited.ok) return yield* reject(context, rental, debited.reason, done);
    done.push({ name: step.refundPoints, input: rental });

    const reserved = (yield call(context, step.reserveCopy, rental)) as StepOutcome;
    if (!reserved.ok) return yield* reject(context, rental, reserved.reason, done);
    done.push({ name: step.releaseCopy, input: rental });

    const approvedAt = context.df.currentUtcDateTime.toISOString();
    return (yield call(context, step.approve, { rental, approvedAt })) as Rental;
  } catch {
    // A step kept failing through its retries: undo what was done rather than hold points or a copy.
    return yield* reject(context, rental, 'PROCESSING_FAILED', done);
  }
}

// Rejecting comes first and decides the outcome: if the rental turns out approved after all (an
// approval whose answer was lost), there is nothing to undo. Otherwise undo in reverse order.
function* reject(
  context: OrchestrationContext,
  rental: Rental,
  reason: RejectionReason,
  done: Compensation[],
): Saga<Rental> {
  const final = (yield* untilDone(context, step.reject, { rental, reason })) as Rental;
  if (final.status === 'REJECTED') {
    for (const compensation of [...done].reverse())
      yield* untilDone(context, compensation.name, compensation.input);
  }
  return final;
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
