import type { AdminUpdateUserBody, AdminUser, Role } from '@taskvault/sdk';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useId } from 'react';
import { ConfirmDeleteDialog, type DeleteConfirmation } from '../components/ConfirmDeleteDialog.tsx';
import { DataTable, type RowEvents } from '../components/DataTable.tsx';
import { ok } from '../lib/api-error.ts';
import { formatDateTime } from '../lib/format.ts';
import { problemText } from '../lib/problem-text.ts';
import { useApi } from '../session/SessionProvider.tsx';
import { adminKeys } from './admin-queries.ts';

type TableProps = RowEvents<AdminUser> & {
  id: string;
  caption: string;
  users: readonly AdminUser[];
  /** The signed-in administrator, marked "you" in the list. */
  selfId: string | undefined;
  busy: boolean;
};

export function UserTable({ id, caption, users, selfId, busy, ...events }: TableProps) {
  return (
    <DataTable
      id={id}
      caption={caption}
      columns={['Username', 'Email', 'Role', 'Verified', 'Status', 'Tasks', 'Last login']}
      actions
      busy={busy}
      scroll
      className="user-table"
    >
      {users.map((user) => (
        <UserRow key={user.id} user={user} self={user.id === selfId} {...events} />
      ))}
    </DataTable>
  );
}

function UserRow({
  user,
  self,
  onProblem,
  onNotice,
  onDelete,
}: RowEvents<AdminUser> & { user: AdminUser; self: boolean }) {
  const api = useApi();
  const queryClient = useQueryClient();
  const roleId = useId();
  const name = [user.firstName, user.lastName].filter(Boolean).join(' ');

  const change = useMutation({
    mutationFn: (body: AdminUpdateUserBody) => ok(api.users.update({ params: { id: user.id }, body })),
    onSuccess: async (res, body) => {
      const u = res.body.data;
      onNotice(
        body.role !== undefined
          ? `${u.username} is now ${u.role === 'admin' ? 'an administrator' : 'a user'}.`
          : `${u.username} is ${u.isActive ? 'active again' : 'deactivated and signed out everywhere'}.`,
      );
      await queryClient.invalidateQueries({ queryKey: adminKeys.users() });
    },
    onError: (e) => onProblem(`Could not change ${user.username}: ${problemText(e)}`),
  });

  const pendingRole = change.isPending ? change.variables.role : undefined;
  const role = pendingRole ?? user.role;

  return (
    <tr>
      <th scope="row" data-label="Username">
        <span className="user-name">{user.username}</span>
        {self && <span className="badge badge-self">you</span>}
        {name && <span className="user-fullname">{name}</span>}
      </th>
      <td data-label="Email" className="user-email">
        {user.email}
      </td>
      <td data-label="Role">
        <label htmlFor={roleId} className="visually-hidden">
          Role for {user.username}
        </label>
        <select
          id={roleId}
          className="inline-select"
          value={role}
          disabled={change.isPending}
          onChange={(e) => change.mutate({ role: e.target.value as Role })}
        >
          <option value="user">User</option>
          <option value="admin">Admin</option>
        </select>
      </td>
      <td data-label="Verified">{user.emailVerified ? 'Yes' : 'No'}</td>
      <td data-label="Status">
        <span className={user.isActive ? 'badge badge-completed' : 'badge badge-cancelled'}>
          {user.isActive ? 'Active' : 'Deactivated'}
        </span>
      </td>
      <td data-label="Tasks">{user.taskCount}</td>
      <td data-label="Last login">
        {user.lastLoginAt ? formatDateTime(user.lastLoginAt) : <span className="muted">Never</span>}
      </td>
      <td className="row-actions">
        <button
          type="button"
          disabled={change.isPending}
          onClick={() => change.mutate({ isActive: !user.isActive })}
        >
          {user.isActive ? 'Deactivate' : 'Activate'}
          <span className="visually-hidden"> {user.username}</span>
        </button>
        <button type="button" className="button-danger-quiet" onClick={() => onDelete(user)}>
          Delete<span className="visually-hidden"> {user.username}</span>
        </button>
      </td>
    </tr>
  );
}

export function DeleteUserDialog({ user, ...confirmation }: DeleteConfirmation & { user: AdminUser }) {
  return (
    <ConfirmDeleteDialog title="Delete this user?" {...confirmation}>
      {user.username} ({user.email}) will be signed out everywhere and deleted for good, with{' '}
      {user.taskCount === 0
        ? ''
        : user.taskCount === 1
          ? 'their task and '
          : `their ${user.taskCount} tasks and `}
      their files.
    </ConfirmDeleteDialog>
  );
}
