import { z } from 'zod';
import { HttpError } from '../../http/errors';

const zhCN = z.locales.zhCN();

/**
 * Parses a console request's query or body: 400 `validation_failed` whose message is the first
 * problem in Chinese (the console shows it as it is), with every problem in `fields`. Schemas
 * carry their own Chinese messages for what a person types; zod's Chinese locale covers the rest.
 */
export function parseConsoleInput<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input, { error: zhCN.localeError });
  if (result.success) return result.data;
  const fields = result.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message }));
  throw new HttpError(400, 'validation_failed', fields[0]?.message ?? '请求参数有误', { fields });
}
