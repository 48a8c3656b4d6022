import type { DataSource } from 'typeorm';

/**
 * Counts the SQL statements a piece of work sends, for statement-budget tests ("a claim is at
 * most two statements", "intake is one INSERT"). It listens where TypeORM logs every query it
 * sends on either database (`dataSource.logger.logQuery`, called by each query runner before it
 * executes), so BEGIN/START TRANSACTION and COMMIT count too, as the round trips they are.
 *
 * Every statement of the data source counts while it listens, whoever sends it: run the work with
 * the workers off (`runWorkers: false`) and nothing else in flight.
 *
 *   const { result, statements } = await countStatements(ds, () => queue.claim(8, 30_000));
 *   expect(statements).toHaveLength(2);
 */
export interface CountedStatement {
  sql: string;
  params: unknown[];
}

export interface StatementCount<T> {
  result: T;
  /** Each statement, whitespace collapsed, in the order sent. */
  statements: string[];
  /** With their parameters, when a test needs them. */
  detailed: CountedStatement[];
}

export async function countStatements<T>(dataSource: DataSource, work: () => Promise<T>): Promise<StatementCount<T>> {
  const recorder = recordStatements(dataSource);
  try {
    const result = await work();
    return { result, statements: recorder.statements.map((s) => s.sql), detailed: [...recorder.statements] };
  } finally {
    recorder.stop();
  }
}

/** The open-ended form: records until stop() (e.g. across several requests). */
export function recordStatements(dataSource: DataSource): { statements: CountedStatement[]; stop(): void } {
  const logger = dataSource.logger;
  const original = logger.logQuery;
  const statements: CountedStatement[] = [];
  logger.logQuery = function (this: unknown, query: string, parameters?: unknown[], ...rest: unknown[]) {
    statements.push({ sql: query.replace(/\s+/g, ' ').trim(), params: parameters ?? [] });
    return (original as (...args: unknown[]) => void).call(logger, query, parameters, ...rest);
  } as typeof logger.logQuery;
  return {
    statements,
    stop: () => {
      logger.logQuery = original;
    },
  };
}
