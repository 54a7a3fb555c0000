// GET /api/openapi.json: the OpenAPI 3.1 description of this API (no sign-in).
import { app, type HttpResponseInit } from '@azure/functions';
import { json } from './lib/http';
import { openApiDocument } from './lib/openapi-document';

async function openapi(): Promise<HttpResponseInit> {
  return json(200, openApiDocument());
}

app.http('openapi', {
  methods: ['GET', 'HEAD'],
  route: 'api/openapi.json',
  authLevel: 'anonymous',
  handler: openapi,
});
