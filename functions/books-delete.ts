// DELETE /api/books/{bookId}: a librarian removes a book that has no copy on loan.
import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { removeBook } from '../shared/app/catalog';
import { appDeps } from './lib/composition';
import { handled, identify, noContent, respond } from './lib/http';

async function booksDelete(request: HttpRequest, _context: InvocationContext): Promise<HttpResponseInit> {
  const caller = await identify(request, 'books.remove');
  return respond(await removeBook(appDeps(), caller, request.params.bookId), noContent);
}

app.http('books-delete', {
  methods: ['DELETE'],
  route: 'api/books/{bookId}',
  authLevel: 'anonymous',
  handler: handled(booksDelete),
});
