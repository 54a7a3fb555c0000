// HTTP functions that exercise route templates, methods, status codes, headers, cookies and bodies.
import {
  app,
  HttpResponse,
  type HttpRequest,
  type HttpResponseInit,
  type InvocationContext,
} from '@azure/functions';
import { Readable } from 'node:stream';

async function echo(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const text = await request.text();
  return {
    jsonBody: {
      function: context.functionName,
      method: request.method,
      params: request.params,
      query: Object.fromEntries(request.query),
      body: text,
      contentType: request.headers.get('content-type'),
      invocationId: context.invocationId,
    },
  };
}

app.http('itemGet', { methods: ['GET'], route: 'items/{id:int}', handler: echo });
app.http('itemPut', { methods: ['PUT', 'PATCH'], route: 'items/{id:int}', handler: echo });
app.http('itemsSpecial', { methods: ['GET'], route: 'items/special', handler: echo });
app.http('itemByName', { methods: ['GET'], route: 'items/{name}', handler: echo });
app.http('optional', { methods: ['GET'], route: 'opt/{id?}', handler: echo });
app.http('catchAll', { methods: ['GET'], route: 'files/{*rest}', handler: echo });
app.http('defaultRoute', { methods: ['GET', 'POST'], handler: echo });

app.http('created', {
  methods: ['POST'],
  route: 'created',
  handler: async (request) => {
    const body = (await request.json()) as Record<string, unknown>;
    return {
      status: 201,
      headers: { Location: '/api/created/1', 'X-Custom': 'yes' },
      cookies: [{ name: 'session', value: 'abc', httpOnly: true, path: '/', sameSite: 'Strict' }],
      jsonBody: { received: body },
    };
  },
});

app.http('stream', {
  methods: ['GET'],
  route: 'stream',
  handler: () =>
    new HttpResponse({
      body: Readable.from(['one ', 'two ', 'three']) as unknown as ReadableStream,
      headers: { 'content-type': 'text/plain' },
    }),
});

// Answers after `ms` milliseconds (default 300): a request that stays outstanding for a while.
app.http('slow', {
  methods: ['GET'],
  route: 'slow',
  handler: async (request) => {
    await new Promise((r) => setTimeout(r, Number(request.query.get('ms') ?? 300)));
    return { status: 200, jsonBody: { waited: true } };
  },
});

// Holds the thread it runs on for `ms` milliseconds (default 300) without yielding: a main thread too
// busy to take anything else meanwhile.
app.http('busy', {
  methods: ['GET'],
  route: 'busy',
  handler: (request) => {
    const until = Date.now() + Number(request.query.get('ms') ?? 300);
    while (Date.now() < until);
    return { status: 200, jsonBody: { busy: true } };
  },
});

app.http('noContent', { methods: ['DELETE'], route: 'things/{id}', handler: () => ({ status: 204 }) });

app.http('boom', {
  methods: ['GET'],
  route: 'boom',
  handler: () => {
    throw new Error('secret internal detail: db password is hunter2');
  },
});
