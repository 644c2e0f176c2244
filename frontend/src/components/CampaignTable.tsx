import type { ReactNode } from 'react';
import { Link } from 'react-router-dom';
import type { Campaign } from '../lib/types';
import { Truncated } from './Truncated';

export interface CampaignColumn {
  header: string;
  /** `num` right-aligns, `nowrap` keeps a date on one line. */
  className?: string;
  cell: (campaign: Campaign) => ReactNode;
}

interface Props {
  campaigns: Campaign[];
  testId: string;
  /** The row's `data-testid`. */
  rowTestId: (campaign: Campaign) => string;
  /** Where the name leads. */
  href: (campaign: Campaign) => string;
  nameTestId?: (campaign: Campaign) => string;
  /** Under the name: description, lineage, tags... */
  underName?: (campaign: Campaign) => ReactNode;
  columns: CampaignColumn[];
  actions: (campaign: Campaign) => ReactNode;
}

/** The campaigns of the Campaigns and Library pages: a name cut with an ellipsis (whole in its title), columns, actions. */
export function CampaignTable({ campaigns, testId, rowTestId, href, nameTestId, underName, columns, actions }: Props) {
  return (
    <div className="card table-card">
      <table className="table" data-testid={testId}>
        <thead>
          <tr>
            <th>Name</th>
            {columns.map((col) => (
              <th key={col.header} className={col.className?.includes('num') ? 'num' : undefined}>
                {col.header}
              </th>
            ))}
            <th aria-label="Actions" />
          </tr>
        </thead>
        <tbody>
          {campaigns.map((c) => (
            <tr key={c.id} data-testid={rowTestId(c)} data-name={c.name}>
              <td className="name-cell">
                <Link to={href(c)} className="strong" data-testid={nameTestId?.(c)}>
                  <Truncated text={c.name} />
                </Link>
                {underName?.(c)}
              </td>
              {columns.map((col) => (
                <td key={col.header} className={col.className}>
                  {col.cell(c)}
                </td>
              ))}
              <td className="actions">{actions(c)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
