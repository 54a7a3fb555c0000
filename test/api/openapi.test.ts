// The OpenAPI document and the registered HTTP functions describe the same routes.
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalHost } from '../../local/host/host';
import { registeredHttpRoutes, repoRoot, startHost } from '../helpers/hosts';

let host: LocalHost;
beforeAll(async () => {
  process.env.LOCAL_AUTH_SECRET ??= 'openapi-test-secret';
  host = await startHost({ appDir: repoRoot });
});
afterAll(async () => {
  await host?.stop();
});

describe('OpenAPI document', () => {
  it('is served at /api/openapi.json without sign-in', async () => {
    const res = await fetch(`${host.url}/api/openapi.json`);
    expect(res.status).toBe(200);
    const doc = (await res.json()) as { openapi: string };
    expect(doc.openapi).toBe('3.1.0');
  });

  it('lists exactly the routes and methods the functions register', async () => {
    const doc = (await (await fetch(`${host.url}/api/openapi.json`)).json()) as {
      servers: { url: string }[];
      paths: Record<string, Record<string, unknown>>;
    };
    const prefix = doc.servers[0].url;
    const documented = Object.entries(doc.paths)
      .flatMap(([path, item]) =>
        Object.keys(item)
          .filter((k) => ['get', 'put', 'post', 'patch', 'delete', 'head', 'options'].includes(k))
          .map((m) => `${m.toUpperCase()} ${prefix}${path}`),
      )
      .sort();
    expect(documented).toEqual(registeredHttpRoutes(host));
  });

  it('resolves every $ref it uses', async () => {
    const doc = (await (await fetch(`${host.url}/api/openapi.json`)).json()) as Record<string, unknown>;
    const refs = [...JSON.stringify(doc).matchAll(/"\$ref":"#\/([^"]+)"/g)].map((m) => m[1]);
    expect(refs.length).toBeGreaterThan(10);
    for (const ref of refs) {
      const target = ref
        .split('/')
        .reduce<unknown>((node, key) => (node as Record<string, unknown>)?.[key], doc);
      expect(target, ref).toBeDefined();
    }
  });

  interface Operation {
    operationId: string;
    tags?: string[];
    security?: unknown[];
    requestBody?: { content: Record<string, { schema: object; example?: unknown }> };
    responses: Record<string, { $ref?: string }>;
  }
  interface Doc {
    tags: { name: string; description: string }[];
    paths: Record<string, Record<string, Operation>>;
    components: {
      responses: Record<
        string,
        {
          content: Record<string, { schema: object; example: unknown }>;
          headers?: Record<string, { required?: boolean }>;
        }
      >;
    } & Record<string, unknown>;
  }
  const load = async () => (await (await fetch(`${host.url}/api/openapi.json`)).json()) as Doc;
  const operations = (doc: Doc) =>
    Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.entries(item).map(([method, op]) => ({ at: `${method.toUpperCase()} ${path}`, op })),
    );
  const statuses = (op: Operation) => Object.keys(op.responses).map(Number);

  it('declares every answer the host and the helpers can give: 429 anywhere, 413 and 415 with a body, 401 and 403 signed in, 503 for the store', async () => {
    const doc = await load();
    // The routes that neither sign in nor read the store: they answer from memory.
    const fromMemory = new Set(['health', 'openapi', 'asyncapi']);
    for (const { at, op } of operations(doc)) {
      const answers = statuses(op);
      expect({ at, has429: answers.includes(429) }).toEqual({ at, has429: true });
      if (op.requestBody)
        expect({ at, answers }).toEqual({ at, answers: expect.arrayContaining([400, 413, 415]) });
      else expect({ at, answers }).toEqual({ at, answers: expect.not.arrayContaining([413, 415]) });
      const signedIn = op.security === undefined || op.security.length > 0;
      if (signedIn) expect({ at, answers }).toEqual({ at, answers: expect.arrayContaining([401, 403]) });
      expect({ at, has503: answers.includes(503) }).toEqual({ at, has503: !fromMemory.has(op.operationId) });
    }
  });

  it('puts each operation under one declared tag, and every tag is used', async () => {
    const doc = await load();
    const declared = doc.tags.map((t) => t.name);
    for (const t of doc.tags) expect(t.description.length).toBeGreaterThan(10);
    const used = new Set<string>();
    for (const { at, op } of operations(doc)) {
      expect({ at, tags: op.tags?.length }).toEqual({ at, tags: 1 });
      expect(declared).toContain(op.tags![0]);
      used.add(op.tags![0]);
    }
    expect([...used].sort()).toEqual([...declared].sort());
  });

  it('gives an example of every request body and problem, each valid against its schema', async () => {
    const doc = await load();
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats(ajv);
    ajv.addSchema({ $id: 'openapi.json', components: doc.components });
    const check = (schema: object, example: unknown, what: string) => {
      const text = JSON.stringify(schema).replaceAll('"#/components/', '"openapi.json#/components/');
      const valid = ajv.compile(JSON.parse(text) as object);
      expect(valid(example), `${what}: ${ajv.errorsText(valid.errors)}`).toBe(true);
    };
    let bodies = 0;
    for (const { at, op } of operations(doc)) {
      const content = op.requestBody?.content['application/json'];
      if (!content) continue;
      expect(content.example, at).toBeDefined();
      check(content.schema, content.example, at);
      bodies++;
    }
    expect(bodies).toBeGreaterThanOrEqual(8);
    const problems = Object.entries(doc.components.responses).filter(([name]) => name.startsWith('Problem'));
    for (const [name, response] of problems) {
      const { schema, example } = response.content['application/problem+json'];
      check(schema, example, name);
      expect(example).toMatchObject({ status: Number(name.slice('Problem'.length)) });
      if (name === 'Problem429' || name === 'Problem503')
        expect(response.headers?.['Retry-After']?.required).toBe(true);
    }
    expect(problems.map(([name]) => name)).toEqual(
      expect.arrayContaining(['Problem413', 'Problem415', 'Problem429', 'Problem503']),
    );
  });
});
