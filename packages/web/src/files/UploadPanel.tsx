import { useQuery } from '@tanstack/react-query';
import { useEffect, useId, useRef, useState, type DragEvent } from 'react';
import { ErrorAlert } from '../components/Alert.tsx';
import { SelectField, TextAreaField } from '../components/fields.tsx';
import { Loading } from '../components/Loading.tsx';
import { errorMessage } from '../lib/api-error.ts';
import { profileQuery } from '../profile/profile-queries.ts';
import { useApi } from '../session/SessionProvider.tsx';
import { acceptedExtensions, checkFiles, type Refusal } from './check-file.ts';
import { fileRulesQuery, type TaskChoice } from './file-queries.ts';
import { formatSize } from '../lib/format.ts';
import { useUploads, type Upload } from './use-uploads.ts';

const DESCRIPTION_MAX = 1000;

const carriesFiles = (e: DragEvent) => e.dataTransfer.types.includes('Files');

/**
 * Uploading: what the server accepts (its own rules), a file input and a drop zone, the files refused
 * before sending with the reason, and each upload's progress. The task and description chosen first apply
 * to the files chosen next.
 */
export function UploadPanel({ tasks }: { tasks: readonly TaskChoice[] | undefined }) {
  const api = useApi();
  const rules = useQuery(fileRulesQuery(api));
  const profile = useQuery(profileQuery(api));
  const { uploads, add, cancel, clearFinished, pendingBytes } = useUploads();
  const [taskId, setTaskId] = useState('');
  const [description, setDescription] = useState('');
  const [refused, setRefused] = useState<Refusal[]>([]);
  const [dragging, setDragging] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  const headingId = useId();
  const rulesId = useId();
  const inputId = useId();

  // A file dropped just beside the zone would make the browser leave the app to open it.
  useEffect(() => {
    const keep = (e: globalThis.DragEvent) => {
      if (e.dataTransfer?.types.includes('Files')) e.preventDefault();
    };
    window.addEventListener('dragover', keep);
    window.addEventListener('drop', keep);
    return () => {
      window.removeEventListener('dragover', keep);
      window.removeEventListener('drop', keep);
    };
  }, []);

  const take = (files: readonly File[]) => {
    if (files.length === 0 || !rules.data) return;
    const storage = profile.data?.storage;
    const room = storage ? storage.quotaBytes - storage.usedBytes - pendingBytes : undefined;
    const checked = checkFiles(files, rules.data, room);
    setRefused(checked.refused);
    if (checked.accepted.length > 0)
      add(checked.accepted, { taskId: taskId || undefined, description: description.trim() || undefined });
  };

  const ready = rules.data !== undefined;
  const taskOptions = [
    { value: '', label: 'No task' },
    ...(tasks ?? []).map((t) => ({ value: t.id, label: t.title })),
  ];
  const finished = uploads.some((u) => u.status !== 'queued' && u.status !== 'uploading');

  return (
    <section className="card upload-panel" aria-labelledby={headingId}>
      <h2 id={headingId}>Upload files</h2>

      {rules.isPending && <Loading label="Loading what can be uploaded…" />}
      {rules.isError && (
        <ErrorAlert>
          <p>Could not load the upload rules: {errorMessage(rules.error)}</p>
          <button type="button" onClick={() => void rules.refetch()}>
            Try again
          </button>
        </ErrorAlert>
      )}
      {rules.data && (
        <div id={rulesId} className="upload-rules">
          <p>
            <strong>Accepted:</strong> {acceptedExtensions(rules.data).join(', ')}.
          </p>
          <p>
            <strong>Size:</strong> up to {formatSize(rules.data.maxUploadBytes)} per file.
            {profile.data &&
              ` Your storage: ${formatSize(profile.data.storage.usedBytes)} of ${formatSize(profile.data.storage.quotaBytes)} used.`}
          </p>
        </div>
      )}

      <div className="field-row">
        <SelectField
          label="Attach to task"
          name="taskId"
          options={taskOptions}
          value={taskId}
          onChange={(e) => setTaskId(e.target.value)}
          hint="For the files you choose next."
        />
        <TextAreaField
          label="Description"
          name="description"
          rows={2}
          maxLength={DESCRIPTION_MAX}
          value={description}
          onChange={(e) => setDescription(e.target.value)}
          hint={`Optional, up to ${DESCRIPTION_MAX} characters, for the files you choose next.`}
        />
      </div>

      <div
        className={dragging ? 'drop-zone drop-zone-active' : 'drop-zone'}
        onDragEnter={(e) => {
          if (!carriesFiles(e)) return;
          e.preventDefault();
          setDragging(true);
        }}
        onDragOver={(e) => {
          if (!carriesFiles(e)) return;
          e.preventDefault();
          e.dataTransfer.dropEffect = ready ? 'copy' : 'none';
        }}
        onDragLeave={(e) => {
          if (!e.currentTarget.contains(e.relatedTarget as Node | null)) setDragging(false);
        }}
        onDrop={(e) => {
          e.preventDefault();
          setDragging(false);
          take([...e.dataTransfer.files]);
        }}
      >
        <button
          type="button"
          className="drop-target"
          aria-describedby={ready ? rulesId : undefined}
          disabled={!ready}
          onClick={() => input.current?.click()}
        >
          <span className="drop-icon" aria-hidden="true">
            ⇪
          </span>
          <span>
            <strong>Drop files here</strong> <span className="drop-or">or browse</span>
          </span>
        </button>
        <div className="field">
          <label htmlFor={inputId}>Choose files</label>
          <input
            ref={input}
            id={inputId}
            type="file"
            name="files"
            multiple
            disabled={!ready}
            accept={rules.data ? acceptedExtensions(rules.data).join(',') : undefined}
            aria-describedby={ready ? rulesId : undefined}
            onChange={(e) => {
              const files = [...(e.target.files ?? [])];
              // Choosing the same file again (after fixing it) must fire a change again.
              e.target.value = '';
              take(files);
            }}
          />
        </div>
      </div>

      {refused.length > 0 && (
        <div className="alert alert-error" role="alert">
          <p>
            {refused.length === 1
              ? 'This file was not uploaded:'
              : `These ${refused.length} files were not uploaded:`}
          </p>
          <ul className="refused-list">
            {refused.map((r, i) => (
              <li key={`${r.name}-${i}`}>
                <strong className="file-name">{r.name}</strong>: {r.reason}
              </li>
            ))}
          </ul>
        </div>
      )}

      {uploads.length > 0 && (
        <UploadList uploads={uploads} onCancel={cancel} onClear={finished ? clearFinished : undefined} />
      )}
    </section>
  );
}

const STATE_TEXT = {
  queued: () => 'Waiting',
  uploading: (u) => `${u.total > 0 ? Math.floor((u.sent / u.total) * 100) : 0}%`,
  done: () => 'Uploaded',
  failed: () => 'Failed',
  cancelled: () => 'Cancelled',
} as const satisfies Record<Upload['status'], (u: Upload) => string>;

function UploadList({
  uploads,
  onCancel,
  onClear,
}: {
  uploads: readonly Upload[];
  onCancel: (id: string) => void;
  onClear: (() => void) | undefined;
}) {
  const headingId = useId();
  const count = (status: Upload['status']) => uploads.filter((u) => u.status === status).length;
  const going = count('queued') + count('uploading');
  const summary = [
    going > 0 && `${going} uploading`,
    count('done') > 0 && `${count('done')} uploaded`,
    count('failed') > 0 && `${count('failed')} failed`,
    count('cancelled') > 0 && `${count('cancelled')} cancelled`,
  ].filter(Boolean);
  return (
    <section className="uploads" aria-labelledby={headingId}>
      <div className="uploads-header">
        <h3 id={headingId}>Uploads</h3>
        <p role="status" className="meta">
          {summary.join(', ')}
        </p>
        {onClear && (
          <button type="button" className="button-quiet" onClick={onClear}>
            Clear finished
          </button>
        )}
      </div>
      <ul className="upload-list">
        {uploads.map((u) => (
          <li key={u.id} className={`upload-item upload-${u.status}`}>
            <div className="upload-line">
              <span className="file-name">{u.name}</span>
              <span className="meta">{formatSize(u.size)}</span>
              <span className="upload-state">{STATE_TEXT[u.status](u)}</span>
              {(u.status === 'queued' || u.status === 'uploading') && (
                <button
                  type="button"
                  className="button-quiet"
                  aria-label={`Cancel upload of ${u.name}`}
                  onClick={() => onCancel(u.id)}
                >
                  Cancel
                </button>
              )}
            </div>
            <progress aria-label={`Uploading ${u.name}`} max={Math.max(1, u.total)} value={u.sent} />
            {u.status === 'failed' && (
              <ErrorAlert>
                Could not upload “{u.name}”: {u.error}
              </ErrorAlert>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}
