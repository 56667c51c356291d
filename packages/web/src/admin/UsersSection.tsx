import type { AdminUser, Role } from '@taskvault/sdk';
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useId, useState } from 'react';
import { ErrorAlert, StatusMessage } from '../components/Alert.tsx';
import { type Option } from '../components/fields.tsx';
import { ANY, FilterForm, FilterSelect } from '../components/filter-fields.tsx';
import { Pager } from '../components/Pager.tsx';
import { QueryStatus } from '../components/QueryStatus.tsx';
import { dashboardKey } from '../dashboard/load-dashboard.ts';
import { ok } from '../lib/api-error.ts';
import { oneOf, useCursorPages, useDebouncedSearch, useUrlFilters } from '../lib/list-state.ts';
import { problemText } from '../lib/problem-text.ts';
import { useNotices } from '../lib/use-notices.ts';
import { useApi, useSession } from '../session/SessionProvider.tsx';
import { ADMIN_PAGE_SIZE, adminKeys, userListQuery, type UserFilters } from './admin-queries.ts';
import { DeleteUserDialog, UserTable } from './UserTable.tsx';

const roleOptions: Option[] = [ANY, { value: 'user', label: 'User' }, { value: 'admin', label: 'Admin' }];
const yesNoOptions: Option[] = [ANY, { value: 'yes', label: 'Yes' }, { value: 'no', label: 'No' }];
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

  const { notice, problem, say, complain } = useNotices();
  const [deleting, setDeleting] = useState<AdminUser | null>(null);

  const pages = useCursorPages(JSON.stringify(filters));
  const list = useQuery({ ...userListQuery(api, filters, pages.cursor), placeholderData: keepPreviousData });
  const data = list.data;

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

      <FilterForm
        label="Filter users"
        search={{
          label: 'Search users',
          hint: 'Part of the email or username.',
          text: searchText,
          setText: setSearchText,
        }}
        update={update}
        active={active}
        onClear={() => clear(FILTER_KEYS)}
      >
        <FilterSelect label="Role" name="role" options={roleOptions} value={filters.role} update={update} />
        <FilterSelect
          label="Verified"
          name="verified"
          options={yesNoOptions}
          value={fromYesNo(filters.verified)}
          update={update}
        />
        <FilterSelect
          label="Active"
          name="active"
          options={yesNoOptions}
          value={fromYesNo(filters.active)}
          update={update}
        />
      </FilterForm>

      <QueryStatus query={list} loading="Loading users…" failure="Could not load the users" />
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
      <Pager label="Pages of users" controls={tableId} pageSize={ADMIN_PAGE_SIZE} pages={pages} list={list} />

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
