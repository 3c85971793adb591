/**
 * What the filesystem asks of the vector service (implemented in src/producers/vector),
 * so the FUSE producer never imports the vector code directly. All calls are synchronous
 * and fast (in-memory index); a VexfsError thrown here maps to EINVAL (bad input) or
 * ENOENT (unknown collection) for the application.
 */
export interface SemanticHooks {
  /** xattr user.vexfs.embedding set on `path` (float32 LE bytes or a JSON array); collection from user.vexfs.collection or null for default. */
  setEmbedding(path: string, value: Buffer, collection: string | null): void;
  /** The stored embedding of `path` as float32 LE bytes, or null. */
  getEmbedding(path: string): Buffer | null;
  /** xattr removed: drop the embedding of `path`. */
  removeEmbedding(path: string): void;
  /** The k files most similar to `path`, nearest first (for .vexfs/similar/<path>). */
  similar(path: string, k: number): Array<{ path: string; distance: number }>;
  /** A file was renamed: its embedding follows it. */
  renamed(from: string, to: string): void;
  /** A file was deleted: its embedding goes. */
  removed(path: string): void;
}
