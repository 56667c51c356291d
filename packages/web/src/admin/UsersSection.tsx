import type { AdminUser, Role } from '@taskvault/sdk';
import { useQueryClient } from '@tanstack/react-query';
import { ErrorAlert, StatusMessage } from '../components/Alert.tsx';
import { type Option } from '../components/fields.tsx';
import { ANY, FilterForm, FilterSelect } from '../components/filter-fields.tsx';
import { PagedList } from '../components/PagedList.tsx';
import { dashboardKey } from '../dashboard/load-dashboard.ts';
import { ok } from '../lib/api-error.ts';
import { oneOf, usePagedList, useUrlFilters } from '../lib/list-state.ts';
import { useConfirmedDelete } from '../lib/use-confirmed-delete.ts';
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
  const { params, update, clear } = useUrlFilters();
  const filters: UserFilters = {
    search: params.get('search')?.trim() || undefined,
    role: oneOf<Role>(['user', 'admin'], params.get('role')),
    verified: yesNo(params.get('verified')),
    active: yesNo(params.get('active')),
  };
  const active = Object.values(filters).some((v) => v !== undefined);

  const { notice, problem, say, complain } = useNotices();
  const deletion = useConfirmedDelete({
    remove: (user: AdminUser) => ok(api.users.remove({ params: { id: user.id } })),
    deleted: (user) => `User ${user.username} deleted.`,
    failed: (user) => `Could not delete ${user.username}`,
    refresh: () =>
      Promise.all([
        queryClient.invalidateQueries({ queryKey: adminKeys.all }),
        queryClient.invalidateQueries({ queryKey: dashboardKey }),
      ]),
    say,
    complain,
  });

  const paged = usePagedList(filters, (cursor) => userListQuery(api, filters, cursor));

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
          value: params.get('search') ?? '',
        }}
        update={update}
        active={active}
        onClear={() => clear(FILTER_KEYS)}
      >
        <FilterSelect label="Role" name="role" options={roleOptions} value={filters.role} />
        <FilterSelect
          label="Verified"
          name="verified"
          options={yesNoOptions}
          value={fromYesNo(filters.verified)}
        />
        <FilterSelect label="Active" name="active" options={yesNoOptions} value={fromYesNo(filters.active)} />
      </FilterForm>

      <PagedList
        paged={paged}
        loading="Loading users…"
        failure="Could not load the users"
        empty="No user matches these filters."
        pager={{ label: 'Pages of users', pageSize: ADMIN_PAGE_SIZE }}
      >
        {(users, tableId) => (
          <UserTable
            id={tableId}
            caption={`Users, page ${paged.pages.pageNumber}`}
            users={users}
            selfId={self?.id}
            busy={paged.list.isPlaceholderData}
            onNotice={say}
            onProblem={complain}
            onDelete={deletion.ask}
          />
        )}
      </PagedList>

      {deletion.deleting && <DeleteUserDialog user={deletion.deleting} {...deletion.dialog} />}
    </section>
  );
}
