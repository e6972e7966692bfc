// Authorization table: every route and room × every role gives the expected allow or deny.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ALWAYS_WORKING, RawSocket, useTestSystem } from "./harness";
import { callRoute, makeWorld, ROLES, ROOMS, type RouteCase, ROUTES, type World } from "./route-table";

let world: World;
const sys = useTestSystem({ extraSql: ALWAYS_WORKING }, async () => {
  world = await makeWorld(sys);
});

describe("authorization table", () => {
  // Routes that change state run after the others; signing out (every session of the caller's
  // account revoked) runs after the room checks, which join with the same tokens.
  const ordered = [...ROUTES.filter((r) => !r.last), ...ROUTES.filter((r) => r.last && !r.revokes)];
  const revoking = ROUTES.filter((r) => r.revokes);
  const checkRoute = (route: RouteCase) => {
    it(`${route.method} ${route.path({ conversationId: ":conversation", customerId: ":customer", staffId: ":staff", mediaKey: "media/:c/:f" } as World)}`, async () => {
      for (const role of ROLES) {
        const res = await callRoute(sys, world, route, world.tokens[role]);
        const what = `${role} → ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`;
        assert.ok(res.status < 500, what);
        if (route.allowed.includes(role)) {
          assert.ok(![401, 403].includes(res.status), `allowed ${what}`);
        } else {
          const expected = role === "anonymous" ? [401] : role === "otherCustomer" ? [403, 404] : [403];
          assert.ok(expected.includes(res.status), `denied ${what}`);
          assert.equal(typeof res.body.code, "string", what);
          assert.equal(typeof res.body.message, "string", what);
        }
      }
    });
  };
  for (const route of ordered) checkRoute(route);

  for (const room of ROOMS) {
    it(`socket ${room.name} room`, async () => {
      for (const role of ROLES) {
        const socket = new RawSocket(sys, room.path(world), world.tokens[role]);
        const outcome = await socket.opened.then(
          () => "open",
          (error: Error) => error.message,
        );
        socket.close();
        if (room.allowed.includes(role)) assert.equal(outcome, "open", `${role} may join the ${room.name} room`);
        else assert.match(outcome, role === "anonymous" ? /HTTP 401/ : /HTTP 40[34]/, `${role} may not join the ${room.name} room`);
      }
    });
  }
  for (const route of revoking) checkRoute(route);
});
