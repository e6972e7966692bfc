// The workbench's conversation list: the HTTP page merged with the live StaffRoom feed (shared
// client library), filters, red dots. Supervisors and admins may list everyone's conversations.
import { useEffect, useRef, useState } from "preact/hooks";
import { socketTarget } from "../../client/api";
import { inboxRows, type InboxFilter, rangeStart, removeItem, TIME_RANGES, totalUnread, upsertItem, viewQuery, AWAITING_LABEL } from "../../client/inbox-state";
import { StaffFeed } from "../../client/staff-feed";
import type { InboxItem, Presence } from "../../protocol";
import { isManager, kefu, type Session } from "../api";
import { html, STATUS_NAMES } from "../ui";

export type InboxScope = "mine" | "all";
/** Everyone's list has no feed of its own: it is read again this often. */
const ALL_REFRESH_MS = 5000;

export function useInbox(
  session: Session,
  filter: InboxFilter,
  scope: InboxScope,
  onCustomerMessage: (item: InboxItem) => void,
  onRemoved: (conversationId: string, reason: "transfer" | "ended") => void,
) {
  const [items, setItems] = useState<InboxItem[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [presence, setPresence] = useState<Presence>("offline");
  const [connected, setConnected] = useState(false);
  const feed = useRef<StaffFeed | null>(null);
  const unread = useRef(new Map<string, number>());
  const latest = useRef({ filter, onCustomerMessage, onRemoved });
  latest.current = { filter, onCustomerMessage, onRemoved };

  useEffect(() => {
    const f = new StaffFeed({
      ...socketTarget(location.origin),
      staffId: session.id,
      ticket: () => kefu.socketTicket(),
      events: {
        presence: setPresence,
        status: setConnected,
        inbox: (item) => {
          const before = unread.current.get(item.id) ?? 0;
          unread.current.set(item.id, item.unread);
          if (item.unread > before) latest.current.onCustomerMessage(item);
          setItems((list) => upsertItem(list, item, latest.current.filter));
        },
        remove: (id, reason) => {
          latest.current.onRemoved(id, reason);
          setItems((list) => removeItem(list, id));
        },
      },
    });
    feed.current = f;
    return () => f.close();
  }, [session.id]);

  useEffect(() => {
    let live = true;
    const load = () =>
      kefu
        .inbox({ ...viewQuery(filter.status), from: rangeStart(filter.range), limit: 50, staffId: scope === "mine" && isManager(session) ? session.id : undefined })
        .then(
          (r) => {
            if (!live) return;
            for (const i of r.items) if (!unread.current.has(i.id)) unread.current.set(i.id, i.unread);
            setItems(r.items);
            setError(null);
          },
          (e: Error) => live && setError(e.message),
        );
    void load();
    const timer = scope === "all" ? setInterval(load, ALL_REFRESH_MS) : undefined;
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, [filter.status, filter.range, scope]);

  return { items, error, presence, connected, setStatus: (p: "online" | "busy") => feed.current?.setStatus(p) };
}

export function InboxList(props: {
  session: Session;
  items: InboxItem[];
  openId?: string;
  filter: InboxFilter;
  scope: InboxScope;
  names: Record<string, string>;
  onFilter: (f: InboxFilter) => void;
  onScope: (s: InboxScope) => void;
}) {
  const rows = inboxRows(props.items, (p) => p ?? "");
  const manager = isManager(props.session);
  return html`<section class="inbox" aria-label="会话列表">
    <div class="inbox-filters">
      ${manager
        ? html`<label>范围<select value=${props.scope} onChange=${(e: Event) => props.onScope((e.target as HTMLSelectElement).value as InboxScope)}>
            <option value="all">全部客服的会话</option><option value="mine">我的会话</option>
          </select></label>`
        : null}
      <label>状态<select value=${props.filter.status ?? ""} onChange=${(e: Event) => props.onFilter({ ...props.filter, status: ((e.target as HTMLSelectElement).value || undefined) as InboxFilter["status"] })}>
        <option value="">全部状态</option><option value="awaiting">${AWAITING_LABEL}</option>${Object.entries(STATUS_NAMES).map(([k, n]) => html`<option value=${k}>${n}</option>`)}
      </select></label>
      <label>时间<select value=${props.filter.range} onChange=${(e: Event) => props.onFilter({ ...props.filter, range: (e.target as HTMLSelectElement).value as InboxFilter["range"] })}>
        ${TIME_RANGES.map((r) => html`<option value=${r.value}>${r.label}</option>`)}
      </select></label>
    </div>
    <p class="muted small">共 ${rows.length} 个会话 · 未读 ${totalUnread(props.items)}</p>
    <ul class="inbox-list" data-testid="inbox">
      ${rows.map(
        (r, i) => html`<li>
          <a href=${`#/workbench/${r.id}`} class=${`inbox-row ${r.id === props.openId ? "selected" : ""}`} data-id=${r.id} aria-current=${r.id === props.openId ? "true" : undefined}>
            <span class="inbox-avatar" aria-hidden="true">${r.name.slice(0, 1)}</span>
            <span class="inbox-main">
              <span class="inbox-top"><b>${r.name}</b><small>${r.time}</small></span>
              <span class="inbox-preview">${r.preview}</span>
              <span class="inbox-meta">
                <span class=${`badge ${r.awaitingReply ? "awaiting" : r.status}`}>${r.statusLabel}</span>
                ${manager ? html`<small>${props.names[props.items[i].staffId] ?? ""}</small>` : null}
              </span>
            </span>
            ${r.unread ? html`<span class="dot" aria-label=${`${r.unread} 条未读`}>${r.badge}</span>` : null}
          </a>
        </li>`,
      )}
    </ul>
  </section>`;
}
