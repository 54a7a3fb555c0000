// POST /api/views/rebuild (librarians): recomputes every view from the write model in the
// background; 202 with the URL of its status (GET /api/views/rebuild/{id}).
import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import type { DurableClient } from 'durable-functions';
import { handled, identify, json } from './lib/http';
import { startViewsRebuild, viewsRebuildStatus } from './lib/views-rebuild-client';

async function viewsRebuildStart(
  request: HttpRequest,
  client: DurableClient,
  _context: InvocationContext,
): Promise<HttpResponseInit> {
  // Refuses (401, 403) whoever the policy does not let rebuild the views.
  await identify(request, 'views.rebuild');
  const id = await startViewsRebuild(client);
  const statusUrl = `/api/views/rebuild/${id}`;
  const status = (await viewsRebuildStatus(client, id)) ?? { id, status: 'running', progress: null };
  return json(202, { ...status, statusUrl }, { Location: statusUrl, 'Retry-After': '1' });
}

df.app.client.http('views-rebuild-start', {
  methods: ['POST'],
  route: 'api/views/rebuild',
  authLevel: 'anonymous',
  handler: handled(viewsRebuildStart),
});
