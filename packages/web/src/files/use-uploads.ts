import { isTaskvaultError, type FileMeta, type TaskvaultClient } from '@taskvault/sdk';
import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { useApi } from '../session/SessionProvider.tsx';
import { invalidateAfterFileChange } from './file-queries.ts';
import { problemText } from '../lib/problem-text.ts';

export type UploadStatus = 'queued' | 'uploading' | 'done' | 'failed' | 'cancelled';

/** One file on its way, as the page shows it. */
export type Upload = {
  id: string;
  name: string;
  size: number;
  /** Bytes sent so far, of `total` (the request body: a little more than the file). */
  sent: number;
  total: number;
  status: UploadStatus;
  /** The server's message when it refused the file. */
  error?: string;
  /** What the server stored. */
  stored?: FileMeta;
};

export type UploadTarget = { taskId?: string | undefined; description?: string | undefined };

type Job = { id: string; file: File; target: UploadTarget; controller: AbortController };

/** A few at a time: each shows its own progress, and a long list does not flood the connection. */
const PARALLEL = 3;

let nextId = 0;

/**
 * The access token of the session module lives in memory and is renewed on a 401 only by requests that go
 * through its `fetch`; an upload goes through XMLHttpRequest (for its progress events), which the SDK sends
 * with the session's token but does not renew. So on a 401 a cheap authenticated call renews the sign-in,
 * and the upload is tried once more.
 */
async function uploadWithRenewal(
  api: TaskvaultClient,
  file: File,
  options: Parameters<TaskvaultClient['files']['upload']>[1],
) {
  try {
    return await api.files.upload(file, options);
  } catch (e) {
    if (!isTaskvaultError(e) || e.status !== 401) throw e;
    const renewed = await api.files.rules();
    if (renewed.status !== 200) throw e;
    return api.files.upload(file, options);
  }
}

/**
 * Uploads with progress: `add` queues files, at most PARALLEL run at once. Each finished upload refreshes
 * the file lists, the storage use and the task pages. Uploads go on when the page is left (their results
 * land in the lists); closing or reloading the tab while one runs asks for confirmation first.
 */
export function useUploads() {
  const api = useApi();
  const queryClient = useQueryClient();
  const [uploads, setUploads] = useState<Upload[]>([]);
  const queue = useRef<Job[]>([]);
  const running = useRef(new Map<string, Job>());

  const patch = (id: string, changes: Partial<Upload>) =>
    setUploads((list) => list.map((u) => (u.id === id ? { ...u, ...changes } : u)));

  const run = async (job: Job) => {
    patch(job.id, { status: 'uploading' });
    try {
      const stored = await uploadWithRenewal(api, job.file, {
        ...(job.target.taskId ? { taskId: job.target.taskId } : {}),
        ...(job.target.description ? { description: job.target.description } : {}),
        signal: job.controller.signal,
        onProgress: (sent, total) => patch(job.id, { sent, total }),
      });
      setUploads((list) =>
        list.map((u) => (u.id === job.id ? { ...u, status: 'done', sent: u.total, stored } : u)),
      );
      await invalidateAfterFileChange(queryClient);
    } catch (e) {
      if (job.controller.signal.aborted) patch(job.id, { status: 'cancelled' });
      else patch(job.id, { status: 'failed', error: problemText(e) });
    }
  };

  const pump = () => {
    while (running.current.size < PARALLEL && queue.current.length > 0) {
      const job = queue.current.shift()!;
      running.current.set(job.id, job);
      void run(job).finally(() => {
        running.current.delete(job.id);
        pump();
      });
    }
  };

  const add = (files: readonly File[], target: UploadTarget) => {
    const jobs = files.map((file) => ({
      id: `upload-${++nextId}`,
      file,
      target,
      controller: new AbortController(),
    }));
    setUploads((list) => [
      ...list,
      ...jobs.map((j): Upload => ({
        id: j.id,
        name: j.file.name,
        size: j.file.size,
        sent: 0,
        total: j.file.size,
        status: 'queued',
      })),
    ]);
    queue.current.push(...jobs);
    pump();
  };

  const cancel = (id: string) => {
    const waiting = queue.current.findIndex((j) => j.id === id);
    if (waiting >= 0) {
      queue.current.splice(waiting, 1);
      patch(id, { status: 'cancelled' });
    }
    running.current.get(id)?.controller.abort();
  };

  const clearFinished = () =>
    setUploads((list) => list.filter((u) => u.status === 'queued' || u.status === 'uploading'));

  const busy = uploads.some((u) => u.status === 'queued' || u.status === 'uploading');
  useEffect(() => {
    if (!busy) return;
    const warn = (e: BeforeUnloadEvent) => e.preventDefault();
    window.addEventListener('beforeunload', warn);
    return () => window.removeEventListener('beforeunload', warn);
  }, [busy]);

  /** Bytes that are queued or on their way: not yet counted in the storage use the server reports. */
  const pendingBytes = uploads
    .filter((u) => u.status === 'queued' || u.status === 'uploading')
    .reduce((sum, u) => sum + u.size, 0);

  return { uploads, add, cancel, clearFinished, busy, pendingBytes };
}
