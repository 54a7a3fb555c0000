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
