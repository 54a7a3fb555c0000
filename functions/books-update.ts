// PATCH /api/books/{bookId} (optional If-Match): a librarian edits a book.
import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { editBook } from '../shared/app/catalog';
import { appDeps } from './lib/composition';
import { handled, identify, json, readBody, respond } from './lib/http';
import { bookEditBody } from './lib/schemas';

async function booksUpdate(request: HttpRequest, _context: InvocationContext): Promise<HttpResponseInit> {
  const caller = await identify(request, 'books.edit');
  const edit = await readBody(request, bookEditBody);
  // `If-Match: *` asks for no version check, as in HTTP.
  const ifMatch = request.headers.get('if-match') ?? undefined;
  const outcome = await editBook(appDeps(), caller, {
    bookId: request.params.bookId,
    edit,
    ifMatch: ifMatch === '*' ? undefined : ifMatch,
  });
  return respond(outcome, (book) => json(200, book, { ETag: book.etag }));
}

app.http('books-update', {
  methods: ['PATCH'],
  route: 'api/books/{bookId}',
  authLevel: 'anonymous',
  handler: handled(booksUpdate),
});
