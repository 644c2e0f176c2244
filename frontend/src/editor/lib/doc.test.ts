import { describe, expect, it } from 'vitest';
import type { Campaign } from '../../lib/types';
import { docFromCampaign, docToApiBody, exportFile, importFile } from './doc';

describe('graph ↔ API JSON', () => {
  const campaign: Campaign = {
    id: 3,
    name: 'Seed',
    description: 'd',
    version: 4,
    owner: 'alice',
    created_at: '2024-05-01T12:00:00.000000Z',
    updated_at: '2024-05-01T12:00:00.000000Z',
    team: null,
    team_name: null,
    visibility: 'private',
    tags: [],
    forked_from: null,
    last_used_at: null,
    layout: { positions: {}, notes: [] },
    layout_revision: 0,
    executables: { allowed: true, reason: null },
    denials: { launch: null, edit: null, fork: null },
    permissions: { launch: true, edit: true, manage: true, fork: true, run_executables: true },
    parameters: [{ name: 'name', type: 'string', default: 'A', description: 'who', required: false }],
    graph: {
      steps: [
        {
          id: 's1',
          name: 'Step 1',
          kind: 'function',
          function: 'sleep',
          kwargs: { seconds: 0.5 },
          backend: 'thread',
          retries: 0,
          retry_delay_s: 0,
          timeout_s: null,
          position: { x: 0, y: 0 },
          block: 'b',
        },
        {
          id: 's2',
          name: 'Step 2',
          kind: 'executable',
          argv: ['echo', '{{ params.name }}'],
          env: { A: '1' },
          cwd: null,
          backend: 'thread',
          retries: 2,
          retry_delay_s: 1,
          timeout_s: 30,
          resources: { cores: 2, walltime: '00:10' },
          position: { x: 260, y: 0 },
        },
      ],
      edges: [{ source: 's1', target: 's2' }],
      blocks: [{ id: 'b', name: 'Prep', parent: null }],
    },
  };
  it('round-trips a campaign through the editor unchanged', () => {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the test reads the request body as the server would, field by field
    const body = docToApiBody(docFromCampaign(campaign), campaign.version) as Record<string, any>;
    expect(body.base_version).toBe(4);
    expect(body.graph.edges).toEqual(campaign.graph.edges);
    expect(body.graph.blocks).toEqual(campaign.graph.blocks);
    // Every field goes out as it came in, but the unset ones (null): the server reads them as missing.
    const { timeout_s: _unsetTimeout, ...s1 } = campaign.graph.steps[0];
    const { cwd: _unsetCwd, ...s2 } = campaign.graph.steps[1];
    expect(body.graph.steps).toEqual([s1, s2]);
    expect(body.parameters).toEqual([{ name: 'name', type: 'string', default: 'A', description: 'who' }]);
    // And the server's answer reads back into the same document.
    const again = docFromCampaign({ ...campaign, graph: body.graph, parameters: body.parameters });
    expect(docToApiBody(again, 4)).toEqual(body);
  });
  it('exports and imports a file', () => {
    const doc = docFromCampaign(campaign);
    const back = importFile(exportFile(doc));
    expect(docToApiBody(back, null)).toEqual(docToApiBody(doc, null));
    expect(() => importFile('nope')).toThrow(/not JSON/);
    expect(() => importFile('{"name": "x"}')).toThrow(/no graph/);
  });
  it('drops fields of the other kind of step', () => {
    const doc = docFromCampaign({
      graph: { steps: [{ id: 'x', name: 'x', kind: 'function', function: 'noop', argv: ['a'] }], edges: [] },
    });
    expect(docToApiBody(doc, null).graph).toEqual({
      steps: [{ id: 'x', name: 'x', kind: 'function', function: 'noop' }],
      edges: [],
    });
  });
});
