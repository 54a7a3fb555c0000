// GET /api/books/{bookId}/reviews?limit=&continuation=: a book's reviews, newest first (anyone).
import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { listReviews } from '../shared/app/reviews';
import { appDeps } from './lib/composition';
import { handled, identify, json, readQuery, respond } from './lib/http';
import { reviewListQuery } from './lib/schemas';

async function reviewsList(request: HttpRequest, _context: InvocationContext): Promise<HttpResponseInit> {
  const caller = await identify(request, 'reviews.list');
  const query = readQuery(request, reviewListQuery);
  return respond(await listReviews(appDeps(), caller, request.params.bookId, query), (page) =>
    json(200, page),
  );
}

app.http('reviews-list', {
  methods: ['GET', 'HEAD'],
  route: 'api/books/{bookId}/reviews',
  authLevel: 'anonymous',
  handler: handled(reviewsList),
});
