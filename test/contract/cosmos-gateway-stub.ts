// A stand-in for the Cosmos DB gateway at the seam the SDK sends every request through (its
// `httpClient` option), answering transactional batches and item writes as the service does, so the
// adapter meets the failures the emulator here cannot produce (it has no atomic batches and is never
// throttled, unavailable or slow). Statuses, headers and bodies follow the REST reference:
// https://learn.microsoft.com/rest/api/cosmos-db/http-status-codes-for-cosmosdb (424 for the other
// operations of a failed batch, 429 with x-ms-retry-after-ms, 449 retry with, 408, 503),
// https://learn.microsoft.com/rest/api/cosmos-db/common-cosmosdb-rest-response-headers, and the
// transactional batch response (200 when every operation succeeded, else 207 Multi-Status with one
// result per operation: the failing one's status, 424 for the rest).
import type { CosmosClientOptions } from '@azure/cosmos';

type HttpClient = NonNullable<CosmosClientOptions['httpClient']>;
type PipelineRequest = Parameters<HttpClient['sendRequest']>[0];
type PipelineResponse = Awaited<ReturnType<HttpClient['sendRequest']>>;

/** How the stand-in answers one request. */
export type GatewayAnswer =
  /** Each operation's status (a batch); 200 when all are 2xx, else 207 with the results. */
  | { results: number[] }
  /** The whole request fails with this status (a batch or a single write). */
  | { status: number; substatus?: number; retryAfterMs?: number }
  /** No answer at all: the SDK's request timeout ends it. */
  | { hang: true };

const serviceMessages: Record<number, { code: string; message: string }> = {
  408: { code: 'RequestTimeout', message: 'Request timed out.' },
  409: { code: 'Conflict', message: 'Entity with the specified id already exists in the system.' },
  412: {
    code: 'PreconditionFailed',
    message: 'Operation cannot be performed because one of the specified precondition is not met.',
  },
  413: { code: 'RequestEntityTooLarge', message: 'Request size is too large.' },
  429: {
    code: '429',
    message:
      'Message: {"Errors":["Request rate is large. More Request Units may be needed, so no changes were made. Please retry this request later. Learn more: http://aka.ms/cosmosdb-error-429"]}',
  },
  449: {
    code: 'RetryWith',
    message: 'Conflicting request to resource has been attempted. Retry to avoid conflicts.',
  },
  503: { code: 'ServiceUnavailable', message: 'Service is currently unavailable. Please retry.' },
};

export interface GatewayStub {
  httpClient: HttpClient;
  /** Answers for the next requests, in order; when none is left, every operation succeeds. */
  answers: GatewayAnswer[];
  /** Requests received, as `METHOD path (batch)`. */
  requests: string[];
}

export function cosmosGatewayStub(): GatewayStub {
  let activity = 0;
  const stub: GatewayStub = {
    answers: [],
    requests: [],
    httpClient: {
      async sendRequest(request: PipelineRequest): Promise<PipelineResponse> {
        const isBatch = request.headers.get('x-ms-cosmos-is-batch-request') === 'true';
        const path = new URL(request.url).pathname;
        stub.requests.push(`${request.method} ${path}${isBatch ? ' (batch)' : ''}`);
        const answer = stub.answers.shift();
        const headers = (status: number, extra: Record<string, string> = {}) => ({
          'content-type': 'application/json',
          'x-ms-activity-id': `00000000-0000-0000-0000-${String(++activity).padStart(12, '0')}`,
          'x-ms-request-charge': status < 300 ? '10.5' : '1',
          'x-ms-session-token': '0:-1#1',
          ...extra,
        });
        const respond = (status: number, body: unknown, extra?: Record<string, string>) =>
          response(request, status, headers(status, extra), JSON.stringify(body));
        if (answer !== undefined && 'hang' in answer) return hangUntilAborted(request);
        if (answer !== undefined && 'status' in answer) {
          const extra: Record<string, string> = {};
          if (answer.substatus !== undefined) extra['x-ms-substatus'] = String(answer.substatus);
          if (answer.retryAfterMs !== undefined) extra['x-ms-retry-after-ms'] = String(answer.retryAfterMs);
          return respond(
            answer.status,
            serviceMessages[answer.status] ?? { code: 'Error', message: 'Failed.' },
            extra,
          );
        }
        const body = JSON.parse(String(request.body ?? 'null')) as unknown;
        if (isBatch) {
          const operations = body as { operationType: string; id?: string; resourceBody?: { id?: string } }[];
          const statuses =
            answer?.results ?? operations.map((o) => (o.operationType === 'Create' ? 201 : 200));
          const failed = statuses.some((s) => s >= 300);
          return respond(
            failed ? 207 : 200,
            statuses.map((statusCode, i) => ({
              statusCode,
              requestCharge: statusCode < 300 ? 5 : 0,
              ...(statusCode < 300
                ? {
                    eTag: `"etag-${i}"`,
                    resourceBody: {
                      id: operations[i]?.resourceBody?.id ?? operations[i]?.id,
                      _etag: `"etag-${i}"`,
                    },
                  }
                : {}),
            })),
          );
        }
        return respond(201, { ...(body as object), _etag: '"etag-0"', _ts: 1 });
      },
    },
  };
  return stub;
}

function response(
  request: PipelineRequest,
  status: number,
  headers: Record<string, string>,
  bodyAsText: string,
): PipelineResponse {
  const lower = new Map(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  return {
    request,
    status,
    bodyAsText,
    headers: {
      get: (name: string) => lower.get(name.toLowerCase()),
      has: (name: string) => lower.has(name.toLowerCase()),
      set: (name: string, value: string | number) => void lower.set(name.toLowerCase(), String(value)),
      delete: (name: string) => void lower.delete(name.toLowerCase()),
      toJSON: () => Object.fromEntries(lower),
      [Symbol.iterator]: () => lower.entries(),
    },
  };
}

// As Node's HTTP client does when the SDK aborts a request that outlived its timeout.
function hangUntilAborted(request: PipelineRequest): Promise<PipelineResponse> {
  return new Promise((_resolve, reject) => {
    const abort = () => {
      const err = new Error('The operation was aborted.');
      err.name = 'AbortError';
      reject(err);
    };
    if (request.abortSignal?.aborted) abort();
    else request.abortSignal?.addEventListener('abort', abort, { once: true });
  });
}
