// The borrow saga's activities: each hands one step to shared/app (idempotent, keyed by rental id).
import * as df from 'durable-functions';
import {
  approveRental,
  checkEligibility,
  debitPoints,
  refundPoints,
  readRental,
  rejectRental,
  releaseCopy,
  reserveCopy,
} from '../shared/app/rental-saga-steps';
import type { RejectionReason, Rental } from '../shared/domain/rental';
import { appDeps } from './lib/composition';
import { sagaActivities as step } from './lib/rental-saga-client';

// Inputs come from the orchestrator, which got them from this app: trusted, not re-validated.
df.app.activity(step.checkEligibility, {
  handler: (rental) => checkEligibility(appDeps(), rental as Rental),
});
df.app.activity(step.debitPoints, { handler: (rental) => debitPoints(appDeps(), rental as Rental) });
df.app.activity(step.reserveCopy, { handler: (rental) => reserveCopy(appDeps(), rental as Rental) });
df.app.activity(step.approve, {
  handler: (input) => {
    const { rental, approvedAt } = input as { rental: Rental; approvedAt: string };
    return approveRental(appDeps(), rental, approvedAt);
  },
});
df.app.activity(step.reject, {
  handler: (input) => {
    const { rental, reason } = input as { rental: Rental; reason: RejectionReason };
    return rejectRental(appDeps(), rental, reason);
  },
});
df.app.activity(step.read, { handler: (rental) => readRental(appDeps(), rental as Rental) });
df.app.activity(step.releaseCopy, { handler: (rental) => releaseCopy(appDeps(), rental as Rental) });
df.app.activity(step.refundPoints, { handler: (rental) => refundPoints(appDeps(), rental as Rental) });
