/**
 * Waits for `work` to settle (fulfilled or rejected: its outcome is the caller's own business), at most
 * `ms`; true when it settled in time. It does not cancel `work`, and its timer never keeps the process
 * alive: shutdown waits on things with it, and must never wait longer than its budget.
 */
export async function settledWithin(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), Math.max(0, ms));
    timer.unref();
  });
  try {
    return await Promise.race([
      work.then(
        () => true,
        () => true,
      ),
      late,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
