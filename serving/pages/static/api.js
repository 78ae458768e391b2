// A tiny wrapper around fetch for the JSON APIs: the session cookie authenticates every call, and a refusal
// becomes an ApiError whose `message` is Chinese (common API messages mapped; the rest shown verbatim).

export class ApiError extends Error {
  constructor(status, detail, message) {
    super(message);
    this.status = status;
    this.detail = detail;
  }
}

export async function api(path, { method = "GET", body, headers = {}, signal, labels } = {}) {
  const init = { method, headers: { Accept: "application/json", ...headers }, signal, credentials: "same-origin" };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch (error) {
    if (error.name === "AbortError") throw error;
    throw new ApiError(0, String(error), "无法连接服务，请检查网络后重试");
  }
  if (response.status === 204) return null;
  const data = await response.json().catch(() => null);
  if (!response.ok) {
    const detail = data && data.detail !== undefined ? data.detail : response.statusText;
    throw new ApiError(response.status, detail, explain(response.status, detail, labels));
  }
  return data;
}

// Field names as the forms call them; a form may pass its own (e.g. text → 答复内容).
const FIELD_LABELS = {
  text: "诉求内容", title: "标题", address: "地址", caller_phone: "来电号码", channel: "渠道", reason: "理由",
  days: "延期天数", leaf: "清单事项编码", note: "备注", satisfaction: "满意度", name: "用户名", password: "密码",
  q: "搜索词", unit: "单位", lead_unit: "主办单位", co_units: "协办单位", street: "街道", district: "区县",
  passed: "回头看结论", approve: "审批结果", resolved: "是否解决", month: "月份", start: "开始日期", end: "结束日期",
};

// Common English messages of the API → Chinese; `$1`… are the captured parts.
const MESSAGES = [
  [/^not logged in|session expired/, "登录已过期或未登录，请重新登录（已填写的内容不会丢失）"],
  [/^unknown name or wrong password/, "用户名或密码错误"],
  [/^too many failed logins: try again after (\S+)/, "登录失败次数过多，请在 $1 后再试"],
  [/^role \w+ may not/, "当前角色无权执行此操作"],
  [/no catalogue node with code '([^']*)'/, "清单中没有编码为 $1 的事项，请搜索后选择"],
  [/^(\d+) \((.+?)\) is a (\S+) with sub-items/, "$1（$2）是$3，下面还有细分事项，请选择末级事项"],
  [/^(\d+) is not a leaf of catalogue/, "$1 不是清单中的末级事项"],
  [/cannot \S+ a ticket that is \S+ \((.+?)\)/, "工单当前状态为“$1”，不能执行该操作"],
  [/has no pending 退单 request/, "该工单没有待审批的退单申请"],
  [/has no pending 延期 request/, "该工单没有待审批的延期申请"],
  [/has no pending 会商 request/, "该工单没有待决定的会商申请"],
  [/already waits for a 会商 decision/, "该工单已在等待会商结果"],
  [/rule is 属地 \(street\) but the ticket has no street/, "该事项由属地街道办理，请在“属地”中选择所在街道"],
  [/rule is 属地 \(district\) but the ticket has no district/, "该事项由属地区县办理，请在“属地”中选择所在区县"],
  [/^逐级转派 starts at the district/, "逐级转派需要先确定所在区县，请在“属地”中选择"],
  [/^双派 needs at least one co-handler/, "双派需要至少一个协办单位"],
  [/cannot be extended; only working-day limits can/, "该工单按小时计时，不能申请延期（只有按工作日计时的工单可以延期）"],
  [/is not the lead \(主办\) unit of ticket/, "本单位不是该工单的主办单位，不能执行该操作"],
  [/is not a handling unit of ticket/, "本单位不是该工单的承办单位，不能执行该操作"],
  [/^the caller is 不满意/, "来电人不满意：请重办，不能直接办结"],
  [/^idempotency key .* already used for a different request \(ticket (\S+)\)/, "这通来电已登记为工单 $1，内容随后有改动：请清空后重新登记"],
  [/^no ticket \d+ that you may see/, "没有找到该工单，或无权查看"],
  [/^dispatch advice needs the trained classifier/, "模型不可用，请手动选择清单事项"],
  [/the complaint text has no words/, "诉求内容没有文字"],
  [/^search needs at least one word/, "请输入要搜索的词语，例如：暖气、垃圾 清运、nq"],
  [/^street (\S+) \((.+?)\) is not in district (\S+)/, "所选街道（$2）不在该区县内"],
  [/^no unit with code '([^']*)'/, "没有编码为 $1 的单位"],
  [/^no (district|street) with code '([^']*)'/, "没有编码为 $2 的区县或街道"],
  [/is inactive and cannot be dispatched/, "该单位已停用，不能派单"],
  [/^merge into another, unmerged ticket/, "请合并到另一件未被合并的工单"],
  [/^only a district handling a 逐级转派 ticket forwards/, "只有承办逐级转派工单的区县才能转派给街道"],
  [/is not a street of/, "所选街道不属于本区县"],
  [/^co_reply is for co-handlers/, "协办答复只适用于协办单位；主办单位请使用“答复”"],
  [/^month: .* is not a month/, "月份格式不正确：请写成 YYYY-MM，例如 2025-10"],
  [/^(start|end): .* is not a date/, "日期格式不正确：请写成 YYYY-MM-DD，例如 2025-10-01"],
  [/^a unit handler sees only its own unit's figures/, "承办单位只能查看本单位的指标"],
];

function mapMessage(message) {
  const text = String(message).replace(/^Value error, /, "");
  for (const [pattern, chinese] of MESSAGES) {
    const found = text.match(pattern);
    if (found) return chinese.replace(/\$(\d)/g, (_, i) => found[Number(i)] ?? "");
  }
  return text;
}

function fieldError(item, labels) {
  const field = [...(item.loc || [])].reverse().find((part) => typeof part === "string" && part !== "body");
  const label = labels[field] || FIELD_LABELS[field] || field || "输入";
  const ctx = item.ctx || {};
  const length = typeof item.input === "string" ? [...item.input].length : null;
  switch (item.type) {
    case "missing":
      return `请填写${label}`;
    case "string_too_short":
      return length ? `${label}太短：至少 ${ctx.min_length} 个字` : `请填写${label}`;
    case "string_too_long":
      return `${label}过长：最多 ${ctx.max_length} 个字${length ? `（现有 ${length} 个）` : ""}`;
    case "string_pattern_mismatch":
      return `${label}格式不正确`;
    case "literal_error":
    case "enum":
      return `${label}的取值无效`;
    case "int_parsing":
    case "int_type":
      return `${label}应为整数`;
    case "greater_than_equal":
    case "less_than_equal":
      return `${label}超出允许范围`;
    case "json_invalid":
      return "请求格式错误";
    default:
      return `${label}：${mapMessage(item.msg || "")}`;
  }
}

export function explain(status, detail, labels = {}) {
  if (Array.isArray(detail)) return detail.map((item) => fieldError(item, labels)).join("；");
  if (typeof detail === "string" && detail) return mapMessage(detail);
  return `请求失败（${status}）`;
}

export function newKey() {
  return globalThis.crypto && crypto.randomUUID ? crypto.randomUUID() : `k${Date.now()}${Math.random()}`.replace(".", "");
}
