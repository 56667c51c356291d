import {
  useId,
  type InputHTMLAttributes,
  type ReactNode,
  type SelectHTMLAttributes,
  type TextareaHTMLAttributes,
} from 'react';

type Described = {
  label: string;
  /** The server's (or the form's) message for this field; marks it invalid. */
  error?: string | undefined;
  /** A short explanation kept under the field. */
  hint?: ReactNode;
};

/** Ids and ARIA attributes that tie a control to its label, its hint and its error. */
function useDescribed({ error, hint }: Described, id: string | undefined) {
  const autoId = useId();
  const controlId = id ?? autoId;
  const hintId = hint ? `${controlId}-hint` : undefined;
  const errorId = error ? `${controlId}-error` : undefined;
  const describedBy = [hintId, errorId].filter(Boolean).join(' ') || undefined;
  return {
    controlId,
    control: {
      id: controlId,
      'aria-invalid': error ? true : undefined,
      'aria-describedby': describedBy,
    },
    after: (
      <>
        {hint && (
          <p id={hintId} className="hint">
            {hint}
          </p>
        )}
        {error && (
          <p id={errorId} className="field-error">
            {error}
          </p>
        )}
      </>
    ),
  };
}

export function TextField({
  label,
  error,
  hint,
  id,
  ...input
}: Described & Omit<InputHTMLAttributes<HTMLInputElement>, 'children'>) {
  const d = useDescribed({ label, error, hint }, id);
  return (
    <div className="field">
      <label htmlFor={d.controlId}>{label}</label>
      <input {...input} {...d.control} />
      {d.after}
    </div>
  );
}

export function TextAreaField({
  label,
  error,
  hint,
  id,
  ...textarea
}: Described & TextareaHTMLAttributes<HTMLTextAreaElement>) {
  const d = useDescribed({ label, error, hint }, id);
  return (
    <div className="field">
      <label htmlFor={d.controlId}>{label}</label>
      <textarea {...textarea} {...d.control} />
      {d.after}
    </div>
  );
}

export type Option = { value: string; label: string };

export function SelectField({
  label,
  error,
  hint,
  id,
  options,
  ...select
}: Described & { options: readonly Option[] } & Omit<SelectHTMLAttributes<HTMLSelectElement>, 'children'>) {
  const d = useDescribed({ label, error, hint }, id);
  return (
    <div className="field">
      <label htmlFor={d.controlId}>{label}</label>
      <select {...select} {...d.control}>
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
      {d.after}
    </div>
  );
}

export function CheckboxField({
  label,
  id,
  ...input
}: { label: string } & Omit<InputHTMLAttributes<HTMLInputElement>, 'type' | 'children'>) {
  const autoId = useId();
  const controlId = id ?? autoId;
  return (
    <div className="field field-checkbox">
      <input type="checkbox" {...input} id={controlId} />
      <label htmlFor={controlId}>{label}</label>
    </div>
  );
}
