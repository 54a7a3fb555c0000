// Direct access to the in-process host's document store, for what HTTP cannot do: making the views
// container fail for a while, reading every view item, reading the change feed as delivered.
import { DATABASE_ID } from '../../shared/app/records';
import type { DocumentContainer, DocumentStore, StoredDocument } from '../../local/documents/types';
import { getService } from '../../local/host/services';

export function container(name: 'members' | 'books' | 'views' | 'dead-letters'): DocumentContainer {
  const found = getService<DocumentStore>('documents').container(DATABASE_ID, name);
  if (!found) throw new Error(`no container ${name}`);
  return found;
}

/** Every item of a container, without the store's bookkeeping (etag, timestamps, feed position). */
export function contentOf(name: 'views' | 'dead-letters'): Record<string, unknown>[] {
  if (!getService<DocumentStore>('documents').container(DATABASE_ID, name)) return [];
  const items: StoredDocument[] = [];
  let continuation: string | undefined;
  do {
    const page = container(name).query({ limit: 1000, continuation });
    items.push(...page.items);
    continuation = page.continuation;
  } while (continuation);
  return items
    .map(({ _etag: _e, _ts: _t, _lsn: _l, ...rest }) => rest)
    .sort((a, b) =>
      `${String(a.memberId)}/${String(a.id)}`.localeCompare(`${String(b.memberId)}/${String(b.id)}`),
    );
}

/**
 * Makes every write to the views container fail with 503 (as Cosmos does when unavailable) until
 * the returned function is called; counts the failed writes.
 */
export function breakViews(): { failures: () => number; mend: () => void } {
  const views = container('views');
  const original = { create: views.create, replace: views.replace, upsert: views.upsert };
  let failures = 0;
  const fail = () => {
    failures++;
    const err = new Error('views are unavailable') as Error & { status: number };
    err.name = 'DocumentStoreError';
    err.status = 503;
    throw err;
  };
  Object.assign(views, { create: fail, replace: fail, upsert: fail });
  return {
    failures: () => failures,
    mend: () => Object.assign(views, original),
  };
}
