// The notice policy: which events tell a member something, of which kind, in which words.
import { describe, expect, it } from 'vitest';
import { eventSchemas } from '../../shared/app/events';
import { NOTICE_KINDS, noticeFor, noticePolicy } from '../../shared/domain/notices';

const seoul = { timeZone: 'Asia/Seoul' };

describe('the notice policy', () => {
  it('names only event types that exist, and gives every kind', () => {
    for (const type of Object.keys(noticePolicy)) expect(Object.keys(eventSchemas)).toContain(type);
    expect(new Set(Object.values(noticePolicy).map((r) => r.kind))).toEqual(new Set(NOTICE_KINDS));
  });

  it('events that tell the member nothing give no notice', () => {
    expect(noticeFor('rentbook.rental.requested', {}, seoul)).toBeUndefined();
    expect(noticeFor('rentbook.points.deposited', {}, seoul)).toBeUndefined();
    expect(noticeFor('toString', {}, seoul)).toBeUndefined();
  });

  it('says what happened, with the title and the day in the library time zone', () => {
    // 20:00 UTC on the 9th is the 10th in Seoul.
    expect(
      noticeFor('rentbook.rental.approved', { bookTitle: 'Dune', dueAt: '2026-12-09T20:00:00Z' }, seoul),
    ).toEqual({
      kind: 'rental-approved',
      text: 'You have borrowed "Dune". Please return it by 2026-12-10.',
    });
    expect(
      noticeFor('rentbook.rental.rejected', { bookTitle: 'Dune', reason: 'BOOK_RENTED' }, seoul)?.text,
    ).toBe('Your rental of "Dune" was declined: no copy is free.');
    expect(
      noticeFor('rentbook.rental.returned', { bookTitle: 'Dune', lateDays: 1, fee: 500 }, seoul)?.text,
    ).toBe('You returned "Dune" 1 day late. Late fee: 500 KRW.');
    expect(noticeFor('rentbook.rental.returned', { bookTitle: null, lateDays: 0, fee: 0 }, seoul)?.text).toBe(
      'You returned your book on time. Thank you.',
    );
    expect(
      noticeFor(
        'rentbook.rental.still-overdue',
        { bookTitle: 'Dune', dueAt: '2026-12-01T00:00:00Z', reminder: 1 },
        seoul,
      ),
    ).toEqual({
      kind: 'overdue',
      text: 'Reminder: "Dune" was due on 2026-12-01 and is still overdue.',
    });
    expect(
      noticeFor('rentbook.hold.ready', { bookTitle: 'Dune', readyUntil: '2026-12-03T00:00:00Z' }, seoul),
    ).toEqual({
      kind: 'hold-ready',
      text: '"Dune" is waiting for you. Rent it by 2026-12-03 or it goes to the next in line.',
    });
    expect(noticeFor('rentbook.hold.expired', { bookTitle: 'Dune' }, seoul)?.kind).toBe('hold-expired');
  });
});
