import { createHash } from 'node:crypto';

/**
 * A deterministic text embedding with the hashing trick: each word and word bigram is hashed
 * to a dimension and a sign, counts are log-scaled and the vector is L2-normalised. No model
 * download; texts sharing vocabulary land close under cosine distance. For demos and tests.
 */
export function hashEmbedding(text: string, dim = 384): Float32Array {
  const v = new Float32Array(dim);
  const words = text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
  const add = (token: string, weight: number) => {
    const h = createHash('sha1').update(token).digest();
    const idx = h.readUInt32LE(0) % dim;
    v[idx]! += (h[4]! & 1 ? 1 : -1) * weight;
  };
  for (let i = 0; i < words.length; i++) {
    add(words[i]!, 1);
    if (i + 1 < words.length) add(`${words[i]} ${words[i + 1]}`, 0.5);
  }
  let norm = 0;
  for (let i = 0; i < dim; i++) { const x = Math.sign(v[i]!) * Math.log1p(Math.abs(v[i]!)); v[i] = x; norm += x * x; }
  norm = Math.sqrt(norm);
  if (norm === 0) v[0] = 1; else for (let i = 0; i < dim; i++) v[i]! /= norm;
  return v;
}
