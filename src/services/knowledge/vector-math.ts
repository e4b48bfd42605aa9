/** Scales a vector to length 1 (a zero vector stays zero), so cosine is a dot product. */
export function unitVector(v: number[]): number[] {
  let norm = 0;
  for (const x of v) norm += x * x;
  norm = Math.sqrt(norm);
  return norm === 0 ? v.map(() => 0) : v.map((x) => x / norm);
}

/** Cosine similarity of two unit vectors of the same length. */
export function cosine(a: number[], b: number[]): number {
  let dot = 0;
  for (let i = 0; i < a.length; i++) dot += (a[i] ?? 0) * (b[i] ?? 0);
  return dot;
}

/**
 * Reciprocal-rank fusion (Cormack et al. 2009): each ranking adds 1 / (k + rank) for the ids it
 * holds. Scores are divided by the best possible one (first in every ranking), so they fall in 0..1.
 */
export function reciprocalRankFusion(rankings: number[][], k = 60): { id: number; score: number }[] {
  const scores = new Map<number, number>();
  for (const ranking of rankings) {
    ranking.forEach((id, i) => {
      scores.set(id, (scores.get(id) ?? 0) + 1 / (k + i + 1));
    });
  }
  const best = rankings.length / (k + 1);
  return [...scores.entries()]
    .map(([id, score]) => ({ id, score: score / best }))
    .sort((a, b) => b.score - a.score || a.id - b.id);
}
