// GET /api/views/rebuild/{id} (librarians): how far a views rebuild has got.
import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import type { DurableClient } from 'durable-functions';
import { handled, identify, json, problem } from './lib/http';
import { viewsRebuildStatus } from './lib/views-rebuild-client';

async function viewsRebuildStatusGet(
  request: HttpRequest,
  client: DurableClient,
  _context: InvocationContext,
): Promise<HttpResponseInit> {
  // Refuses (401, 403) whoever the policy does not let rebuild the views.
  await identify(request, 'views.rebuild');
  const status = await viewsRebuildStatus(client, request.params.id);
  if (!status)
    return problem(404, 'rebuild-not-found', `There is no views rebuild with id ${request.params.id}.`);
  return json(200, status);
}

df.app.client.http('views-rebuild-status', {
  methods: ['GET', 'HEAD'],
  route: 'api/views/rebuild/{id}',
  authLevel: 'anonymous',
  handler: handled(viewsRebuildStatusGet),
});
