// What the demo's pages show around a card: a sharer's name and avatar, how long ago, and a
// feed post's words and counts. Plain data, no DOM, so the server (which sends the feed's
// first screenful of posts in the page: src/routes/demo.ts) and the pages' scripts (which add
// the rest) show the same post the same way.

const NAMES = {
  "demo-alice": "爱丽丝 Alice", "demo-bob": "鲍勃 Bob", "demo-carol": "卡罗 Carol", "demo-dave": "大卫 Dave",
  "demo-erin": "艾琳 Erin", "demo-frank": "弗兰克 Frank", "demo-grace": "格蕾丝 Grace", "demo-heidi": "海蒂 Heidi",
  "demo-ivan": "伊万 Ivan", "demo-judy": "朱迪 Judy", "demo-kim": "金 Kim", "demo-leo": "里奥 Leo",
};

const BLURBS = [
  "周末安排上了，一起吗？",
  "这个真的好用，亲测推荐 👍",
  "刚在小程序里下单，十分钟就搞定了",
  "Found this and thought of you all.",
  "收藏了，回头再看",
  "限时活动，手慢无！",
  "Super handy, no app download needed.",
];

/** A sharer's display name. */
export function displayName(sharer) {
  return NAMES[sharer] ?? sharer ?? "访客";
}

/** A sharer's avatar: the first character of its name, and one of six colours (`c0`–`c5`) chosen by its id. */
export function avatarOf(sharer) {
  let hash = 0;
  for (const char of sharer ?? "") hash = (hash * 31 + char.charCodeAt(0)) | 0;
  return { initial: Array.from(displayName(sharer))[0] ?? "?", tone: `c${Math.abs(hash) % 6}` };
}

/** "3 小时前" style relative time. */
export function timeAgo(iso, now = Date.now()) {
  const minutes = Math.max(1, Math.round((now - new Date(iso).getTime()) / 60000));
  if (minutes < 60) return `${minutes} 分钟前`;
  const hours = Math.round(minutes / 60);
  return hours < 24 ? `${hours} 小时前` : `${Math.round(hours / 24)} 天前`;
}

/**
 * The feed post around the `index`-th card (from 0, in feed order), shared by `sharer` at
 * `issuedAt` (ISO): its label, the sharer's name and avatar, the line under the name, the
 * sharer's words above the card and the counts below it.
 */
export function feedPost(sharer, issuedAt, index, now = Date.now()) {
  const name = displayName(sharer);
  return {
    label: `${name} 的分享`,
    name,
    avatar: avatarOf(sharer),
    meta: `${timeAgo(issuedAt, now)} · 来自 小程序分享`,
    text: BLURBS[index % BLURBS.length],
    counts: [`转发 ${(index * 7) % 90}`, `评论 ${(index * 13) % 120}`, `赞 ${(index * 31) % 900}`],
  };
}
