import { AllTasksSection } from '../admin/AllTasksSection.tsx';
import { UsersSection } from '../admin/UsersSection.tsx';
import { useSession } from '../session/SessionProvider.tsx';

export function AdminPage() {
  const { user } = useSession();
  return (
    <>
      <title>Admin · Taskvault</title>
      <div className="page-header">
        <h1>Admin</h1>
      </div>
      {user?.role === 'admin' ? (
        <div className="admin-sections">
          <UsersSection headingId="admin-users" />
          <AllTasksSection headingId="admin-all-tasks" />
        </div>
      ) : (
        <div className="card">
          <p>You need administrator access.</p>
        </div>
      )}
    </>
  );
}
