import { describe, expect, it } from 'vitest';
import { resourcesSummary } from './backends';

describe('resourcesSummary', () => {
  it('lists scalar settings and skips flags and empties', () => {
    expect(resourcesSummary({ resource: 'local.localhost', cores: 4, exit_on_error: false, project: '' })).toBe(
      'resource=local.localhost · cores=4',
    );
    expect(resourcesSummary({})).toBe('');
    expect(resourcesSummary(null)).toBe('');
  });
});
