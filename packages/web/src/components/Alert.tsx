import type { ReactNode } from 'react';

/** A failure the user must hear about at once (role="alert"). */
export function ErrorAlert({ children, id }: { children: ReactNode; id?: string }) {
  return (
    <div className="alert alert-error" role="alert" id={id}>
      {children}
    </div>
  );
}

/** News that can wait for a pause (role="status"): saved, sent, deleted. */
export function StatusMessage({ children }: { children: ReactNode }) {
  return (
    <div className="alert alert-success" role="status">
      {children}
    </div>
  );
}
