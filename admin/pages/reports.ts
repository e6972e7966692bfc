// Reports beside the statistics: activity per day or hour, satisfaction with the customers'
// comments, and the push log (status, reason, retry) with its arrival rate.
import { useState } from "preact/hooks";
import { callChecked, query } from "../api";
import { ColumnChart } from "../charts";
import { Alert, Badge, Card, fmtPct, fmtTime, html, Kpi, useAction, useLoad } from "../ui";
import { pushLogSchema, pushRecordSchema, satisfactionReportSchema, seriesResultSchema, type PushRecord } from "../../protocol";

type Range = { from: number; to: number };
const pad = (n: number) => String(n).padStart(2, "0");
const offset = () => -new Date().getTimezoneOffset();

export function SeriesCard(props: { range: Range }) {
  const [bucket, setBucket] = useState<"day" | "hour">("day");
  const long = props.range.to - props.range.from > 7 * 86_400_000;
  const b = long ? "day" : bucket;
  const series = useLoad(
    () => callChecked(`/api/admin/reports/series?${query({ ...props.range, bucket: b, utcOffsetMinutes: offset() })}`, seriesResultSchema),
    [props.range.from, props.range.to, b],
  );
  const label = (at: number) => {
    const d = new Date(at);
    return b === "day" ? `${d.getMonth() + 1}/${d.getDate()}` : `${pad(d.getHours())}时`;
  };
  const points = series.data?.points ?? [];
  return html`<${Card}
    title="趋势"
    actions=${html`<label class="inline">粒度<select value=${b} onChange=${(e: Event) => setBucket((e.target as HTMLSelectElement).value as "day" | "hour")}>
      <option value="day">按天</option><option value="hour" disabled=${long}>按小时（最多 7 天）</option>
    </select></label>`}
  >
    ${series.data
      ? html`<div class="chart-grid" data-testid="series">
          <${ColumnChart} title="会话数" points=${points.map((p) => ({ label: label(p.at), value: p.conversations }))} />
          <${ColumnChart} title="客服回复消息" points=${points.map((p) => ({ label: label(p.at), value: p.staffMessages }))} />
          <${ColumnChart} title="顾客消息" points=${points.map((p) => ({ label: label(p.at), value: p.customerMessages }))} />
          <${ColumnChart} title="已解决会话" points=${points.map((p) => ({ label: label(p.at), value: p.resolved }))} />
        </div>`
      : html`<p class="muted">${series.error ?? "加载中…"}</p>`}
  <//>`;
}

const STARS = ["1 星", "2 星", "3 星", "4 星", "5 星"];

export function SatisfactionCard(props: { range: Range }) {
  const report = useLoad(() => callChecked(`/api/admin/reports/satisfaction?${query(props.range)}`, satisfactionReportSchema), [props.range.from, props.range.to]);
  const r = report.data;
  if (!r) return html`<${Card} title="满意度报告"><p class="muted">${report.error ?? "加载中…"}</p><//>`;
  return html`<${Card} title=${`满意度报告（共 ${r.rated} 个评价）`}>
    <div class="kpis small">
      ${r.distribution.map((n, i) => html`<div class="kpi"><span class="label">${STARS[i]}</span><strong>${n}</strong><small>${r.rated ? fmtPct(n / r.rated) : "—"}</small></div>`)}
    </div>
    <div class="table-wrap"><table class="table" data-testid="satisfaction">
      <thead><tr><th>时间</th><th>顾客</th><th>客服</th><th>评分</th><th>评价内容</th></tr></thead>
      <tbody>
        ${r.items.map(
          (i) => html`<tr data-id=${i.conversationId}>
            <td>${fmtTime(i.startedAt)}</td><td>${i.customerName ?? "—"}</td><td>${i.staffName ?? "—"}</td>
            <td aria-label=${`${i.rating} 星`}>${"★".repeat(i.rating)}</td><td>${i.comment ?? html`<span class="muted">（未留言）</span>`}</td>
          </tr>`,
        )}
      </tbody>
    </table></div>
  <//>`;
}

export const PUSH_STATUS_NAMES: Record<PushRecord["status"], string> = {
  pending: "发送中",
  sent: "已送达",
  failed: "失败",
  rate_limited: "超出频率限制",
  no_credit: "无订阅次数",
};
const WECHAT_ERRORS: Record<number, string> = {
  40003: "顾客的 openid 无效",
  40037: "订阅模板 ID 无效",
  41030: "跳转页面不存在或未发布",
  43101: "顾客拒收或未订阅此消息",
  47003: "模板参数不正确",
};

/** Why a push did not arrive, in words. */
export function pushReason(p: PushRecord): string {
  if (p.status === "rate_limited") return "该顾客本小时的推送次数已用完";
  if (p.status === "no_credit") return "顾客没有可用的订阅次数（需在小程序中同意订阅）";
  if (p.status !== "failed") return "";
  if (p.errcode === null) return "微信接口暂时无法访问";
  return `${WECHAT_ERRORS[p.errcode] ?? "微信返回错误"}（错误码 ${p.errcode}）`;
}

/** Share of pushes that reached WeChat in the period, beside the other KPIs. */
export function PushRateKpi(props: { range: Range }) {
  const log = useLoad(() => callChecked(`/api/admin/reports/pushes?${query(props.range)}`, pushLogSchema), [props.range.from, props.range.to]);
  const l = log.data;
  const finished = l ? l.counts.sent + l.counts.failed + l.counts.rate_limited + l.counts.no_credit : 0;
  return html`<${Kpi} label="推送到达率" value=${l ? fmtPct(l.arrivalRate) : "—"} hint=${l ? `${l.counts.sent} / ${finished} 条` : undefined} />`;
}

export function PushLogCard(props: { range: Range }) {
  const log = useLoad(() => callChecked(`/api/admin/reports/pushes?${query(props.range)}`, pushLogSchema), [props.range.from, props.range.to]);
  const action = useAction();
  const retry = (id: string) => action.run(() => callChecked(`/api/pushes/${id}/retry`, pushRecordSchema, { body: {} }).then(log.reload), "已重新推送");
  const l = log.data;
  if (!l) return html`<${Card} title="推送记录"><p class="muted">${log.error ?? "加载中…"}</p><//>`;
  return html`<${Card} title="推送记录">
    <div class="kpis small" data-testid="push-counts">
      <div class="kpi"><span class="label">推送到达率</span><strong>${fmtPct(l.arrivalRate)}</strong></div>
      ${(["sent", "failed", "rate_limited", "no_credit"] as const).map((s) => html`<div class="kpi"><span class="label">${PUSH_STATUS_NAMES[s]}</span><strong>${l.counts[s] ?? 0}</strong></div>`)}
    </div>
    <${Alert} error=${action.error} ok=${action.ok} />
    <div class="table-wrap"><table class="table" data-testid="push-log">
      <thead><tr><th>时间</th><th>顾客</th><th>客服</th><th>内容</th><th>状态</th><th>原因</th><th>操作</th></tr></thead>
      <tbody>
        ${l.items.map(
          (p) => html`<tr data-id=${p.id}>
            <td>${fmtTime(p.createdAt)}</td><td>${p.customerName ?? "—"}</td><td>${p.staffName ?? "—"}</td><td class="ellipsis">${p.summary}</td>
            <td><${Badge} kind=${p.status === "sent" ? "online" : p.status === "pending" ? "info" : "warn"}>${PUSH_STATUS_NAMES[p.status]}<//>${p.retryOf ? html` <small class="muted">重发</small>` : null}${p.clickedAt ? html` <small class="muted">已点击</small>` : null}</td>
            <td>${pushReason(p)}</td>
            <td>${p.retryable ? html`<button class="link" disabled=${action.busy} onClick=${() => retry(p.id)}>重新推送</button>` : null}</td>
          </tr>`,
        )}
      </tbody>
    </table></div>
    ${l.items.length === 0 ? html`<p class="muted">该时段没有推送</p>` : null}
  <//>`;
}
