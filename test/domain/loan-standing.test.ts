import { describe, expect, it } from 'vitest';
import { loanStanding } from '../../shared/domain/fees';
import { boardOrder } from '../../shared/domain/rental';

const zone = 'Asia/Seoul';
const due = '2026-03-10T05:00:00.000Z'; // 14:00 on 10 March in Seoul

describe('how a loan stands now (mypage and the board)', () => {
  it('before its due time: not overdue, nothing to pay', () => {
    expect(loanStanding({ status: 'APPROVED', dueAt: due }, '2026-03-09T00:00:00.000Z', zone)).toEqual({
      overdue: false,
      feeIfReturnedNow: 0,
    });
  });

  it('later on the due day: overdue, yet no fee (no whole day late)', () => {
    expect(loanStanding({ status: 'APPROVED', dueAt: due }, '2026-03-10T10:00:00.000Z', zone)).toEqual({
      overdue: true,
      feeIfReturnedNow: 0,
    });
  });

  it.each([
    ['2026-03-11T00:00:00.000Z', 500], // 1 day late
    ['2026-03-18T00:00:00.000Z', 1000], // 8 days
    ['2026-03-25T00:00:00.000Z', 2000], // 15 days
  ])('at %s an OVERDUE loan would cost %i KRW if returned', (now, fee) => {
    expect(loanStanding({ status: 'OVERDUE', dueAt: due }, now, zone)).toEqual({
      overdue: true,
      feeIfReturnedNow: fee,
    });
  });

  it.each(['REQUESTED', 'REJECTED', 'RETURNED'] as const)('a %s rental is never overdue', (status) => {
    expect(loanStanding({ status, dueAt: due }, '2026-04-30T00:00:00.000Z', zone)).toEqual({
      overdue: false,
      feeIfReturnedNow: 0,
    });
  });
});

describe('the rental board order', () => {
  it('loans by due date (so overdue ones lead), then open requests, then settled rentals', () => {
    const rentals = [
      {
        id: 'returned',
        status: 'RETURNED' as const,
        dueAt: '2026-01-01T00:00:00.000Z',
        requestedAt: '2025-12-25T00:00:00.000Z',
      },
      { id: 'requested', status: 'REQUESTED' as const, requestedAt: '2026-03-01T00:00:00.000Z' },
      {
        id: 'due-later',
        status: 'APPROVED' as const,
        dueAt: '2026-03-20T00:00:00.000Z',
        requestedAt: '2026-03-13T00:00:00.000Z',
      },
      {
        id: 'overdue',
        status: 'OVERDUE' as const,
        dueAt: '2026-03-02T00:00:00.000Z',
        requestedAt: '2026-02-23T00:00:00.000Z',
      },
    ];
    const sorted = [...rentals].sort((a, b) => boardOrder(a).localeCompare(boardOrder(b)));
    expect(sorted.map((r) => r.id)).toEqual(['overdue', 'due-later', 'requested', 'returned']);
  });
});
