// Identifiers. Random ones for new things; derived ones where a retried request must land on the
// same thing (an `Idempotency-Key` repeated by the same caller).
import { createHash, randomUUID } from 'node:crypto';

export function newId(): string {
  return randomUUID();
}

/** A UUID-shaped id that is the same for the same caller, scope and key, and differs otherwise. */
export function idFromKey(scope: string, subject: string, key: string): string {
  const h = createHash('sha256')
    .update(JSON.stringify([scope, subject, key]))
    .digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}
