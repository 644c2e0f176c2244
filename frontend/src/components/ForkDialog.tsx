import { useState } from 'react';
import { useExecutableRight } from '../auth';
import { executablesBlock } from '../lib/capabilities';
import { useForkCampaign } from '../lib/queries';
import { teamsYouEdit, type SharedCampaign, type Team } from '../lib/sharing';
import { Modal, ModalActions, useModalSubmit } from './Modal';
import { FormError } from './FormError';

interface Props {
  campaign: SharedCampaign;
  teams: Team[];
  onClose: () => void;
  onForked: (fork: SharedCampaign) => void;
}

/** Copy a campaign into your space or one of your teams (where you are editor or admin). */
export function ForkDialog({ campaign, teams, onClose, onForked }: Props) {
  const [name, setName] = useState(`${campaign.name} (fork)`);
  const [team, setTeam] = useState('');
  const targets = teamsYouEdit(teams);
  const blocked = executablesBlock(useExecutableRight(team ? Number(team) : null), campaign.graph, 'fork');
  const fork = useForkCampaign();
  const { busy, error, submit } = useModalSubmit(async () => {
    onForked(await fork.mutateAsync({ id: campaign.id, name: name.trim(), team: team ? Number(team) : null }));
  });

  return (
    <Modal
      title={`Fork “${campaign.name}”`}
      testId="fork-dialog"
      busy={busy}
      onClose={onClose}
      onSubmit={submit}
      footer={
        <ModalActions
          busy={busy}
          onCancel={onClose}
          label="Fork"
          busyLabel="Forking…"
          testId="fork-submit"
          disabled={!name.trim() || !!blocked}
        />
      }
    >
      <p className="muted">
        A copy of version {campaign.version}. The copy remembers where it came from; changes to either stay separate.
      </p>
      <div className="field">
        <label className="field-label" htmlFor="fork-name">
          Name
        </label>
        <input id="fork-name" name="name" type="text" value={name} onChange={(e) => setName(e.target.value)} />
      </div>
      <div className="field">
        <label className="field-label" htmlFor="fork-team">
          Where
        </label>
        <select id="fork-team" name="team" value={team} onChange={(e) => setTeam(e.target.value)}>
          <option value="">My campaigns (private)</option>
          {targets.map((t) => (
            <option key={t.id} value={t.id}>
              Team {t.name} (shared with the team)
            </option>
          ))}
        </select>
      </div>
      <FormError message={blocked} testId="fork-blocked" role="status" />
      <FormError message={error} testId="fork-error" />
    </Modal>
  );
}
