// Finds and loads a compiled v4 function app: its package.json `main` (a file or a glob such as
// `dist/functions/*.js`), its host.json and its local.settings.json `Values`.
import fs from 'node:fs';
import path from 'node:path';
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
    throw new AppLoadError(
      `"main" (${pkg.main}) matches no file in ${dir}: build the app first (npm run build).`,
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

/** Expands `*` (one segment) and `**` (any depth) in a path relative to `base`; sorted. */
export function expandGlob(base: string, pattern: string): string[] {
  const segments = path
    .normalize(pattern)
    .split(path.sep)
    .filter((s) => s !== '' && s !== '.');
  const out = new Set<string>();
  const toRegex = (seg: string): RegExp =>
    new RegExp(
      '^' +
        seg
          .split('*')
          .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
          .join('[^/]*') +
        '$',
    );
  const walk = (dir: string, i: number): void => {
    if (i === segments.length) {
      if (fs.existsSync(dir) && fs.statSync(dir).isFile()) out.add(dir);
      return;
    }
    const seg = segments[i];
    if (seg === '**') {
      walk(dir, i + 1);
      for (const e of safeReaddir(dir)) if (e.isDirectory()) walk(path.join(dir, e.name), i);
    } else if (seg.includes('*')) {
      const re = toRegex(seg);
      for (const e of safeReaddir(dir)) if (re.test(e.name)) walk(path.join(dir, e.name), i + 1);
    } else walk(path.join(dir, seg), i + 1);
  };
  walk(path.resolve(base), 0);
  return [...out].sort();
}

function safeReaddir(dir: string): fs.Dirent[] {
  try {
    return fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
}
