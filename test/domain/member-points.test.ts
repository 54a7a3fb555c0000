import { describe, expect, it } from 'vitest';
import { isValidName, isValidPhone, newMember } from '../../shared/domain/member';
import { isSufficient, isValidAmount, isValidDeposit } from '../../shared/domain/points';

describe('members', () => {
  it('start with no points and no fees', () => {
    expect(newMember('m1', ' Kim Minsu ', '010-1234-5678')).toEqual({
      id: 'm1',
      name: 'Kim Minsu',
      phone: '010-1234-5678',
      points: 0,
      feesOwed: 0,
    });
  });

  it('need a name and, if given, a phone number', () => {
    expect(isValidName('   ')).toBe(false);
    expect(isValidPhone('+82 10-1234-5678')).toBe(true);
    expect(isValidPhone('call me')).toBe(false);
  });
});

describe('points', () => {
  it('deposits are whole and at least 1; checks may ask about 0', () => {
    expect(isValidDeposit(1)).toBe(true);
    expect(isValidDeposit(0)).toBe(false);
    expect(isValidDeposit(2.5)).toBe(false);
    expect(isValidAmount(0)).toBe(true);
    expect(isValidAmount(-3)).toBe(false);
  });

  it('a balance covers an amount equal to it', () => {
    expect(isSufficient(1000, 1000)).toBe(true);
    expect(isSufficient(999, 1000)).toBe(false);
  });
});
