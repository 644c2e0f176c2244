import { describe, expect, it } from 'vitest';
import { resultPaths, withResultPaths } from './resultPaths';

describe('resultPaths', () => {
  it('lists keys, nested keys and the first item of lists', () => {
    const paths = resultPaths({ seconds: 2, files: [{ name: 'a.txt' }], 'not an id': 1 }, 'steps.s1.result');
    expect(paths.map((p) => p.path)).toEqual([
      'steps.s1.result.seconds',
      'steps.s1.result.files',
      'steps.s1.result.files[0]',
      'steps.s1.result.files[0].name',
    ]);
  });
  it('offers nothing under a scalar result', () => {
    expect(resultPaths(3, 'steps.s1.result')).toEqual([]);
  });
});

describe('withResultPaths', () => {
  it('follows each step result with the fields of its last run', () => {
    const options = [
      { text: '{{ params.name }}', label: 'parameter name' },
      { text: '{{ steps.s1.result }}', label: 'result of Prep' },
      { text: '{{ steps.s2.result }}', label: 'result of Other' },
    ];
    const out = withResultPaths(options, { s1: { seconds: 0.5 } });
    expect(out.map((o) => o.text)).toEqual([
      '{{ params.name }}',
      '{{ steps.s1.result }}',
      '{{ steps.s1.result.seconds }}',
      '{{ steps.s2.result }}',
    ]);
    expect(out[2].label).toBe('last run: 0.5');
  });
});
