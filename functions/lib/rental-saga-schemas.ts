// What the borrow saga accepts as its input and what each of its activities accepts, checked with
// zod before anything runs. The saga can be started from outside the app (the durable webhooks,
// with a key), so its input is not trusted; activities check theirs too, and fail naming the
// activity and the field rather than acting on a wrong shape.
import { z } from 'zod';
import { REJECTION_REASONS } from '../../shared/domain/rental';
import { rental } from './schemas';

export { rental };

const id = z.string().min(1).max(200);
const time = z.string().datetime({ offset: true });

/** The saga's input: where the recorded rental is (its id is the instance id). Extra fields are dropped. */
export const sagaStart = z.object({ memberId: id, bookId: id });

export const reserveInput = sagaStart.extend({ rentalId: id });
/** A copy to put back: the rental's id and book (all a release needs, and all a failed first step knows). */
export const releaseInput = z.object({ id, bookId: id });
export const approveInput = z.object({ rental, approvedAt: time });
export const rejectInput = z.object({ rental, reason: z.enum(REJECTION_REASONS) });

/** `value` as `schema` wants it; else an error naming `what` and every field that is wrong. */
export function parseInput<S extends z.ZodTypeAny>(schema: S, value: unknown, what: string): z.output<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues
    .map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message))
    .join('; ');
  throw new Error(`${what}: the input is not valid: ${issues}`);
}
