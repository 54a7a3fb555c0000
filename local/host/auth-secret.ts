// The secret that signs local bearer tokens: LOCAL_AUTH_SECRET, or else one generated on first use
// and kept beside the data file, so the host and the token command agree with no set-up.
import { readOrCreateSecret } from './secret-file';

export function resolveLocalAuthSecret(dbFile: string, env: NodeJS.ProcessEnv = process.env): string {
  return env.LOCAL_AUTH_SECRET || readOrCreateSecret(dbFile, 'local-auth-secret');
}
