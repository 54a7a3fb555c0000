// GET /api/health: the app is up and answering (no sign-in).
import { app, type HttpResponseInit } from '@azure/functions';
import { json } from './lib/http';

async function health(): Promise<HttpResponseInit> {
  return json(200, { status: 'ok' });
}

app.http('health', {
  methods: ['GET', 'HEAD'],
  route: 'api/health',
  authLevel: 'anonymous',
  handler: health,
});
