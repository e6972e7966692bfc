// The PC console: supervisors and admins see everything; staff sign in to the workbench only.
// A Preact + htm single-page app.
import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import { isManager, loadSession, saveSession, type Session, setUnauthorizedHandler } from "./api";
import { AccountPage } from "./pages/account";
import { ConversationsPage } from "./pages/conversations";
import { CustomersPage } from "./pages/customers";
import { DashboardPage } from "./pages/dashboard";
import { LoginPage } from "./pages/login";
import { SettingsPage } from "./pages/settings";
import { StaffPage } from "./pages/staff";
import { StatsPage } from "./pages/stats";
import { TemplatesPage } from "./pages/templates";
import { WorkbenchPage } from "./pages/workbench";
import { html, ROLE_NAMES } from "./ui";

/** `staff`: plain staff may open it too (everything else is for supervisors and admins). */
type Route = { path: string; title: string; icon: string; page: (p: { session: Session; param?: string }) => unknown; staff?: boolean };
const ROUTES: Route[] = [
  { path: "dashboard", title: "总览", icon: "◎", page: DashboardPage },
  { path: "workbench", title: "工作台", icon: "✎", page: WorkbenchPage, staff: true },
  { path: "staff", title: "客服管理", icon: "☺", page: StaffPage },
  { path: "customers", title: "顾客", icon: "♜", page: CustomersPage },
  { path: "conversations", title: "会话记录", icon: "✉", page: ConversationsPage },
  { path: "stats", title: "统计报表", icon: "▤", page: StatsPage },
  { path: "templates", title: "模板", icon: "❏", page: TemplatesPage },
  { path: "settings", title: "系统设置", icon: "⚙", page: SettingsPage },
  { path: "account", title: "账号安全", icon: "⚿", page: AccountPage, staff: true },
];

function currentHash(): { path: string; param?: string } {
  const [path, param] = location.hash.replace(/^#\/?/, "").split("/");
  return { path, param: param ? decodeURIComponent(param) : undefined };
}

function App() {
  const [session, setSession] = useState<Session | null>(loadSession());
  const [route, setRoute] = useState(currentHash());
  const [notice, setNotice] = useState<string | undefined>(undefined);
  useEffect(() => {
    const onHash = () => setRoute(currentHash());
    addEventListener("hashchange", onHash);
    setUnauthorizedHandler((why) => {
      saveSession(null);
      setSession(null);
      setNotice(why ?? "登录已失效，请重新登录");
    });
    return () => removeEventListener("hashchange", onHash);
  }, []);
  if (!session) {
    return html`<${LoginPage} notice=${notice} onLogin=${(s: Session) => (saveSession(s), setSession(s), setNotice(undefined))} />`;
  }
  const routes = isManager(session) ? ROUTES : ROUTES.filter((r) => r.staff);
  const active = routes.find((r) => r.path === route.path) ?? routes[0];
  const logout = () => {
    saveSession(null);
    setSession(null);
  };
  return html`<div class="shell">
    <aside class="sidebar">
      <div class="brand"><span class="logo">客</span><div><strong>客服管理后台</strong><small>小程序客服系统</small></div></div>
      <nav>
        ${routes.map(
          (r) => html`<a href=${`#/${r.path}`} class=${r === active ? "active" : ""}><span class="icon">${r.icon}</span>${r.title}</a>`,
        )}
      </nav>
    </aside>
    <main class="main">
      <header class="topbar">
        <h1>${active.title}</h1>
        <div class="who">
          <span>${session.name}</span><span class="badge role">${ROLE_NAMES[session.role]}</span>
          <button class="ghost" onClick=${logout}>退出登录</button>
        </div>
      </header>
      <div class="content">${html`<${active.page} session=${session} param=${route.param} key=${active.path} />`}</div>
    </main>
  </div>`;
}

render(html`<${App} />`, document.getElementById("app")!);
