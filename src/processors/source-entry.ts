/**
 * One range of source records (a journal read batch, or a Kafka batch of one partition) and
 * how many of its events and derived results the sink has not acknowledged yet. The source
 * commits the range only once it is sealed (everything pushed) and settled (pending = 0).
 */
export class SourceEntry {
  pending = 0;
  private sealedFlag = false;
  private resolve!: () => void;
  /** Resolves once the entry is sealed and every pending item was acknowledged. */
  readonly settled: Promise<void>;
  settledFlag = false;

  constructor(
    readonly kind: 'journal' | 'kafka',
    /** "journal:<node>" or "<topic>:<partition>": the prefix of batch tokens. */
    readonly stream: string,
    readonly first: number,
    readonly last: number,
  ) {
    this.settled = new Promise((r) => { this.resolve = r; });
  }

  /** Everything of this range has been pushed into the bridge. */
  seal(): void { this.sealedFlag = true; this.check(); }

  /** `n` items of this entry were acknowledged by the sink. */
  release(n: number): void { this.pending -= n; this.check(); }

  private check(): void {
    if (this.sealedFlag && this.pending <= 0 && !this.settledFlag) { this.settledFlag = true; this.resolve(); }
  }
}
