import { ApiError } from '../../api';

/** What a failed call says to the person: the server's Chinese message, or a plain fallback. */
export function errorText(error: unknown, fallback = '操作失败，请稍后重试'): string {
  return error instanceof ApiError && error.message ? error.message : fallback;
}
