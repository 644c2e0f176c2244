import { useSearchParams } from 'react-router-dom';
import { useSetQueryParam } from '../hooks';
import { RUN_STATES, type Campaign } from '../lib/types';
import { clipped } from './Truncated';

export interface FilterOption {
  value: string;
  label: string;
  title?: string;
}

/**
 * A list filter kept in the query parameter `param`: "all" (no parameter) or one of `options`. With `unknownLabel`,
 * a value that is not among the options (a link to a campaign not on the first page, say) stays chosen and shown
 * under that label.
 */
export function FilterSelect({
  label,
  allLabel,
  param,
  options,
  testId,
  unknownLabel,
}: {
  label: string;
  allLabel: string;
  param: string;
  options: FilterOption[];
  testId: string;
  unknownLabel?: (value: string) => string;
}) {
  const [params] = useSearchParams();
  const setParam = useSetQueryParam();
  const value = params.get(param) ?? '';
  return (
    <label className="inline-field">
      <span>{label}</span>
      <select name={param} data-testid={testId} value={value} onChange={(e) => setParam(param, e.target.value)}>
        <option value="">{allLabel}</option>
        {unknownLabel && value && !options.some((o) => o.value === value) && (
          <option value={value}>{unknownLabel(value)}</option>
        )}
        {options.map((o) => (
          <option key={o.value} value={o.value} title={o.title}>
            {o.label}
          </option>
        ))}
      </select>
    </label>
  );
}

export const RUN_STATE_OPTIONS: FilterOption[] = RUN_STATES.map((s) => ({ value: s, label: s }));

/** Campaigns by id, their names clipped (the whole name in the tooltip). */
export function campaignOptions(campaigns: Pick<Campaign, 'id' | 'name'>[]): FilterOption[] {
  return campaigns.map((c) => ({ value: String(c.id), label: clipped(c.name), title: c.name }));
}
