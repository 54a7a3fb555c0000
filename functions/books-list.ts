// GET /api/books?q=&status=&limit=&continuation=: the catalog, for anyone (no sign-in).
import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { listBooks } from '../shared/app/catalog';
import { appDeps } from './lib/composition';
import { handled, identify, json, readQuery, respond } from './lib/http';
import { bookListQuery } from './lib/schemas';

async function booksList(request: HttpRequest, _context: InvocationContext): Promise<HttpResponseInit> {
  const caller = await identify(request, 'books.browse');
  const query = readQuery(request, bookListQuery);
  return respond(await listBooks(appDeps(), caller, query), (page) => json(200, page));
}

app.http('books-list', {
  methods: ['GET', 'HEAD'],
  route: 'api/books',
  authLevel: 'anonymous',
  handler: handled(booksList),
});
