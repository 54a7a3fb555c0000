// Changes or events a consumer kept failing on. Azure moves a change-feed lease or an Event Hubs
// checkpoint on even when the handler throws, so a consumer that has used up its retries records
// what it failed on here (container `dead-letters`, partition key `/consumer`) instead of losing
// it; an admin replays them once the cause is mended. Consumers are idempotent and order-safe, so
// replaying an item that is by now old changes nothing.
import { denial, type Caller } from './authorization';
import { newId } from './ids';
import { ok, type Outcome } from './outcome';
import { isDocumentError, type AppDeps, type Doc } from './ports';
import { nowIso } from './time';

export interface DeadLetterDoc extends Doc {
  /** The consumer (function) that failed: the partition key. */
  consumer: string;
  failedAt: string;
  error: string;
  /** What it was given, as it was given: replayed through the same consumer. */
  items: unknown[];
}

/** What became of a batch: what the consumer answered, or the id of the dead letter that holds it. */
export type Consumed<T> = { consumed: T } | { deadLetter: string };

/**
 * What a consumer throws when some of its items are not valid: they never will be, so no retry can
 * help them (the valid ones were applied first). A batch that fails with it is dead-lettered at once.
 */
export class InvalidItemsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidItemsError';
  }
}

/**
 * Runs `consume` on a batch. A failure is thrown, for the trigger's retry policy to run the batch
 * again, unless this is its last attempt or the items are not valid (InvalidItemsError): then the
 * batch is dead-lettered instead.
 */
export async function consumeOrDeadLetter<T>(
  deps: AppDeps,
  consumer: string,
  { items, lastAttempt }: { items: unknown[]; lastAttempt: boolean },
  consume: (items: unknown[]) => Promise<T>,
): Promise<Consumed<T>> {
  try {
    return { consumed: await consume(items) };
  } catch (err) {
    if (!lastAttempt && !(err instanceof Error && err.name === 'InvalidItemsError')) throw err;
    return { deadLetter: await deadLetter(deps, consumer, items, err) };
  }
}

/** Records the items `consumer` failed on; answers the dead letter's id. */
export async function deadLetter(
  deps: AppDeps,
  consumer: string,
  items: unknown[],
  err: unknown,
): Promise<string> {
  const doc: DeadLetterDoc = {
    id: newId(deps.clock),
    consumer,
    failedAt: nowIso(deps.clock),
    error: err instanceof Error ? err.message : String(err),
    items,
  };
  await deps.containers.deadLetters.create(doc);
  return doc.id;
}

export interface ReplayResult {
  replayed: number;
  /** Dead letters that failed again: kept, with the new error. */
  failed: number;
}

/** Replays every dead letter through its consumer, oldest first; each one that succeeds is removed. */
export async function replayDeadLetters(
  deps: AppDeps,
  caller: Caller,
  consumers: Readonly<Record<string, (items: unknown[]) => Promise<unknown>>>,
): Promise<Outcome<ReplayResult>> {
  const denied = denial(caller, 'deadLetters.replay');
  if (denied) return denied;
  const { deadLetters } = deps.containers;
  const result: ReplayResult = { replayed: 0, failed: 0 };
  let continuation: string | undefined;
  do {
    const page = await deadLetters.query<DeadLetterDoc>({
      orderBy: [{ field: 'failedAt' }],
      limit: 100,
      continuation,
    });
    for (const letter of page.items) {
      const consume = consumers[letter.consumer];
      if (!consume) {
        result.failed++;
        continue;
      }
      try {
        await consume(letter.items);
      } catch (err) {
        result.failed++;
        await deadLetters.patch(letter.consumer, letter.id, [
          { op: 'set', path: '/error', value: err instanceof Error ? err.message : String(err) },
        ]);
        continue;
      }
      try {
        await deadLetters.delete(letter.consumer, letter.id);
      } catch (err) {
        if (!isDocumentError(err, 404)) throw err;
      }
      result.replayed++;
    }
    continuation = page.continuation;
  } while (continuation);
  return ok(result);
}
