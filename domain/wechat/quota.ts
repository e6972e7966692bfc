// When an API quota WeChat refused a call for is available again. WeChat counts quotas per
// calendar minute and per day from midnight in China (UTC+8), not over sliding windows.
import { WECHAT_ERRCODES } from "./client";

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
const CHINA_OFFSET_MS = 8 * 3600_000;

/** The next calendar minute or China day after `now` for a quota refusal, else null (another error). */
export function quotaBackAt(errcode: number, now: number): number | null {
  switch (errcode) {
    case WECHAT_ERRCODES.MINUTE_FREQUENCY:
    case WECHAT_ERRCODES.TOO_FREQUENT:
      return (Math.floor(now / MINUTE_MS) + 1) * MINUTE_MS;
    case WECHAT_ERRCODES.DAILY_QUOTA:
      return (Math.floor((now + CHINA_OFFSET_MS) / DAY_MS) + 1) * DAY_MS - CHINA_OFFSET_MS;
    default:
      return null;
  }
}
