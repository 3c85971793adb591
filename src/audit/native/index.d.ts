/** Index of the first record whose last 32 bytes are not the SHA-256 of the rest (or that is shorter than 32 bytes); -1 when all match. Null when the addon is not built. */
export declare const firstBad: ((records: readonly Uint8Array[]) => number) | null;
/** The same over `count` records of one buffer: record i spans buf[offs[4i+1], offs[4i+2]). */
export declare const firstBadIn: ((buf: Uint8Array, offs: Int32Array, count: number) => number) | null;
/** Writes SHA-256 of buf[start, end) into buf[end, end + 32) and returns end + 32 (-1 when it does not fit). Null when the addon is not built. */
export declare const seal: ((buf: Uint8Array, start: number, end: number) => number) | null;
