// GET /api/books/{bookId}/holds: a librarian sees the book's hold queue, first in line first.
import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { listBookHolds } from '../shared/app/holds';
import { appDeps } from './lib/composition';
import { handled, identify, json, respond } from './lib/http';

async function holdsList(request: HttpRequest, _context: InvocationContext): Promise<HttpResponseInit> {
  const caller = await identify(request, 'holds.list');
  return respond(await listBookHolds(appDeps(), caller, request.params.bookId), (queue) => json(200, queue));
}

app.http('holds-list', {
  methods: ['GET', 'HEAD'],
  route: 'api/books/{bookId}/holds',
  authLevel: 'anonymous',
  handler: handled(holdsList),
});
