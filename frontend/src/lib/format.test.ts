import { describe, expect, it } from 'vitest';
import { durationBetween, formatDateTime, formatDuration, formatParams, prettyJson } from './format';

describe('format', () => {
  it('formats durations', () => {
    expect(formatDuration(null)).toBe('—');
    expect(formatDuration(850)).toBe('850 ms');
    expect(formatDuration(4200)).toBe('4.2 s');
    expect(formatDuration(42_000)).toBe('42 s');
    expect(formatDuration(187_000)).toBe('3m 07s');
    expect(formatDuration(7_500_000)).toBe('2h 05m');
  });
  it('measures durations, open-ended up to now', () => {
    expect(durationBetween('2024-01-01T00:00:00Z', '2024-01-01T00:00:05Z')).toBe(5000);
    expect(durationBetween('2024-01-01T00:00:00Z', null, Date.parse('2024-01-01T00:01:00Z'))).toBe(60_000);
    expect(durationBetween(null, null)).toBeNull();
  });
  it('formats timestamps and params', () => {
    expect(formatDateTime(null)).toBe('—');
    expect(formatDateTime('garbage')).toBe('—');
    expect(formatDateTime('2024-01-01T00:00:00Z')).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
    expect(formatParams({ a: 1, b: 'x', c: [1, 2], d: null })).toBe('a=1, b=x, c=[1,2], d=null');
    expect(prettyJson({ a: 1 })).toBe('{\n  "a": 1\n}');
  });
});
