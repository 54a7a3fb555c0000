// What the borrow saga accepts as its input and what each of its activities accepts, checked with
// zod before anything runs. The saga can be started from outside the app (the durable webhooks,
// with a key), so its input is not trusted; activities check theirs too, and fail naming the
// activity and the field rather than acting on a wrong shape.
import { z } from 'zod';
import { isValidPrice } from '../../shared/domain/book';
import { REJECTION_REASONS, RENTAL_STATUSES } from '../../shared/domain/rental';

const id = z.string().min(1).max(200);
const time = z.string().datetime({ offset: true });

/** The saga's input: where the recorded rental is (its id is the instance id). Extra fields are dropped. */
export const sagaStart = z.object({ memberId: id, bookId: id });

export const rental = z.object({
  id,
  memberId: id,
  bookId: id,
  bookTitle: z.string().nullable(),
  price: z.number().refine(isValidPrice, 'must be a whole number of points, 0 or more'),
  status: z.enum(RENTAL_STATUSES),
  reason: z.enum(REJECTION_REASONS).optional(),
  requestedAt: time,
  approvedAt: time.optional(),
  dueAt: time.optional(),
  returnedAt: time.optional(),
  lateDays: z.number().int().nonnegative().optional(),
  fee: z.number().int().nonnegative().optional(),
});

export const eligibilityInput = sagaStart.extend({ rentalId: id });
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
