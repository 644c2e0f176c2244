import { describe, expect, it } from 'vitest';
import { coerceValues, initialValues, normalizeType, serverErrors } from './params';
import { campaign } from '../test/fixtures';

describe('launch form values', () => {
  it('prefills inputs from defaults', () => {
    expect(initialValues(campaign.parameters)).toEqual({ label: 'hello', count: '3', scale: '0.5', verbose: true });
    expect(
      initialValues([
        { name: 'x', type: 'integer', default: null },
        { name: 'b', type: 'boolean' },
      ]),
    ).toEqual({
      x: '',
      b: false,
    });
  });

  it('coerces back to typed JSON', () => {
    const r = coerceValues(campaign.parameters, { label: ' hi ', count: '12', scale: '2.5e1', verbose: false });
    expect(r).toEqual({ values: { label: ' hi ', count: 12, scale: 25, verbose: false }, errors: {} });
  });

  it('round-trips the defaults', () => {
    const r = coerceValues(campaign.parameters, initialValues(campaign.parameters)).values;
    expect(r).toEqual({ label: 'hello', count: 3, scale: 0.5, verbose: true });
  });

  it('leaves invalid and blank numbers for the server to judge', () => {
    const r = coerceValues(campaign.parameters, { label: '', count: '1.5', scale: 'abc', verbose: true });
    expect(r).toEqual({ values: { label: '', count: '1.5', scale: 'abc', verbose: true }, errors: {} });
    const blank = coerceValues(campaign.parameters, { label: '', count: ' ', scale: '', verbose: true });
    expect(blank.values).toEqual({ label: '', verbose: true });
    expect(coerceValues(campaign.parameters, { count: '-4', scale: '-0.25' }).values).toEqual({
      label: '',
      count: -4,
      scale: -0.25,
      verbose: false,
    });
  });

  it('handles choice and json parameters', () => {
    const params = [
      { name: 'mode', type: 'choice', choices: ['fast', 'slow', 3], default: 'slow' },
      { name: 'level', type: 'choice', choices: [1, 2, 3], default: 2 },
      { name: 'extra', type: 'json', default: { a: [1, 2] } },
      { name: 'none', type: 'json', default: null },
    ];
    const form = initialValues(params);
    expect(form).toEqual({ mode: '"slow"', level: '2', extra: '{"a":[1,2]}', none: '' });
    expect(coerceValues(params, form)).toEqual({
      values: { mode: 'slow', level: 2, extra: { a: [1, 2] } },
      errors: {},
    });
    expect(coerceValues(params, { ...form, level: '3', extra: '{oops' })).toEqual({
      values: { mode: 'slow', level: 3 },
      errors: { extra: 'Enter valid JSON.' },
    });
  });

  it('normalizes type aliases', () => {
    expect(['int', 'float', 'bool', 'str', undefined].map(normalizeType)).toEqual([
      'integer',
      'number',
      'boolean',
      'string',
      'string',
    ]);
  });
});

describe('serverErrors', () => {
  const names = ['label', 'count'];
  it('places parameter errors next to their field', () => {
    expect(serverErrors({ parameters: { count: ['Must be >= 1.', 'Too small.'] } }, names)).toEqual({
      fields: { count: 'Must be >= 1. Too small.' },
      message: '',
    });
  });
  it('puts unknown names and detail in the general message', () => {
    expect(serverErrors({ parameters: { bogus: ['Unknown parameter.'] }, detail: 'Bad.' }, names)).toEqual({
      fields: {},
      message: 'bogus: Unknown parameter. Bad.',
    });
    expect(serverErrors({ detail: 'Campaign has no steps.' }, names)).toEqual({
      fields: {},
      message: 'Campaign has no steps.',
    });
    expect(serverErrors({ parameters: ['Expected an object.'] }, names).message).toBe('Expected an object.');
    expect(serverErrors('oops', names).message).toBe('oops');
    expect(serverErrors(null, names).message).toBe('Request failed (HTTP 400)');
  });
});
