import type autocannon from 'autocannon';

/** The one table every benchmark prints: a header, then one row per autocannon result. */
export const printHeader = (width: number, first = 'route') =>
  console.log(
    first.padEnd(width),
    'req/s'.padStart(8),
    'p50 ms'.padStart(8),
    'p99 ms'.padStart(8),
    'non-2xx'.padStart(8),
  );

export const printRow = (width: number, label: string, r: autocannon.Result) =>
  console.log(
    label.padEnd(width),
    r.requests.average.toFixed(0).padStart(8),
    r.latency.p50.toFixed(1).padStart(8),
    r.latency.p99.toFixed(1).padStart(8),
    String(r.non2xx).padStart(8),
  );
