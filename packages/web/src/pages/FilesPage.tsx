import { FILE_SORT_FIELDS, FILE_TYPE_NAMES, type FileMeta, type FileType } from '@taskvault/sdk';
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useId, useState } from 'react';
import { ErrorAlert, StatusMessage } from '../components/Alert.tsx';
import { type Option } from '../components/fields.tsx';
import { ANY, FilterForm, FilterSelect, SortFields } from '../components/filter-fields.tsx';
import { Pager } from '../components/Pager.tsx';
import { QueryStatus } from '../components/QueryStatus.tsx';
import { errorMessage, ok } from '../lib/api-error.ts';
import { oneOf, ORDERS, useCursorPages, useDebouncedSearch, useUrlFilters } from '../lib/list-state.ts';
import { problemText } from '../lib/problem-text.ts';
import { useNotices } from '../lib/use-notices.ts';
import { useApi } from '../session/SessionProvider.tsx';
import {
  FILE_PAGE_SIZE,
  fileListQuery,
  invalidateAfterFileChange,
  taskChoicesQuery,
  type FileListFilters,
} from '../files/file-queries.ts';
import { DeleteFileDialog, FileTable } from '../files/FileTable.tsx';
import { UploadPanel } from '../files/UploadPanel.tsx';

type SortField = (typeof FILE_SORT_FIELDS)[number];

const SORT_LABELS = { createdAt: 'Uploaded', name: 'Name', size: 'Size' } as const satisfies Record<
  SortField,
  string
>;
const sortOptions: Option[] = FILE_SORT_FIELDS.map((f) => ({ value: f, label: SORT_LABELS[f] }));
const typeOptions: Option[] = [ANY, ...FILE_TYPE_NAMES.map((t) => ({ value: t, label: t.toUpperCase() }))];
const FILTER_KEYS = ['search', 'type', 'task', 'sort', 'order'] as const;
const isUuid = (v: string | null): v is string => !!v && /^[0-9a-f-]{36}$/i.test(v);

export function FilesPage() {
  const api = useApi();
  const queryClient = useQueryClient();
  const tableId = useId();
  const { params, update, clear } = useUrlFilters();
  const taskParam = params.get('task');
  const filters: FileListFilters = {
    search: params.get('search')?.trim() || undefined,
    type: oneOf<FileType>(FILE_TYPE_NAMES, params.get('type')),
    taskId: isUuid(taskParam) ? taskParam : undefined,
    sort: oneOf<SortField>(FILE_SORT_FIELDS, params.get('sort')) ?? 'createdAt',
    order: oneOf(ORDERS, params.get('order')) ?? 'desc',
  };
  const active = Boolean(filters.search || filters.type || filters.taskId);
  const [searchText, setSearchText] = useDebouncedSearch(params.get('search') ?? '', (search) =>
    update({ search: search || undefined }),
  );

  const { notice, problem, say, complain } = useNotices();
  const [deleting, setDeleting] = useState<FileMeta | null>(null);

  const tasks = useQuery(taskChoicesQuery(api));
  const pages = useCursorPages(JSON.stringify(filters));
  const list = useQuery({ ...fileListQuery(api, filters, pages.cursor), placeholderData: keepPreviousData });
  const data = list.data;

  const remove = useMutation({
    mutationFn: (file: FileMeta) => ok(api.files.remove({ params: { id: file.id } })),
    onSuccess: async (_res, file) => {
      setDeleting(null);
      say(`File “${file.name}” deleted.`);
      await invalidateAfterFileChange(queryClient);
    },
    onError: (e, file) => {
      setDeleting(null);
      complain(`Could not delete “${file.name}”: ${problemText(e)}`);
    },
  });

  const taskFilterOptions: Option[] = [
    ANY,
    ...(tasks.data ?? []).map((t) => ({ value: t.id, label: t.title })),
  ];
  if (filters.taskId && !tasks.data?.some((t) => t.id === filters.taskId))
    taskFilterOptions.push({ value: filters.taskId, label: 'The chosen task' });

  return (
    <>
      <title>Files · Taskvault</title>
      <div className="page-header">
        <h1>Files</h1>
        <p className="lead">Upload files, attach them to your tasks, and download them with a link.</p>
      </div>

      <UploadPanel tasks={tasks.data} />

      <section aria-labelledby="your-files">
        <h2 id="your-files">Your files</h2>
        {notice && <StatusMessage>{notice}</StatusMessage>}
        {problem && <ErrorAlert>{problem}</ErrorAlert>}
        {tasks.isError && (
          <ErrorAlert>Could not load your tasks to attach files to: {errorMessage(tasks.error)}</ErrorAlert>
        )}

        <FilterForm
          label="Filter files"
          search={{
            label: 'Search files',
            hint: 'Part of the name.',
            text: searchText,
            setText: setSearchText,
          }}
          update={update}
          active={active}
          onClear={() => clear(FILTER_KEYS)}
        >
          <FilterSelect label="Type" name="type" options={typeOptions} value={filters.type} update={update} />
          <FilterSelect
            label="Attached to"
            name="task"
            options={taskFilterOptions}
            value={filters.taskId}
            update={update}
          />
          <SortFields
            options={sortOptions}
            sort={filters.sort}
            defaultSort="createdAt"
            order={filters.order}
            update={update}
          />
        </FilterForm>

        <QueryStatus query={list} loading="Loading files…" failure="Could not load the files" />

        {data && data.items.length === 0 && (
          <div className="card empty">
            {active || pages.canGoBack ? (
              <p>No file matches these filters.</p>
            ) : (
              <p>No files yet. Upload one above.</p>
            )}
          </div>
        )}

        {data && data.items.length > 0 && (
          <FileTable
            id={tableId}
            caption={`Your files, page ${pages.pageNumber}`}
            files={data.items}
            tasks={tasks.data}
            busy={list.isPlaceholderData}
            onNotice={say}
            onProblem={complain}
            onDelete={(file) => {
              remove.reset();
              setDeleting(file);
            }}
          />
        )}

        <Pager
          label="Pages of files"
          controls={tableId}
          pageSize={FILE_PAGE_SIZE}
          pages={pages}
          list={list}
        />
      </section>

      {deleting && (
        <DeleteFileDialog
          file={deleting}
          pending={remove.isPending}
          onConfirm={() => remove.mutate(deleting)}
          onCancel={() => setDeleting(null)}
        />
      )}
    </>
  );
}
