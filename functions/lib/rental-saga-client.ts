// The borrow saga seen from outside: its function names, and how HTTP functions start it. Kept
// apart from the orchestrator so the HTTP functions do not load the saga's code.
import type { DurableClient } from 'durable-functions';
import type { RentalSagaStart } from '../../shared/app/rental-saga-steps';
import type { Rental } from '../../shared/domain/rental';

export const RENTAL_SAGA = 'rental-saga';

export const sagaActivities = {
  reserveCopy: 'rental-saga-reserve-copy',
  chargeAndApprove: 'rental-saga-charge-and-approve',
  reject: 'rental-saga-reject',
  read: 'rental-saga-read',
  releaseCopy: 'rental-saga-release-copy',
  refundPoints: 'rental-saga-refund-points',
} as const;

/**
 * Starts the saga for a recorded REQUESTED rental (instance id = rental id; the input only says
 * where the rental is) unless one exists already: a repeated request must not start a second
 * saga, and Durable would restart a completed instance with the same id. Two identical requests
 * racing both see "absent"; the loser's start fails and finds the winner's instance.
 */
export async function startRentalSaga(
  client: DurableClient,
  rental: Rental,
  checkFirst: boolean,
): Promise<void> {
  if (checkFirst && (await sagaStatus(client, rental.id))) return;
  const input: RentalSagaStart = { memberId: rental.memberId, bookId: rental.bookId };
  try {
    await client.startNew(RENTAL_SAGA, { instanceId: rental.id, input });
  } catch (err) {
    if (!(await sagaStatus(client, rental.id))) throw err;
  }
}

async function sagaStatus(client: DurableClient, instanceId: string) {
  try {
    return await client.getStatus(instanceId, { showInput: true });
  } catch (err) {
    // durable-functions reports an unknown instance as an Error naming HTTP 404, not a type.
    if (err instanceof Error && /HTTP 404/.test(err.message)) return undefined;
    throw err;
  }
}
