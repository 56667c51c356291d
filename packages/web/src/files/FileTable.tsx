import type { FileMeta } from '@taskvault/sdk';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useId } from 'react';
import { Link } from 'react-router';
import { ConfirmDeleteDialog, type DeleteConfirmation } from '../components/ConfirmDeleteDialog.tsx';
import { DataTable, type RowEvents } from '../components/DataTable.tsx';
import { ok } from '../lib/api-error.ts';
import { formatDateTime, formatSize } from '../lib/format.ts';
import { useApi } from '../session/SessionProvider.tsx';
import { invalidateAfterFileChange, type TaskChoice } from './file-queries.ts';
import { problemText } from '../lib/problem-text.ts';

/** Starts the browser's own download of a signed link (no page navigation, so no "leave this page?"). */
function startDownload(url: string) {
  const a = document.createElement('a');
  a.href = url;
  a.download = '';
  a.rel = 'noopener';
  document.body.append(a);
  a.click();
  a.remove();
}

type TableProps = RowEvents<FileMeta> & {
  id: string;
  caption: string;
  files: readonly FileMeta[];
  tasks: readonly TaskChoice[] | undefined;
  busy: boolean;
};

/** The files of one page: a table on wide screens, one card per file on phones. */
export function FileTable({ id, caption, files, tasks, busy, ...events }: TableProps) {
  const titles = new Map((tasks ?? []).map((t) => [t.id, t.title]));
  return (
    <DataTable
      id={id}
      caption={caption}
      columns={['Name', 'Type', 'Size', 'Uploaded', 'Task']}
      actions
      busy={busy}
      scroll
      className="file-table"
    >
      {files.map((file) => (
        <FileRow key={file.id} file={file} tasks={tasks} titles={titles} {...events} />
      ))}
    </DataTable>
  );
}

function FileRow({
  file,
  tasks,
  titles,
  onProblem,
  onNotice,
  onDelete,
}: RowEvents<FileMeta> & {
  file: FileMeta;
  tasks: readonly TaskChoice[] | undefined;
  titles: ReadonlyMap<string, string>;
}) {
  const api = useApi();
  const queryClient = useQueryClient();
  const selectId = useId();

  const attach = useMutation({
    mutationFn: (taskId: string | null) =>
      ok(api.files.update({ params: { id: file.id }, body: { taskId } })),
    onSuccess: async (res) => {
      const taskId = res.body.data.taskId;
      onNotice(
        taskId
          ? `“${file.name}” is attached to “${titles.get(taskId) ?? 'the task'}”.`
          : `“${file.name}” is no longer attached to a task.`,
      );
      await invalidateAfterFileChange(queryClient);
    },
    onError: (e) => onProblem(`Could not change the task of “${file.name}”: ${problemText(e)}`),
  });

  const download = useMutation({
    mutationFn: () => ok(api.files.downloadLink({ params: { id: file.id } })),
    onSuccess: (res) => startDownload(res.body.data.url),
    onError: (e) => onProblem(`Could not download “${file.name}”: ${problemText(e)}`),
  });

  const current = attach.isPending ? (attach.variables ?? '') : (file.taskId ?? '');
  const options = [
    { value: '', label: 'None' },
    ...(tasks ?? []).map((t) => ({ value: t.id, label: t.title })),
  ];
  // Attached to a task the choices do not hold (still loading, or past the first thousand).
  if (file.taskId && !titles.has(file.taskId)) options.push({ value: file.taskId, label: 'Attached task' });

  return (
    <tr>
      <th scope="row" data-label="Name">
        <span className="file-name">{file.name}</span>
        {file.description && <span className="file-description">{file.description}</span>}
      </th>
      <td data-label="Type">{file.type.toUpperCase()}</td>
      <td data-label="Size">{formatSize(file.size)}</td>
      <td data-label="Uploaded">{formatDateTime(file.createdAt)}</td>
      <td data-label="Task" className="file-task">
        <label htmlFor={selectId} className="visually-hidden">
          Task for {file.name}
        </label>
        <select
          id={selectId}
          className="inline-select"
          value={current}
          disabled={attach.isPending}
          onChange={(e) => attach.mutate(e.target.value || null)}
        >
          {options.map((o) => (
            <option key={o.value} value={o.value}>
              {o.label}
            </option>
          ))}
        </select>
        {file.taskId && (
          <Link
            to={`/tasks/${file.taskId}`}
            className="file-task-link"
            aria-label={`Open task ${titles.get(file.taskId) ?? `of ${file.name}`}`}
          >
            Open task
          </Link>
        )}
      </td>
      <td className="row-actions">
        <button
          type="button"
          aria-label={`Download ${file.name}`}
          disabled={download.isPending}
          onClick={() => download.mutate()}
        >
          Download
        </button>
        <button
          type="button"
          className="button-danger-quiet"
          aria-label={`Delete ${file.name}`}
          onClick={() => onDelete(file)}
        >
          Delete
        </button>
      </td>
    </tr>
  );
}

export function DeleteFileDialog({ file, ...confirmation }: DeleteConfirmation & { file: FileMeta }) {
  return (
    <ConfirmDeleteDialog title="Delete this file?" {...confirmation}>
      “{file.name}” ({formatSize(file.size)}) will be deleted for good, and its download links will stop
      working.
    </ConfirmDeleteDialog>
  );
}
