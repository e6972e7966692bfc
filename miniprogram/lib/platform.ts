// The shared client library wired to WeChat: wx.request / wx.uploadFile, wx storage, wx.connectSocket.
import { ApiClient, type Transport, type TransportResponse } from "../../client/api";
import { type KeyValueStorage, SessionStore } from "../../client/session-store";
import { wxWebSocketClass } from "../../client/wx-socket";
import { apiBase } from "../config";

function parseBody(data: unknown): unknown {
  if (typeof data !== "string") return data;
  try {
    return JSON.parse(data);
  } catch {
    return data;
  }
}

/** Uploads are temp file paths (wx.chooseMedia, the recorder). */
export const wxTransport: Transport<string> = {
  request: ({ method, url, headers, body }) =>
    new Promise<TransportResponse>((resolve, reject) => {
      wx.request({
        url,
        method,
        header: headers,
        data: body,
        dataType: "text",
        responseType: "text",
        success: (res) => resolve({ status: res.statusCode, body: parseBody(res.data) }),
        fail: (err) => reject(new Error(err.errMsg)),
      });
    }),
  upload: ({ url, headers, file, fields }) =>
    new Promise<TransportResponse>((resolve, reject) => {
      wx.uploadFile({
        url,
        filePath: file,
        name: "file",
        formData: fields,
        header: headers,
        success: (res) => resolve({ status: res.statusCode, body: parseBody(res.data) }),
        fail: (err) => reject(new Error(err.errMsg)),
      });
    }),
};

export const wxStorage: KeyValueStorage = {
  get: (key) => {
    const value = wx.getStorageSync(key);
    return typeof value === "string" && value ? value : null;
  },
  set: (key, value) => wx.setStorageSync(key, value),
  remove: (key) => wx.removeStorageSync(key),
};

export const customerSession = new SessionStore(wxStorage, "kefu:customer");
export const staffSession = new SessionStore(wxStorage, "kefu:staff");

export const WxWebSocket = wxWebSocketClass((opts) => wx.connectSocket({ url: opts.url, protocols: opts.protocols, fail: opts.fail }));

export function customerApi(): ApiClient<string> {
  return new ApiClient({ baseUrl: apiBase(), transport: wxTransport, token: () => customerSession.token(), onUnauthorized: () => customerSession.clear() });
}

export function staffApi(): ApiClient<string> {
  return new ApiClient({ baseUrl: apiBase(), transport: wxTransport, token: () => staffSession.token(), onUnauthorized: () => staffSession.clear() });
}

/** A fresh wx.login code (each code is good for one server call). */
export function wxLoginCode(): Promise<string> {
  return new Promise<string>((resolve, reject) =>
    wx.login({ success: (res) => (res.code ? resolve(res.code) : reject(new Error("微信登录失败"))), fail: (err) => reject(new Error(err.errMsg)) }),
  );
}

/** The customer token, logging in with wx.login when there is none (or it expired). */
export async function ensureCustomer(api: ApiClient<string>): Promise<string> {
  const existing = customerSession.load();
  if (existing) return existing.token;
  const session = await api.loginCustomer(await wxLoginCode());
  customerSession.save(session);
  return session.token;
}

export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : "出错了，请稍后再试";
}

export function toast(title: string): void {
  wx.showToast({ title, icon: "none", duration: 2500 });
}
