import { createContext, useContext, type ReactNode } from 'react';
import { useDebouncedSearch, type UpdateFilters } from '../lib/list-state.ts';
import { SelectField, TextField, type Option } from './fields.tsx';

/** The first choice of an optional filter: no filter. */
export const ANY: Option = { value: '', label: 'Any' };
export const orderOptions: Option[] = [
  { value: 'desc', label: 'Descending' },
  { value: 'asc', label: 'Ascending' },
];

/** The URL filters of the `FilterForm` a control stands in. */
const FiltersUpdate = createContext<UpdateFilters>(() => {
  throw new Error('A filter control stands outside a FilterForm.');
});

type FilterFormProps = {
  /** The search landmark's name ("Filter files"). */
  label: string;
  search: {
    label: string;
    hint: string;
    /** The search in the URL; the box shows what is typed until the typing pauses (`useDebouncedSearch`). */
    value: string;
  };
  /** Sets the URL filters, for the search box and every `FilterSelect` and `SortFields` inside. */
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
  const [text, setText] = useDebouncedSearch(search.value, (value) => update({ search: value || undefined }));
  return (
    <form
      className="filters card"
      role="search"
      aria-label={label}
      onSubmit={(e) => {
        e.preventDefault();
        update({ search: text || undefined });
      }}
    >
      <TextField
        label={search.label}
        type="search"
        name="search"
        value={text}
        onChange={(e) => setText(e.target.value)}
        hint={search.hint}
      />
      <FiltersUpdate value={update}>{children}</FiltersUpdate>
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
  /** The choice that leaves the parameter out of the URL: the default, or "Any" (''). */
  omit?: string;
};

/** A select bound to one URL parameter of a list's filters. */
export function FilterSelect({ label, name, options, value, omit = '' }: FilterSelectProps) {
  const update = useContext(FiltersUpdate);
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
}) {
  return (
    <>
      <FilterSelect
        label="Sort by"
        name="sort"
        options={props.options}
        value={props.sort}
        omit={props.defaultSort}
      />
      <FilterSelect label="Order" name="order" options={orderOptions} value={props.order} omit="desc" />
    </>
  );
}
