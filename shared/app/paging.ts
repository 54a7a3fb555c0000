// One page of a listing, as every list use case answers it: the items mapped for the caller and the
// token for the next page (null on the last), and a continuation token the store refuses is the
// caller's mistake (400), not a fault.
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
    if (isDocumentError(err, 400))
      return fail('invalid', 'invalid-continuation', 'The continuation token is not valid.');
    throw err;
  }
}
