// GET /api/members/{memberId}/rentals?status=&limit=&continuation=: rental history, newest first.
import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { rentalHistory } from '../shared/app/members';
import { appDeps } from './lib/composition';
import { handled, identify, json, readQuery, respond } from './lib/http';
import { rentalHistoryQuery } from './lib/schemas';

async function memberRentalsList(
  request: HttpRequest,
  _context: InvocationContext,
): Promise<HttpResponseInit> {
  const caller = await identify(request, 'rentals.history');
  const query = readQuery(request, rentalHistoryQuery);
  return respond(await rentalHistory(appDeps(), caller, request.params.memberId, query), (page) =>
    json(200, page),
  );
}

app.http('member-rentals-list', {
  methods: ['GET', 'HEAD'],
  route: 'api/members/{memberId}/rentals',
  authLevel: 'anonymous',
  handler: handled(memberRentalsList),
});
