// Which of `count` actor instances a key belongs to ("shard-<n>"), the same in every isolate (FNV-1a).
export function shardOf(key: string, count: number): string {
  let h = 2166136261;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 16777619);
  return `shard-${(h >>> 0) % count}`;
}
