import { useState } from 'react';
import { useImportCampaign } from '../lib/queries';
import { teamsYouEdit, type SharedCampaign, type Team, type Visibility } from '../lib/sharing';
import { Modal, ModalActions, useModalSubmit } from './Modal';
import { FormError } from './FormError';

interface Props {
  teams: Team[];
  onClose: () => void;
  onImported: (campaign: SharedCampaign) => void;
}

/** Create a campaign from a JSON or YAML file exported here or with manage.py export_campaign. */
export function ImportDialog({ teams, onClose, onImported }: Props) {
  const [text, setText] = useState('');
  const [fileName, setFileName] = useState('');
  const [team, setTeam] = useState('');
  const targets = teamsYouEdit(teams);
  const importCampaign = useImportCampaign();
  const { busy, error, submit } = useModalSubmit(async () => {
    const visibility: Visibility = team ? 'team' : 'private';
    onImported(await importCampaign.mutateAsync({ document: text, visibility, team: team ? Number(team) : null }));
  });

  return (
    <Modal
      title="Import a campaign"
      testId="import-dialog"
      busy={busy}
      onClose={onClose}
      onSubmit={submit}
      wide
      footer={
        <ModalActions
          busy={busy}
          onCancel={onClose}
          label="Import"
          busyLabel="Importing…"
          testId="import-submit"
          disabled={!text.trim()}
        />
      }
    >
      <div className="field">
        <label className="field-label" htmlFor="import-file">
          File (.json, .yaml)
        </label>
        <input
          id="import-file"
          type="file"
          accept=".json,.yaml,.yml,application/json,application/yaml,text/yaml"
          onChange={async (e) => {
            const file = e.target.files?.[0];
            if (!file) return;
            setFileName(file.name);
            setText(await file.text());
          }}
        />
      </div>
      <div className="field">
        <label className="field-label" htmlFor="import-text">
          {fileName ? `Contents of ${fileName}` : 'Or paste it'}
        </label>
        <textarea
          id="import-text"
          name="document"
          rows={10}
          spellCheck={false}
          value={text}
          onChange={(e) => setText(e.target.value)}
        />
      </div>
      <div className="field">
        <label className="field-label" htmlFor="import-team">
          Where
        </label>
        <select id="import-team" value={team} onChange={(e) => setTeam(e.target.value)}>
          <option value="">My campaigns (private)</option>
          {targets.map((t) => (
            <option key={t.id} value={t.id}>
              Team {t.name}
            </option>
          ))}
        </select>
      </div>
      <FormError message={error} testId="import-error" />
    </Modal>
  );
}
