import type { AppContext } from '../../context';
import { syncCorpTags } from '../corp-tags';

/** change_external_tag: someone edited corp tags in WeCom; re-read the list (the event carries no names). */
export async function onTagChanged(_event: unknown, ctx: AppContext) {
  await syncCorpTags(ctx);
  return 'done' as const;
}
