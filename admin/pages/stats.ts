// Statistics (F010): per staff, per group and for the team, with charts against the targets.
import { useState } from "preact/hooks";
import { callChecked, type Session } from "../api";
import { BarChart } from "../charts";
import { Alert, Card, fmtDate, fmtPct, fmtSeconds, formValues, html, useLoad } from "../ui";
import { STATS_TARGETS, statsResultSchema, type StatsRow } from "../../protocol";
import { TeamKpis } from "./dashboard";
import { PushLogCard, PushRateKpi, SatisfactionCard, SeriesCard } from "./reports";

const DAY = 86_400_000;
const midnight = (ms: number) => {
  const d = new Date(ms);
  d.setHours(0, 0, 0, 0);
  return d.getTime();
};
const PRESETS = [
  { label: "今天", days: 1 },
  { label: "近 7 天", days: 7 },
  { label: "近 30 天", days: 30 },
];
const presetRange = (days: number) => {
  const to = midnight(Date.now()) + DAY;
  return { from: to - days * DAY, to };
};

function StatsTable(props: { rows: StatsRow[]; first: string }) {
  return html`<table class="table numbers">
    <thead><tr><th>${props.first}</th><th>服务顾客</th><th>回复消息</th><th>首次响应</th><th>平均响应</th><th>会话</th><th>满意度</th><th>解决率</th><th>转化率</th></tr></thead>
    <tbody>
      ${props.rows.map(
        (r) => html`<tr data-key=${r.key}>
          <td>${r.name}</td><td>${r.customersServed}</td><td>${r.messagesReplied}</td>
          <td>${fmtSeconds(r.firstResponseSeconds)}</td><td>${fmtSeconds(r.avgResponseSeconds)}</td><td>${r.conversations}</td>
          <td>${fmtPct(r.satisfaction)}</td><td>${fmtPct(r.resolutionRate)}</td><td>${fmtPct(r.conversionRate)}</td>
        </tr>`,
      )}
    </tbody>
  </table>`;
}

const minutes = (s: number) => (s >= 60 ? `${(s / 60).toFixed(1)} 分` : `${s} 秒`);
const percent = (r: number) => `${Math.round(r * 100)}%`;

export function StatsPage(props: { session: Session; param?: string }) {
  const [range, setRange] = useState(() => {
    const m = props.param?.match(/^(\d+)-(\d+)$/);
    return m ? { from: Number(m[1]), to: Number(m[2]) } : presetRange(7);
  });
  const [rangeError, setRangeError] = useState<string | null>(null);
  const stats = useLoad(() => callChecked(`/api/admin/stats?from=${range.from}&to=${range.to}`, statsResultSchema), [range.from, range.to]);
  const custom = (e: Event) => {
    e.preventDefault();
    const v = formValues(e.currentTarget as HTMLFormElement);
    if (!v.from || !v.to) return setRangeError("请选择开始日期和结束日期");
    if (v.from > v.to) return setRangeError("开始日期不能晚于结束日期，请重新选择");
    setRangeError(null);
    setRange({ from: new Date(`${v.from}T00:00:00`).getTime(), to: new Date(`${v.to}T00:00:00`).getTime() + DAY });
  };
  const preset = (days: number) => {
    setRangeError(null);
    setRange(presetRange(days));
  };
  const s = stats.data;
  const bars = (pick: (r: StatsRow) => number | null) => (s?.staff ?? []).map((r) => ({ label: r.name, value: pick(r) }));
  return html`<div class="grid">
    <${Card}
      title=${`统计周期：${fmtDate(range.from)} 至 ${fmtDate(range.to - 1)}`}
      actions=${html`<div class="row">
        ${PRESETS.map((p) => html`<button class="ghost" onClick=${() => preset(p.days)}>${p.label}</button>`)}
        <form class="row" onSubmit=${custom}><input type="date" name="from" aria-label="开始日期" /><span>至</span><input type="date" name="to" aria-label="结束日期" /><button type="submit">查询</button></form>
      </div>`}
    >
      ${rangeError
        ? html`<${Alert} error=${rangeError} />`
        : s
          ? html`<${TeamKpis} stats=${s}><${PushRateKpi} range=${range} /><//>`
          : html`<${Alert} error=${stats.error} />${stats.error ? null : html`<p class="muted">加载中…</p>`}`}
    <//>
    ${s && !rangeError
      ? html`<${SeriesCard} range=${range} />
        <${SatisfactionCard} range=${range} />
        <${PushLogCard} range=${range} /><${Card} title="客服指标对比（虚线为目标）" class="charts">
          <div class="chart-grid">
            <${BarChart} title="首次响应时间" bars=${bars((r) => r.firstResponseSeconds)} target=${STATS_TARGETS.firstResponseSeconds} targetLabel="目标 5 分钟" format=${minutes} better="lower" />
            <${BarChart} title="平均响应时间" bars=${bars((r) => r.avgResponseSeconds)} target=${STATS_TARGETS.avgResponseSeconds} targetLabel="目标 3 分钟" format=${minutes} better="lower" />
            <${BarChart} title="满意度" bars=${bars((r) => r.satisfaction)} target=${STATS_TARGETS.satisfaction} targetLabel="目标 90%" format=${percent} better="higher" max=${1} />
            <${BarChart} title="解决率" bars=${bars((r) => r.resolutionRate)} target=${STATS_TARGETS.resolutionRate} targetLabel="目标 85%" format=${percent} better="higher" max=${1} />
          </div>
        <//>
        <${Card} title="客服明细"><${StatsTable} rows=${s.staff} first="客服" /><//>
        <${Card} title="分组与团队"><${StatsTable} rows=${[...s.groups, s.team]} first="分组" /><//>`
      : null}
  </div>`;
}
