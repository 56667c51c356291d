import type { StorageUsage as Usage } from '@taskvault/sdk';
import { useId } from 'react';
import { Link } from 'react-router';
import { formatSize } from '../lib/format.ts';

/** `1.2 MiB of 1 GiB (3 files)`. */
export const describeUsage = (s: Usage): string =>
  `${formatSize(s.usedBytes)} of ${formatSize(s.quotaBytes)} (${s.fileCount} ${s.fileCount === 1 ? 'file' : 'files'})`;

/** How much of the quota the user's files take, as a meter and in words. */
export function StorageUsage({ storage }: { storage: Usage }) {
  const headingId = useId();
  const meterId = useId();
  const textId = useId();
  const max = Math.max(1, storage.quotaBytes);
  const text = describeUsage(storage);
  return (
    <section className="card" aria-labelledby={headingId}>
      <h2 id={headingId}>Storage</h2>
      <div className="storage">
        <label htmlFor={meterId}>Storage used</label>
        <meter
          id={meterId}
          min={0}
          max={max}
          low={max * 0.75}
          high={max * 0.9}
          optimum={0}
          value={Math.min(storage.usedBytes, max)}
          aria-valuetext={text}
          aria-describedby={textId}
        />
        <p id={textId} className="storage-text">
          {text}
        </p>
      </div>
      <p className="meta">
        <Link to="/files">Manage your files</Link>
      </p>
    </section>
  );
}
