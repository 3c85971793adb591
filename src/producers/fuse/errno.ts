import { constants } from 'node:os';
import { ErrorCodes, VexfsError } from '../../errors.js';

/** Positive errno numbers of this platform by name (ENOENT → 2), from os.constants. */
const ERRNO = constants.errno as Record<string, number>;

/** Negative errno as fuse-native expects it (ENOENT → -2). */
export function neg(name: keyof typeof constants.errno): number {
  return -(ERRNO[name] ?? ERRNO.EIO!);
}

export const E = {
  EPERM: neg('EPERM'), ENOENT: neg('ENOENT'), EIO: neg('EIO'), E2BIG: neg('E2BIG'), EBADF: neg('EBADF'),
  EACCES: neg('EACCES'), EEXIST: neg('EEXIST'), EXDEV: neg('EXDEV'), ENOTDIR: neg('ENOTDIR'), EISDIR: neg('EISDIR'),
  EINVAL: neg('EINVAL'), ENOSPC: neg('ENOSPC'), EROFS: neg('EROFS'), ERANGE: neg('ERANGE'),
  ENAMETOOLONG: neg('ENAMETOOLONG'), ENOSYS: neg('ENOSYS'), ENOTEMPTY: neg('ENOTEMPTY'), ELOOP: neg('ELOOP'),
  ENODATA: neg('ENODATA'), EOPNOTSUPP: neg('EOPNOTSUPP'),
} as const;

const NAME_BY_NUMBER = new Map<number, string>(Object.entries(ERRNO).map(([name, n]) => [n, name]));

/**
 * Maps an error thrown by a Node fs call to fuse-native's negative errno, by its code
 * (ENOENT, EEXIST, ENOTEMPTY, EXDEV, ENOSPC, ...), so the application sees exactly what the
 * backing filesystem said. A VexfsError from the semantic hooks maps to ENOENT (unknown
 * collection) or EINVAL (bad input). Anything else (a bug) is EIO, never a silent success.
 */
export function toErrno(err: unknown): number {
  if (err instanceof VexfsError) {
    return err.code === ErrorCodes.UNKNOWN_COLLECTION || err.code === ErrorCodes.NOT_FOUND ? E.ENOENT : E.EINVAL;
  }
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string') {
    const n = ERRNO[code];
    if (n !== undefined) return -n;
  }
  return E.EIO;
}

/** 'ENOENT' for -2 (metric labels); 'ok' for 0 or a positive result. */
export function errnoName(result: number): string {
  if (result >= 0) return 'ok';
  return NAME_BY_NUMBER.get(-result) ?? `E${-result}`;
}
