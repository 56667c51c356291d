import { FILE_SORT_FIELDS, FILE_TYPE_NAMES, type FileMeta, type FileType } from '@taskvault/sdk';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { ErrorAlert, StatusMessage } from '../components/Alert.tsx';
import { type Option } from '../components/fields.tsx';
import { ANY, FilterForm, FilterSelect, SortFields } from '../components/filter-fields.tsx';
import { PagedList } from '../components/PagedList.tsx';
import { errorMessage, ok } from '../lib/api-error.ts';
import { oneOf, ORDERS, usePagedList, useUrlFilters } from '../lib/list-state.ts';
import { useConfirmedDelete } from '../lib/use-confirmed-delete.ts';
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

  const { notice, problem, say, complain } = useNotices();
  const deletion = useConfirmedDelete({
    remove: (file: FileMeta) => ok(api.files.remove({ params: { id: file.id } })),
    deleted: (file) => `File “${file.name}” deleted.`,
    failed: (file) => `Could not delete “${file.name}”`,
    refresh: () => invalidateAfterFileChange(queryClient),
    say,
    complain,
  });

  const tasks = useQuery(taskChoicesQuery(api));
  const paged = usePagedList(filters, (cursor) => fileListQuery(api, filters, cursor));

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
          search={{ label: 'Search files', hint: 'Part of the name.', value: params.get('search') ?? '' }}
          update={update}
          active={active}
          onClear={() => clear(FILTER_KEYS)}
        >
          <FilterSelect label="Type" name="type" options={typeOptions} value={filters.type} />
          <FilterSelect label="Attached to" name="task" options={taskFilterOptions} value={filters.taskId} />
          <SortFields
            options={sortOptions}
            sort={filters.sort}
            defaultSort="createdAt"
            order={filters.order}
          />
        </FilterForm>

        <PagedList
          paged={paged}
          loading="Loading files…"
          failure="Could not load the files"
          empty="No files yet. Upload one above."
          noMatch="No file matches these filters."
          filtered={active}
          pager={{ label: 'Pages of files', pageSize: FILE_PAGE_SIZE }}
        >
          {(files, tableId) => (
            <FileTable
              id={tableId}
              caption={`Your files, page ${paged.pages.pageNumber}`}
              files={files}
              tasks={tasks.data}
              busy={paged.list.isPlaceholderData}
              onNotice={say}
              onProblem={complain}
              onDelete={deletion.ask}
            />
          )}
        </PagedList>
      </section>

      {deletion.deleting && <DeleteFileDialog file={deletion.deleting} {...deletion.dialog} />}
    </>
  );
}
