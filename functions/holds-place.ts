// POST /api/books/{bookId}/holds {memberId?} (optional Idempotency-Key): join the book's hold queue
// when no copy is free; 201 with the hold (WAITING and its place in the queue).
import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { placeHold } from '../shared/app/holds';
import { appDeps } from './lib/composition';
import { handled, identify, json, readBody, readIdempotencyKey, respond } from './lib/http';
import { holdBody } from './lib/schemas';

async function holdsPlace(request: HttpRequest, _context: InvocationContext): Promise<HttpResponseInit> {
  const caller = await identify(request, 'holds.place');
  const key = readIdempotencyKey(request);
  const body = await readBody(request, holdBody);
  const bookId = request.params.bookId;
  return respond(await placeHold(appDeps(), caller, { ...body, bookId }, key), (hold) =>
    json(201, hold, { Location: `/api/books/${bookId}/holds` }),
  );
}

app.http('holds-place', {
  methods: ['POST'],
  route: 'api/books/{bookId}/holds',
  authLevel: 'anonymous',
  handler: handled(holdsPlace),
});
