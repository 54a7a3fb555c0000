// The built web app (`dist/web`, written by `npm run build`) as HTTP answers: each file with its
// content type, cache headers and the page's content security policy. A request names a file only
// by looking it up among the files the build wrote (listed once, on first use), so no path from a
// request ever reaches the file system: `..`, encoded slashes and the like find nothing.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { HttpResponseInit } from '@azure/functions';
import type { WebSignIn } from '../../shared/config';
import { problem } from './http';

/** Where the build puts the web app: beside `dist/functions`. */
export const WEB_ROOT = path.resolve(__dirname, '../../web');

const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2',
};

interface WebFile {
  body: Buffer;
  contentType: string;
  etag: string;
  /** Vite names what it writes to `assets/` by content hash: such a file never changes. */
  immutable: boolean;
}

/** The files under `root`, by their path from it with `/` separators; files of unknown types are left out. */
export function readWebFiles(root: string): Map<string, WebFile> {
  const files = new Map<string, WebFile>();
  const walk = (dir: string, rel: string): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const childRel = rel ? `${rel}/${entry.name}` : entry.name;
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full, childRel);
      const contentType = contentTypes[path.extname(entry.name).toLowerCase()];
      if (!entry.isFile() || !contentType) continue;
      const body = fs.readFileSync(full);
      const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`;
      files.set(childRel, { body, contentType, etag, immutable: childRel.startsWith('assets/') });
    }
  };
  if (fs.existsSync(root)) walk(root, '');
  return files;
}

/**
 * The page's content security policy: its own scripts and styles only, no framing, API calls to
 * this origin (and, with Entra ID sign-in, to the sign-in service).
 */
export function contentSecurityPolicy(signIn: WebSignIn): string {
  const login = signIn.kind === 'entra' ? ` ${new URL(signIn.authority).origin}` : '';
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    `connect-src 'self'${login}`,
    `frame-src${login || " 'none'"}`,
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** What the page is told at start: how people sign in. */
export interface WebSettings {
  signIn: WebSignIn;
}

/** The page's settings (`/config.json`). */
export function webConfig({ signIn }: WebSettings): unknown {
  return signIn.kind === 'entra'
    ? {
        signIn: {
          kind: 'entra',
          clientId: signIn.clientId,
          authority: signIn.authority,
          // A token for the app's own registration, whose tokens the API verifies.
          scopes: [`${signIn.clientId}/.default`],
          memberIdClaim: signIn.memberIdClaim,
        },
      }
    : { signIn: { kind: 'local' } };
}

export interface WebRequest {
  /** The path below `/`, as the route gave it (undefined for `/`). */
  path: string | undefined;
  ifNoneMatch: string | null;
}

/** The answer to a request for one of the web app's files. */
export function webAnswer(
  files: ReadonlyMap<string, WebFile>,
  settings: WebSettings,
  req: WebRequest,
): HttpResponseInit {
  const security = {
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Content-Security-Policy': contentSecurityPolicy(settings.signIn),
  };
  const name = req.path === undefined || req.path === '' ? 'index.html' : req.path;
  if (name === 'config.json') {
    return {
      status: 200,
      jsonBody: webConfig(settings),
      headers: {
        'Content-Type': 'application/json; charset=utf-8',
        'Cache-Control': 'no-store',
        ...security,
      },
    };
  }
  const file = files.get(name);
  if (!file) {
    const detail =
      files.size === 0
        ? 'The web app is not built here: npm run build writes it to dist/web.'
        : `Nothing is served at /${name}.`;
    const missing = problem(404, 'not-found', detail);
    return { ...missing, headers: { ...missing.headers, ...security } };
  }
  const headers = {
    'Content-Type': file.contentType,
    'Cache-Control': file.immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
    ETag: file.etag,
    ...security,
  };
  if (req.ifNoneMatch !== null && req.ifNoneMatch.split(/\s*,\s*/).includes(file.etag))
    return { status: 304, headers };
  return { status: 200, body: file.body, headers };
}
