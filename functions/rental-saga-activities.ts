// The borrow saga's activities: each checks its input, then hands one step to shared/app
// (idempotent, keyed by rental id).
import * as df from 'durable-functions';
import {
  chargeAndApprove,
  refundPoints,
  readRental,
  rejectRental,
  releaseCopy,
  reserveCopyFor,
} from '../shared/app/rental-saga-steps';
import { appDeps } from './lib/composition';
import { sagaActivities as step } from './lib/rental-saga-client';
import {
  approveInput,
  parseInput,
  rejectInput,
  releaseInput,
  rental,
  reserveInput,
} from './lib/rental-saga-schemas';

df.app.activity(step.reserveCopy, {
  handler: (input) => {
    const { rentalId, ...start } = parseInput(reserveInput, input, step.reserveCopy);
    return reserveCopyFor(appDeps(), rentalId, start);
  },
});
df.app.activity(step.chargeAndApprove, {
  handler: (input) => {
    const { rental: r, approvedAt } = parseInput(approveInput, input, step.chargeAndApprove);
    return chargeAndApprove(appDeps(), r, approvedAt);
  },
});
df.app.activity(step.reject, {
  handler: (input) => {
    const { rental: r, reason } = parseInput(rejectInput, input, step.reject);
    return rejectRental(appDeps(), r, reason);
  },
});
df.app.activity(step.read, {
  handler: (input) => readRental(appDeps(), parseInput(rental, input, step.read)),
});
df.app.activity(step.releaseCopy, {
  handler: (input) => releaseCopy(appDeps(), parseInput(releaseInput, input, step.releaseCopy)),
});
df.app.activity(step.refundPoints, {
  handler: (input) => refundPoints(appDeps(), parseInput(rental, input, step.refundPoints)),
});
