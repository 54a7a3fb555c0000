// Secrets the local host keeps beside its data file (the bearer-token secret, the host keys): read
// when present, generated on first use otherwise, so the host and the npm commands agree with no
// set-up. A `:memory:` host keeps nothing and makes up its secrets for the run.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/** The file named `name` in the data file's folder. */
export function besideDataFile(dbFile: string, name: string): string {
  return path.join(path.dirname(path.resolve(dbFile)), name);
}

/** The secret kept in `name` beside `dbFile`, created (owner-only, 32 random bytes) when absent. */
export function readOrCreateSecret(dbFile: string, name: string): string {
  if (dbFile === ':memory:') return randomBytes(32).toString('base64url');
  const file = besideDataFile(dbFile, name);
  try {
    const existing = fs.readFileSync(file, 'utf8').trim();
    if (existing) return existing;
  } catch {
    // absent: create it below
  }
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const secret = randomBytes(32).toString('base64url');
  try {
    fs.writeFileSync(file, secret + '\n', { mode: 0o600, flag: 'wx' });
    return secret;
  } catch {
    // Another process created it first: use theirs.
    return fs.readFileSync(file, 'utf8').trim();
  }
}
