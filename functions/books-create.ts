// POST /api/books: a librarian registers a book.
import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { addBook } from '../shared/app/catalog';
import { appDeps } from './lib/composition';
import { handled, identify, json, readBody, respond } from './lib/http';
import { newBookBody } from './lib/schemas';

async function booksCreate(request: HttpRequest, _context: InvocationContext): Promise<HttpResponseInit> {
  const caller = await identify(request, 'books.add');
  const body = await readBody(request, newBookBody);
  return respond(await addBook(appDeps(), caller, body), (book) =>
    json(201, book, { Location: `/api/books/${book.id}`, ETag: book.etag }),
  );
}

app.http('books-create', {
  methods: ['POST'],
  route: 'api/books',
  authLevel: 'anonymous',
  handler: handled(booksCreate),
});
