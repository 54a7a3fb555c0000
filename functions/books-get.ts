// GET /api/books/{bookId}: one book with its live availability, for anyone (no sign-in).
import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { getBook } from '../shared/app/catalog';
import { appDeps } from './lib/composition';
import { handled, identify, json, respond } from './lib/http';

async function booksGet(request: HttpRequest, _context: InvocationContext): Promise<HttpResponseInit> {
  const caller = await identify(request, 'books.browse');
  const outcome = await getBook(appDeps(), caller, request.params.bookId);
  return respond(outcome, (book) => json(200, book, { ETag: book.etag }));
}

app.http('books-get', {
  methods: ['GET', 'HEAD'],
  route: 'api/books/{bookId}',
  authLevel: 'anonymous',
  handler: handled(booksGet),
});
