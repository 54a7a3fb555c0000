// The borrow saga, branch by branch, replayed by the real `durable-functions` library over scripted
// histories: what it asks for next, in order, and what it ends with. No host and no store.
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { sagaActivities as step, RENTAL_SAGA } from '../../functions/lib/rental-saga-client';
import type { Rental } from '../../shared/domain/rental';
import { telemetryEvent } from '../../functions/lib/telemetry';
import { describeAction, loadOrchestrator, ScriptedHistory, type Turn } from '../helpers/orchestration';

const requested: Rental = {
  id: 'r-1',
  memberId: 'm-1',
  bookId: 'b-1',
  bookTitle: 'Dune',
  price: 300,
  status: 'REQUESTED',
  requestedAt: '2030-01-01T09:00:00.000Z',
};
const rejected = (reason: string) => ({ ...requested, status: 'REJECTED', reason });
const approved = { ...requested, status: 'APPROVED', approvedAt: 'x', dueAt: 'y' };
/** What a compensation answers when there was something to put back. */
const undone = { result: true };
// The saga's retry policy: five attempts per step before it counts as failed.
const ATTEMPTS = 5;

let run: (history: ScriptedHistory) => Promise<Turn>;

beforeAll(async () => {
  run = await loadOrchestrator(path.resolve(__dirname, '../../functions/rental-saga.ts'), RENTAL_SAGA);
});

const story = (turn: Turn) => turn.actions.map(describeAction);
/** The story so far: the rental is eligible and a copy is its. */
const reserved = () =>
  new ScriptedHistory(requested).activity(step.reserveCopy, { result: { rental: requested } });
const call = (name: string) => `call ${name}`;
/** What the charge answers when the member could not pay. */
const cannotPay = { result: { ok: false, reason: 'INSUFFICIENT_POINTS' } };
const charged = { result: { ok: true, rental: approved } };

describe('the borrow saga', () => {
  it('an eligible rental: a copy, then the points and the approval at the current time', async () => {
    const history = reserved();
    const waiting = await run(history);
    expect(waiting.isDone).toBe(false);
    expect(story(waiting)).toEqual([call(step.reserveCopy), call(step.chargeAndApprove)]);
    // Time comes from the replay, not the machine: the start of the turn that asked for approval.
    expect(waiting.actions[1].input).toEqual({ rental: requested, approvedAt: history.now.toISOString() });

    const done = await run(history.activity(step.chargeAndApprove, charged));
    expect(done).toMatchObject({ isDone: true, output: approved });
  });

  it('starts from the record alone: the first step gets where the rental is, never a price or status', async () => {
    const forged = { ...requested, price: -1_000_000, status: 'APPROVED' };
    const waiting = await run(new ScriptedHistory(forged));
    expect(story(waiting)).toEqual([call(step.reserveCopy)]);
    expect(waiting.actions[0].input).toEqual({ rentalId: 'scripted', memberId: 'm-1', bookId: 'b-1' });
  });

  it('no recorded rental for the instance: the saga fails, and no step after the first runs', async () => {
    const refused = 'No rental scripted of book b-1 was requested for member m-1.';
    await expect(
      run(new ScriptedHistory(requested).activity(step.reserveCopy, { result: { refused } })),
    ).rejects.toThrow(refused);
  });

  it('an ineligible member or book: rejected at once with the reason, nothing to undo', async () => {
    const done = await run(
      new ScriptedHistory(requested)
        .activity(step.reserveCopy, { result: { rental: requested, reason: 'MEMBER_NOT_FOUND' } })
        .activity(step.reject, { result: rejected('MEMBER_NOT_FOUND') }),
    );
    expect(story(done)).toEqual([call(step.reserveCopy), call(step.reject)]);
    expect(done.actions[1].input).toEqual({ rental: requested, reason: 'MEMBER_NOT_FOUND' });
    expect(done).toMatchObject({ isDone: true, output: rejected('MEMBER_NOT_FOUND') });
  });

  it('a rental settled already (a repeated start): its outcome, and no step runs again', async () => {
    const done = await run(
      new ScriptedHistory(requested).activity(step.reserveCopy, { result: { rental: approved } }),
    );
    expect(story(done)).toEqual([call(step.reserveCopy)]);
    expect(done).toMatchObject({ isDone: true, output: approved });
  });

  it('too few points once the copy is taken: the copy goes back, then the rental is rejected INSUFFICIENT_POINTS', async () => {
    const done = await run(
      reserved()
        .activity(step.chargeAndApprove, cannotPay)
        .activity(step.releaseCopy, undone)
        .activity(step.reject, { result: rejected('INSUFFICIENT_POINTS') }),
    );
    expect(story(done)).toEqual([
      call(step.reserveCopy),
      call(step.chargeAndApprove),
      call(step.releaseCopy),
      call(step.reject),
    ]);
    expect(done.actions[2].input).toEqual(requested);
    expect(done.actions[3].input).toEqual({ rental: requested, reason: 'INSUFFICIENT_POINTS' });
    expect(done).toMatchObject({ isDone: true, output: rejected('INSUFFICIENT_POINTS') });
  });

  it('the first step failing through its retries: the copy it may have taken goes back, the saga fails, the rental stays REQUESTED', async () => {
    const history = new ScriptedHistory(requested)
      .activity(step.reserveCopy, { fails: 'store unavailable' }, ATTEMPTS)
      .activity(step.releaseCopy, undone);
    await expect(run(history)).rejects.toThrow(/store unavailable/);
    const waiting = await run(
      new ScriptedHistory(requested).activity(step.reserveCopy, { fails: 'store unavailable' }, ATTEMPTS),
    );
    expect(story(waiting)).toEqual([call(step.reserveCopy), call(step.releaseCopy)]);
    // Only what a release needs, and the first step knows: the instance's id and the book.
    expect(waiting.actions[1].input).toEqual({ id: 'scripted', bookId: 'b-1' });
  });

  it('retries a failing step with the policy: a step that succeeds on its third attempt goes on', async () => {
    const done = await run(reserved().activity(step.chargeAndApprove, charged, 3));
    expect(story(done)).toEqual([call(step.reserveCopy), call(step.chargeAndApprove)]);
    expect(done.actions[1].retryOptions).toMatchObject({ maxNumberOfAttempts: ATTEMPTS });
    expect(done).toMatchObject({ isDone: true, output: approved });
  });

  it('the charge failing after it took effect: the rental is read, and it stands as approved', async () => {
    const done = await run(
      reserved()
        .activity(step.chargeAndApprove, { fails: 'timeout' }, ATTEMPTS)
        .activity(step.read, { result: approved }),
    );
    expect(story(done)).toEqual([call(step.reserveCopy), call(step.chargeAndApprove), call(step.read)]);
    expect(done).toMatchObject({ isDone: true, output: approved });
  });

  it('the charge failing before it took effect: the points (if any) are refunded, the copy goes back, PROCESSING_FAILED', async () => {
    const done = await run(
      reserved()
        .activity(step.chargeAndApprove, { fails: 'timeout' }, ATTEMPTS)
        .activity(step.read, { result: requested })
        .activity(step.refundPoints, { result: false })
        .activity(step.releaseCopy, undone)
        .activity(step.reject, { result: rejected('PROCESSING_FAILED') }),
    );
    expect(story(done).slice(2)).toEqual([
      call(step.read),
      call(step.refundPoints),
      call(step.releaseCopy),
      call(step.reject),
    ]);
    expect(done).toMatchObject({ isDone: true, output: rejected('PROCESSING_FAILED') });
  });

  it('compensation never gives up: a failing release waits on a durable timer, longer each round, and runs again', async () => {
    const history = reserved()
      .activity(step.chargeAndApprove, cannotPay)
      .activity(step.releaseCopy, { fails: 'store unavailable' }, ATTEMPTS);
    const first = await run(history);
    const firstWait = new Date(history.now.getTime() + 2_000);
    expect(first.isDone).toBe(false);
    expect(story(first).slice(2)).toEqual([call(step.releaseCopy), `timer ${firstWait.toISOString()}`]);

    history.timer(firstWait).activity(step.releaseCopy, { fails: 'store unavailable' }, ATTEMPTS);
    const second = await run(history);
    const secondWait = new Date(history.now.getTime() + 4_000);
    expect(story(second).slice(2)).toEqual([
      call(step.releaseCopy),
      `timer ${firstWait.toISOString()}`,
      call(step.releaseCopy),
      `timer ${secondWait.toISOString()}`,
    ]);

    history
      .timer(secondWait)
      .activity(step.releaseCopy, undone)
      .activity(step.reject, { result: rejected('INSUFFICIENT_POINTS') });
    const done = await run(history);
    expect(story(done).slice(6)).toEqual([call(step.releaseCopy), call(step.reject)]);
    expect(done).toMatchObject({ isDone: true, output: rejected('INSUFFICIENT_POINTS') });
  });
});

describe("the borrow saga's operator events (one line each, not again on replay)", () => {
  const events = (turn: Turn) => turn.logs.map((line) => telemetryEvent.parse(JSON.parse(line)));

  it('an approval: rental.approved once, in the turn that learns of it', async () => {
    const history = reserved();
    expect((await run(history)).logs).toEqual([]);
    const done = await run(history.activity(step.chargeAndApprove, charged));
    expect(done.logs).toEqual(['{"event":"rental.approved","rentalId":"r-1"}']);
  });

  it('an ineligible rental: rental.rejected with the reason, nothing compensated', async () => {
    const history = new ScriptedHistory(requested).activity(step.reserveCopy, {
      result: { rental: requested, reason: 'LOAN_LIMIT' },
    });
    expect((await run(history)).logs).toEqual([]);
    const done = await run(history.activity(step.reject, { result: rejected('LOAN_LIMIT') }));
    expect(events(done)).toEqual([{ event: 'rental.rejected', rentalId: 'r-1', reason: 'LOAN_LIMIT' }]);
  });

  it('a copy put back: saga.compensated in its own turn, and only rental.rejected in the turn after', async () => {
    const history = reserved().activity(step.chargeAndApprove, cannotPay).activity(step.releaseCopy, undone);
    expect(events(await run(history))).toEqual([
      { event: 'saga.compensated', rentalId: 'r-1', step: 'releaseCopy' },
    ]);
    const done = await run(history.activity(step.reject, { result: rejected('INSUFFICIENT_POINTS') }));
    expect(events(done)).toEqual([
      { event: 'rental.rejected', rentalId: 'r-1', reason: 'INSUFFICIENT_POINTS' },
    ]);
  });

  it('a step failing through its retries: saga.failed naming it; a compensation with nothing to undo writes nothing', async () => {
    const history = reserved()
      .activity(step.chargeAndApprove, { fails: 'store unavailable' }, ATTEMPTS)
      .activity(step.read, { result: requested });
    expect(events(await run(history))).toEqual([
      { event: 'saga.failed', rentalId: 'r-1', step: 'chargeAndApprove' },
    ]);
    // The points were never taken (the refund answers false); the copy was.
    expect((await run(history.activity(step.refundPoints, { result: false }))).logs).toEqual([]);
    expect(events(await run(history.activity(step.releaseCopy, undone)))).toEqual([
      { event: 'saga.compensated', rentalId: 'r-1', step: 'releaseCopy' },
    ]);
    const done = await run(history.activity(step.reject, { result: rejected('PROCESSING_FAILED') }));
    expect(events(done)).toEqual([
      { event: 'rental.rejected', rentalId: 'r-1', reason: 'PROCESSING_FAILED' },
    ]);
  });

  it('an approval that failed yet went through: rental.approved, no saga.failed', async () => {
    const history = reserved().activity(step.chargeAndApprove, { fails: 'timeout' }, ATTEMPTS);
    expect((await run(history)).logs).toEqual([]);
    const done = await run(history.activity(step.read, { result: approved }));
    expect(events(done)).toEqual([{ event: 'rental.approved', rentalId: 'r-1' }]);
  });

  it('a repeated start of a settled rental writes nothing', async () => {
    const done = await run(
      new ScriptedHistory(requested).activity(step.reserveCopy, { result: { rental: approved } }),
    );
    expect(done.logs).toEqual([]);
  });
});
