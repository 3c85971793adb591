/**
 * Distinct files of one group over a sliding window of W panes, kept incrementally: each file
 * maps to the last pane it was seen in, and each ring slot counts the files whose last sighting
 * is that pane. The window's distinct count is the sum over its slots, so closing a window
 * costs O(W) instead of a union of every pane's file set, and a file costs one map entry per
 * group however many panes saw it. At most `maxFiles` files are tracked (later new files are
 * not counted: the mass detectors saturate there); files not seen for a whole window are
 * dropped every W panes.
 */
export class FileTracker {
  private readonly last = new Map<string, number>();
  private readonly perSlot: Int32Array;
  private purgedAt = -1;

  constructor(private readonly W: number, private readonly maxFiles: number) {
    this.perSlot = new Int32Array(W);
  }

  /** Pane `pane` (an absolute pane index) starts in `slot`: its count restarts at 0. */
  startPane(slot: number): void { this.perSlot[slot] = 0; }

  /** `file` was touched in pane `pane` (the current one). */
  touch(file: string, pane: number): void {
    const W = this.W;
    const prev = this.last.get(file);
    if (prev === undefined) {
      if (this.last.size >= this.maxFiles) return;
      this.last.set(file, pane);
      this.bump(pane % W, 1);
    } else if (prev !== pane) {
      // A sighting older than the window lives in a slot that a newer pane reuses: not counted there any more.
      if (prev > pane - W) this.bump(prev % W, -1);
      this.last.set(file, pane);
      this.bump(pane % W, 1);
    }
  }

  private bump(slot: number, by: number): void { this.perSlot[slot] = this.perSlot[slot]! + by; }

  /** Distinct files over the window ending with pane `c`; `live(slot)` says whether a slot holds a pane of that window. */
  distinct(c: number, live: (slot: number) => boolean): number {
    let n = 0;
    for (let s = 0; s < this.W; s++) if (live(s)) n += this.perSlot[s]!;
    if (c - this.purgedAt >= this.W) this.purge(c);
    return n;
  }

  private purge(c: number): void {
    this.purgedAt = c;
    for (const [file, pane] of this.last) if (pane <= c - this.W) this.last.delete(file);
  }
}
