// GET /api/rentals/{rentalId}: the rental, for its member or a librarian.
import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { getRental } from '../shared/app/rentals';
import { appDeps } from './lib/composition';
import { handled, identify, json, respond } from './lib/http';

async function rentalsGet(request: HttpRequest, _context: InvocationContext): Promise<HttpResponseInit> {
  const caller = await identify(request, 'rentals.read');
  const outcome = await getRental(appDeps(), caller, request.params.rentalId);
  return respond(outcome, (rental) => json(200, rental));
}

app.http('rentals-get', {
  methods: ['GET', 'HEAD'],
  route: 'api/rentals/{rentalId}',
  authLevel: 'anonymous',
  handler: handled(rentalsGet),
});
