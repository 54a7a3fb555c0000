// The hold queue's rules, on the shelf state alone.
import { describe, expect, it } from 'vitest';
import {
  cancelHold,
  copyBack,
  expireDue,
  hasWaitingHold,
  holdPosition,
  nextReadyUntil,
  placeHold,
  queueOrder,
  settleFreeCopies,
  takeCopy,
  type Shelf,
} from '../../shared/domain/hold';

const NOW = '2026-12-01T10:00:00.000Z';
const empty: Shelf = { available: 0, held: 0, holds: {}, holdSeq: 0 };

function queued(...members: string[]): Shelf {
  let shelf = empty;
  for (const m of members) {
    const placed = placeHold(shelf, m, { holdId: `hold-${m}`, memberId: m, placedAt: NOW });
    if (!placed.ok) throw new Error(placed.refusal);
    shelf = placed.change.shelf;
  }
  return shelf;
}

describe('placing a hold', () => {
  it('joins the queue in order while no copy is free; refused with a free copy or a second time', () => {
    const shelf = queued('a', 'b');
    expect(queueOrder(shelf).map((h) => [h.memberId, h.status, holdPosition(shelf, h)])).toEqual([
      ['a', 'WAITING', 1],
      ['b', 'WAITING', 2],
    ]);
    expect(placeHold(shelf, 'a', { holdId: 'x', memberId: 'a', placedAt: NOW })).toEqual({
      ok: false,
      refusal: 'already-held',
    });
    expect(placeHold({ ...empty, available: 1 }, 'c', { holdId: 'x', memberId: 'c', placedAt: NOW })).toEqual(
      {
        ok: false,
        refusal: 'copy-available',
      },
    );
  });
});

describe('a copy coming back', () => {
  it('is kept for the first WAITING hold for the hold days, or goes on the shelf', () => {
    const { shelf, transitions } = copyBack(queued('a', 'b'), NOW, 3);
    expect(shelf).toMatchObject({ available: 0, held: 1 });
    expect(transitions.map((t) => [t.hold.memberId, t.to, t.hold.readyUntil])).toEqual([
      ['a', 'READY', '2026-12-04T10:00:00.000Z'],
    ]);
    expect(holdPosition(shelf, shelf.holds.a)).toBe(0);
    expect(holdPosition(shelf, shelf.holds.b)).toBe(1);
    expect(nextReadyUntil(shelf)).toBe('2026-12-04T10:00:00.000Z');
    expect(copyBack(empty, NOW, 3)).toEqual({ shelf: { ...empty, available: 1 }, transitions: [] });
  });
});

describe('taking a copy', () => {
  const ready = copyBack(queued('a', 'b'), NOW, 3).shelf;

  it('the READY holder takes the kept copy; its hold is FULFILLED', () => {
    const taken = takeCopy(ready, 'a');
    expect(taken.ok && taken.change.shelf).toMatchObject({ available: 0, held: 0 });
    expect(taken.ok && taken.change.transitions.map((t) => [t.hold.memberId, t.to])).toEqual([
      ['a', 'FULFILLED'],
    ]);
    expect(taken.ok && Object.keys(taken.change.shelf.holds)).toEqual(['b']);
  });

  it('anyone else: BOOK_ON_HOLD while copies are kept and none free; BOOK_RENTED with none kept', () => {
    expect(takeCopy(ready, 'b')).toEqual({ ok: false, reason: 'BOOK_ON_HOLD' });
    expect(takeCopy(ready, 'z')).toEqual({ ok: false, reason: 'BOOK_ON_HOLD' });
    expect(takeCopy(queued('a'), 'z')).toEqual({ ok: false, reason: 'BOOK_RENTED' });
    const free = takeCopy({ ...ready, available: 1 }, 'z');
    expect(free.ok && free.change.shelf).toMatchObject({ available: 0, held: 1 });
  });
});

describe('a hold ending', () => {
  it('a READY hold cancelled or expired passes the copy to the next in line, then to the shelf', () => {
    const ready = copyBack(queued('a', 'b'), NOW, 3).shelf;
    const cancelled = cancelHold(ready, 'a', NOW, 3);
    expect(cancelled.transitions.map((t) => [t.hold.memberId, t.to])).toEqual([
      ['a', 'CANCELLED'],
      ['b', 'READY'],
    ]);
    expect(cancelled.shelf).toMatchObject({ available: 0, held: 1 });

    const late = '2026-12-04T10:00:00.000Z';
    expect(expireDue(ready, '2026-12-04T09:59:59.999Z', 3).transitions).toEqual([]);
    const expired = expireDue(ready, late, 3);
    expect(expired.transitions.map((t) => [t.hold.memberId, t.to])).toEqual([
      ['a', 'EXPIRED'],
      ['b', 'READY'],
    ]);
    const last = expireDue(expired.shelf, '2026-12-07T10:00:00.000Z', 3);
    expect(last.shelf).toEqual({ available: 1, held: 0, holds: {}, holdSeq: 2 });
  });

  it('a WAITING hold cancelled frees nothing', () => {
    const { shelf, transitions } = cancelHold(queued('a', 'b'), 'b', NOW, 3);
    expect(shelf).toMatchObject({ available: 0, held: 0 });
    expect(transitions.map((t) => t.to)).toEqual(['CANCELLED']);
  });
});

describe('copies added', () => {
  it('go to those waiting first, the rest to the shelf', () => {
    const { shelf } = settleFreeCopies({ ...queued('a', 'b'), available: 3 }, NOW, 3);
    expect(shelf).toMatchObject({ available: 1, held: 2 });
    expect(hasWaitingHold(shelf)).toBe(false);
  });
});
