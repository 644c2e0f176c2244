import { describe, expect, it } from 'vitest';
import { argumentError, numberFromText } from './kwargs';

describe('argumentError', () => {
  it('names the argument, the type and the value as the server does', () => {
    expect(argumentError('seconds', 'abc', { type: 'number' })).toBe(`argument 'seconds' must be a number, got "abc"`);
    expect(argumentError('n', 1.5, { type: 'integer' })).toBe("argument 'n' must be an integer, got 1.5");
    expect(argumentError('n', 'x', { type: ['integer', 'null'] })).toBe(
      `argument 'n' must be an integer or null, got "x"`,
    );
    expect(argumentError('f', 1, { type: 'boolean' })).toBe("argument 'f' must be true or false, got 1");
    expect(argumentError('o', [1], { type: 'object' })).toBe("argument 'o' must be an object, got [1]");
    expect(argumentError('l', {}, { type: 'array' })).toBe("argument 'l' must be a list, got {}");
  });
  it('lets fitting values, placeholders and untyped arguments pass', () => {
    expect(argumentError('seconds', 0.5, { type: 'number' })).toBeNull();
    expect(argumentError('n', null, { type: ['integer', 'null'] })).toBeNull();
    expect(argumentError('seconds', '{{ params.delay }}', { type: 'number' })).toBeNull();
    expect(argumentError('x', 'anything', {})).toBeNull();
    expect(argumentError('seconds', undefined, { type: 'number' })).toBeNull();
  });
});

describe('numberFromText', () => {
  it('keeps a decimal being typed key by key', () => {
    expect(['0', '0.', '0.5'].map(numberFromText)).toEqual([0, 0, 0.5]);
  });
  it('keeps what is not a number as text, and blank as no value', () => {
    expect(numberFromText('abc')).toBe('abc');
    expect(numberFromText('  ')).toBeUndefined();
  });
});
