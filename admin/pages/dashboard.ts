import type { ComponentChildren } from "preact";
import { useEffect } from "preact/hooks";
import { callChecked } from "../api";
import { useMonitor } from "../monitor";
import { PushRateKpi } from "./reports";
import { Badge, Card, Kpi, fmtPct, fmtSeconds, fmtTime, html, PRESENCE_NAMES, ROLE_NAMES, useLoad } from "../ui";
import { STATS_TARGETS, type MonitorEntry, queueResultSchema, type QueueResult, type StatsResult, statsResultSchema } from "../../protocol";

export function TeamKpis(props: { stats: StatsResult; children?: ComponentChildren }) {
  const t = props.stats.team;
  const meets = (v: number | null, ok: (v: number) => boolean) => (v === null ? null : ok(v));
  return html`<div class="kpis">
    <${Kpi} label="会话数" value=${String(t.conversations)} hint=${`服务顾客 ${t.customersServed} 人`} />
    <${Kpi} label="回复消息" value=${String(t.messagesReplied)} />
    <${Kpi} label="首次响应" value=${fmtSeconds(t.firstResponseSeconds)} hint="目标 < 5 分钟" good=${meets(t.firstResponseSeconds, (v) => v < STATS_TARGETS.firstResponseSeconds)} />
    <${Kpi} label="平均响应" value=${fmtSeconds(t.avgResponseSeconds)} hint="目标 < 3 分钟" good=${meets(t.avgResponseSeconds, (v) => v < STATS_TARGETS.avgResponseSeconds)} />
    <${Kpi} label="满意度" value=${fmtPct(t.satisfaction)} hint="目标 > 90%" good=${meets(t.satisfaction, (v) => v > STATS_TARGETS.satisfaction)} />
    <${Kpi} label="解决率" value=${fmtPct(t.resolutionRate)} hint="目标 > 85%" good=${meets(t.resolutionRate, (v) => v > STATS_TARGETS.resolutionRate)} />
    <${Kpi} label="转化率" value=${fmtPct(t.conversionRate)} />
    ${props.children}
  </div>`;
}

export function MonitorTable(props: { staff: MonitorEntry[] }) {
  return html`<table class="table" data-testid="monitor">
    <thead><tr><th>客服</th><th>工号</th><th>角色</th><th>状态</th><th>当前接待</th></tr></thead>
    <tbody>
      ${props.staff.map(
        (s) => html`<tr data-staff=${s.code}>
          <td>${s.name}</td><td>${s.code}</td><td>${ROLE_NAMES[s.role]}</td>
          <td><${Badge} kind=${s.presence}>${PRESENCE_NAMES[s.presence]}<//></td>
          <td><div class="load"><div class="load-bar" style=${`width:${Math.min(100, s.load * 10)}%`}></div><span>${s.load}</span></div></td>
        </tr>`,
      )}
    </tbody>
  </table>`;
}

const QUEUE_REFRESH_MS = 5000;

/** Conversations waiting for a reply, longest wait first; re-read every few seconds. */
export function QueueCard() {
  const queue = useLoad(() => callChecked("/api/admin/queue", queueResultSchema), []);
  useEffect(() => {
    const timer = setInterval(queue.reload, QUEUE_REFRESH_MS);
    return () => clearInterval(timer);
  }, []);
  const q: QueueResult | null = queue.data;
  const now = Date.now();
  return html`<${Card} title="待回复队列">
    ${q
      ? html`<div class="kpis small" data-testid="queue-counts">
            <${Kpi} label="等待首次回复" value=${String(q.counts.first)} good=${q.counts.first === 0} />
            <${Kpi} label="等待再次回复" value=${String(q.counts.again)} good=${q.counts.again === 0} />
          </div>
          <table class="table" data-testid="queue">
            <thead><tr><th>顾客</th><th>客服</th><th>类型</th><th>已等待</th><th>最后消息</th></tr></thead>
            <tbody>
              ${q.items.map(
                (i) => html`<tr data-id=${i.conversationId}>
                  <td><a href=${`#/workbench/${i.conversationId}`}>${i.customerName ?? "顾客"}</a></td><td>${i.staffName ?? "—"}</td>
                  <td><${Badge} kind=${i.kind === "first" ? "pending" : "info"}>${i.kind === "first" ? "首次回复" : "再次回复"}<//></td>
                  <td title=${fmtTime(i.waitingSince)}>${fmtSeconds(Math.max(0, Math.round((now - i.waitingSince) / 1000)))}</td>
                  <td class="ellipsis">${i.preview ?? ""}</td>
                </tr>`,
              )}
            </tbody>
          </table>
          ${q.items.length === 0 ? html`<p class="muted">没有等待回复的顾客</p>` : null}`
      : html`<p class="muted">${queue.error ?? "加载中…"}</p>`}
  <//>`;
}

const startOfToday = () => {
  const d = new Date();
  d.setHours(0, 0, 0, 0);
  return d.getTime();
};

export function DashboardPage() {
  const monitor = useMonitor();
  const from = startOfToday();
  const stats = useLoad(() => callChecked(`/api/admin/stats?from=${from}&to=${from + 86_400_000}`, statsResultSchema), []);
  const counts = { online: 0, busy: 0, offline: 0 };
  for (const s of monitor.staff) counts[s.presence]++;
  const load = monitor.staff.reduce((n, s) => n + s.load, 0);
  return html`<div class="grid">
    <${Card} title="今日概况">${stats.data ? html`<${TeamKpis} stats=${stats.data}><${PushRateKpi} range=${{ from, to: from + 86_400_000 }} /><//>` : html`<p class="muted">${stats.error ?? "加载中…"}</p>`}<//>
    <${QueueCard} />
    <${Card}
      title="实时在线监控"
      actions=${html`<span class=${`live ${monitor.connected ? "on" : ""}`}>${monitor.connected ? "实时连接中" : "连接中…"}</span>`}
    >
      <div class="kpis small">
        <${Kpi} label="在线" value=${String(counts.online)} />
        <${Kpi} label="忙碌" value=${String(counts.busy)} />
        <${Kpi} label="离线" value=${String(counts.offline)} />
        <${Kpi} label="进行中的会话" value=${String(load)} />
      </div>
      <${MonitorTable} staff=${monitor.staff} />
    <//>
  </div>`;
}
