// POST /api/books/{bookId}/reviews {rating, text}: a member reviews a book it has returned; 201 the
// first time, 200 when it replaces the member's earlier review.
import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { postReview } from '../shared/app/reviews';
import { appDeps } from './lib/composition';
import { handled, identify, json, readBody, respond } from './lib/http';
import { reviewBody } from './lib/schemas';

async function reviewsPost(request: HttpRequest, _context: InvocationContext): Promise<HttpResponseInit> {
  const caller = await identify(request, 'reviews.post');
  const body = await readBody(request, reviewBody);
  return respond(await postReview(appDeps(), caller, request.params.bookId, body), ({ review, created }) =>
    json(created ? 201 : 200, review),
  );
}

app.http('reviews-post', {
  methods: ['POST'],
  route: 'api/books/{bookId}/reviews',
  authLevel: 'anonymous',
  handler: handled(reviewsPost),
});
