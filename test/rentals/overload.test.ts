// Load shedding (shared/app/admission.ts): past MAX_RENTALS_IN_FLIGHT rents in flight, or while
// the store throttles past its client's retries, POST /rentals is refused at once with 503
// `overloaded` and Retry-After, recording nothing; reads go on. A rent recorded but not settled in
// time is 202 with Retry-After and Location. The app runs on an in-process host whose activities
// are slowed by the fault plan (LOCAL_FAULTS durable latency), so a rent stays in flight long
// enough to be seen.
import { InvocationContext } from '@azure/functions';
import { describe, expect, it } from 'vitest';
import { admitted } from '../../functions/lib/http';
import { writeFaultSettings } from '../../local/faults/plan';
import { parseFaultSettings } from '../../local/faults/settings';
import { RentAdmission } from '../../shared/app/admission';
import { DocumentError, type Containers, type DocumentContainer } from '../../shared/app/ports';
import { resilientContainers } from '../../shared/app/transient';
import type { Rental } from '../../shared/domain/rental';
import { libraryHost, librarian } from './support-host';

describe('admission', () => {
  it('lets `limit` rents in, refuses the next until one leaves, and counts a leave once', () => {
    const admission = new RentAdmission(2);
    const first = admission.enter();
    const second = admission.enter();
    expect(first.admitted && second.admitted).toBe(true);
    expect(admission.enter()).toEqual({ admitted: false, reason: 'rents-in-flight', retryAfterSeconds: 1 });
    if (!first.admitted) throw new Error('unreachable');
    first.leave();
    first.leave();
    expect(admission.count).toBe(1);
    expect(admission.enter().admitted).toBe(true);
    expect(admission.enter().admitted).toBe(false);
  });

  it('refuses every rent while the store throttles, as long as it asked (a second at least)', () => {
    let now = 10_000;
    const admission = new RentAdmission(100, () => now);
    admission.throttled(2_500);
    expect(admission.enter()).toEqual({ admitted: false, reason: 'store-throttling', retryAfterSeconds: 3 });
    now += 2_500;
    expect(admission.enter().admitted).toBe(true);
    admission.throttled(undefined);
    expect(admission.enter()).toMatchObject({ admitted: false, retryAfterSeconds: 1 });
  });

  it('hears of a 429 that reached the app through its containers, and refuses the next rent with 503', async () => {
    const admission = new RentAdmission(100);
    const throttled = async (): Promise<never> => {
      throw new DocumentError(429, 'Request rate is large.', 1_200);
    };
    const container = { read: throttled } as unknown as DocumentContainer;
    const containers = resilientContainers(
      { members: container, books: container, views: container, deadLetters: container, notices: container },
      (ms) => admission.throttled(ms),
    ) satisfies Containers;
    await expect(containers.members.read('m', 'm')).rejects.toMatchObject({ status: 429 });

    let ran = false;
    const rent = admitted(
      () => admission,
      async (_context: InvocationContext) => {
        ran = true;
        return { status: 201 };
      },
    );
    const refused = await rent(new InvocationContext());
    expect(ran).toBe(false);
    expect(refused.status).toBe(503);
    expect(refused.headers).toMatchObject({
      'Content-Type': 'application/problem+json',
      'Retry-After': '2',
    });
    expect(refused.jsonBody).toMatchObject({ type: 'urn:rentbook:problem:overloaded', status: 503 });
  });

  it('tries a read again on 503 and 408, and passes a write failure through as it came', async () => {
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
    const { members } = resilientContainers(
      { members: container, books: container, views: container, deadLetters: container, notices: container },
      () => undefined,
    );
    await expect(members.read('m', 'm')).resolves.toEqual({ id: 'm' });
    expect(reads).toBe(3);
    await expect(members.patch('m', 'm', [])).rejects.toMatchObject({ status: 503 });
    expect(writes).toBe(1);
  });
});

// One rent in flight at most; each saga activity takes a second, so a rent stays in flight for seconds.
process.env.MAX_RENTALS_IN_FLIGHT = '1';
process.env.LOCAL_FAULTS = JSON.stringify({ seed: 3, durable: { latencyMs: 1_000 } });
const ctx = libraryHost();

describe('POST /rentals under load', () => {
  it('refuses a rent past the limit at once with 503 overloaded and Retry-After, recording nothing; reads go on', async () => {
    const { lib } = ctx;
    const bookId = (await lib.addBook({ price: 100, copies: 5 })).id;
    const first = await lib.addMember(1_000, 'First');
    const second = await lib.addMember(1_000, 'Second');

    let firstAnswered = false;
    const inFlight = lib.rent(first, bookId).then((r) => ((firstAnswered = true), r));
    // Until the first rent is recorded and its saga running.
    await new Promise((resolve) => setTimeout(resolve, 300));

    const refused = await lib.rent(second, bookId);
    expect(firstAnswered).toBe(false);
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(refused.body).toMatchObject({ type: 'urn:rentbook:problem:overloaded', status: 503 });

    // Reads are never shed for the writes' sake.
    expect((await lib.api('GET', `/api/books/${bookId}`)).status).toBe(200);
    expect((await lib.api('GET', `/api/members/${second}`, { token: librarian })).status).toBe(200);

    expect((await inFlight).status).toBe(201);
    // The refused rent recorded nothing.
    const rentals = await lib.api<{ items: Rental[] }>('GET', `/api/members/${second}/rentals`, {
      token: librarian,
    });
    expect(rentals.body.items).toEqual([]);
    // Its slot is free again.
    expect((await lib.rent(second, bookId)).status).toBe(201);
  });

  it('answers a rent recorded but not settled in time 202 with Retry-After and Location', async () => {
    const { lib, host } = ctx;
    // Activities of three seconds each: past the five seconds the rent waits.
    writeFaultSettings(
      host.db,
      parseFaultSettings(JSON.stringify({ durable: { latencyMs: 3_000 } }), Date.now()),
    );
    const bookId = (await lib.addBook({ price: 100, copies: 1 })).id;
    const member = await lib.addMember(1_000, 'Patient');
    const pending = await lib.rent(member, bookId);
    expect(pending.status).toBe(202);
    expect(pending.body).toMatchObject({ status: 'REQUESTED' });
    expect(pending.headers.get('retry-after')).toBe('1');
    expect(pending.headers.get('location')).toBe(`/api/rentals/${pending.body.id}`);
  }, 20_000);
});
