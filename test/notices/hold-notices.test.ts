// The two hold events (published by holds) give their notices: checked against their schemas, with
// the hold's id and the book's title on the notice.
import { describe, expect, it } from 'vitest';
import { domainEvent, eventSchemas, newEvent } from '../../shared/app/events';
import { noticeOf } from '../../shared/app/notices';

const hold = { holdId: 'h1', bookId: 'b1', memberId: 'm1', bookTitle: 'Dune' };

describe('hold notices', () => {
  it('hold-ready and hold-expired, from events that pass their schemas', () => {
    const ready = newEvent(
      'rentbook.hold.ready',
      { subject: 'holds/h1', at: '2026-12-01T00:00:00.000Z' },
      {
        ...hold,
        readyUntil: '2026-12-04T00:00:00.000Z',
      },
    );
    const expired = newEvent(
      'rentbook.hold.expired',
      { subject: 'holds/h1', at: '2026-12-04T01:00:00.000Z' },
      hold,
    );
    for (const e of [ready, expired]) expect(domainEvent.parse(e)).toEqual(e);
    expect(noticeOf(ready, 'Asia/Seoul')).toEqual({
      id: ready.id,
      memberId: 'm1',
      kind: 'hold-ready',
      text: '"Dune" is waiting for you. Rent it by 2026-12-04 or it goes to the next in line.',
      holdId: 'h1',
      bookTitle: 'Dune',
      createdAt: '2026-12-01T00:00:00.000Z',
    });
    expect(noticeOf(expired, 'Asia/Seoul')).toMatchObject({
      kind: 'hold-expired',
      holdId: 'h1',
      memberId: 'm1',
    });
  });

  it('a hold event without its fields is refused by its schema', () => {
    const { readyUntil: _dropped, ...partial } = { ...hold, readyUntil: 'x' };
    const bad = {
      ...newEvent('rentbook.hold.expired', { subject: 'holds/h1', at: '2026-12-04T01:00:00.000Z' }, hold),
      type: 'rentbook.hold.ready',
      data: partial,
    };
    expect(eventSchemas['rentbook.hold.ready'].safeParse(bad).success).toBe(false);
    expect(domainEvent.safeParse(bad).success).toBe(false);
  });
});
