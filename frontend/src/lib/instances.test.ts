import { describe, expect, it } from 'vitest';
import { instancesFromJson, instancesFromLines } from './instances';

const params = [
  { name: 'name', type: 'string' },
  { name: 'n', type: 'integer' },
];

describe('instances', () => {
  it('makes one run per line, typed, keeping the other values', () => {
    const r = instancesFromLines(params, { name: 'x', n: 1 }, 'name', 'Campaign A\n\n Campaign B \nCampaign C');
    expect(r.error).toBeNull();
    expect(r.instances).toEqual([
      { parameters: { name: 'Campaign A', n: 1 } },
      { parameters: { name: 'Campaign B', n: 1 } },
      { parameters: { name: 'Campaign C', n: 1 } },
    ]);
    expect(instancesFromLines(params, {}, 'n', '1\n2').instances.map((i) => i.parameters.n)).toEqual([1, 2]);
    expect(instancesFromLines(params, {}, 'n', '').error).toMatch(/one value per line/);
  });
  it('reads a JSON list of parameter sets', () => {
    expect(instancesFromJson({ n: 1 }, '[{"name": "A"}, {"parameters": {"name": "B", "n": 2}}]').instances).toEqual([
      { parameters: { n: 1, name: 'A' } },
      { parameters: { name: 'B', n: 2 } },
    ]);
    expect(instancesFromJson({}, '[1]').error).toMatch(/not an object/);
    expect(instancesFromJson({}, '{').error).toMatch(/Not valid JSON/);
    expect(instancesFromJson({}, '[]').error).toMatch(/non-empty/);
  });
});
