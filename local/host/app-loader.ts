// Finds and loads a compiled v4 function app: its package.json `main` (a file or a glob such as
// `dist/functions/*.js`, `dist/src/{index.js,functions/*.js}`), its host.json and its local.settings.json `Values`.
import fs from 'node:fs';
import path from 'node:path';
import { globSync, isDynamicPattern } from 'tinyglobby';
import type { HostJson } from './types';

export interface AppFiles {
  appDir: string;
  mainFiles: string[];
  hostJson: HostJson;
  localValues: Record<string, string>;
}

export class AppLoadError extends Error {}

function readJson(file: string): unknown {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as unknown;
  } catch (err) {
    throw new AppLoadError(`Cannot read ${path.basename(file)}: ${(err as Error).message}`);
  }
}

export function findApp(appDir: string): AppFiles {
  const dir = path.resolve(appDir);
  const pkgFile = path.join(dir, 'package.json');
  if (!fs.existsSync(pkgFile))
    throw new AppLoadError(`No package.json in ${dir}: not a function app directory.`);
  const pkg = readJson(pkgFile) as { main?: unknown };
  if (typeof pkg.main !== 'string' || !pkg.main)
    throw new AppLoadError(`${pkgFile} has no "main" naming the app's entry files.`);
  const mainFiles = expandGlob(dir, pkg.main);
  if (!mainFiles.length) {
    // The worker's own words ("Found zero files matching the supplied pattern" / "File does not exist").
    throw new AppLoadError(
      isDynamicPattern(pkg.main)
        ? `"main" (${pkg.main}) matches no file in ${dir}: is the app built, and does the pattern name its output?`
        : `"main" names ${path.join(dir, pkg.main)}, which does not exist: is the app built?`,
    );
  }
  const hostFile = path.join(dir, 'host.json');
  const hostJson = fs.existsSync(hostFile) ? (readJson(hostFile) as HostJson) : { version: '2.0' };
  const settingsFile = path.join(dir, 'local.settings.json');
  const localValues = fs.existsSync(settingsFile)
    ? ((readJson(settingsFile) as { Values?: Record<string, string> }).Values ?? {})
    : {};
  return { appDir: dir, mainFiles, hostJson, localValues };
}

/**
 * The files `main` names, as the Node worker finds them (it uses globby: `*`, `**`, `{a,b}` brace
 * expansion, `?`, character classes; dot files left out; paths relative to the app directory),
 * sorted so the load order does not depend on the file system.
 */
export function expandGlob(base: string, pattern: string): string[] {
  return globSync(pattern, { cwd: base, absolute: true, onlyFiles: true, dot: false }).sort();
}

const HOST_JSON_OVERRIDE = /^AzureFunctionsJobHost__(.+)$/i;

/**
 * host.json with the app settings that override its values applied, as the Functions host does
 * (https://learn.microsoft.com/azure/azure-functions/functions-host-json#override-hostjson-values):
 * `AzureFunctionsJobHost__extensions__http__maxOutstandingRequests=200` sets
 * `extensions.http.maxOutstandingRequests`. Path segments match host.json's keys whatever their case;
 * a value that reads as a number or `true`/`false` is taken as one.
 */
export function withHostJsonOverrides(
  hostJson: HostJson,
  settings: Readonly<Record<string, string | undefined>>,
): HostJson {
  const out = structuredClone(hostJson) as Record<string, unknown>;
  for (const [name, raw] of Object.entries(settings)) {
    const m = HOST_JSON_OVERRIDE.exec(name);
    if (!m || raw === undefined) continue;
    const segments = m[1].split('__').filter(Boolean);
    let node = out;
    for (const [i, segment] of segments.entries()) {
      const key = Object.keys(node).find((k) => k.toLowerCase() === segment.toLowerCase()) ?? segment;
      if (i === segments.length - 1) {
        node[key] = overrideValue(raw);
        break;
      }
      const next = node[key];
      node = (node[key] = typeof next === 'object' && next !== null ? next : {}) as Record<string, unknown>;
    }
  }
  return out as HostJson;
}

function overrideValue(raw: string): unknown {
  if (/^(true|false)$/i.test(raw)) return raw.toLowerCase() === 'true';
  if (/^-?\d+(\.\d+)?$/.test(raw)) return Number(raw);
  return raw;
}
