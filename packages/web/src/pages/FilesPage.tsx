import { FILE_SORT_FIELDS, FILE_TYPE_NAMES, type FileMeta, type FileType } from '@taskvault/sdk';
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useId, useState } from 'react';
import { ErrorAlert, StatusMessage } from '../components/Alert.tsx';
import { SelectField, TextField, type Option } from '../components/fields.tsx';
import { Loading } from '../components/Loading.tsx';
import { errorMessage, ok } from '../lib/api-error.ts';
import { useApi } from '../session/SessionProvider.tsx';
import {
  FILE_PAGE_SIZE,
  fileListQuery,
  invalidateAfterFileChange,
  taskChoicesQuery,
  type FileListFilters,
} from '../files/file-queries.ts';
import { DeleteFileDialog, FileTable } from '../files/FileTable.tsx';
import { oneOf, useCursorPages, useDebouncedSearch, useUrlFilters } from '../files/list-state.ts';
import { Pager } from '../files/Pager.tsx';
import { problemText } from '../files/problem-text.ts';
import { UploadPanel } from '../files/UploadPanel.tsx';

type SortField = (typeof FILE_SORT_FIELDS)[number];
type Order = 'asc' | 'desc';

const ANY: Option = { value: '', label: 'Any' };
const SORT_LABELS = { createdAt: 'Uploaded', name: 'Name', size: 'Size' } as const satisfies Record<
  SortField,
  string
>;
const sortOptions: Option[] = FILE_SORT_FIELDS.map((f) => ({ value: f, label: SORT_LABELS[f] }));
const orderOptions: Option[] = [
  { value: 'desc', label: 'Descending' },
  { value: 'asc', label: 'Ascending' },
];
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
    order: oneOf<Order>(['asc', 'desc'], params.get('order')) ?? 'desc',
  };
  const active = Boolean(filters.search || filters.type || filters.taskId);
  const [searchText, setSearchText] = useDebouncedSearch(params.get('search') ?? '', (search) =>
    update({ search: search || undefined }),
  );

  const [notice, setNotice] = useState<string | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [deleting, setDeleting] = useState<FileMeta | null>(null);
  const say = (message: string) => {
    setProblem(null);
    setNotice(message);
  };
  const complain = (message: string) => {
    setNotice(null);
    setProblem(message);
  };

  const tasks = useQuery(taskChoicesQuery(api));
  const pages = useCursorPages(JSON.stringify(filters));
  const list = useQuery({ ...fileListQuery(api, filters, pages.cursor), placeholderData: keepPreviousData });
  const data = list.data;
  const nextCursor = data?.page.nextCursor ?? null;
  const canGoOn = nextCursor !== null && !list.isPlaceholderData;

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

        <form
          className="filters card"
          role="search"
          aria-label="Filter files"
          onSubmit={(e) => {
            e.preventDefault();
            update({ search: searchText || undefined });
          }}
        >
          <TextField
            label="Search files"
            type="search"
            name="search"
            value={searchText}
            onChange={(e) => setSearchText(e.target.value)}
            hint="Part of the name."
          />
          <SelectField
            label="Type"
            name="type"
            options={typeOptions}
            value={filters.type ?? ''}
            onChange={(e) => update({ type: e.target.value || undefined })}
          />
          <SelectField
            label="Attached to"
            name="task"
            options={taskFilterOptions}
            value={filters.taskId ?? ''}
            onChange={(e) => update({ task: e.target.value || undefined })}
          />
          <SelectField
            label="Sort by"
            name="sort"
            options={sortOptions}
            value={filters.sort}
            onChange={(e) => update({ sort: e.target.value === 'createdAt' ? undefined : e.target.value })}
          />
          <SelectField
            label="Order"
            name="order"
            options={orderOptions}
            value={filters.order}
            onChange={(e) => update({ order: e.target.value === 'desc' ? undefined : e.target.value })}
          />
          {active && (
            <button type="button" className="button-quiet" onClick={() => clear(FILTER_KEYS)}>
              Clear filters
            </button>
          )}
        </form>

        {list.isPending && <Loading label="Loading files…" />}
        {list.isError && (
          <ErrorAlert>
            <p>Could not load the files: {errorMessage(list.error)}</p>
            <button type="button" onClick={() => void list.refetch()}>
              Try again
            </button>
          </ErrorAlert>
        )}

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

        {data && (data.page.total > 0 || pages.canGoBack) && (
          <Pager
            label="Pages of files"
            controls={tableId}
            pageNumber={pages.pageNumber}
            pageSize={FILE_PAGE_SIZE}
            total={data.page.total}
            shown={data.items.length}
            canGoBack={pages.canGoBack}
            canGoOn={canGoOn}
            onBack={pages.back}
            onNext={() => nextCursor && pages.next(nextCursor)}
          />
        )}
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
