// POST /api/rentals/{rentalId}/return: the member (or a librarian) returns the book; a late fee is charged.
import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { returnRental } from '../shared/app/returns';
import { appDeps } from './lib/composition';
import { handled, identify, json, respond } from './lib/http';

async function rentalsReturn(request: HttpRequest, _context: InvocationContext): Promise<HttpResponseInit> {
  const caller = await identify(request, 'rentals.return');
  return respond(await returnRental(appDeps(), caller, request.params.rentalId), (rental) =>
    json(200, rental),
  );
}

app.http('rentals-return', {
  methods: ['POST'],
  route: 'api/rentals/{rentalId}/return',
  authLevel: 'anonymous',
  handler: handled(rentalsReturn),
});
