import { CreateTaskBodySchema, type CreateTaskBody, type Task } from '@taskvault/sdk';
import { useQueryClient } from '@tanstack/react-query';
import { FormProblems } from '../components/FormProblems.tsx';
import { Modal } from '../components/Modal.tsx';
import { dashboardKey } from '../dashboard/load-dashboard.ts';
import { ok } from '../lib/api-error.ts';
import { useContractForm } from '../lib/use-contract-form.ts';
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
  const { form, field, mutation, submit, failed, unplaced } = useContractForm({
    initial: emptyTask,
    schema: CreateTaskBodySchema,
    mutationFn: (body: CreateTaskBody) => ok(api.tasks.create({ body })),
    onSuccess: async (res) => {
      await Promise.all([
        queryClient.invalidateQueries({ queryKey: taskKeys.lists() }),
        queryClient.invalidateQueries({ queryKey: dashboardKey }),
      ]);
      onCreated(res.body.data);
    },
  });
  const body = (values: TaskFormValues) => ({
    title: values.title,
    description: values.description,
    priority: values.priority,
    dueDate: values.dueDate || null,
  });

  return (
    <Modal title="New task" onClose={onClose}>
      <form ref={form} onSubmit={submit(body)} noValidate aria-busy={mutation.isPending}>
        <FormProblems failed={failed} error={mutation.error} unplaced={unplaced(FIELDS)} />
        <TaskFields field={field} autoFocusTitle />
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
