// GET /api/rentals/{rentalId}: the rental, for its member or a librarian.
import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import type { DurableClient } from 'durable-functions';
import { getRental } from '../shared/app/rentals';
import { appDeps } from './lib/composition';
import { handled, identify, json, respond } from './lib/http';
import { pendingRentals } from './lib/rental-saga-client';

async function rentalsGet(
  request: HttpRequest,
  client: DurableClient,
  _context: InvocationContext,
): Promise<HttpResponseInit> {
  const caller = await identify(request);
  const outcome = await getRental(appDeps(), caller, request.params.rentalId, pendingRentals(client));
  return respond(outcome, (rental) => json(200, rental));
}

df.app.client.http('rentals-get', {
  methods: ['GET'],
  route: 'rentals/{rentalId}',
  authLevel: 'anonymous',
  handler: handled(rentalsGet),
});
