// GET /api/rentals?status=&overdue=true&memberId=&bookId=&limit=&continuation= (librarians): the
// rental board, from the rentals: overdue first, then by due date, with book title and member name.
import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { rentalBoard } from '../shared/app/rental-board';
import { appDeps } from './lib/composition';
import { handled, identify, json, readQuery, respond } from './lib/http';
import { rentalBoardQuery } from './lib/schemas';

async function rentalsList(request: HttpRequest, _context: InvocationContext): Promise<HttpResponseInit> {
  const caller = await identify(request, 'rentals.board');
  const query = readQuery(request, rentalBoardQuery);
  return respond(await rentalBoard(appDeps(), caller, query), (page) => json(200, page));
}

app.http('rentals-list', {
  methods: ['GET', 'HEAD'],
  route: 'api/rentals',
  authLevel: 'anonymous',
  handler: handled(rentalsList),
});
