import type { AdminUser, Role } from '@taskvault/sdk';
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useId, useState } from 'react';
import { ErrorAlert, StatusMessage } from '../components/Alert.tsx';
import { SelectField, TextField, type Option } from '../components/fields.tsx';
import { Loading } from '../components/Loading.tsx';
import { dashboardKey } from '../dashboard/load-dashboard.ts';
import { oneOf, useCursorPages, useDebouncedSearch, useUrlFilters } from '../files/list-state.ts';
import { Pager } from '../files/Pager.tsx';
import { problemText } from '../files/problem-text.ts';
import { errorMessage, ok } from '../lib/api-error.ts';
import { useApi, useSession } from '../session/SessionProvider.tsx';
import { ADMIN_PAGE_SIZE, adminKeys, userListQuery, type UserFilters } from './admin-queries.ts';
import { DeleteUserDialog, UserTable } from './UserTable.tsx';

const roleOptions: Option[] = [
  { value: '', label: 'Any' },
  { value: 'user', label: 'User' },
  { value: 'admin', label: 'Admin' },
];
const yesNoOptions: Option[] = [
  { value: '', label: 'Any' },
  { value: 'yes', label: 'Yes' },
  { value: 'no', label: 'No' },
];
const FILTER_KEYS = ['search', 'role', 'verified', 'active'] as const;

const yesNo = (value: string | null): boolean | undefined =>
  value === 'yes' ? true : value === 'no' ? false : undefined;
const fromYesNo = (value: boolean | undefined): string => (value === undefined ? '' : value ? 'yes' : 'no');

/** Every account: find them, change their role, deactivate or delete them. Filters live in the URL. */
export function UsersSection({ headingId }: { headingId: string }) {
  const api = useApi();
  const { user: self } = useSession();
  const queryClient = useQueryClient();
  const tableId = useId();
  const { params, update, clear } = useUrlFilters();
  const filters: UserFilters = {
    search: params.get('search')?.trim() || undefined,
    role: oneOf<Role>(['user', 'admin'], params.get('role')),
    verified: yesNo(params.get('verified')),
    active: yesNo(params.get('active')),
  };
  const active = Object.values(filters).some((v) => v !== undefined);
  const [searchText, setSearchText] = useDebouncedSearch(params.get('search') ?? '', (search) =>
    update({ search: search || undefined }),
  );

  const [notice, setNotice] = useState<string | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [deleting, setDeleting] = useState<AdminUser | null>(null);
  const say = (message: string) => {
    setProblem(null);
    setNotice(message);
  };
  const complain = (message: string) => {
    setNotice(null);
    setProblem(message);
  };

  const pages = useCursorPages(JSON.stringify(filters));
  const list = useQuery({ ...userListQuery(api, filters, pages.cursor), placeholderData: keepPreviousData });
  const data = list.data;
  const nextCursor = data?.page.nextCursor ?? null;

  const remove = useMutation({
    mutationFn: (user: AdminUser) => ok(api.users.remove({ params: { id: user.id } })),
    onSuccess: async (_res, user) => {
      setDeleting(null);
      say(`User ${user.username} deleted.`);
      await Promise.all([
        queryClient.invalidateQueries({ queryKey: adminKeys.all }),
        queryClient.invalidateQueries({ queryKey: dashboardKey }),
      ]);
    },
    onError: (e, user) => {
      setDeleting(null);
      complain(`Could not delete ${user.username}: ${problemText(e)}`);
    },
  });

  return (
    <section aria-labelledby={headingId}>
      <h2 id={headingId}>Users</h2>
      {notice && <StatusMessage>{notice}</StatusMessage>}
      {problem && <ErrorAlert>{problem}</ErrorAlert>}

      <form
        className="filters card"
        role="search"
        aria-label="Filter users"
        onSubmit={(e) => {
          e.preventDefault();
          update({ search: searchText || undefined });
        }}
      >
        <TextField
          label="Search users"
          type="search"
          name="search"
          value={searchText}
          onChange={(e) => setSearchText(e.target.value)}
          hint="Part of the email or username."
        />
        <SelectField
          label="Role"
          name="role"
          options={roleOptions}
          value={filters.role ?? ''}
          onChange={(e) => update({ role: e.target.value || undefined })}
        />
        <SelectField
          label="Verified"
          name="verified"
          options={yesNoOptions}
          value={fromYesNo(filters.verified)}
          onChange={(e) => update({ verified: e.target.value || undefined })}
        />
        <SelectField
          label="Active"
          name="active"
          options={yesNoOptions}
          value={fromYesNo(filters.active)}
          onChange={(e) => update({ active: e.target.value || undefined })}
        />
        {active && (
          <button type="button" className="button-quiet" onClick={() => clear(FILTER_KEYS)}>
            Clear filters
          </button>
        )}
      </form>

      {list.isPending && <Loading label="Loading users…" />}
      {list.isError && (
        <ErrorAlert>
          <p>Could not load the users: {errorMessage(list.error)}</p>
          <button type="button" onClick={() => void list.refetch()}>
            Try again
          </button>
        </ErrorAlert>
      )}
      {data && data.items.length === 0 && (
        <div className="card empty">
          <p>No user matches these filters.</p>
        </div>
      )}
      {data && data.items.length > 0 && (
        <UserTable
          id={tableId}
          caption={`Users, page ${pages.pageNumber}`}
          users={data.items}
          selfId={self?.id}
          busy={list.isPlaceholderData}
          onNotice={say}
          onProblem={complain}
          onDelete={setDeleting}
        />
      )}
      {data && (data.page.total > 0 || pages.canGoBack) && (
        <Pager
          label="Pages of users"
          controls={tableId}
          pageNumber={pages.pageNumber}
          pageSize={ADMIN_PAGE_SIZE}
          total={data.page.total}
          shown={data.items.length}
          canGoBack={pages.canGoBack}
          canGoOn={nextCursor !== null && !list.isPlaceholderData}
          onBack={pages.back}
          onNext={() => nextCursor && pages.next(nextCursor)}
        />
      )}

      {deleting && (
        <DeleteUserDialog
          user={deleting}
          pending={remove.isPending}
          onConfirm={() => remove.mutate(deleting)}
          onCancel={() => setDeleting(null)}
        />
      )}
    </section>
  );
}
