// The secret that signs local bearer tokens: LOCAL_AUTH_SECRET, or else one generated on first use
// and kept beside the data file, so the host and the token command agree with no set-up.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export function localAuthSecretFile(dbFile: string): string {
  return path.join(path.dirname(path.resolve(dbFile)), 'local-auth-secret');
}

export function resolveLocalAuthSecret(dbFile: string, env: NodeJS.ProcessEnv = process.env): string {
  const given = env.LOCAL_AUTH_SECRET;
  if (given) return given;
  if (dbFile === ':memory:') return randomBytes(32).toString('base64url');
  const file = localAuthSecretFile(dbFile);
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
