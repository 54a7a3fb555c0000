import { describe, expect, it } from 'vitest';
import { newId } from '../../shared/app/ids';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('newId', () => {
  it('makes UUID v7 ids that sort in the order they were made, also within one millisecond', () => {
    const frozen = { now: () => Date.UTC(2030, 0, 1) };
    const ids = Array.from({ length: 5000 }, () => newId(frozen));
    expect(ids.every((id) => UUID_V7.test(id))).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
  });

  it('carries the clock time in its first 48 bits', () => {
    const at = Date.UTC(2031, 5, 1);
    const id = newId({ now: () => at });
    expect(parseInt(id.replace(/-/g, '').slice(0, 12), 16)).toBe(at);
  });
});
