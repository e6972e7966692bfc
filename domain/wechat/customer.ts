// Whether a customer can be reached through the mini program (pushes, content checks): H5 guests
// (`guest:<device>`) and H5 customers known only by an official-account openid (`oa:<openid>`) cannot.
export function hasWechatOpenid(openid: string | null | undefined): openid is string {
  return typeof openid === "string" && openid.length > 0 && !openid.startsWith("guest:") && !openid.startsWith("oa:");
}
