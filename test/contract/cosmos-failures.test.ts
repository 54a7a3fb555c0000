// Cosmos DB failures as the SDK hands them to the adapter, against a stand-in gateway that answers as
// the service does (./cosmos-gateway-stub.ts): a failed transactional batch arrives as per-operation
// results (207), a failed batch request as a plain Error whose status @azure/cosmos 4.9 dropped, a
// single operation's failure as an ErrorResponse, a slow request as a timeout. Whichever way it
// comes, the port sees the same status, and the busy ones (408, 429, 449, 503) the same way.
import { describe, expect, it } from 'vitest';
import {
  BUSY_STATUSES,
  isBusyDocumentError,
  isDocumentError,
  type BatchOperation,
} from '../../shared/app/ports';
import { cosmosClient } from '../../shared/azure';
import { cosmosContainerSource } from '../../shared/azure/cosmos';
import { cosmosGatewayStub, type GatewayStub } from './cosmos-gateway-stub';
import { cleanups } from './legs';

const cleanup = cleanups();

/** A container on the stand-in gateway; the SDK retries a 429 `throttleRetries` times. */
function onStub(throttleRetries = 0): {
  stub: GatewayStub;
  source: ReturnType<typeof cosmosContainerSource>;
} {
  const stub = cosmosGatewayStub();
  const client = cosmosClient(
    { kind: 'emulator', connectionString: 'AccountEndpoint=http://127.0.0.1:8081/;AccountKey=c3R1Yg==' },
    {
      cosmosRetry: { maxRetryAttemptCount: throttleRetries, maxWaitTimeInSeconds: 5 },
      cosmosTransport: { httpClient: stub.httpClient, requestTimeoutMs: 200 },
    },
  );
  cleanup(() => client.dispose());
  return { stub, source: cosmosContainerSource(client, { createIfNotExists: false }) };
}

const creates = (...ids: string[]): BatchOperation[] =>
  ids.map((id) => ({ operationType: 'Create', resourceBody: { id, memberId: 'm1' } }));

async function failure(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    (value) => {
      throw new Error(`expected a failure, got ${JSON.stringify(value)}`);
    },
    (err: unknown) => err,
  );
}

describe('a transactional batch that fails on an operation (207 Multi-Status)', () => {
  it('answers each operation’s status: the failing one’s (409, 412, 404), 424 for the rest', async () => {
    const { stub, source } = onStub();
    const c = source.open('db', { id: 'members', partitionKeyPath: '/memberId' });
    for (const failing of [409, 412, 404]) {
      stub.answers.push({ results: [424, failing, 424] });
      const results = await c.batch('m1', creates('a', 'b', 'c'));
      expect(results.map((r) => r.statusCode)).toEqual([424, failing, 424]);
    }
    stub.answers.push({ results: [201, 201] });
    const ok = await c.batch('m1', creates('a', 'b'));
    expect(ok.map((r) => [r.statusCode, r.resourceBody?.id])).toEqual([
      [201, 'a'],
      [201, 'b'],
    ]);
  });

  it('an operation answered busy (429, 503, 408, 449) or a server error raises that status, as for the whole request', async () => {
    const { stub, source } = onStub();
    const c = source.open('db', { id: 'members', partitionKeyPath: '/memberId' });
    for (const status of [...BUSY_STATUSES, 500]) {
      stub.answers.push({ results: [status, 424] });
      const err = await failure(c.batch('m1', creates('a', 'b')));
      expect(isDocumentError(err, status)).toBe(true);
      expect(isBusyDocumentError(err)).toBe(status !== 500);
    }
  });
});

describe('a batch request that fails as a whole (the SDK rethrows it with its status dropped)', () => {
  it('throttled through the SDK’s retries: the busy error 429, after 1 + the policy’s retries', async () => {
    const { stub, source } = onStub(2);
    const c = source.open('db', { id: 'members', partitionKeyPath: '/memberId' });
    stub.answers.push(...[1, 2, 3].map(() => ({ status: 429, substatus: 3200, retryAfterMs: 5 })));
    const err = await failure(c.batch('m1', creates('a')));
    expect(isDocumentError(err, 429)).toBe(true);
    expect(stub.requests).toEqual(Array(3).fill('POST /dbs/db/colls/members/docs (batch)'));
  });

  it('throttled once, then written: the SDK’s retry succeeds and the results come back', async () => {
    const { stub, source } = onStub(2);
    const c = source.open('db', { id: 'members', partitionKeyPath: '/memberId' });
    stub.answers.push({ status: 429, retryAfterMs: 5 }, { results: [201] });
    expect((await c.batch('m1', creates('a'))).map((r) => r.statusCode)).toEqual([201]);
  });

  it.each([503, 408, 449])('%i: that status, a busy error', async (status) => {
    const { stub, source } = onStub();
    const c = source.open('db', { id: 'members', partitionKeyPath: '/memberId' });
    // Enough answers for whatever retries the SDK's policies make for this status.
    stub.answers.push(...Array(10).fill({ status }));
    const err = await failure(c.batch('m1', creates('a')));
    expect(isDocumentError(err, status)).toBe(true);
    expect(isBusyDocumentError(err)).toBe(true);
  });

  it('no answer within the request timeout: 408, a busy error', async () => {
    const { stub, source } = onStub();
    const c = source.open('db', { id: 'members', partitionKeyPath: '/memberId' });
    stub.answers.push(...Array(10).fill({ hang: true }));
    const err = await failure(c.batch('m1', creates('a')));
    expect(isDocumentError(err, 408)).toBe(true);
    expect(isBusyDocumentError(err)).toBe(true);
  });

  it.each([409, 413])('%i for the whole batch keeps its status and is not busy', async (status) => {
    const { stub, source } = onStub();
    const c = source.open('db', { id: 'members', partitionKeyPath: '/memberId' });
    stub.answers.push({ status });
    const err = await failure(c.batch('m1', creates('a')));
    expect(isDocumentError(err, status)).toBe(true);
    expect(isBusyDocumentError(err)).toBe(false);
  });
});

describe('a single write fails with the same statuses as a batch', () => {
  it.each([409, 412, 413, ...BUSY_STATUSES])('%i', async (status) => {
    const { stub, source } = onStub();
    const c = source.open('db', { id: 'members', partitionKeyPath: '/memberId' });
    stub.answers.push(...Array(10).fill({ status }));
    const err = await failure(c.create({ id: 'a', memberId: 'm1' }));
    expect(isDocumentError(err, status)).toBe(true);
    expect(isBusyDocumentError(err)).toBe(BUSY_STATUSES.includes(status));
  });

  it('no answer within the request timeout: 408', async () => {
    const { stub, source } = onStub();
    const c = source.open('db', { id: 'members', partitionKeyPath: '/memberId' });
    stub.answers.push(...Array(10).fill({ hang: true }));
    expect(isDocumentError(await failure(c.create({ id: 'a', memberId: 'm1' })), 408)).toBe(true);
  });
});
