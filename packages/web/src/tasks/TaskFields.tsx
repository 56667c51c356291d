import type { TaskPriority, TaskStatus } from '@taskvault/sdk';
import { SelectField, TextAreaField, TextField } from '../components/fields.tsx';
import type { FieldErrorMap } from '../lib/forms.ts';
import { priorityOptions, STATUS_LABELS } from './task-labels.ts';

export type TaskFormValues = {
  title: string;
  description: string;
  priority: TaskPriority;
  /** `YYYY-MM-DD`, or empty for none. */
  dueDate: string;
  status: TaskStatus;
};

export const emptyTask: TaskFormValues = {
  title: '',
  description: '',
  priority: 'medium',
  dueDate: '',
  status: 'pending',
};

export const toFormValues = (task: {
  title: string;
  description: string;
  priority: TaskPriority;
  dueDate: string | null;
  status: TaskStatus;
}): TaskFormValues => ({
  title: task.title,
  description: task.description,
  priority: task.priority,
  dueDate: task.dueDate ?? '',
  status: task.status,
});

type Props = {
  values: TaskFormValues;
  onChange: (values: TaskFormValues) => void;
  errors: FieldErrorMap | null;
  /** The statuses to offer; no Status field when absent (a new task starts as pending). */
  statuses?: readonly TaskStatus[];
  /** Focus the title when the form opens (a dialog). */
  autoFocusTitle?: boolean;
  /** An id for the title field, to move focus there. */
  titleId?: string;
};

/** The task's fields, shared by the new-task dialog and the task page. */
export function TaskFields({ values, onChange, errors, statuses, autoFocusTitle, titleId }: Props) {
  const set = <K extends keyof TaskFormValues>(key: K, value: TaskFormValues[K]) =>
    onChange({ ...values, [key]: value });
  return (
    <>
      <TextField
        id={titleId}
        label="Title"
        name="title"
        required
        maxLength={200}
        value={values.title}
        onChange={(e) => set('title', e.target.value)}
        error={errors?.title}
        data-autofocus={autoFocusTitle ? true : undefined}
      />
      <TextAreaField
        label="Description"
        name="description"
        rows={4}
        maxLength={5000}
        value={values.description}
        onChange={(e) => set('description', e.target.value)}
        error={errors?.description}
      />
      <div className="field-row">
        {statuses && (
          <SelectField
            label="Status"
            name="status"
            options={statuses.map((s) => ({ value: s, label: STATUS_LABELS[s] }))}
            value={values.status}
            onChange={(e) => set('status', e.target.value as TaskStatus)}
            error={errors?.status}
          />
        )}
        <SelectField
          label="Priority"
          name="priority"
          options={priorityOptions}
          value={values.priority}
          onChange={(e) => set('priority', e.target.value as TaskPriority)}
          error={errors?.priority}
        />
        <TextField
          label="Due date"
          name="dueDate"
          type="date"
          value={values.dueDate}
          onChange={(e) => set('dueDate', e.target.value)}
          error={errors?.dueDate}
        />
      </div>
    </>
  );
}
