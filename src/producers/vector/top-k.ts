/**
 * The `k` smallest of `dist[0..count)`, nearest first: writes their positions to `outPos` and
 * returns how many (min(k, count)). Ties keep the lower position first, so results are
 * deterministic. Insertion into a sorted window: O(count) while few candidates beat the k-th.
 */
export function selectTopK(dist: Float32Array, count: number, k: number, outPos: Int32Array, outDist: Float32Array): number {
  let n = 0;
  for (let i = 0; i < count; i++) {
    const d = dist[i]!;
    if (n === k && d >= outDist[k - 1]!) continue;
    let j = n < k ? n++ : k - 1;
    while (j > 0 && outDist[j - 1]! > d) { outDist[j] = outDist[j - 1]!; outPos[j] = outPos[j - 1]!; j--; }
    outDist[j] = d;
    outPos[j] = i;
  }
  return n;
}
