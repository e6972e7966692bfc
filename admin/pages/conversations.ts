// Conversations (F012): search, transcripts, and export as Excel or PDF with progress.
import { useState } from "preact/hooks";
import * as z from "zod";
import { callChecked, query, request, type Session } from "../api";
import { readExport } from "../export/read-stream";
import { loadLazy, vendorFile } from "../lazy-loader";
import { Alert, Badge, Card, fmtDate, fmtTime, formValues, html, STATUS_NAMES, useLoad } from "../ui";
import { adminConversationSchema, adminStaffSchema } from "../../protocol";
import { AWAITING_LABEL } from "../../client/inbox-state";
import { Transcript } from "./transcript";

const PAGE = 20;
const DAY = 86_400_000;

/** Date inputs ("2026-01-05") to a [from, to) range in local time, the end day included. */
function rangeOf(v: Record<string, string>): { from?: number; to?: number } {
  const at = (d: string) => new Date(`${d}T00:00:00`).getTime();
  return { from: v.from ? at(v.from) : undefined, to: v.to ? at(v.to) + DAY : undefined };
}

function download(bytes: Uint8Array, name: string, type: string) {
  const url = URL.createObjectURL(new Blob([bytes as BlobPart], { type }));
  const a = Object.assign(document.createElement("a"), { href: url, download: name });
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

function Exporter(props: { filter: Record<string, string | number | undefined> }) {
  const [progress, setProgress] = useState<{ done: number; total: number; stage: string } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const run = async (format: "xlsx" | "pdf") => {
    setError(null);
    setProgress({ done: 0, total: 0, stage: "正在读取会话" });
    try {
      const res = await request(`/api/admin/conversations/export?${query(props.filter)}`);
      const data = await readExport(res, (done, total) => setProgress({ done, total, stage: "正在读取会话" }));
      setProgress({ done: data.length, total: data.length, stage: "正在生成文件" });
      const stamp = fmtDate(Date.now());
      if (format === "xlsx") {
        // The export libraries load only when an export is asked for.
        const { buildXlsx } = await loadLazy();
        download(await buildXlsx(data), `会话记录-${stamp}.xlsx`, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
      } else {
        const [font, wasm, { buildPdf }] = await Promise.all([vendorFile("vendor/NotoSansHans-Regular.otf"), vendorFile("vendor/harfbuzz-subset.wasm"), loadLazy()]);
        download(await buildPdf(data, { font, wasm }), `会话记录-${stamp}.pdf`, "application/pdf");
      }
      setProgress(null);
    } catch (e) {
      setError((e as Error).message);
      setProgress(null);
    }
  };
  const pct = progress && progress.total > 0 ? Math.round((progress.done / progress.total) * 100) : 0;
  return html`<div class="exporter">
    <button onClick=${() => run("xlsx")} disabled=${!!progress}>导出 Excel</button>
    <button onClick=${() => run("pdf")} disabled=${!!progress}>导出 PDF</button>
    ${progress
      ? html`<div class="progress" role="progressbar" aria-valuenow=${pct}><div style=${`width:${pct}%`}></div><span>${progress.stage} ${progress.done}/${progress.total}</span></div>`
      : null}
    ${error ? html`<span class="error-text">${error}</span>` : null}
  </div>`;
}

export function ConversationsPage(props: { session: Session; param?: string }) {
  const [filter, setFilter] = useState<Record<string, string | number | undefined>>({});
  const [offset, setOffset] = useState(0);
  const staff = useLoad(() => callChecked("/api/admin/staff", z.object({ staff: z.array(adminStaffSchema) })), []);
  const copyDays = useLoad(
    () => callChecked("/api/admin/settings", z.object({ settings: z.object({ messageCopyDays: z.number() }) })).then((r) => r.settings.messageCopyDays),
    [],
  );
  const list = useLoad(
    () => callChecked(`/api/admin/conversations?${query({ ...filter, limit: PAGE, offset })}`, z.object({ items: z.array(adminConversationSchema), total: z.number() })),
    [JSON.stringify(filter), offset],
  );
  const names = Object.fromEntries((staff.data?.staff ?? []).map((s) => [s.id, s.name]));
  const search = (e: Event) => {
    e.preventDefault();
    const v = formValues(e.currentTarget as HTMLFormElement);
    setOffset(0);
    // 待回复 is a view over the open conversations, not a status of its own.
    const view = v.status === "awaiting" ? { awaiting: "true" } : { status: v.status || undefined };
    setFilter({ ...rangeOf(v), staffId: v.staffId || undefined, customer: v.customer || undefined, keyword: v.keyword || undefined, ...view });
  };
  const total = list.data?.total ?? 0;
  return html`<div class=${props.param ? "grid split" : "grid"}>
    <${Card} title="会话查询" actions=${html`<${Exporter} filter=${filter} />`}>
      <form class="row filters" onSubmit=${search}>
        <label>开始日期<input type="date" name="from" /></label>
        <label>结束日期<input type="date" name="to" /></label>
        <label>客服<select name="staffId"><option value="">全部客服</option>${(staff.data?.staff ?? []).map((s) => html`<option value=${s.id}>${s.name}（${s.code}）</option>`)}</select></label>
        <label>顾客<input name="customer" placeholder="昵称、电话或 ID" /></label>
        <label>消息内容<input name="keyword" placeholder="关键词" maxlength="100" /></label>
        <label>状态<select name="status"><option value="">全部</option><option value="awaiting">待回复</option>${Object.entries(STATUS_NAMES).map(([k, n]) => html`<option value=${k}>${n}</option>`)}</select></label>
        <button type="submit" class="primary">查询</button>
      </form>
      <p class="muted small" data-testid="keyword-scope">内容搜索覆盖最近 ${copyDays.data ?? "…"} 天结束的会话（及进行中的会话）；更早的会话可按时间、客服、顾客和状态查询，记录和导出完整。</p>
      <${Alert} error=${list.error} />
      <div class="table-wrap"><table class="table" data-testid="conversation-table">
        <thead><tr><th>开始时间</th><th>顾客</th><th>客服</th><th>状态</th><th>消息</th><th>评分</th><th>结果</th><th>最后消息</th></tr></thead>
        <tbody>
          ${(list.data?.items ?? []).map(
            (c) => html`<tr class=${`clickable ${props.param === c.id ? "selected" : ""}`} data-id=${c.id} onClick=${() => (location.hash = `#/conversations/${c.id}`)}>
              <td><a href=${`#/conversations/${c.id}`}>${fmtTime(c.startedAt)}</a></td><td>${c.customerName}</td><td>${c.staffName}</td>
              <td><${Badge} kind=${c.status}>${STATUS_NAMES[c.status]}<//>${c.awaitingReply ? html` <${Badge} kind="awaiting">${AWAITING_LABEL}<//>` : null}</td><td>${c.messageCount}</td>
              <td>${c.rating ? "★".repeat(c.rating) : "—"}</td>
              <td>${c.resolved ? html`<${Badge} kind="online">已解决<//>` : null} ${c.converted ? html`<${Badge} kind="info">已转化<//>` : null}</td>
              <td class="ellipsis">${c.lastMessagePreview}</td>
            </tr>`,
          )}
        </tbody>
      </table></div>
      <div class="pager">
        <span class="muted">共 ${total} 个会话</span>
        <button disabled=${offset === 0} onClick=${() => setOffset(Math.max(0, offset - PAGE))}>上一页</button>
        <span>${Math.floor(offset / PAGE) + 1} / ${Math.max(1, Math.ceil(total / PAGE))}</span>
        <button disabled=${offset + PAGE >= total} onClick=${() => setOffset(offset + PAGE)}>下一页</button>
      </div>
    <//>
    ${props.param
      ? html`<${Card} title="会话详情" actions=${html`<a class="button" href=${`#/workbench/${props.param}`}>在工作台中处理</a><a class="button ghost" href="#/conversations">关闭</a>`}><${Transcript} id=${props.param} names=${names} /><//>`
      : null}
  </div>`;
}
