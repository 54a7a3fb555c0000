import type { Clock } from './ports';

/** The clock's now as an ISO 8601 UTC string: how the API and the store write times. */
export function nowIso(clock: Clock): string {
  return new Date(clock.now()).toISOString();
}
