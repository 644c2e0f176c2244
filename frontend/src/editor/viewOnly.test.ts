import { describe, expect, it } from 'vitest';
import { isViewOnly } from './viewOnly';

describe('isViewOnly', () => {
  it('is set by ?view=1 only', () => {
    expect(isViewOnly('?view=1')).toBe(true);
    expect(isViewOnly('?view=0')).toBe(false);
    expect(isViewOnly('')).toBe(false);
  });
});
