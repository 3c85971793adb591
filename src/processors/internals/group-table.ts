import type { Dimension } from '../options.js';

/** The group name that collects events once a dimension holds `maxGroups` groups. */
export const OTHER_GROUP = '~other';

/** One map of group → state per dimension, bounded to `maxGroups` groups each. */
export class GroupTable<T> {
  readonly maps: Map<string, T>[];
  constructor(readonly dimensions: readonly Dimension[], private readonly maxGroups: number, private readonly create: (dim: Dimension, group: string) => T) {
    this.maps = dimensions.map(() => new Map());
  }

  /** The state of `group` in dimension number `d`, created on first use. */
  get(d: number, group: string): T {
    const map = this.maps[d]!;
    let s = map.get(group);
    if (s === undefined) {
      if (map.size >= this.maxGroups) group = OTHER_GROUP;
      s = map.get(group);
      if (s === undefined) { s = this.create(this.dimensions[d]!, group); map.set(group, s); }
    }
    return s;
  }
}
