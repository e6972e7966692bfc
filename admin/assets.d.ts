/** Hashed URLs of the console's extra files, relative to /admin/ (set by scripts/build-assets.ts). */
declare const KEFU_ASSETS: { lazy: string; [vendorFile: string]: string };
