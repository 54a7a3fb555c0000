// One page of a listing, as every list use case answers it: the items mapped for the caller and the
// token for the next page (null on the last), and a continuation token the store refuses is the
// caller's mistake (400), not a fault.
import type { z } from 'zod';
import { fail, ok, type Outcome } from './outcome';
import { isDocumentError, type Doc, type Page, type Stored } from './ports';

export interface ListPage<T> {
  items: T[];
  continuation: string | null;
}

export async function listPage<D extends Doc, T>(
  query: () => Promise<Page<D>>,
  toItem: (doc: Stored<D>) => T,
): Promise<Outcome<ListPage<T>>> {
  try {
    const page = await query();
    return ok({ items: page.items.map(toItem), continuation: page.continuation ?? null });
  } catch (err) {
    if (isDocumentError(err, 400)) return invalidContinuation();
    throw err;
  }
}

/** A continuation token that is not one this listing gave (400). */
export function invalidContinuation<T>(): Outcome<T> {
  return fail('invalid', 'invalid-continuation', 'The continuation token is not valid.');
}

/** A listing's own continuation token: where it left off, as opaque text. */
export function continuationToken(position: unknown): string {
  return Buffer.from(JSON.stringify(position)).toString('base64url');
}

/** Where a continuation token says a listing left off, checked by `schema`; undefined if it is not one. */
export function continuationFrom<T>(token: string, schema: z.ZodType<T>): T | undefined {
  try {
    const parsed = schema.safeParse(JSON.parse(Buffer.from(token, 'base64url').toString('utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
