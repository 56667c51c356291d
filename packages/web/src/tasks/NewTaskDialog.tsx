import { CreateTaskBodySchema, type CreateTaskBody, type Task } from '@taskvault/sdk';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useRef, useState, type FormEvent } from 'react';
import { ErrorAlert } from '../components/Alert.tsx';
import { Modal } from '../components/Modal.tsx';
import { dashboardKey } from '../dashboard/load-dashboard.ts';
import { errorMessage, fieldMessages, ok } from '../lib/api-error.ts';
import { unplacedMessages, useFocusFirstInvalid, validate, type FieldErrorMap } from '../lib/forms.ts';
import { useApi } from '../session/SessionProvider.tsx';
import { emptyTask, TaskFields, type TaskFormValues } from './TaskFields.tsx';
import { taskKeys } from './task-queries.ts';

const FIELDS = ['title', 'description', 'priority', 'dueDate'];

export function NewTaskDialog({
  onClose,
  onCreated,
}: {
  onClose: () => void;
  onCreated: (task: Task) => void;
}) {
  const api = useApi();
  const queryClient = useQueryClient();
  const form = useRef<HTMLFormElement>(null);
  const [values, setValues] = useState<TaskFormValues>(emptyTask);
  const [errors, setErrors] = useState<FieldErrorMap | null>(null);
  const mutation = useMutation({
    mutationFn: (body: CreateTaskBody) => ok(api.tasks.create({ body })),
    onSuccess: async (res) => {
      await Promise.all([
        queryClient.invalidateQueries({ queryKey: taskKeys.lists() }),
        queryClient.invalidateQueries({ queryKey: dashboardKey }),
      ]);
      onCreated(res.body.data);
    },
    onError: (e) => setErrors(fieldMessages(e)),
  });
  useFocusFirstInvalid(form, errors);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const checked = validate(CreateTaskBodySchema, {
      title: values.title,
      description: values.description,
      priority: values.priority,
      dueDate: values.dueDate || null,
    });
    if (!checked.ok) return setErrors(checked.errors);
    setErrors(null);
    mutation.mutate(checked.data);
  };

  const unplaced = unplacedMessages(errors, FIELDS);
  return (
    <Modal title="New task" onClose={onClose}>
      <form ref={form} onSubmit={submit} noValidate aria-busy={mutation.isPending}>
        {mutation.isError && Object.keys(errors ?? {}).length === 0 && (
          <ErrorAlert>{errorMessage(mutation.error)}</ErrorAlert>
        )}
        {unplaced.length > 0 && <ErrorAlert>{unplaced.join(' ')}</ErrorAlert>}
        <TaskFields values={values} onChange={setValues} errors={errors} autoFocusTitle />
        <div className="button-row">
          <button type="submit" className="button-primary" disabled={mutation.isPending}>
            Save
          </button>
          <button type="button" onClick={onClose}>
            Cancel
          </button>
        </div>
      </form>
    </Modal>
  );
}
