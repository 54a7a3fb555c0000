// The host on an app laid out as the azd TypeScript template is (`test/stream-app`): a brace-glob
// `main`, `app.setup({ enableHttpStream: true })`, app hooks, functions the host cannot serve, and
// non-HTTP functions run from the admin API. Each host runs in its own process, as the command
// line starts it: one app per process, and the library's stream setting is per process too.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import http, { type IncomingMessage } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TransferProgress as Progress } from '../stream-app/functions/streams';
import { chunkOf, CHUNK_BYTES } from '../stream-app/pattern';
import { repoRoot, spawnHost, waitFor, type ChildHost } from '../helpers/hosts';
import { rawRequest } from '../helpers/raw-http';

const appDir = path.join(repoRoot, 'test/stream-app');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stream-app-'));
const terminateFile = path.join(dir, 'terminate.json');
const MiB = 1024 * 1024;
// A thousand chunks each way: far more than any buffer on the way holds, so a host that buffered
// the body would be caught by the order of events the tests check. (With 200 MB each way this file
// took 11 s of processor time, 7.4 s with this.)
const UPLOAD_BYTES = 64 * MiB;
const DOWNLOAD_BYTES = 64 * MiB;
// Admin runs with trigger input need the master key, even on a --dev host.
const MASTER_KEY = 'stream-app-master-key';

let host: ChildHost;
beforeAll(async () => {
  host = await spawnHost({
    appDir,
    dbFile: ':memory:',
    env: {
      FUNCTIONS_REQUEST_BODY_SIZE_LIMIT: String(256 * MiB),
      STREAM_APP_TERMINATE_FILE: terminateFile,
      LOCAL_MASTER_KEY: MASTER_KEY,
    },
  });
});
afterAll(async () => {
  await host?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

const getJson = async <T>(p: string): Promise<T> => (await (await fetch(`${host.url}${p}`)).json()) as T;

/** Resolves with `promise`, or fails the test if it has not settled by the deadline. */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Timed out waiting for ${what}.`)), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

function readAll(res: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () => resolve(Buffer.concat(chunks)));
    res.on('error', reject);
  });
}

describe('loading the app', () => {
  it('expands the brace glob in main and loads the index and every function file', () => {
    expect(host.output()).toMatch(new RegExp(`hello: \\[GET,POST\\] ${host.url}/api/hello`));
    expect(host.output()).toMatch(/eventsIn: eventHubTrigger \(hub stream-events/);
  });

  it('lists each function it cannot serve as in error, with the reason, and runs the rest', async () => {
    const out = host.output();
    for (const [name, type] of [
      ['blobWatcher', 'blobTrigger'],
      ['tableLookup', 'table'],
      ['counter', 'entityTrigger'],
    ]) {
      expect(out).toContain(
        `The '${name}' function is in error: The binding type(s) '${type}' are not registered`,
      );
    }
    expect(out).toMatch(/^ {2}blobWatcher: blobTrigger in error: The binding type\(s\) 'blobTrigger'/m);
    expect(await (await fetch(`${host.url}/api/hello?name=Ada`)).text()).toBe('Hello, Ada!');
  });

  it('answers the route of a function in error with a 500 problem saying why', async () => {
    const res = await fetch(`${host.url}/api/table/7`);
    expect(res.status).toBe(500);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    const problem = (await res.json()) as { detail: string };
    expect(problem.detail).toMatch(/^The function 'tableLookup' is in error: The binding type\(s\) 'table'/);
  });
});

describe('HTTP streaming (enableHttpStream)', () => {
  it('answers ordinary requests through the stream proxy: query, JSON body, status', async () => {
    expect(await (await fetch(`${host.url}/api/hello`, { method: 'POST', body: 'Grace' })).text()).toBe(
      'Hello, Grace!',
    );
    const ok = await fetch(`${host.url}/api/person`, { method: 'POST', body: '{"name":"Lin","age":40}' });
    expect(await ok.json()).toEqual({ greeting: 'Hello, Lin! You are 40.' });
    const bad = await fetch(`${host.url}/api/person`, { method: 'POST', body: '{"name":"Lin"' });
    expect(bad.status).toBe(400);
    const failed = await fetch(`${host.url}/api/fails`);
    expect(failed.status).toBe(500);
    expect(await failed.json()).toMatchObject({ detail: 'The function failed; see the host log.' });
  });

  it('a GET or HEAD with a body (curl -X GET -d) is answered, and the next request on the same connection is intact', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const send = (method: string, p: string, body?: string) =>
      new Promise<{ status: number; text: string; socket: unknown }>((resolve, reject) => {
        // As curl sends it: the body with its Content-Length (Node sends a GET's body with neither).
        const headers = body === undefined ? {} : { 'content-length': Buffer.byteLength(body) };
        const req = http.request(`${host.url}${p}`, { method, agent, headers }, (res) => {
          readAll(res).then(
            (b) => resolve({ status: res.statusCode ?? 0, text: b.toString(), socket: req.socket }),
            reject,
          );
        });
        req.once('error', reject);
        req.end(body);
      });
    try {
      const bodied = await within(send('GET', '/api/hello', 'Bob'), 10_000, 'the bodied GET');
      // The library drops a GET's body (its Request cannot carry one), as it does under the real host.
      expect(bodied).toMatchObject({ status: 200, text: 'Hello, world!' });
      const next = await within(send('GET', '/api/hello?name=Ada'), 10_000, 'the next request');
      expect(next).toMatchObject({ status: 200, text: 'Hello, Ada!' });
      expect(next.socket).toBe(bodied.socket);
      const head = await within(send('HEAD', '/api/hello', 'Bob'), 10_000, 'the bodied HEAD');
      expect(head.status).toBe(405); // hello takes GET and POST: the host's own answer, body and all read
      const after = await within(send('GET', '/api/hello?name=Lin'), 10_000, 'the request after it');
      expect(after).toMatchObject({ status: 200, text: 'Hello, Lin!' });
    } finally {
      agent.destroy();
    }
  });

  it('streams a 64 MB upload: the handler reads before the client has finished sending', async () => {
    const id = 'up-1';
    const sent = createHash('sha256');
    const url = new URL(`${host.url}/api/stream/upload/${id}`);
    const req = http.request({ host: url.hostname, port: url.port, path: url.pathname, method: 'POST' });
    const answer = new Promise<IncomingMessage>((resolve, reject) => {
      req.once('response', resolve);
      req.once('error', reject);
    });
    const write = (chunk: Buffer): Promise<void> => {
      sent.update(chunk);
      return req.write(chunk) ? Promise.resolve() : new Promise((resolve) => req.once('drain', resolve));
    };
    const chunks = UPLOAD_BYTES / CHUNK_BYTES;
    await write(chunkOf(0));
    // Only the first chunk is out: the handler must already be running and reading it.
    const seen = await waitFor(
      async () => {
        const p = await getJson<Progress>(`/api/stream/progress/${id}`);
        return p.uploadChunks > 0 && p;
      },
      30_000,
      'the handler to see the first chunk of the upload',
    );
    expect(seen.uploadBytes).toBeLessThanOrEqual(CHUNK_BYTES);
    for (let i = 1; i < chunks; i++) await write(chunkOf(i));
    req.end();
    const res = await answer;
    expect(res.statusCode).toBe(200);
    const body = JSON.parse((await readAll(res)).toString()) as { bytes: number; sha256: string };
    expect(body).toEqual({ bytes: UPLOAD_BYTES, sha256: sent.digest('hex') });
  });

  it('streams a 64 MB download: the client has its first bytes before the handler has made the rest', async () => {
    const id = 'down-1';
    const res = await new Promise<IncomingMessage>((resolve, reject) =>
      http
        .get(`${host.url}/api/stream/download/${id}?bytes=${DOWNLOAD_BYTES}`, resolve)
        .once('error', reject),
    );
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/octet-stream');
    const received = createHash('sha256');
    let bytes = 0;
    const first = await within(
      new Promise<Buffer>((resolve) =>
        res.once('data', (chunk: Buffer) => {
          res.pause(); // nothing more is read (or lost) until the listener below is in place
          resolve(chunk);
        }),
      ),
      30_000,
      'the first chunk of the download',
    );
    received.update(first);
    bytes += first.length;
    // The handler waits for our word before it makes a second chunk: nothing more can exist yet.
    const before = await getJson<Progress>(`/api/stream/progress/${id}`);
    expect(before.done).toBe(false);
    expect(before.written).toBe(CHUNK_BYTES);
    res.on('data', (c: Buffer) => {
      received.update(c);
      bytes += c.length;
    });
    const ended = new Promise<void>((resolve, reject) => {
      res.once('end', resolve);
      res.once('error', reject);
    });
    res.resume();
    expect((await fetch(`${host.url}/api/stream/ack/${id}`, { method: 'POST' })).status).toBe(204);
    await ended;
    const after = await getJson<Progress>(`/api/stream/progress/${id}`);
    expect(after).toMatchObject({ done: true, written: DOWNLOAD_BYTES });
    expect(bytes).toBe(DOWNLOAD_BYTES);
    expect(received.digest('hex')).toBe(after.sha256);
  });

  it('refuses a body declared larger than FUNCTIONS_REQUEST_BODY_SIZE_LIMIT before the function runs', async () => {
    const reply = await rawRequest(host.url, {
      method: 'POST',
      path: '/api/stream/upload/too-big',
      headers: { 'content-length': 300 * MiB },
      body: '',
    });
    expect(reply.status).toBe(413);
    expect(reply.headers['content-type']).toBe('application/problem+json');
    expect((await getJson<Progress>('/api/stream/progress/too-big')).uploadChunks).toBe(0);
  });
});

describe('a streamed body over the limit', () => {
  let small: ChildHost;
  beforeAll(async () => {
    small = await spawnHost({
      appDir,
      dbFile: ':memory:',
      env: { FUNCTIONS_REQUEST_BODY_SIZE_LIMIT: String(MiB) },
    });
  });
  afterAll(async () => {
    await small?.stop();
  });

  it('is cut off at the limit with a 413 problem, and the function never sees the end of it', async () => {
    const chunks = Array.from({ length: 40 }, (_, i) => chunkOf(i));
    const url = new URL(`${small.url}/api/stream/upload/chunked`);
    const req = http.request({ host: url.hostname, port: url.port, path: url.pathname, method: 'POST' });
    const answer = new Promise<IncomingMessage>((resolve) => req.once('response', resolve));
    req.on('error', () => undefined); // the host may close once it has answered
    for (const chunk of chunks) {
      if (req.destroyed) break;
      if (!req.write(chunk))
        // Whichever comes first; the other listener goes too, or 'close' ones pile up on the request.
        await new Promise<void>((resolve) => {
          const done = (): void => {
            req.off('drain', done).off('close', done);
            resolve();
          };
          req.once('drain', done).once('close', done);
        });
    }
    req.end();
    const res = await answer;
    expect(res.statusCode).toBe(413);
    expect(res.headers['content-type']).toBe('application/problem+json');
    expect(JSON.parse((await readAll(res)).toString())).toMatchObject({
      detail: `The request body is larger than ${MiB} bytes.`,
    });
    const seen = (await (await fetch(`${small.url}/api/stream/progress/chunked`)).json()) as Progress;
    expect(seen.sha256).toBeUndefined();
    expect(seen.uploadBytes).toBeLessThanOrEqual(MiB);
  });
});

describe('Cosmos DB bindings in a streaming app', () => {
  it('stores items whatever their partition-key value, and reads one back by route expressions', async () => {
    const items = [
      { id: 'a', pk: 'p1' },
      { id: 'b', pk: 5 },
      { id: 'c', pk: true },
      { id: 'd', pk: null },
      { id: 'e' },
    ];
    const saved = await fetch(`${host.url}/api/items`, { method: 'POST', body: JSON.stringify(items) });
    expect(saved.status).toBe(201);
    const all = await getJson<{ id: string; pk?: unknown }[]>('/api/items');
    expect(all.map(({ id, pk }) => ({ id, pk }))).toEqual([
      { id: 'a', pk: 'p1' },
      { id: 'b', pk: 5 },
      { id: 'c', pk: true },
      { id: 'd', pk: null },
      { id: 'e', pk: undefined },
    ]);
    expect(await getJson('/api/items/p1/a')).toMatchObject({ id: 'a', pk: 'p1' });
  });

  it('puts a function whose sqlQuery it cannot answer in error at start, naming what it understands', async () => {
    expect(host.output()).toMatch(
      /The 'itemsCount' function is in error: Cosmos DB input binding of "itemsCount": sqlQuery "SELECT VALUE COUNT\(1\) FROM c": the local host understands SELECT \* FROM c/,
    );
    expect((await fetch(`${host.url}/api/items-count`)).status).toBe(500);
  });
});

describe('admin runs of non-HTTP functions', () => {
  const run = (name: string, body: unknown) =>
    fetch(`${host.url}/admin/functions/${name}`, {
      method: 'POST',
      headers: { 'x-functions-key': MASTER_KEY, 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
  const journal = (kind: string) => getJson<unknown[]>(`/api/journal/${kind}`);

  it('runs an Event Hubs, a Service Bus and a Cosmos DB function with the given input and the metadata of a delivery (202)', async () => {
    expect((await run('eventsIn', { input: '{"orderId":7}' })).status).toBe(202);
    expect((await run('ordersIn', { input: 'plain text' })).status).toBe(202);
    expect((await run('itemsChanged', { input: '[{"id":"admin-a"},{"id":"admin-b"}]' })).status).toBe(202);
    expect(await waitFor(async () => (await journal('eventsIn')).length > 0 && journal('eventsIn'))).toEqual([
      { events: [{ orderId: 7 }], hub: 'stream-events' },
    ]);
    expect(await waitFor(async () => (await journal('ordersIn')).length > 0 && journal('ordersIn'))).toEqual([
      { message: 'plain text', deliveryCount: 1 },
    ]);
    expect(
      await waitFor(
        async () =>
          (await journal('itemsChanged')).some(
            (batch) => JSON.stringify(batch) === '[{"id":"admin-a"},{"id":"admin-b"}]',
          ),
        20_000,
        'the admin run of itemsChanged',
      ),
    ).toBe(true);
  });

  it('refuses bad input with a 400 problem and runs nothing', async () => {
    const before = (await journal('ordersIn')).length;
    const notJson = await run('itemsChanged', { input: '[{' });
    expect(notJson.status).toBe(400);
    expect(notJson.headers.get('content-type')).toBe('application/problem+json');
    expect((await run('ordersIn', {})).status).toBe(400);
    expect(
      (
        await fetch(`${host.url}/admin/functions/ordersIn`, {
          method: 'POST',
          headers: { 'x-functions-key': MASTER_KEY, 'Content-Type': 'application/json' },
          body: '[1]',
        })
      ).status,
    ).toBe(400);
    expect((await run('hello', { input: 'x' })).status).toBe(400);
    expect((await run('counter', { input: '1' })).status).toBe(500);
    expect((await journal('ordersIn')).length).toBe(before);
  });
});

describe('hooks', () => {
  it('gives postInvocation error null after a success and the error after a throw', async () => {
    await fetch(`${host.url}/api/hello?name=hooks`);
    await fetch(`${host.url}/api/fails`);
    const seen = (
      await getJson<{ functionName: string; error: unknown }[]>('/api/journal/postInvocation')
    ).filter((e) => e.functionName === 'hello' || e.functionName === 'fails');
    expect(seen.find((e) => e.functionName === 'hello')?.error).toBeNull();
    expect(seen.find((e) => e.functionName === 'fails')?.error).toBe('Error: this function always fails');
  });

  it('hands appTerminate the hook data appStart left', async () => {
    const other = await spawnHost({
      appDir,
      dbFile: ':memory:',
      env: { STREAM_APP_TERMINATE_FILE: path.join(dir, 'other.json') },
    });
    expect(await other.stop()).toBe(0);
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'other.json'), 'utf8'))).toEqual({
      hookData: { startedBy: 'appStart' },
    });
  });
});
