// The host's keys, as the Functions host has them: a master key (every admin route, and any
// webhook) and one system key per extension with webhooks, named `<extension>_extension`
// (`durabletask_extension` guards `/runtime/webhooks/durabletask/*`). Each is its setting when
// given, else generated on first use and kept beside the data file, like the local auth secret.
import { createHash, timingSafeEqual } from 'node:crypto';
import { readOrCreateSecret } from './secret-file';

export const DURABLE_SYSTEM_KEY = 'durabletask_extension';

export interface HostKeys {
  readonly master: string;
  /** System keys by name. */
  readonly system: Readonly<Record<string, string>>;
}

export function resolveHostKeys(
  dbFile: string,
  settings: Readonly<Record<string, string | undefined>> = process.env,
): HostKeys {
  return {
    master: settings.LOCAL_MASTER_KEY || readOrCreateSecret(dbFile, 'local-master-key'),
    system: {
      [DURABLE_SYSTEM_KEY]:
        settings.LOCAL_DURABLE_SYSTEM_KEY || readOrCreateSecret(dbFile, 'local-durabletask-key'),
    },
  };
}

/** The key a request presents: `code=` in the query or the `x-functions-key` header, as in Azure. */
export function presentedKey(
  query: URLSearchParams,
  headers: Readonly<Record<string, string | string[] | undefined>>,
): string | undefined {
  const header = headers['x-functions-key'];
  return query.get('code') ?? (Array.isArray(header) ? header[0] : header) ?? undefined;
}

/** Compares in constant time (over digests, so the lengths do not leak either). */
export function sameKey(given: string | undefined, expected: string): boolean {
  if (given === undefined) return false;
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(given), digest(expected));
}
