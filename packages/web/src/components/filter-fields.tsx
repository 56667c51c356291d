import type { ReactNode } from 'react';
import type { UpdateFilters } from '../lib/list-state.ts';
import { SelectField, TextField, type Option } from './fields.tsx';

/** The first choice of an optional filter: no filter. */
export const ANY: Option = { value: '', label: 'Any' };
export const orderOptions: Option[] = [
  { value: 'desc', label: 'Descending' },
  { value: 'asc', label: 'Ascending' },
];

type FilterFormProps = {
  /** The search landmark's name ("Filter files"). */
  label: string;
  search: {
    label: string;
    hint: string;
    /** What the box shows now (see `useDebouncedSearch`). */
    text: string;
    setText: (text: string) => void;
  };
  update: UpdateFilters;
  /** Whether any filter is set: the "Clear filters" button shows only then. */
  active: boolean;
  onClear: () => void;
  /** The other filters, after the search box. */
  children: ReactNode;
};

/**
 * A list's filters: a search box (committed at once by Enter, else when the typing pauses), the list's own
 * selects, and "Clear filters" while any is set.
 */
export function FilterForm({ label, search, update, active, onClear, children }: FilterFormProps) {
  return (
    <form
      className="filters card"
      role="search"
      aria-label={label}
      onSubmit={(e) => {
        e.preventDefault();
        update({ search: search.text || undefined });
      }}
    >
      <TextField
        label={search.label}
        type="search"
        name="search"
        value={search.text}
        onChange={(e) => search.setText(e.target.value)}
        hint={search.hint}
      />
      {children}
      {active && (
        <button type="button" className="button-quiet" onClick={onClear}>
          Clear filters
        </button>
      )}
    </form>
  );
}

type FilterSelectProps = {
  label: string;
  /** The URL parameter the select sets. */
  name: string;
  options: readonly Option[];
  value: string | undefined;
  update: UpdateFilters;
  /** The choice that leaves the parameter out of the URL: the default, or "Any" (''). */
  omit?: string;
};

/** A select bound to one URL parameter of a list's filters. */
export function FilterSelect({ label, name, options, value, update, omit = '' }: FilterSelectProps) {
  return (
    <SelectField
      label={label}
      name={name}
      options={options}
      value={value ?? ''}
      onChange={(e) => update({ [name]: e.target.value === omit ? undefined : e.target.value })}
    />
  );
}

/** "Sort by" and "Order" for a list whose default is `defaultSort`, newest (descending) first. */
export function SortFields(props: {
  options: readonly Option[];
  sort: string;
  defaultSort: string;
  order: string;
  update: UpdateFilters;
}) {
  return (
    <>
      <FilterSelect
        label="Sort by"
        name="sort"
        options={props.options}
        value={props.sort}
        omit={props.defaultSort}
        update={props.update}
      />
      <FilterSelect
        label="Order"
        name="order"
        options={orderOptions}
        value={props.order}
        omit="desc"
        update={props.update}
      />
    </>
  );
}
