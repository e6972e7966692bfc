// Shared view helpers: htm bound to preact, formatting, and small building blocks.
import { h, type ComponentChildren } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import htm from "htm";

export const html = htm.bind(h);

const pad = (n: number) => String(n).padStart(2, "0");
/** Local date and time, to the second. */
export function fmtTime(ms: number | null | undefined): string {
  if (!ms) return "—";
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}
export function fmtDate(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}
/** Seconds, rounded, as "45 秒", "2 分 05 秒" or, from an hour on, "1 小时 44 分". */
export function fmtSeconds(s: number | null | undefined): string {
  if (s === null || s === undefined) return "—";
  const whole = Math.round(s);
  if (whole < 60) return `${whole} 秒`;
  if (whole < 3600) return `${Math.floor(whole / 60)} 分 ${pad(whole % 60)} 秒`;
  return `${Math.floor(whole / 3600)} 小时 ${Math.floor((whole % 3600) / 60)} 分`;
}
export const fmtPct = (r: number | null | undefined) => (r === null || r === undefined ? "—" : `${(r * 100).toFixed(1)}%`);

export const ROLE_NAMES = { staff: "客服", supervisor: "主管", admin: "管理员" } as const;
export const PRESENCE_NAMES = { online: "在线", busy: "忙碌", offline: "离线" } as const;
export const STATUS_NAMES = { pending: "待接入", active: "进行中", ended: "已结束" } as const;

/** Runs an async loader and keeps its result, error and a reload function. */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[]): { data: T | null; error: string | null; reload: () => void } {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    load().then(
      (d) => live && (setData(d), setError(null)),
      // Old figures must not stay on screen under a new, failed query.
      (e: Error) => live && (setData(null), setError(e.message)),
    );
    return () => {
      live = false;
    };
  }, [...deps, tick]);
  return { data, error, reload: () => setTick((t) => t + 1) };
}

export function Card(props: { title?: string; actions?: ComponentChildren; children: ComponentChildren; class?: string }) {
  return html`<section class=${`card ${props.class ?? ""}`}>
    ${props.title || props.actions ? html`<header class="card-head"><h2>${props.title}</h2><div class="actions">${props.actions}</div></header>` : null}
    ${props.children}
  </section>`;
}

export function Alert(props: { error: string | null; ok?: string | null }) {
  if (props.error) return html`<div class="alert error" role="alert">${props.error}</div>`;
  if (props.ok) return html`<div class="alert ok" role="status">${props.ok}</div>`;
  return null;
}

const FOCUSABLE = 'a[href], button:not([disabled]), input:not([disabled]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

/** A dialog that takes focus, keeps Tab inside, closes on Esc and gives focus back to the opener. */
export function Modal(props: { title: string; onClose: () => void; children: ComponentChildren }) {
  const box = useRef<HTMLDivElement>(null);
  const close = useRef(props.onClose);
  close.current = props.onClose;
  useEffect(() => {
    const opener = document.activeElement as HTMLElement | null;
    const el = box.current!;
    const focusables = () => [...el.querySelectorAll<HTMLElement>(FOCUSABLE)];
    (focusables().find((f) => f.getAttribute("aria-label") !== "关闭") ?? el).focus();
    const onKey = (e: KeyboardEvent) => {
      if (e.key === "Escape") {
        e.preventDefault();
        close.current();
      } else if (e.key === "Tab") {
        const list = focusables();
        if (!list.length) return e.preventDefault();
        const i = list.indexOf(document.activeElement as HTMLElement);
        const next = e.shiftKey ? (i <= 0 ? list.length - 1 : i - 1) : i === list.length - 1 ? 0 : i + 1;
        e.preventDefault();
        list[next].focus();
      }
    };
    el.addEventListener("keydown", onKey);
    return () => {
      el.removeEventListener("keydown", onKey);
      opener?.focus();
    };
  }, []);
  return html`<div class="modal-backdrop" onClick=${(e: Event) => e.target === e.currentTarget && props.onClose()}>
    <div class="modal" role="dialog" aria-modal="true" aria-label=${props.title} ref=${box} tabindex="-1">
      <header class="card-head"><h2>${props.title}</h2><button class="ghost" onClick=${props.onClose} aria-label="关闭">✕</button></header>
      ${props.children}
    </div>
  </div>`;
}

export function Badge(props: { kind: string; children: ComponentChildren }) {
  return html`<span class=${`badge ${props.kind}`}>${props.children}</span>`;
}

/** Runs an action, reporting its error or success message. */
export function useAction() {
  const [error, setError] = useState<string | null>(null);
  const [ok, setOk] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const run = async (fn: () => Promise<unknown>, success?: string) => {
    setBusy(true);
    setError(null);
    setOk(null);
    try {
      await fn();
      if (success) setOk(success);
      return true;
    } catch (e) {
      setError((e as Error).message);
      return false;
    } finally {
      setBusy(false);
    }
  };
  return { error, ok, busy, run, setError };
}

/** Reads a form's named fields as strings. */
export function formValues(form: HTMLFormElement): Record<string, string> {
  return Object.fromEntries([...new FormData(form).entries()].map(([k, v]) => [k, String(v)]));
}

export function Kpi(props: { label: string; value: string; hint?: string; good?: boolean | null }) {
  const tone = props.good === null || props.good === undefined ? "" : props.good ? "good" : "bad";
  return html`<div class=${`kpi ${tone}`}><span class="label">${props.label}</span><strong>${props.value}</strong>${props.hint ? html`<small>${props.hint}</small>` : null}</div>`;
}
