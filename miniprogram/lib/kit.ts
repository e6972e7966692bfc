// Everything pages and components take from the shared client library, zod and partysocket,
// bundled once into lib/kit.js; page and component bundles require it instead of each carrying
// a copy (the main package must stay under WeChat's 2 MB).
export * from "./platform";
export * from "./chat-page";
export * from "./subscribe";
export * from "./privacy";
export { ApiRequestError, socketTarget } from "../../client/api";
export { EMOJIS, PRESENCE_LABELS, STATUS_LABELS, timeLabel } from "../../client/format";
export { AWAITING_LABEL, inboxRows, rangeStart, removeItem, TIME_RANGES, totalUnread, upsertItem, viewQuery, type InboxFilter, type InboxView } from "../../client/inbox-state";
export { StaffFeed } from "../../client/staff-feed";
export type { Bubble } from "../../client/chat-session";
