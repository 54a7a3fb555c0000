import { describe, expect, it } from 'vitest';
import { isKnownTimeZone, lateDays, lateFee } from '../../shared/domain/fees';

describe('late fee tiers (charged at return)', () => {
  it.each([
    [0, 0],
    [1, 500],
    [7, 500],
    [8, 1000],
    [14, 1000],
    [15, 2000],
    [60, 2000],
  ])('%i days late → %i KRW', (days, fee) => {
    expect(lateFee(days)).toBe(fee);
  });
});

describe('days late, in whole calendar days of the library time zone', () => {
  const due = '2026-03-10T05:00:00.000Z'; // 14:00 on 10 March in Seoul

  it('a return later on the due day is on time', () => {
    expect(lateDays(due, '2026-03-10T14:59:00.000Z', 'Asia/Seoul')).toBe(0); // 23:59 Seoul
  });

  it('a return a minute into the next Seoul day is one day late, though less than 24 hours passed', () => {
    expect(lateDays(due, '2026-03-10T15:01:00.000Z', 'Asia/Seoul')).toBe(1); // 00:01 on 11 March
  });

  it('an early return is never negative', () => {
    expect(lateDays(due, '2026-03-05T00:00:00.000Z', 'Asia/Seoul')).toBe(0);
  });

  it('counts calendar days in the configured zone, not in UTC', () => {
    // 23:30 UTC on 10 March is already 11 March in Seoul but still 10 March in UTC.
    const returned = '2026-03-10T23:30:00.000Z';
    expect(lateDays(due, returned, 'Asia/Seoul')).toBe(1);
    expect(lateDays(due, returned, 'UTC')).toBe(0);
  });

  it('counts a calendar day across a daylight-saving change as one day', () => {
    // New York springs forward on 8 March 2026: that day has 23 hours.
    expect(lateDays('2026-03-07T17:00:00.000Z', '2026-03-09T16:00:00.000Z', 'America/New_York')).toBe(2);
  });

  it('knows IANA zones and refuses made-up ones', () => {
    expect(isKnownTimeZone('Asia/Seoul')).toBe(true);
    expect(isKnownTimeZone('Mars/Olympus_Mons')).toBe(false);
  });
});
