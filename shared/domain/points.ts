// Points: the prepaid balance a member spends on rentals. Whole numbers only.

/** Largest balance or single amount accepted: stays exact in JSON numbers. */
export const MAX_POINTS = 1_000_000_000;

/** A deposit: a whole number of points, at least 1. */
export function isValidDeposit(amount: number): boolean {
  return Number.isInteger(amount) && amount >= 1 && amount <= MAX_POINTS;
}

/** An amount to check a balance against: a whole number, 0 or more. */
export function isValidAmount(amount: number): boolean {
  return Number.isInteger(amount) && amount >= 0 && amount <= MAX_POINTS;
}

export function isSufficient(points: number, amount: number): boolean {
  return points >= amount;
}
