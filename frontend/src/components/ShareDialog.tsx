import { useState } from 'react';
import { useShareCampaign } from '../lib/queries';
import {
  mayEditIn,
  VISIBILITIES,
  VISIBILITY_HELP,
  type SharedCampaign,
  type Team,
  type Visibility,
} from '../lib/sharing';
import { Modal, ModalActions, useModalSubmit } from './Modal';
import { FormError } from './FormError';

interface Props {
  campaign: SharedCampaign;
  teams: Team[];
  onClose: () => void;
  onShared: (campaign: SharedCampaign) => void;
}

/** Who sees a campaign: only its owner, a team, or every signed-in user. */
export function ShareDialog({ campaign, teams, onClose, onShared }: Props) {
  const [visibility, setVisibility] = useState<Visibility>(campaign.visibility);
  const [team, setTeam] = useState(campaign.team ? String(campaign.team) : '');
  const choices = teams.filter((t) => mayEditIn(t) || t.id === campaign.team);
  const shareCampaign = useShareCampaign();
  const {
    busy,
    error,
    setError,
    submit: share,
  } = useModalSubmit(async () => {
    onShared(await shareCampaign.mutateAsync({ id: campaign.id, visibility, team: team ? Number(team) : null }));
  });

  const submit = () => {
    if (visibility === 'team' && !team) {
      setError('Choose the team to share with.');
      return;
    }
    void share();
  };

  return (
    <Modal
      title={`Share “${campaign.name}”`}
      testId="share-dialog"
      busy={busy}
      onClose={onClose}
      onSubmit={submit}
      footer={<ModalActions busy={busy} onCancel={onClose} label="Save" busyLabel="Saving…" testId="share-submit" />}
    >
      <fieldset className="radio-group">
        <legend className="field-label">Who sees it</legend>
        {VISIBILITIES.map((v) => (
          <label key={v} className="radio-label">
            <input
              type="radio"
              name="visibility"
              value={v}
              checked={visibility === v}
              onChange={() => setVisibility(v)}
              data-testid={`visibility-${v}`}
            />
            <span className="strong">{v}</span> <span className="muted">— {VISIBILITY_HELP[v]}</span>
          </label>
        ))}
      </fieldset>
      <div className="field">
        <label className="field-label" htmlFor="share-team">
          Team
        </label>
        <select id="share-team" name="team" value={team} onChange={(e) => setTeam(e.target.value)}>
          <option value="">No team</option>
          {choices.map((t) => (
            <option key={t.id} value={t.id}>
              {t.name}
            </option>
          ))}
        </select>
        <div className="field-help">
          The team’s members get the rights of their role; the team’s admins see this campaign’s audit trail.
        </div>
      </div>
      <FormError message={error} testId="share-error" />
    </Modal>
  );
}
