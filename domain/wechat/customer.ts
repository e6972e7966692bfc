// Whether a customer can be reached through WeChat: H5 guests (openid `guest:<device>`) cannot.
export function hasWechatOpenid(openid: string | null | undefined): openid is string {
  return typeof openid === "string" && openid.length > 0 && !openid.startsWith("guest:");
}
