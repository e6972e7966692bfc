// A circuit breaker for WeChat's content check. Each check holds up the sender's ack until WeChat
// answers or CONTENT_CHECK_TIMEOUT_MS passes, so while WeChat is down or slow every customer
// message would wait the whole timeout. After FAILURES_TO_PAUSE checks in a row without an
// answer, checks pause (text is flagged for staff review without asking); when the pause is
// over one check tries WeChat while the others stay flagged, and its answer closes the breaker
// or pauses again.

export const FAILURES_TO_PAUSE = 5;
export const DEFAULT_PAUSE_MS = 30_000;

export class CheckBreaker {
  private failuresInARow = 0;
  private pausedUntil = 0;

  /** Whether a check may ask WeChat now; after a pause the first one asked is the probe. */
  allows(now: number, probeMs: number): boolean {
    if (now < this.pausedUntil) return false;
    // The others wait for the probe's answer (at most its timeout).
    if (this.failuresInARow >= FAILURES_TO_PAUSE) this.pausedUntil = now + probeMs;
    return true;
  }

  /** WeChat answered in time (a verdict, or an error about this call rather than WeChat itself). */
  answered(): void {
    this.failuresInARow = 0;
    this.pausedUntil = 0;
  }

  /** WeChat did not answer in time, could not be reached, or said it is busy; true when this pauses checks. */
  failed(now: number, pauseMs: number): boolean {
    this.failuresInARow++;
    if (this.failuresInARow < FAILURES_TO_PAUSE) return false;
    this.pausedUntil = now + pauseMs;
    return true;
  }
}
