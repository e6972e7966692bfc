// Values of subscribe-message keywords, shaped for the keyword's type (WeChat takes the type from
// the data key's name: `thing1`, `name2` …) so subscribe/send never fails with 47003:
//   thing ≤20 characters · name ≤10 Han characters, or ≤20 letters/symbols · phrase ≤5 Han characters
//   character_string ≤32 digits/letters/symbols · letter ≤32 letters · symbol ≤5 symbols
//   number ≤32 digits (a decimal point allowed) · phone_number ≤17 digits/symbols
//   time `2024年5月1日 14:05` (24-hour clock) · date `2024年5月1日`
// No value is ever empty (WeChat refuses empty values too): a fallback stands in.
import type { KeywordType } from "../../protocol";

const HAN = /\p{Script=Han}/u;
const LETTER = /[A-Za-z]/;
const DIGIT = /[0-9]/;
/** Printable ASCII punctuation and symbols. */
const SYMBOL = /[!-/:-@[-`{-~]/;

/** The keyword type of a data key (`thing12` → thing), or null for one this system cannot fill. */
export function keywordType(key: string): KeywordType | null {
  const m = /^([a-z_]+?)\d+$/.exec(key);
  const type = m?.[1];
  return type && type in FORMATS ? (type as KeywordType) : null;
}

/** Characters (code points) of `text`, whitespace collapsed and trimmed. */
function chars(text: string): string[] {
  return [...text.replace(/\s+/g, " ").trim()];
}

function cut(list: string[], max: number, ellipsis: boolean): string {
  if (list.length <= max) return list.join("");
  return ellipsis ? list.slice(0, max - 1).join("") + "…" : list.slice(0, max).join("");
}

const only = (text: string, ...allowed: RegExp[]) => chars(text).filter((c) => allowed.some((r) => r.test(c)));

type Format = (text: string) => string;

const FORMATS: Record<KeywordType, Format | null> = {
  thing: (t) => cut(chars(t), 20, true),
  name: (t) => {
    const kept = only(t, HAN, LETTER, SYMBOL);
    return kept.some((c) => HAN.test(c)) ? cut(kept, 10, false) : cut(kept, 20, false);
  },
  phrase: (t) => cut(only(t, HAN), 5, false),
  character_string: (t) => cut(only(t, DIGIT, LETTER, SYMBOL), 32, false),
  letter: (t) => cut(only(t, LETTER), 32, false),
  symbol: (t) => cut(only(t, SYMBOL), 5, false),
  number: (t) => /\d+(\.\d+)?/.exec(t)?.[0].slice(0, 32).replace(/\.$/, "") ?? "",
  phone_number: (t) => cut(only(t, DIGIT, SYMBOL), 17, false),
  // Times come from timestamps (keywordTime), never from text.
  time: null,
  date: null,
};

/** Placeholders when nothing of the text fits the type. */
const FALLBACK: Record<KeywordType, string> = {
  thing: "新消息",
  name: "客服",
  phrase: "新消息",
  character_string: "-",
  letter: "KF",
  symbol: "-",
  number: "0",
  phone_number: "-",
  time: "",
  date: "",
};

/** Text for a text-type key (thing, name, phrase, …), truncated and filtered per its type. */
export function keywordText(key: string, text: string): string {
  const type = keywordType(key);
  const format = type ? FORMATS[type] : null;
  if (!type || !format) throw new Error(`keyword ${key} does not take text`);
  return format(text) || FALLBACK[type];
}

/** A time for a `time` key (`2024年5月1日 14:05`) or a `date` key (`2024年5月1日`), in the site's zone. */
export function keywordTime(key: string, at: number, utcOffsetMinutes: number): string {
  const type = keywordType(key);
  if (type !== "time" && type !== "date") throw new Error(`keyword ${key} does not take a time`);
  const d = new Date(at + utcOffsetMinutes * 60_000);
  const day = `${d.getUTCFullYear()}年${d.getUTCMonth() + 1}月${d.getUTCDate()}日`;
  if (type === "date") return day;
  return `${day} ${String(d.getUTCHours()).padStart(2, "0")}:${String(d.getUTCMinutes()).padStart(2, "0")}`;
}
