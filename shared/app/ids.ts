// Identifiers. Time-ordered ones for new things; derived ones where a retried request must land on
// the same thing (an `Idempotency-Key` repeated by the same caller).
import { v5 as uuidv5, v7 as uuidv7 } from 'uuid';
import type { Clock } from './ports';

// uuid 11, not 12+: 12 is ESM-only and this app is CommonJS on Node 20.18+ (see shared/local-token.ts).

// The sequence uuid's own v7 keeps only for Date.now(); kept here because the time is the clock's.
const last = { ms: -1, seq: 0 };

/**
 * A new UUID version 7 (RFC 9562): the clock's Unix milliseconds, then a counter that keeps ids
 * made in the same millisecond in order (method 1 of §6.2), then random bits. Ids made one after
 * another sort one after another, so a store keyed by them (Cosmos, the local store's B-trees)
 * writes new items side by side instead of at random places. A dev host's clock may be moved
 * back; ids then stay ordered, only the time in them runs ahead of the clock.
 */
export function newId(clock: Clock): string {
  const ms = Math.floor(clock.now());
  if (ms > last.ms) {
    last.ms = ms;
    last.seq = 0;
  } else if (++last.seq > 0xffffffff) {
    // 2^32 ids in one millisecond: borrow the next millisecond rather than break the order.
    last.ms++;
    last.seq = 0;
  }
  return uuidv7({ msecs: last.ms, seq: last.seq });
}

// The namespace of rentbook's derived ids (RFC 9562 version 5 names are hashed within it).
const RENTBOOK_NAMESPACE = 'a3f1c2d4-6b7e-4f80-9a1b-2c3d4e5f6a7b';

/** A UUID (version 5) that is the same for the same caller, scope and key, and differs otherwise. */
export function idFromKey(scope: string, subject: string, key: string): string {
  return uuidv5(JSON.stringify([scope, subject, key]), RENTBOOK_NAMESPACE);
}
