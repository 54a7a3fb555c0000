// What the benchmark's invariants (bench/invariants.ts) must read once a run has drained: nothing
// oversold, points conserved, nothing left REQUESTED, every recorded event on the hub, views equal
// to the write model, one notice per noticed event, no dead letter.
export const INVARIANTS_HOLD = {
  oversold: 0,
  pointsNotConserved: 0,
  requestedLeft: 0,
  events: { missing: 0, rentalsMissingEvents: 0 },
  viewsDiffering: 0,
  notices: { missing: 0, extra: 0 },
  deadLetters: 0,
  hold: true,
} as const;
