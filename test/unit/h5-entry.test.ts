// The H5 sign-in credentials (domain/auth/h5-entry.ts): web-authorization state and entry links.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ENTRY_LINK_TTL_MS, OAUTH_STATE_TTL_MS, signEntryLink, signOauthState, verifyEntryLink, verifyOauthState } from "../../domain/auth/h5-entry";
import { signToken, verifyToken } from "../../domain/auth/token";

const SECRET = "unit-test-secret-0123456789";
const NOW = 1_780_000_000_000;

describe("web-authorization state", () => {
  it("is letters and digits only, at most 128 bytes, as WeChat requires", async () => {
    const state = await signOauthState(SECRET, NOW);
    assert.match(state, /^[a-zA-Z0-9]{1,128}$/);
  });

  it("verifies until it expires, and only under its own secret and unchanged", async () => {
    const state = await signOauthState(SECRET, NOW);
    assert.equal(await verifyOauthState(SECRET, state, NOW + OAUTH_STATE_TTL_MS - 1), true);
    assert.equal(await verifyOauthState(SECRET, state, NOW + OAUTH_STATE_TTL_MS), false);
    assert.equal(await verifyOauthState("another-secret-0123456789", state, NOW), false);
    const flipped = state.slice(0, -1) + (state.endsWith("a") ? "b" : "a");
    assert.equal(await verifyOauthState(SECRET, flipped, NOW), false);
    // A later expiry cannot be written in: the signature covers it.
    const [, rest] = state.split("Z");
    assert.equal(await verifyOauthState(SECRET, `${(NOW + 86_400_000).toString(36)}Z${rest}`, NOW), false);
    assert.equal(await verifyOauthState(SECRET, "", NOW), false);
  });
});

describe("entry link", () => {
  it("names one customer and one staff member and expires", async () => {
    const { link, claims } = await signEntryLink(SECRET, "u_1", "s_1", NOW);
    assert.deepEqual(await verifyEntryLink(SECRET, link, NOW + 1), claims);
    assert.equal(claims.exp, NOW + ENTRY_LINK_TTL_MS);
    assert.equal(await verifyEntryLink(SECRET, link, NOW + ENTRY_LINK_TTL_MS), null);
    assert.notEqual((await signEntryLink(SECRET, "u_1", "s_1", NOW)).claims.jti, claims.jti, "every link is its own");
  });

  it("cannot pass for a login token, nor a login token for a link", async () => {
    const { link } = await signEntryLink(SECRET, "u_1", "s_1", NOW);
    assert.equal(await verifyToken(SECRET, link, NOW), null);
    const login = await signToken(SECRET, { sub: "u_1", role: "customer", exp: NOW + 60_000 });
    assert.equal(await verifyEntryLink(SECRET, login, NOW), null);
  });
});
