const tails = new Map<string, Promise<unknown>>();

/**
 * Runs `task` after every earlier task with the same key in this process has finished. On
 * SQLite all of a process's transactions share one connection, so a transaction cannot keep two
 * assignments in one process apart; this does. Across processes the database lock does.
 */
export function serialized<T>(key: string, task: () => Promise<T>): Promise<T> {
  const previous = tails.get(key) ?? Promise.resolve();
  const run = previous.then(task, task);
  const tail = run.catch(() => undefined);
  tails.set(key, tail);
  void tail.then(() => {
    if (tails.get(key) === tail) tails.delete(key);
  });
  return run;
}
