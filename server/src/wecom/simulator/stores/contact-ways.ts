import type { ContactWay } from '../../dto';

/** 「联系我」 contact ways (wecom-reference.md §4.1). */

/** A contact way as the simulator keeps it: everything but the optional extras is always set. */
export type SimContactWay = Omit<ContactWay, 'type' | 'scene'> &
  Required<Pick<ContactWay, 'remark' | 'skip_verify' | 'state' | 'user' | 'party' | 'is_temp'>> & {
    type: 1 | 2;
    scene: 1 | 2;
  };

export class ContactWayStore {
  readonly ways = new Map<string, SimContactWay>();

  /** The way a customer came through, by the state the add event carries. */
  byState(state: string): SimContactWay | undefined {
    for (const way of this.ways.values()) if (way.state === state) return way;
    return undefined;
  }
}
