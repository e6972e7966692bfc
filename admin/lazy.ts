// Libraries the console needs only now and then (Excel and PDF export, QR codes for TOTP setup):
// a bundle of its own, loaded on first use by lazy-loader.ts, so the first load stays small.
import QRCode from "qrcode";
export { buildPdf } from "./export/pdf";
export { buildXlsx } from "./export/xlsx";

export const qrDataUrl = (text: string) => QRCode.toDataURL(text, { width: 220, margin: 1 });
