import type { EventHandlers } from './handlers';
import { onContactAdded } from '../leads/events/contact-added';
import { onContactEdited } from '../leads/events/contact-edited';
import { onContactDeleted, onTransferFailed } from '../leads/events/contact-deleted';
import { onGroupChanged } from '../groups/events/group-changed';
import { onTagChanged } from '../tags/events/tag-changed';
import { onArchiveNotify } from '../archive/events/archive-notify';

/**
 * What happens for each WeCom event kind: the index a reader starts from. Kinds without a
 * handler (events we do not model) are stored and marked ignored.
 */
export const eventHandlers: EventHandlers = {
  'contact.added': onContactAdded,
  'contact.edited': onContactEdited,
  'contact.deleted': onContactDeleted,
  'contact.transfer_failed': onTransferFailed,
  'group.changed': onGroupChanged,
  'tag.changed': onTagChanged,
  'archive.notify': onArchiveNotify,
};
