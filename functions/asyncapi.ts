// GET /api/asyncapi.json: the AsyncAPI 3.0 description of the domain events (no sign-in).
import { app, type HttpResponseInit } from '@azure/functions';
import { asyncApiDocument } from './lib/asyncapi-document';
import { json } from './lib/http';

async function asyncapi(): Promise<HttpResponseInit> {
  return json(200, asyncApiDocument());
}

app.http('asyncapi', {
  methods: ['GET', 'HEAD'],
  route: 'api/asyncapi.json',
  authLevel: 'anonymous',
  handler: asyncapi,
});
