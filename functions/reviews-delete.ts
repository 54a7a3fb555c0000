// DELETE /api/reviews/{reviewId}: its author or a librarian removes a review.
import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { removeReview } from '../shared/app/reviews';
import { appDeps } from './lib/composition';
import { handled, identify, noContent, respond } from './lib/http';

async function reviewsDelete(request: HttpRequest, _context: InvocationContext): Promise<HttpResponseInit> {
  const caller = await identify(request, 'reviews.delete');
  return respond(await removeReview(appDeps(), caller, request.params.reviewId), noContent);
}

app.http('reviews-delete', {
  methods: ['DELETE'],
  route: 'api/reviews/{reviewId}',
  authLevel: 'anonymous',
  handler: handled(reviewsDelete),
});
