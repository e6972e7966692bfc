// qrcode's Node build (PNG and SVG). Its package maps the bare import to the browser
// build, which has no PNG renderer, so the Worker imports the Node entry by path.
declare module "qrcode/lib/server.js" {
  export { toBuffer, toString } from "qrcode";
}
