// Identifiers. Time-ordered ones for new things; derived ones where a retried request must land on
// the same thing (an `Idempotency-Key` repeated by the same caller).
import { createHash, randomBytes } from 'node:crypto';
import type { Clock } from './ports';

let lastMs = -1;
let sequence = 0;

/**
 * A new UUID version 7 (RFC 9562): 48 bits of Unix milliseconds, a 12-bit sequence that keeps ids
 * made in the same millisecond in order (method 3 of §6.2), 62 random bits. Ids made one after
 * another sort one after another, so a store keyed by them (Cosmos, the local store's B-trees)
 * writes new items side by side instead of at random places: random v4 ids dirtied a different
 * page per write. The time is the clock's (a dev host's clock may be moved; ids then stay
 * ordered, only the time in them is the clock's).
 */
export function newId(clock: Clock): string {
  let ms = Math.max(Math.floor(clock.now()), lastMs);
  if (ms === lastMs) {
    sequence++;
    // 4096 ids in one millisecond: borrow the next millisecond rather than break the order.
    if (sequence > 0xfff) {
      ms++;
      sequence = 0;
    }
  } else sequence = 0;
  lastMs = ms;
  const random = randomBytes(8);
  random[0] = (random[0] & 0x3f) | 0x80; // the RFC 9562 variant
  const time = ms.toString(16).padStart(12, '0');
  const hex = random.toString('hex');
  const version = (0x7000 | sequence).toString(16);
  return `${time.slice(0, 8)}-${time.slice(8, 12)}-${version}-${hex.slice(0, 4)}-${hex.slice(4, 16)}`;
}

/** A UUID-shaped id that is the same for the same caller, scope and key, and differs otherwise. */
export function idFromKey(scope: string, subject: string, key: string): string {
  const h = createHash('sha256')
    .update(JSON.stringify([scope, subject, key]))
    .digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}
