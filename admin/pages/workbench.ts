// The browser workbench (F003–F008 from a desk): staff work their own conversations; supervisors
// and admins watch any conversation live and act in it (reply as themselves, transfer, end, outcome).
import { useEffect, useState } from "preact/hooks";
import type { InboxFilter } from "../../client/inbox-state";
import { type ConversationStatus, type InboxItem, laterStatus } from "../../protocol";
import { isManager, kefu, type Session } from "../api";
import { OutcomeControls, TransferDialog } from "../workbench/actions";
import { assignedTo, Composer, Messages, useChat } from "../workbench/chat";
import { CustomerPanel } from "../workbench/customer-panel";
import { InboxList, type InboxScope, useInbox } from "../workbench/inbox";
import { enableNotifications, notificationsSupported, notifyCustomerMessage } from "../workbench/notify";
import { Alert, html, PRESENCE_NAMES, STATUS_NAMES, useAction, useLoad } from "../ui";

function ChatPane(props: { id: string; session: Session; names: Record<string, string>; transferredAway: boolean; listedStatus?: ConversationStatus }) {
  const { chat, error } = useChat(props.id, props.session);
  const colleagues = useLoad(() => kefu.colleagues(), []);
  const quick = useLoad(() => kefu.templates("quick_reply"), []);
  const [transferring, setTransferring] = useState(false);
  const [movedTo, setMovedTo] = useState<string | null>(null);
  const action = useAction();
  const manager = isManager(props.session);
  // Plain staff lose a conversation once it is transferred away (the room closes their socket).
  const lost = !manager && (props.transferredAway || movedTo !== null);
  useEffect(() => {
    if (lost) chat?.close();
  }, [lost, chat]);
  if (lost) return html`<section class="wb-chat"><p class="muted" role="status">该会话已转接给 ${movedTo ?? "其他客服"}</p></section>`;
  if (!chat || !chat.detail) return html`<section class="wb-chat"><p class="muted">${error ?? "加载中…"}</p></section>`;
  const detail = chat.detail;
  const staffId = assignedTo(chat) ?? detail.conversation.staffId;
  const mine = staffId === props.session.id;
  // The socket and the inbox list both report changes: the later one shows.
  const status = laterStatus(chat.status, props.listedStatus ?? chat.status);
  const end = () => {
    if (!confirm("确定结束这个会话吗？顾客将收到评价邀请。")) return;
    void action.run(() => kefu.end(props.id), "会话已结束");
  };
  return html`<section class="wb-chat" aria-label="会话">
    <header class="wb-chat-head">
      <div>
        <h2>${detail.conversation.customerName ?? "顾客"}</h2>
        <small class="muted">负责客服 <b data-testid="assigned">${props.names[staffId] ?? detail.staff.name}</b> · <span class=${`badge ${status}`}>${STATUS_NAMES[status]}</span>
        · <span class=${`live ${chat.connected ? "on" : ""}`}>${chat.connected ? "实时" : "连接中…"}</span>
        ${mine ? null : html` · <span class="badge info">旁听中，回复将以您的名义发送</span>`}</small>
      </div>
      <div class="actions">
        <${OutcomeControls} conversationId=${props.id} detail=${detail} />
        <button onClick=${() => setTransferring(true)} disabled=${chat.status === "ended"}>转接</button>
        <button onClick=${end} disabled=${chat.status === "ended" || action.busy}>结束会话</button>
      </div>
    </header>
    <${Alert} error=${action.error} ok=${action.ok} />
    <${Messages} chat=${chat} names=${props.names} />
    <${Composer} chat=${chat} quickReplies=${quick.data?.templates ?? []} />
    ${transferring
      ? html`<${TransferDialog}
          conversationId=${props.id}
          currentStaffId=${staffId}
          colleagues=${colleagues.data?.staff ?? []}
          onClose=${() => setTransferring(false)}
          onDone=${(name: string) => {
            setTransferring(false);
            if (manager) void action.run(async () => undefined, `已转接给 ${name}`);
            else setMovedTo(name);
          }}
        />`
      : null}
  </section>`;
}

export function WorkbenchPage(props: { session: Session; param?: string }) {
  const manager = isManager(props.session);
  const [filter, setFilter] = useState<InboxFilter>({ range: "all" });
  const [scope, setScope] = useState<InboxScope>(manager ? "all" : "mine");
  const [notify, setNotify] = useState(notificationsSupported() && Notification.permission === "granted");
  const colleagues = useLoad(() => kefu.colleagues(), []);
  const names = Object.fromEntries((colleagues.data?.staff ?? []).map((s) => [s.id, s.name]));
  const onCustomerMessage = (item: InboxItem) =>
    notifyCustomerMessage(`${item.customerName ?? "顾客"} 发来新消息`, item.lastMessagePreview ?? "", item.id === props.param, () => (location.hash = `#/workbench/${item.id}`));
  const [transferred, setTransferred] = useState<string[]>([]);
  const inbox = useInbox(props.session, filter, scope, onCustomerMessage, (id, reason) => reason === "transfer" && setTransferred((l) => [...l, id]));
  const [customerId, setCustomerId] = useState<string | null>(null);
  useEffect(() => {
    setCustomerId(null);
    if (props.param) kefu.conversation(props.param).then((d) => setCustomerId(d.conversation.customerId), () => undefined);
  }, [props.param]);
  return html`<div class="workbench">
    <div class="wb-bar">
      <span class=${`live ${inbox.connected ? "on" : ""}`}>${inbox.connected ? "已连接" : "连接中…"}</span>
      <label class="inline">我的状态
        <select value=${inbox.presence === "offline" ? "online" : inbox.presence} onChange=${(e: Event) => inbox.setStatus((e.target as HTMLSelectElement).value as "online" | "busy")}>
          <option value="online">${PRESENCE_NAMES.online}</option><option value="busy">${PRESENCE_NAMES.busy}</option>
        </select>
      </label>
      ${notificationsSupported() && !notify
        ? html`<button onClick=${() => enableNotifications().then(setNotify)}>开启新消息桌面通知</button>`
        : html`<small class="muted">${notify ? "新消息将以声音和桌面通知提醒" : "新消息将以声音提醒"}</small>`}
    </div>
    <${Alert} error=${inbox.error} />
    <div class=${`wb-grid ${props.param ? "open" : ""}`}>
      <${InboxList} session=${props.session} items=${inbox.items} openId=${props.param} filter=${filter} scope=${scope} names=${names} onFilter=${setFilter} onScope=${setScope} />
      ${props.param
        ? html`<${ChatPane} key=${props.param} id=${props.param} session=${props.session} names=${names} transferredAway=${transferred.includes(props.param)} listedStatus=${inbox.items.find((i) => i.id === props.param)?.status} />`
        : html`<section class="wb-chat empty"><p class="muted">从左侧选择一个会话</p></section>`}
      ${customerId && props.param ? html`<${CustomerPanel} customerId=${customerId} conversationId=${props.param} />` : null}
    </div>
  </div>`;
}
