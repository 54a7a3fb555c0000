// Passing store faults and slow sagas, as the app meets them: a read or query is tried again on
// 503, 408 or 449 (shared/app/transient.ts) while a write failure reaches its use case as it came;
// a rent recorded but not settled in time is 202 with Retry-After and Location. The app runs on an
// in-process host whose saga activities the fault plan slows (LOCAL_FAULTS durable latency).
import { describe, expect, it } from 'vitest';
import { DocumentError, type DocumentContainer } from '../../shared/app/ports';
import { retryingReads } from '../../shared/app/transient';
import { libraryHost } from './support-host';

const everyContainer = (c: DocumentContainer) => ({
  members: c,
  books: c,
  views: c,
  deadLetters: c,
  notices: c,
});

describe('store faults that pass', () => {
  it('try a read again on 503 and 408, and pass a write failure through as it came', async () => {
    let reads = 0;
    let writes = 0;
    const container = {
      read: async () => {
        if (++reads < 3) throw new DocumentError(reads === 1 ? 503 : 408, 'passing');
        return { id: 'm' };
      },
      patch: async () => {
        writes++;
        throw new DocumentError(503, 'unavailable');
      },
    } as unknown as DocumentContainer;
    const { members } = retryingReads(everyContainer(container));
    await expect(members.read('m', 'm')).resolves.toEqual({ id: 'm' });
    expect(reads).toBe(3);
    await expect(members.patch('m', 'm', [])).rejects.toMatchObject({ status: 503 });
    expect(writes).toBe(1);
  });

  it('give up on a read after three more tries', async () => {
    let reads = 0;
    const container = {
      read: async () => {
        reads++;
        throw new DocumentError(503, 'unavailable');
      },
    } as unknown as DocumentContainer;
    const { books } = retryingReads(everyContainer(container));
    await expect(books.read('b', 'b')).rejects.toMatchObject({ status: 503 });
    expect(reads).toBe(4);
  });
});

// Each saga activity takes three seconds: past the five seconds a rent waits for its saga.
process.env.LOCAL_FAULTS = JSON.stringify({ seed: 3, durable: { latencyMs: 3_000 } });
const ctx = libraryHost();

it('answers a rent recorded but not settled in time 202 with Retry-After and Location', async () => {
  const { lib } = ctx;
  const bookId = (await lib.addBook({ price: 100, copies: 1 })).id;
  const member = await lib.addMember(1_000, 'Patient');
  const pending = await lib.rent(member, bookId);
  expect(pending.status).toBe(202);
  expect(pending.body).toMatchObject({ status: 'REQUESTED' });
  expect(pending.headers.get('retry-after')).toBe('1');
  expect(pending.headers.get('location')).toBe(`/api/rentals/${pending.body.id}`);
}, 20_000);
