// The `web` function serves the built page (dist/web, `npm run build` first) and its files: content
// types, cache headers, the content security policy, 304 for a version the browser has, and nothing
// outside the build, however the path is spelled. It leaves /api, /admin and /runtime alone.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readWebFiles, webAnswer, type WebSettings } from '../../functions/lib/web-files';
import type { LocalHost } from '../../local/host/host';
import { rawRequest } from '../helpers/raw-http';
import { repoRoot, startHost } from '../rentals/support-host';

const local: WebSettings = { signIn: { kind: 'local' } };
const entra: WebSettings = {
  signIn: {
    kind: 'entra',
    clientId: '11111111-2222-4333-8444-555555555555',
    authority: 'https://login.microsoftonline.com/66666666-7777-4888-9999-aaaaaaaaaaaa',
    memberIdClaim: 'member_id',
  },
};

describe('the web files', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rentbook-web-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  fs.mkdirSync(path.join(dir, 'assets'));
  fs.writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>x</title>');
  fs.writeFileSync(path.join(dir, 'assets/index-AbC123.js'), 'console.log(1)');
  fs.writeFileSync(path.join(dir, 'notes.md'), 'not served: no known type');
  const files = readWebFiles(dir);
  const get = (p: string | undefined, ifNoneMatch: string | null = null, settings = local) =>
    webAnswer(files, settings, { path: p, ifNoneMatch });

  it('serve index.html at / with no-cache, and hashed assets as immutable, each with its type', () => {
    const index = get(undefined);
    expect(index.status).toBe(200);
    expect(index.headers).toMatchObject({
      'Content-Type': 'text/html; charset=utf-8',
      'Cache-Control': 'no-cache',
      'X-Content-Type-Options': 'nosniff',
    });
    expect(String(index.body)).toContain('<title>x</title>');
    expect(get('assets/index-AbC123.js').headers).toMatchObject({
      'Content-Type': 'text/javascript; charset=utf-8',
      'Cache-Control': 'public, max-age=31536000, immutable',
    });
  });

  it('answer 304 to the version the browser has', () => {
    const etag = (get('index.html').headers as Record<string, string>).ETag;
    expect(etag).toMatch(/^"[\w-]+"$/);
    expect(get('index.html', etag).status).toBe(304);
    expect(get('index.html', `"other", ${etag}`).status).toBe(304);
    expect(get('index.html', '"other"').status).toBe(200);
  });

  it('serve nothing but what the build wrote: no way out of the folder, no file of an unknown type', () => {
    for (const p of [
      '../package.json',
      'assets/../index.html',
      'assets/../../package.json',
      '..\\\\package.json',
      '/etc/passwd',
      'assets/',
      'notes.md',
      'index.html/',
    ]) {
      const answer = get(p);
      expect(answer.status, p).toBe(404);
      expect(answer.headers, p).toMatchObject({ 'Content-Type': 'application/problem+json' });
    }
  });

  it('say so when the page is not built', () => {
    const answer = webAnswer(new Map(), local, { path: undefined, ifNoneMatch: null });
    expect(answer.status).toBe(404);
    expect((answer.jsonBody as { detail: string }).detail).toMatch(/npm run build/);
  });

  it('tell the page how to sign in, and let it reach Entra ID only when it signs in there', () => {
    expect(get('config.json').jsonBody).toEqual({ signIn: { kind: 'local' } });
    expect(get('config.json', null, entra).jsonBody).toEqual({
      signIn: {
        kind: 'entra',
        clientId: entra.signIn.kind === 'entra' && entra.signIn.clientId,
        authority: 'https://login.microsoftonline.com/66666666-7777-4888-9999-aaaaaaaaaaaa',
        scopes: ['11111111-2222-4333-8444-555555555555/.default'],
        memberIdClaim: 'member_id',
      },
    });
    const csp = (settings: WebSettings) =>
      (get(undefined, null, settings).headers as Record<string, string>)['Content-Security-Policy'];
    expect(csp(local)).toContain("script-src 'self'");
    expect(csp(local)).toContain("frame-ancestors 'none'");
    expect(csp(local)).not.toContain('login.microsoftonline.com');
    expect(csp(entra)).toContain("connect-src 'self' https://login.microsoftonline.com");
  });
});

describe('the page on the local host', () => {
  let host: LocalHost;
  beforeAll(async () => {
    host = await startHost({ dev: false });
  });
  afterAll(async () => {
    await host?.stop();
  });

  it('is served at / with its policy, and every file it names is served', async () => {
    const page = await rawRequest(host.url, { path: '/' });
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['content-security-policy']).toContain("default-src 'self'");
    expect(page.text).toBe(fs.readFileSync(path.join(repoRoot, 'dist/web/index.html'), 'utf8'));
    const named = [...page.text.matchAll(/(?:src|href)="\/([^"]+)"/g)].map((m) => m[1]);
    expect(named.some((n) => n.endsWith('.js'))).toBe(true);
    for (const file of named) {
      const reply = await rawRequest(host.url, { path: `/${file}` });
      expect(reply.status, file).toBe(200);
      if (file.startsWith('assets/')) expect(reply.headers['cache-control']).toContain('immutable');
    }
    const head = await rawRequest(host.url, { method: 'HEAD', path: '/' });
    expect(head.status).toBe(200);
    expect(head.text).toBe('');
  });

  it('serves nothing outside dist/web, however the path is spelled', async () => {
    const secret = fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8');
    for (const p of [
      '/..%2f..%2fpackage.json',
      '/assets/%2e%2e/%2e%2e/package.json',
      '/%2e%2e/%2e%2e/package.json',
      '/assets/..%5c..%5cpackage.json',
      '/assets/../../package.json',
      '/web/index.html',
      '/functions/web.js',
    ]) {
      const reply = await rawRequest(host.url, { path: p });
      expect(reply.status, p).toBe(404);
      expect(reply.text, p).not.toContain(secret.slice(0, 40));
    }
  });

  it('leaves the API and the host’s own routes alone', async () => {
    expect((await rawRequest(host.url, { path: '/api/health' })).status).toBe(200);
    for (const p of ['/api/nowhere', '/admin/nowhere', '/runtime/nowhere', '/API/nowhere']) {
      const reply = await rawRequest(host.url, { path: p });
      expect(reply.status, p).toBe(404);
      expect(reply.json(), p).toMatchObject({ type: 'about:blank' });
    }
    expect((await rawRequest(host.url, { method: 'POST', path: '/' })).status).toBe(405);
  });

  it('has no sign-in page without --dev', async () => {
    const reply = await rawRequest(host.url, {
      method: 'POST',
      path: '/admin/dev/token',
      body: '{"librarian":"x"}',
    });
    expect(reply.status).toBe(404);
  });
});

describe('the sign-in page’s tokens on a --dev host', () => {
  let host: LocalHost;
  beforeAll(async () => {
    host = await startHost({ dev: true });
  });
  afterAll(async () => {
    await host?.stop();
  });
  const token = (body: string, headers: Record<string, string> = {}) =>
    rawRequest(host.url, {
      method: 'POST',
      path: '/admin/dev/token',
      body,
      headers: { 'Content-Type': 'application/json', ...headers },
    });

  it('signs a token the API takes, for the page of this host and for this machine only', async () => {
    const own = await token('{"librarian":"desk"}', { Origin: host.url, 'Sec-Fetch-Site': 'same-origin' });
    expect(own.status).toBe(200);
    const members = await fetch(`${host.url}/api/members?limit=1`, {
      headers: { Authorization: `Bearer ${own.json<{ token: string }>().token}` },
    });
    expect(members.status).toBe(200);
    expect((await token('{"librarian":"x"}', { Origin: 'http://evil.example' })).status).toBe(403);
    expect((await token('{"librarian":"x"}', { 'Sec-Fetch-Site': 'cross-site' })).status).toBe(403);
    expect((await token('{"librarian":"x"}', { Host: 'rentbook.example:80' })).status).toBe(421);
  });

  it('refuses anything but one member or one librarian (400)', async () => {
    for (const body of [
      '',
      'nope',
      '{}',
      '{"member":""}',
      '{"member":"a","librarian":"b"}',
      '{"member":"a\\u0000"}',
    ]) {
      const reply = await token(body);
      expect(reply.status, body).toBe(400);
      expect(reply.headers['content-type'], body).toBe('application/problem+json');
    }
  });
});
