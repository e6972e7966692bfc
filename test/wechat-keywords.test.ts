// Subscribe-message keyword types, stable_token's overlap and force-refresh limits, and
// msg_sec_check's limits: the fake WeChat enforces WeChat's documented rules, and the values
// the server formats for every keyword type pass them.
//   npx tsx --test test/wechat-keywords.test.ts
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { createWechatClient, WechatError, type WechatClient } from "../domain/wechat/client";
import { keywordText, keywordTime } from "../domain/wechat/keywords";
import { fakeOpenid, keywordValueValid, MSG_SEC_CHECK_QUOTA, startFakeWechat, type FakeWechat } from "../fake-wechat/server";
import { pushTemplateConfigSchema, TEXT_KEYWORD_TYPES } from "../protocol";

const AWKWARD = [
  "",
  "   ",
  "客服小李",
  "Li Lei",
  "小李 Li-01",
  "您好，我们已收到您的订单，明天上午发货，请注意查收快递信息",
  "Order #A-1029 shipped, tracking SF1234567890123456789012345",
  "☎ +86-0766-66888866 转 802",
  "🙏🙏🙏",
  "12.50元",
  "\n\t多行\n文本\t",
];

describe("keyword values", () => {
  test("every text type's value passes WeChat's rule, whatever the text", () => {
    for (const type of TEXT_KEYWORD_TYPES) {
      for (const text of AWKWARD) {
        const value = keywordText(`${type}1`, text);
        assert.ok(value.length > 0, `${type}: ${JSON.stringify(text)} gave an empty value`);
        assert.ok(keywordValueValid(`${type}1`, value), `${type}: ${JSON.stringify(text)} → ${JSON.stringify(value)} is refused`);
      }
    }
  });

  test("time and date values pass their rules", () => {
    const at = Date.UTC(2026, 4, 1, 6, 5);
    assert.equal(keywordTime("time3", at, 480), "2026年5月1日 14:05");
    assert.equal(keywordTime("date3", at, 480), "2026年5月1日");
    assert.ok(keywordValueValid("time3", keywordTime("time3", at, 480)));
    assert.ok(keywordValueValid("date3", keywordTime("date3", at, 480)));
  });

  test("truncation keeps what fits: thing 20 (ellipsis), name 10 Han, phrase 5 Han, character_string 32", () => {
    assert.equal([...keywordText("thing2", "一二三四五六七八九十一二三四五六七八九十一")].length, 20);
    assert.equal(keywordText("name1", "欧阳小明同学的客服名字特别长"), "欧阳小明同学的客服名");
    assert.equal(keywordText("phrase4", "已发货，请查收"), "已发货请查");
    assert.equal(keywordText("character_string5", "SF 1234-5678"), "SF1234-5678");
    assert.equal(keywordText("number6", "共 3 件"), "3");
  });

  test("the admin picks the type through the key; keys of unknown or mismatched types are refused", () => {
    const ok = pushTemplateConfigSchema.safeParse({ templateId: "TPL_REPLY", fields: { sender: "name1", summary: "phrase2", time: "date3" } });
    assert.ok(ok.success);
    for (const fields of [{ sender: "amount1" }, { time: "thing3" }, { summary: "time2" }, { sender: "thing" }]) {
      assert.equal(pushTemplateConfigSchema.safeParse({ templateId: "TPL_REPLY", fields }).success, false, JSON.stringify(fields));
    }
  });
});

describe("the fake WeChat", () => {
  let clock = Date.UTC(2026, 0, 1);
  let fake: FakeWechat;
  let wx: WechatClient;
  before(async () => {
    fake = await startFakeWechat({ tokenLifetimeS: 600, now: () => clock });
    wx = createWechatClient({ baseUrl: fake.url, appid: fake.appid, secret: fake.secret });
  });
  after(() => fake.close());

  async function errcode(p: Promise<unknown>): Promise<number> {
    try {
      await p;
      return 0;
    } catch (error) {
      assert.ok(error instanceof WechatError, String(error));
      return error.errcode;
    }
  }

  test("subscribe/send refuses values outside their keyword type, and empty values", async () => {
    const { access_token } = await wx.stableToken();
    const send = (data: Record<string, string>) =>
      errcode(
        wx.sendSubscribe(access_token, {
          touser: fakeOpenid("kw"),
          template_id: "TPL_REPLY",
          page: "pages/chat/chat",
          data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, { value: v }])),
          miniprogram_state: "developer",
        }),
      );
    assert.equal(await send({ thing1: "小李", phrase2: "已回复", time3: "2026年5月1日 14:05" }), 0);
    const refused: Record<string, string>[] = [
      { thing1: "" },
      { thing1: "一二三四五六七八九十一二三四五六七八九十一" },
      { name1: "小李01" },
      { name1: "欧阳小明同学的客服名字" },
      { phrase2: "已回复了" + "哦" + "！" },
      { phrase2: "ok" },
      { character_string3: "有中文" },
      { number4: "3件" },
      { letter5: "abc1" },
      { symbol6: "!!!!!!" },
      { phone_number7: "电话123" },
      { time8: "明天下午" },
      { date9: "5月1日" },
      { unknowntype1: "x" },
    ];
    for (const data of refused) assert.equal(await send(data), 47003, JSON.stringify(data));
  });

  test("stable_token: a new token in the last 5 minutes while the old one still works; force refresh limits", async () => {
    fake.reset();
    const a = await wx.stableToken();
    clock += 299_000; // 301 s left: still the same token
    assert.equal((await wx.stableToken()).access_token, a.access_token);
    clock += 2_000; // 299 s left: a new one, and the old one keeps working until it expires
    const b = await wx.stableToken();
    assert.notEqual(b.access_token, a.access_token);
    const check = (token: string) => errcode(wx.msgSecCheck(token, { content: "你好", version: 2, scene: 2, openid: fakeOpenid("kw-visit") }));
    await wx.code2session("kw-visit");
    assert.equal(await check(a.access_token), 0);
    clock += 300_000;
    assert.equal(await check(a.access_token), 42001);
    assert.equal(await check(b.access_token), 0);

    // Force refresh: the old token ends at once; within 30 s another force refresh changes nothing.
    const c = await wx.stableToken(true);
    assert.equal(await check(b.access_token), 40001);
    assert.equal((await wx.stableToken(true)).access_token, c.access_token);
    // At most 20 a day.
    for (let i = 1; i < 20; i++) {
      clock += 31_000;
      await wx.stableToken(true);
    }
    clock += 31_000;
    assert.equal(await errcode(wx.stableToken(true)), 45009);
    clock += 86_400_000;
    assert.ok((await wx.stableToken(true)).access_token);
  });

  test("msg_sec_check: 2,500 characters at most, and only for users of this app seen in the last 2 hours", async () => {
    fake.reset();
    const check = async (openid: string, content = "你好") =>
      errcode(wx.msgSecCheck((await wx.stableToken()).access_token, { content, version: 2, scene: 2, openid }));
    await wx.code2session("kw-user");
    const user = fakeOpenid("kw-user");
    assert.equal(await check(user, "好".repeat(2500)), 0);
    assert.equal(await check(user, "好".repeat(2501)), 40097);
    assert.equal(await check(fakeOpenid("never-logged-in")), 43104);
    clock += 2 * 3600_000 + 1000;
    assert.equal(await check(user), 61010);
  });

  test("msg_sec_check: 4,000 calls a calendar minute (44991), then the next minute's", async () => {
    fake.reset();
    clock = Date.UTC(2026, 0, 3, 8, 20, 30);
    await wx.code2session("quota-user");
    const { access_token } = await wx.stableToken();
    const check = () => errcode(wx.msgSecCheck(access_token, { content: "你好", version: 2, scene: 2, openid: fakeOpenid("quota-user") }));
    for (let sent = 0; sent < MSG_SEC_CHECK_QUOTA.perMinute; sent += 200) {
      const answers = await Promise.all(Array.from({ length: 200 }, check));
      assert.deepEqual(new Set(answers), new Set([0]));
    }
    assert.equal(await check(), 44991);
    clock += 29_000; // 08:20:59: the same calendar minute
    assert.equal(await check(), 44991);
    clock += 1_000;
    assert.equal(await check(), 0);
  });
});

test("msg_sec_check: the day's quota (45009) is counted from midnight in China, not UTC", async () => {
  let clock = Date.UTC(2026, 0, 3, 15, 59, 0); // 23:59 in China
  const fake = await startFakeWechat({ now: () => clock, msgSecCheckQuota: { perMinute: 100, perDay: 3 } });
  try {
    const wx = createWechatClient({ baseUrl: fake.url, appid: fake.appid, secret: fake.secret });
    await wx.code2session("day-user");
    const { access_token } = await wx.stableToken();
    const check = () => wx.msgSecCheck(access_token, { content: "你好", version: 2, scene: 2, openid: fakeOpenid("day-user") }).then(() => 0, (e: WechatError) => e.errcode);
    assert.deepEqual([await check(), await check(), await check(), await check()], [0, 0, 0, 45009]);
    clock += 30_000; // 23:59:30, a new minute but the same day
    assert.equal(await check(), 45009);
    clock += 30_000; // 00:00 in China: a new day
    assert.equal(await check(), 0);
  } finally {
    await fake.close();
  }
});
