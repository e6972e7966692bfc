// Settings (F014): validated by the Worker, effective on the next request (no restart).
import * as z from "zod";
import { call, callChecked, type Session } from "../api";
import { Alert, Card, formValues, html, useAction, useLoad } from "../ui";
import { adminStaffSchema, type Settings } from "../../protocol";

const WEEKDAYS = ["一", "二", "三", "四", "五", "六", "日"];
const RULES = { exclusive_first: "专属客服优先", least_load: "按负载均衡分配" } as const;

/** The settings form's labels for the server's field paths ("workingHours.start: …"). */
const FIELD_LABELS: Record<string, string> = {
  assignmentRule: "分配规则",
  "workingHours.start": "上班时间",
  "workingHours.end": "下班时间",
  "workingHours.days": "工作日",
  workingHours: "工作时间",
  pushPerHour: "每小时推送上限",
  uploadMaxBytes: "上传文件大小上限",
  sessionTimeoutSeconds: "会话超时",
  retentionDays: "保留天数",
  messageCopyDays: "内容搜索天数",
  requireTotp: "动态验证码",
};

/** "workingHours.start: 时间格式应为 HH:MM" → "上班时间：时间格式应为 HH:MM". */
export function readableError(message: string): string {
  const m = /^([\w.]+): (.*)$/.exec(message);
  if (!m) return message;
  const path = m[1].replace(/\.\d+$/, "");
  const label = FIELD_LABELS[path] ?? FIELD_LABELS[path.split(".")[0]];
  return label ? `${label}：${m[2]}` : m[2];
}

export function SettingsPage(props: { session: Session }) {
  const admin = props.session.role === "admin";
  // The settings schema lives in domain/ (with the database code), so only the envelope is checked here.
  const settings = useLoad(
    () => callChecked("/api/admin/settings", z.object({ settings: z.record(z.string(), z.unknown()) })).then((r) => r as { settings: Settings }),
    [],
  );
  const staff = useLoad(() => callChecked("/api/admin/staff", z.object({ staff: z.array(adminStaffSchema) })), []);
  const action = useAction();
  const s = settings.data?.settings;
  if (!s) return html`<p class="muted">${settings.error ?? "加载中…"}</p>`;
  const submit = (e: Event) => {
    e.preventDefault();
    const form = e.currentTarget as HTMLFormElement;
    const v = formValues(form);
    const checked = (name: string) => [...form.querySelectorAll<HTMLInputElement>(`input[name="${name}"]:checked`)].map((i) => i.value);
    const patch = {
      assignmentRule: v.assignmentRule,
      workingHours: {
        enabled: checked("whEnabled").length > 0,
        start: v.start,
        end: v.end,
        days: checked("days").map(Number),
        utcOffsetMinutes: s.workingHours.utcOffsetMinutes,
      },
      pushPerHour: Number(v.pushPerHour),
      uploadMaxBytes: Math.round(Number(v.uploadMaxMb) * 1024 * 1024),
      sessionTimeoutSeconds: Math.round(Number(v.sessionTimeoutHours) * 3600),
      visitTimeoutSeconds: Math.round(Number(v.visitTimeoutMinutes) * 60),
      retentionDays: Number(v.retentionDays),
      messageCopyDays: Number(v.messageCopyDays),
      requireTotp: checked("requireTotp").length > 0,
    };
    action.run(async () => {
      await call("/api/admin/settings", { method: "PUT", body: patch }).catch((e: Error) => {
        throw new Error(readableError(e.message));
      });
      await call("/api/admin/on-duty", { method: "PUT", body: { staffIds: checked("onDuty") } });
      settings.reload();
      staff.reload();
    }, "设置已保存，立即生效");
  };
  return html`<${Card} title="系统设置">
    <form class="form settings" onSubmit=${submit}>
      <fieldset disabled=${!admin}>
        <h3>会话分配</h3>
        <label>分配规则<select name="assignmentRule">${Object.entries(RULES).map(([k, n]) => html`<option value=${k} defaultSelected=${k === s.assignmentRule}>${n}</option>`)}</select></label>
        <h3>工作时间</h3>
        <label class="check"><input type="checkbox" name="whEnabled" defaultChecked=${s.workingHours.enabled} />启用工作时间（之外由值班客服接待）</label>
        <div class="two"><label>上班<input name="start" defaultValue=${s.workingHours.start} placeholder="09:00" /></label><label>下班<input name="end" defaultValue=${s.workingHours.end} placeholder="18:00" /></label></div>
        <div class="row">${WEEKDAYS.map((d, i) => html`<label class="check"><input type="checkbox" name="days" value=${i + 1} defaultChecked=${s.workingHours.days.includes(i + 1)} />周${d}</label>`)}</div>
        <label>值班客服</label>
        <div class="row">${(staff.data?.staff ?? []).filter((p) => !p.disabled).map((p) => html`<label class="check"><input type="checkbox" name="onDuty" value=${p.id} defaultChecked=${p.isOnDuty} />${p.name}</label>`)}</div>
        <h3>限制</h3>
        <div class="three">
          <label>每位顾客每小时推送上限<input name="pushPerHour" type="number" defaultValue=${s.pushPerHour} /></label>
          <label>上传文件大小上限（MB）<input name="uploadMaxMb" type="number" step="any" defaultValue=${+(s.uploadMaxBytes / 1024 / 1024).toFixed(3)} /></label>
          <label>会话超时（小时）<input name="sessionTimeoutHours" type="number" step="any" defaultValue=${+(s.sessionTimeoutSeconds / 3600).toFixed(2)} /></label>
          <label title="进入后未发消息的访问不占接待量，超过此时间即失效">访问超时（分钟）<input name="visitTimeoutMinutes" type="number" step="any" defaultValue=${+(s.visitTimeoutSeconds / 60).toFixed(2)} /></label>
        </div>
        <h3>数据保留</h3>
        <label>聊天记录和媒体文件保留天数<input name="retentionDays" type="number" min="1" max="3650" defaultValue=${s.retentionDays} /></label>
        <p class="muted small">超过保留期的消息和图片、语音文件会被定时任务删除（会话和统计数字保留）。</p>
        <label>内容搜索覆盖天数<input name="messageCopyDays" type="number" min="1" max="183" defaultValue=${s.messageCopyDays} /></label>
        <p class="muted small">会话结束超过此天数后，其消息只保存在会话自身的存储中：记录、导出和统计照常，按消息内容搜索只覆盖这段时间。数值越大，数据库占用越多（按需求负载每天约 6 GB，上限 10 GB）。</p>
        <h3>安全</h3>
        <label class="check"><input type="checkbox" name="requireTotp" defaultChecked=${s.requireTotp} />所有账号登录必须使用动态验证码</label>
        <${Alert} error=${action.error} ok=${action.ok} />
        ${admin ? html`<button class="primary" type="submit" disabled=${action.busy}>保存设置</button>` : html`<p class="muted">仅管理员可修改设置</p>`}
      </fieldset>
    </form>
  <//>`;
}
