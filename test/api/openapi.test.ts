// The OpenAPI document and the registered HTTP functions describe the same routes.
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
});
