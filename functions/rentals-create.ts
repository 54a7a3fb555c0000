// POST /api/rentals {bookId, memberId?} (optional Idempotency-Key): rent a book. Records the
// REQUESTED rental, starts the borrow saga for it and waits a few seconds for it: 201 with the settled rental (APPROVED or REJECTED), or 202
// with Location while it is still REQUESTED. Past MAX_RENTALS_IN_FLIGHT rents at once on this
// instance it refuses at once with 503 and Retry-After, recording nothing (shared/app/admission.ts).
import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import type { DurableClient } from 'durable-functions';
import { findRental, requestRental } from '../shared/app/rentals';
import type { Rental } from '../shared/domain/rental';
import { appDeps, rentAdmission } from './lib/composition';
import {
  admitted,
  handled,
  identify,
  json,
  problem,
  problemResponse,
  readBody,
  readIdempotencyKey,
} from './lib/http';
import { startRentalSaga } from './lib/rental-saga-client';
import { rentalBody } from './lib/schemas';

const WAIT = { timeoutInMilliseconds: 5_000, retryIntervalInMilliseconds: 50 };

async function rentalsCreate(
  request: HttpRequest,
  client: DurableClient,
  _context: InvocationContext,
): Promise<HttpResponseInit> {
  const caller = await identify(request, 'rentals.request');
  const key = readIdempotencyKey(request);
  const body = await readBody(request, rentalBody);
  const outcome = await requestRental(appDeps(), caller, body, key);
  if (!outcome.ok) return problemResponse(outcome.problem);
  const id = outcome.value.id;
  await startRentalSaga(client, outcome.value, key !== undefined);

  const location = { Location: `/api/rentals/${id}` };
  const waited = await client.waitForCompletionOrCreateCheckStatusResponse(request, id, WAIT);
  if (waited.status === 200) return json(201, (await waited.json()) as Rental, location);
  if (waited.status === 202) {
    const current = (await findRental(appDeps(), id)) ?? outcome.value;
    return json(202, current, { ...location, 'Retry-After': '1' });
  }
  return problem(500, 'rental-saga-failed', `The rental ${id} could not be processed; it stays REQUESTED.`);
}

df.app.client.http('rentals-create', {
  methods: ['POST'],
  route: 'api/rentals',
  authLevel: 'anonymous',
  handler: handled(admitted(rentAdmission, rentalsCreate)),
});
