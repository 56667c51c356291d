import type { TaskPriority, TaskStatus } from '@taskvault/sdk';
import { SelectField, TextAreaField, TextField } from '../components/fields.tsx';
import type { FieldProps } from '../lib/use-contract-form.ts';
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
  /** The form's binding of each field (`useContractForm`'s `field`). */
  field: FieldProps<TaskFormValues>;
  /** The statuses to offer; no Status field when absent (a new task starts as pending). */
  statuses?: readonly TaskStatus[];
  /** Focus the title when the form opens (a dialog). */
  autoFocusTitle?: boolean;
  /** An id for the title field, to move focus there. */
  titleId?: string;
};

/** The task's fields, shared by the new-task dialog and the task page. */
export function TaskFields({ field, statuses, autoFocusTitle, titleId }: Props) {
  return (
    <>
      <TextField
        id={titleId}
        label="Title"
        required
        maxLength={200}
        {...field('title')}
        data-autofocus={autoFocusTitle ? true : undefined}
      />
      <TextAreaField label="Description" rows={4} maxLength={5000} {...field('description')} />
      <div className="field-row">
        {statuses && (
          <SelectField
            label="Status"
            options={statuses.map((s) => ({ value: s, label: STATUS_LABELS[s] }))}
            {...field('status')}
          />
        )}
        <SelectField label="Priority" options={priorityOptions} {...field('priority')} />
        <TextField label="Due date" type="date" {...field('dueDate')} />
      </div>
    </>
  );
}
