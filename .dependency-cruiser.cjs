// Import rules checked by `npm test` (scripts/check-deps.ts): no cycle between files or between
// top-level folders, and the server's layers point one way: worker → rooms → domain → protocol.
const layer = (name, from, allowed) => ({
  name,
  severity: "error",
  comment: `${from}/ may import only ${allowed.join(", ")}`,
  from: { path: `^${from}/` },
  to: { path: "^(protocol|domain|rooms|worker|client|admin|h5|miniprogram|fake-wechat|scripts|test|bench)/", pathNot: `^(${[from, ...allowed].join("|")})/` },
});

module.exports = {
  forbidden: [
    { name: "no-file-cycle", severity: "error", from: {}, to: { circular: true } },
    { name: "no-folder-cycle", severity: "error", scope: "folder", from: {}, to: { circular: true } },
    layer("protocol-is-the-bottom", "protocol", []),
    layer("domain-below-actors", "domain", ["protocol"]),
    layer("actors-below-edge", "rooms", ["domain", "protocol"]),
    layer("edge-on-top", "worker", ["rooms", "domain", "protocol"]),
    layer("client-library", "client", ["protocol"]),
    layer("admin-app", "admin", ["client", "protocol"]),
    layer("h5-app", "h5", ["client", "protocol"]),
    layer("mini-program", "miniprogram", ["client", "protocol"]),
    layer("fake-wechat-stands-alone", "fake-wechat", ["protocol"]),
    layer("scripts", "scripts", ["fake-wechat", "domain", "protocol"]),
    layer("bench", "bench", ["scripts", "fake-wechat", "client", "domain", "protocol"]),
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "(^|/)(node_modules|public|\\.wrangler)/|miniprogram/.*\\.js$" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: { extensions: [".ts", ".d.ts", ".js", ".json"] },
  },
};
