// HTTP functions that drive orchestrations through the real durable client (`df.getClient`), as an
// app would: start, start-and-wait, status, events, terminate, purge, queries, management URLs.
import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import type { DurableClient } from 'durable-functions';

async function body(request: HttpRequest): Promise<unknown> {
  const text = await request.text();
  return text ? (JSON.parse(text) as unknown) : undefined;
}

function errorResponse(err: unknown): HttpResponseInit {
  return { status: 500, jsonBody: { error: err instanceof Error ? err.message : String(err) } };
}

df.app.client.http('durableStart', {
  route: 'durable/start/{name}/{id?}',
  methods: ['POST'],
  handler: async (request: HttpRequest, client: DurableClient) => {
    const id = await client.startNew(request.params.name, {
      instanceId: request.params.id || undefined,
      input: await body(request),
    });
    return client.createCheckStatusResponse(request, id);
  },
});

df.app.client.http('durableRun', {
  route: 'durable/run/{name}',
  methods: ['POST'],
  handler: async (request: HttpRequest, client: DurableClient) => {
    const id = await client.startNew(request.params.name, { input: await body(request) });
    return client.waitForCompletionOrCreateCheckStatusResponse(request, id, {
      timeoutInMilliseconds: 10_000,
      retryIntervalInMilliseconds: 1_000,
    });
  },
});

df.app.client.http('durableStatus', {
  route: 'durable/status/{id}',
  methods: ['GET'],
  handler: async (request: HttpRequest, client: DurableClient) => {
    try {
      const status = await client.getStatus(request.params.id, {
        showInput: request.query.get('showInput') !== 'false',
      });
      return { jsonBody: status };
    } catch (err) {
      return errorResponse(err);
    }
  },
});

df.app.client.http('durableRaise', {
  route: 'durable/raise/{id}/{event}',
  methods: ['POST'],
  handler: async (request: HttpRequest, client: DurableClient) => {
    try {
      await client.raiseEvent(request.params.id, request.params.event, await body(request));
      return { status: 202 };
    } catch (err) {
      return errorResponse(err);
    }
  },
});

df.app.client.http('durableTerminate', {
  route: 'durable/terminate/{id}',
  methods: ['POST'],
  handler: async (request: HttpRequest, client: DurableClient) => {
    try {
      await client.terminate(request.params.id, request.query.get('reason') ?? 'stopped by test');
      return { status: 202 };
    } catch (err) {
      return errorResponse(err);
    }
  },
});

df.app.client.http('durablePurge', {
  route: 'durable/purge/{id}',
  methods: ['DELETE'],
  handler: async (request: HttpRequest, client: DurableClient) => {
    try {
      return { jsonBody: await client.purgeInstanceHistory(request.params.id) };
    } catch (err) {
      return errorResponse(err);
    }
  },
});

df.app.client.http('durableInstances', {
  route: 'durable/instances',
  methods: ['GET'],
  handler: async (request: HttpRequest, client: DurableClient) => {
    const status = request.query.get('runtimeStatus');
    const list = status
      ? await client.getStatusBy({ runtimeStatus: [status as df.OrchestrationRuntimeStatus] })
      : await client.getStatusAll();
    return { jsonBody: list.map((s) => ({ instanceId: s.instanceId, runtimeStatus: s.runtimeStatus })) };
  },
});

// A durableClient binding declared by hand (not through df.app.client), with the management payload.
app.http('durablePayload', {
  route: 'durable/payload/{id}',
  methods: ['GET'],
  extraInputs: [df.input.durableClient()],
  handler: (request: HttpRequest, context: InvocationContext) => ({
    jsonBody: df.getClient(context).createHttpManagementPayload(request.params.id),
  }),
});
