import type { CorpTag, TagGroup } from '../../dto';
import { ApiError, Errcode } from '../errors';
import { newTagId } from '../ids';
import type { ContactStore, SimFollowUser } from './contacts';
import { seconds } from './time';

/** Corp tags and their groups (wecom-reference.md §4.2). */

export type SimCorpTag = Omit<CorpTag, 'deleted'> & Required<Pick<CorpTag, 'create_time' | 'order'>> & { deleted: false };

export type SimTagGroup = Omit<TagGroup, 'tag' | 'deleted'> & Required<Pick<TagGroup, 'create_time' | 'order'>> & { deleted: false; tag: SimCorpTag[] };

/** WeCom's cap on corp tags (40126). */
const MAX_CORP_TAGS = 3000;

export class TagStore {
  /** Groups in display order; ids are unique across groups and tags. */
  readonly groups: SimTagGroup[] = [];

  constructor(
    private readonly contacts: ContactStore,
    private readonly now: () => number,
  ) {}

  findTag(tagId: string): { group: SimTagGroup; tag: SimCorpTag } | undefined {
    for (const group of this.groups) {
      const tag = group.tag.find((t) => t.id === tagId);
      if (tag) return { group, tag };
    }
    return undefined;
  }

  findGroup(groupId: string): SimTagGroup | undefined {
    return this.groups.find((g) => g.group_id === groupId);
  }

  count(): number {
    return this.groups.reduce((n, g) => n + g.tag.length, 0);
  }

  /**
   * Adds tags to a group, creating the group when it is named and does not exist yet
   * (like add_corp_tag). Returns the group with only the new tags, as the API does.
   */
  add(target: { groupId?: string; groupName?: string; groupOrder?: number }, tags: { name: string; order?: number }[]): SimTagGroup {
    let group = target.groupId ? this.findGroup(target.groupId) : undefined;
    if (target.groupId && !group) throw new ApiError(Errcode.invalidTagId, `invalid tag group id ${target.groupId}`);
    if (!group && target.groupName !== undefined) group = this.groups.find((g) => g.group_name === target.groupName);
    const names = new Set<string>();
    for (const { name } of tags) {
      if (names.has(name) || group?.tag.some((t) => t.name === name)) {
        throw new ApiError(Errcode.tagNameExists, `tag name exists: ${name}`);
      }
      names.add(name);
    }
    if (this.count() + tags.length > MAX_CORP_TAGS) throw new ApiError(Errcode.tagLimitExceeded, `corp tag limit (${MAX_CORP_TAGS}) exceeded`);
    const now = seconds(this.now());
    if (!group) {
      if (target.groupName === undefined) throw new ApiError(Errcode.invalidParameter, 'group_id or group_name is required');
      group = { group_id: newTagId(), group_name: target.groupName, create_time: now, order: target.groupOrder ?? 0, deleted: false, tag: [] };
      this.groups.push(group);
    }
    const created: SimCorpTag[] = tags.map((t) => ({ id: newTagId(), name: t.name, create_time: now, order: t.order ?? 0, deleted: false }));
    group.tag.push(...created);
    return { ...group, tag: created };
  }

  /** Removes tags (and whole groups) everywhere, including from customers; empty groups disappear as in WeCom. */
  delete(tagIds: string[], groupIds: string[]): void {
    const tagSet = new Set(tagIds);
    const groupSet = new Set(groupIds);
    for (const group of this.groups) {
      if (groupSet.has(group.group_id)) for (const tag of group.tag) tagSet.add(tag.id);
    }
    for (let i = this.groups.length - 1; i >= 0; i--) {
      const group = this.groups[i];
      group.tag = group.tag.filter((t) => !tagSet.has(t.id));
      if (group.tag.length === 0 || groupSet.has(group.group_id)) this.groups.splice(i, 1);
    }
    for (const relation of this.contacts.allFollows()) relation.tags = relation.tags.filter((t) => !tagSet.has(t.tag_id));
  }

  /** Applies mark_tag to an existing relation (callers check that it exists). */
  mark(relation: SimFollowUser, addTagIds: string[], removeTagIds: string[]): void {
    const remove = new Set(removeTagIds);
    relation.tags = relation.tags.filter((t) => !remove.has(t.tag_id));
    for (const id of addTagIds) {
      if (relation.tags.some((t) => t.tag_id === id)) continue;
      const found = this.findTag(id);
      if (!found) throw new ApiError(Errcode.invalidTagId, `invalid tag id ${id}`);
      relation.tags.push({ group_name: found.group.group_name, tag_name: found.tag.name, tag_id: id, type: 1 });
    }
  }
}
