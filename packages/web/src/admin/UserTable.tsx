import type { AdminUpdateUserBody, AdminUser, Role } from '@taskvault/sdk';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useId } from 'react';
import { Modal } from '../components/Modal.tsx';
import { ok } from '../lib/api-error.ts';
import { formatDateTime } from '../lib/format.ts';
import { problemText } from '../files/problem-text.ts';
import { useApi } from '../session/SessionProvider.tsx';
import { adminKeys } from './admin-queries.ts';

type RowEvents = {
  onProblem: (message: string) => void;
  onNotice: (message: string) => void;
  onDelete: (user: AdminUser) => void;
};

type TableProps = RowEvents & {
  id: string;
  caption: string;
  users: readonly AdminUser[];
  /** The signed-in administrator, marked "you" in the list. */
  selfId: string | undefined;
  busy: boolean;
};

export function UserTable({ id, caption, users, selfId, busy, ...events }: TableProps) {
  return (
    <div className="card table-card table-scroll">
      <table id={id} className="task-table user-table" aria-busy={busy}>
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            <th scope="col">Username</th>
            <th scope="col">Email</th>
            <th scope="col">Role</th>
            <th scope="col">Verified</th>
            <th scope="col">Status</th>
            <th scope="col">Tasks</th>
            <th scope="col">Last login</th>
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {users.map((user) => (
            <UserRow key={user.id} user={user} self={user.id === selfId} {...events} />
          ))}
        </tbody>
      </table>
    </div>
  );
}

function UserRow({
  user,
  self,
  onProblem,
  onNotice,
  onDelete,
}: RowEvents & { user: AdminUser; self: boolean }) {
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

export function DeleteUserDialog(props: {
  user: AdminUser;
  pending: boolean;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  const textId = useId();
  const { user } = props;
  return (
    <Modal title="Delete this user?" onClose={props.onCancel} describedBy={textId}>
      <p id={textId}>
        {user.username} ({user.email}) will be signed out everywhere and deleted for good, with{' '}
        {user.taskCount === 0
          ? ''
          : user.taskCount === 1
            ? 'their task and '
            : `their ${user.taskCount} tasks and `}
        their files.
      </p>
      <div className="button-row">
        <button type="button" className="button-danger" onClick={props.onConfirm} disabled={props.pending}>
          Delete
        </button>
        <button type="button" onClick={props.onCancel} data-autofocus>
          Cancel
        </button>
      </div>
    </Modal>
  );
}
