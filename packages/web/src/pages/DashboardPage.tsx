import { TASK_PRIORITIES, TASK_STATUSES } from '@taskvault/sdk';
import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import { ErrorAlert } from '../components/Alert.tsx';
import { BarChart } from '../components/BarChart.tsx';
import { Loading } from '../components/Loading.tsx';
import { dashboardQuery, type Dashboard } from '../dashboard/load-dashboard.ts';
import { errorMessage } from '../lib/api-error.ts';
import { formatSize, formatDateTime, formatDay } from '../lib/format.ts';
import { useSession, useTrpc } from '../session/SessionProvider.tsx';
import { PRIORITY_LABELS, PRIORITY_TONES, STATUS_LABELS, STATUS_TONES } from '../tasks/task-labels.ts';

export function DashboardPage() {
  const trpc = useTrpc();
  const { user } = useSession();
  const dashboard = useQuery(dashboardQuery(trpc));

  return (
    <>
      <title>Dashboard · Taskvault</title>
      <div className="page-header">
        <h1>Dashboard</h1>
        {user && <p className="lead">Hello, {user.firstName || user.username}.</p>}
      </div>
      {dashboard.isPending && <Loading label="Loading your dashboard…" />}
      {dashboard.isError && (
        <ErrorAlert>
          <p>Could not load the dashboard: {errorMessage(dashboard.error)}</p>
          <button type="button" onClick={() => void dashboard.refetch()}>
            Try again
          </button>
        </ErrorAlert>
      )}
      {dashboard.data && <DashboardView data={dashboard.data} />}
    </>
  );
}

function DashboardView({ data: { stats, recentTasks, recentFiles } }: { data: Dashboard }) {
  return (
    <>
      <section className="card" aria-labelledby="stats-title">
        <h2 id="stats-title">At a glance</h2>
        <dl className="tiles">
          <div className="tile">
            <dt>Total</dt>
            <dd>{stats.total}</dd>
          </div>
          <div className={stats.overdue > 0 ? 'tile tile-warning' : 'tile'}>
            <dt>Overdue</dt>
            <dd>{stats.overdue}</dd>
          </div>
          <div className="tile">
            <dt>Due in the next 7 days</dt>
            <dd>{stats.dueNext7Days}</dd>
          </div>
          <div className="tile">
            <dt>Completed in the last 7 days</dt>
            <dd>{stats.completedLast7Days}</dd>
          </div>
        </dl>
        <div className="charts">
          <BarChart
            title="Tasks by status"
            bars={TASK_STATUSES.map((s) => ({
              label: STATUS_LABELS[s],
              value: stats.byStatus[s],
              tone: STATUS_TONES[s],
            }))}
          />
          <BarChart
            title="Tasks by priority"
            bars={[
              ...TASK_PRIORITIES.map((p) => ({
                label: PRIORITY_LABELS[p],
                value: stats.byPriority[p],
                tone: PRIORITY_TONES[p],
              })),
              { label: 'Overdue', value: stats.overdue, tone: '#b3261e' },
            ]}
          />
        </div>
        {stats.overdue > 0 && (
          <p>
            <Link to="/tasks?overdue=true">See what is overdue</Link>
          </p>
        )}
      </section>

      <div className="columns">
        <section className="card" aria-labelledby="recent-tasks-title">
          <h2 id="recent-tasks-title">Recently updated</h2>
          {recentTasks.length === 0 ? (
            <p>
              No tasks yet. <Link to="/tasks">Create your first task</Link>.
            </p>
          ) : (
            <ul className="plain-list">
              {recentTasks.map((t) => (
                <li key={t.id}>
                  <Link to={`/tasks/${t.id}`}>{t.title}</Link>
                  <span className="meta">
                    {STATUS_LABELS[t.status]}
                    {t.dueDate && ` · due ${formatDay(t.dueDate)}`}
                  </span>
                </li>
              ))}
            </ul>
          )}
          <p>
            <Link to="/tasks">Go to the task list</Link>
          </p>
        </section>
        <section className="card" aria-labelledby="recent-files-title">
          <h2 id="recent-files-title">Recently uploaded</h2>
          {recentFiles.length === 0 ? (
            <p>No files yet.</p>
          ) : (
            <ul className="plain-list">
              {recentFiles.map((f) => (
                <li key={f.id}>
                  <span className="file-name">{f.name}</span>
                  <span className="meta">
                    {formatSize(f.size)} · {formatDateTime(f.createdAt)}
                  </span>
                </li>
              ))}
            </ul>
          )}
          <p>
            <Link to="/files">Go to the file list</Link>
          </p>
        </section>
      </div>
    </>
  );
}
