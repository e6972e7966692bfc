// Numbers that only grow, also across an actor's restarts and hibernation (which forget the last
// one): microseconds of the clock, or one more than the last when the clock has not moved on.
export function increasingIds(): () => number {
  let last = 0;
  return () => (last = Math.max(last + 1, Date.now() * 1000));
}
