import { type FileMeta, type UpdateTaskBody, UpdateTaskBodySchema } from '@taskvault/sdk';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useId, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { ErrorAlert, StatusMessage } from '../components/Alert.tsx';
import { Loading } from '../components/Loading.tsx';
import { ConfirmDeleteDialog, type DeleteConfirmation } from '../components/ConfirmDeleteDialog.tsx';
import { dashboardKey } from '../dashboard/load-dashboard.ts';
import { errorMessage, isTaskvaultError, ok } from '../lib/api-error.ts';
import { formatSize, formatDateTime } from '../lib/format.ts';
import { useContractForm } from '../lib/use-contract-form.ts';
import { useApi } from '../session/SessionProvider.tsx';
import { allowedStatuses, STATUS_LABELS } from '../tasks/task-labels.ts';
import { etagOf, taskKeys, taskQuery, type TaskSnapshot } from '../tasks/task-queries.ts';
import { TaskFields, toFormValues, type TaskFormValues } from '../tasks/TaskFields.tsx';

export const CONFLICT_MESSAGE = 'This task was changed elsewhere.';
const FIELDS = ['title', 'description', 'priority', 'dueDate', 'status'];

export function TaskPage() {
  const api = useApi();
  const { id = '' } = useParams();
  const task = useQuery({ ...taskQuery(api, id), refetchOnWindowFocus: false });

  if (task.isPending)
    return (
      <>
        <h1>Task</h1>
        <Loading label="Loading the task…" />
      </>
    );
  if (task.isError) {
    const missing =
      isTaskvaultError(task.error, 'NOT_FOUND') || isTaskvaultError(task.error, 'VALIDATION_FAILED');
    return (
      <>
        <title>Task not found · Taskvault</title>
        <h1>{missing ? 'Task not found' : 'Task'}</h1>
        <ErrorAlert>
          <p>
            {missing
              ? 'This task does not exist, or it is not yours.'
              : `Could not load the task: ${errorMessage(task.error)}`}
          </p>
          {!missing && (
            <button type="button" onClick={() => void task.refetch()}>
              Try again
            </button>
          )}
        </ErrorAlert>
        <p>
          <Link to="/tasks">Back to the task list</Link>
        </p>
      </>
    );
  }
  // The editor keeps its own copy: a background refetch never overwrites what the user is typing.
  return <TaskEditor key={id} initial={task.data} />;
}

/** The fields that differ from the task as last read: PATCH sends only what the user changed. */
function changes(values: TaskFormValues, base: TaskFormValues): Partial<TaskFormValues> {
  const diff: Partial<TaskFormValues> = {};
  for (const key of Object.keys(values) as (keyof TaskFormValues)[])
    if (values[key] !== base[key]) Object.assign(diff, { [key]: values[key] });
  return diff;
}

function TaskEditor({ initial }: { initial: TaskSnapshot }) {
  const api = useApi();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const titleField = useId();
  const [base, setBase] = useState(initial);
  const [notice, setNotice] = useState<string | null>(null);
  const [conflict, setConflict] = useState(false);
  const [confirmingDelete, setConfirmingDelete] = useState(false);

  const id = base.task.id;
  const invalidateLists = () =>
    Promise.all([
      queryClient.invalidateQueries({ queryKey: taskKeys.lists() }),
      queryClient.invalidateQueries({ queryKey: dashboardKey }),
    ]);

  const {
    form,
    values,
    setValues,
    field,
    setErrors,
    mutation: save,
    submit,
    hasFieldErrors,
    unplaced,
  } = useContractForm({
    initial: () => toFormValues(initial.task),
    schema: UpdateTaskBodySchema,
    mutationFn: (body: UpdateTaskBody) =>
      ok(api.tasks.update({ params: { id }, headers: { 'if-match': base.etag }, body })),
    onSuccess: async (res) => {
      const saved: TaskSnapshot = {
        task: { ...res.body.data, files: base.task.files },
        etag: etagOf(res.headers, res.body.data.version),
      };
      queryClient.setQueryData(taskKeys.detail(id), saved);
      setBase(saved);
      setValues(toFormValues(saved.task));
      setNotice('Saved.');
      await invalidateLists();
    },
    onError: (e) => {
      if (isTaskvaultError(e, 'PRECONDITION_FAILED')) setConflict(true);
    },
    onEdit: () => setNotice(null),
  });

  const remove = useMutation({
    mutationFn: () => ok(api.tasks.remove({ params: { id }, headers: { 'if-match': base.etag } })),
    onSuccess: async () => {
      queryClient.removeQueries({ queryKey: taskKeys.detail(id) });
      await invalidateLists();
      await navigate('/tasks', { state: { notice: `Task “${base.task.title}” deleted.` } });
    },
    onError: (e) => {
      setConfirmingDelete(false);
      if (isTaskvaultError(e, 'PRECONDITION_FAILED')) setConflict(true);
    },
  });

  const latest = useMutation({
    mutationFn: () => queryClient.fetchQuery({ ...taskQuery(api, id), staleTime: 0 }),
  });

  /** Reload: take the other version and drop the edits made here. */
  const reload = () =>
    latest.mutate(undefined, {
      onSuccess: (fresh) => {
        setBase(fresh);
        setValues(toFormValues(fresh.task));
        setConflict(false);
        save.reset();
        remove.reset();
        setErrors(null);
        setNotice('Loaded the latest version.');
        document.getElementById(titleField)?.focus();
      },
    });

  /**
   * Keep editing: the fields changed here keep their new values, on top of the other version; the fields
   * not touched here take the other version's values. Saving then sends only this page's changes.
   */
  const keepEditing = () => {
    const mine = changes(values, toFormValues(base.task));
    latest.mutate(undefined, {
      onSuccess: (fresh) => {
        const merged = { ...toFormValues(fresh.task), ...mine };
        if (!allowedStatuses(fresh.task.status).includes(merged.status)) merged.status = fresh.task.status;
        setBase(fresh);
        setValues(merged);
        setConflict(false);
        save.reset();
        remove.reset();
        setNotice('Your changes are kept, on top of the other version. Save to apply them.');
        document.getElementById(titleField)?.focus();
      },
    });
  };

  const body = (edited: TaskFormValues) => {
    setNotice(null);
    save.reset();
    const diff = changes(edited, toFormValues(base.task));
    if (Object.keys(diff).length === 0) return setNotice('Nothing to save: no field was changed.');
    return { ...diff, ...(diff.dueDate !== undefined && { dueDate: diff.dueDate || null }) };
  };

  const unplacedHere = unplaced(FIELDS);
  const saveFailed = save.isError && !conflict && !hasFieldErrors;
  const removeFailed = remove.isError && !isTaskvaultError(remove.error, 'PRECONDITION_FAILED');

  return (
    <>
      <title>{`${base.task.title} · Taskvault`}</title>
      <p className="breadcrumb">
        <Link to="/tasks">Back to the task list</Link>
      </p>
      <div className="page-header">
        <h1>{base.task.title}</h1>
        <span className={`badge badge-${base.task.status}`}>{STATUS_LABELS[base.task.status]}</span>
      </div>

      {conflict && (
        <div className="conflict">
          <div role="alert" className="alert alert-error">
            {CONFLICT_MESSAGE}
          </div>
          <p>
            Reload to see the other version (your changes here are dropped), or keep editing: your changes
            stay and apply on top of it when you save.
          </p>
          <div className="button-row">
            <button type="button" onClick={reload} disabled={latest.isPending}>
              Reload
            </button>
            <button type="button" onClick={keepEditing} disabled={latest.isPending}>
              Keep editing
            </button>
          </div>
          {latest.isError && <ErrorAlert>Could not load the task: {errorMessage(latest.error)}</ErrorAlert>}
        </div>
      )}
      {notice && <StatusMessage>{notice}</StatusMessage>}
      {saveFailed && <ErrorAlert>{errorMessage(save.error)}</ErrorAlert>}
      {removeFailed && <ErrorAlert>Could not delete the task: {errorMessage(remove.error)}</ErrorAlert>}
      {unplacedHere.length > 0 && <ErrorAlert>{unplacedHere.join(' ')}</ErrorAlert>}

      <form ref={form} className="card" onSubmit={submit(body)} noValidate aria-busy={save.isPending}>
        <TaskFields field={field} statuses={allowedStatuses(base.task.status)} titleId={titleField} />
        <div className="button-row">
          <button type="submit" className="button-primary" disabled={save.isPending}>
            Save
          </button>
          <button type="button" className="button-danger" onClick={() => setConfirmingDelete(true)}>
            Delete
          </button>
        </div>
        <p className="meta">
          Created {formatDateTime(base.task.createdAt)} · updated {formatDateTime(base.task.updatedAt)}
          {base.task.completedAt && ` · completed ${formatDateTime(base.task.completedAt)}`}
        </p>
      </form>

      <AttachedFiles files={base.task.files} />

      {confirmingDelete && (
        <DeleteDialog
          title={base.task.title}
          fileCount={base.task.files.length}
          pending={remove.isPending}
          onConfirm={() => remove.mutate()}
          onCancel={() => setConfirmingDelete(false)}
        />
      )}
    </>
  );
}

function DeleteDialog({
  title,
  fileCount,
  ...confirmation
}: DeleteConfirmation & { title: string; fileCount: number }) {
  return (
    <ConfirmDeleteDialog title="Delete this task?" {...confirmation}>
      “{title}” will be deleted for good.
      {fileCount > 0 &&
        ` Its ${fileCount === 1 ? 'attached file is' : `${fileCount} attached files are`} kept, no longer attached.`}
    </ConfirmDeleteDialog>
  );
}

function AttachedFiles({ files }: { files: FileMeta[] }) {
  const api = useApi();
  const download = useMutation({
    mutationFn: (fileId: string) => ok(api.files.downloadLink({ params: { id: fileId } })),
    onSuccess: (res) => window.location.assign(res.body.data.url),
  });
  return (
    <section className="card" aria-labelledby="attached-files">
      <h2 id="attached-files">Attached files</h2>
      {download.isError && (
        <ErrorAlert>Could not download the file: {errorMessage(download.error)}</ErrorAlert>
      )}
      {files.length === 0 ? (
        <p>No files are attached to this task.</p>
      ) : (
        <ul className="plain-list">
          {files.map((f) => (
            <li key={f.id} className="file-row">
              <span className="file-name">{f.name}</span>
              <span className="meta">
                {f.type.toUpperCase()} · {formatSize(f.size)} · {formatDateTime(f.createdAt)}
              </span>
              <button
                type="button"
                className="button-quiet"
                aria-label={`Download ${f.name}`}
                onClick={() => download.mutate(f.id)}
                disabled={download.isPending}
              >
                Download
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
