// POST /api/rentals/{rentalId}/renew: the member (or a librarian) renews a loan; the due date moves on.
import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { renewRental } from '../shared/app/renewals';
import { appDeps } from './lib/composition';
import { handled, identify, json, respond } from './lib/http';

async function rentalsRenew(request: HttpRequest, _context: InvocationContext): Promise<HttpResponseInit> {
  const caller = await identify(request, 'rentals.renew');
  return respond(await renewRental(appDeps(), caller, request.params.rentalId), (rental) =>
    json(200, rental),
  );
}

app.http('rentals-renew', {
  methods: ['POST'],
  route: 'api/rentals/{rentalId}/renew',
  authLevel: 'anonymous',
  handler: handled(rentalsRenew),
});
