// A library member: who rents, holds a points balance and owes late fees.
import { isPlainLine } from './text';

export interface Member {
  id: string;
  name: string;
  phone: string | null;
  points: number;
  feesOwed: number;
}

export const MAX_NAME_LENGTH = 100;

export function isValidName(name: string): boolean {
  const trimmed = name.trim();
  return trimmed.length >= 1 && trimmed.length <= MAX_NAME_LENGTH && isPlainLine(name);
}

/** Digits with optional leading +, spaces, dashes and parentheses; 3 to 20 digits. */
export function isValidPhone(phone: string): boolean {
  if (!/^\+?[\d\s\-()]+$/.test(phone)) return false;
  const digits = phone.replace(/\D/g, '').length;
  return digits >= 3 && digits <= 20;
}

/** A new member starts with no points and owes nothing. */
export function newMember(id: string, name: string, phone: string | null): Member {
  return { id, name: name.trim(), phone, points: 0, feesOwed: 0 };
}

/** Paying fees from points: refused (with why) when it is more than is owed or than the points cover. */
export function feePaymentRefusal(
  member: { points: number; feesOwed: number },
  amount: number,
): 'more-than-owed' | 'insufficient-points' | undefined {
  if (amount > member.feesOwed) return 'more-than-owed';
  if (amount > member.points) return 'insufficient-points';
  return undefined;
}
