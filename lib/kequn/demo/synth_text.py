"""Feedback sentences for the demo generator, by topic, sentiment and language.

Each text is opener + phrase + closer, so the same topic reads differently from row to row
while its true topic and sentiment stay known (they are written to the ground truth). Part of
the positive and negative texts open with a clause of the other sentiment about another topic
("物流很快，但是质量很差"): the last clause carries the verdict, as in real reviews, and a model
that only counts sentiment words gets them wrong.
"""

from __future__ import annotations

import numpy as np

PHRASES = {
    ("zh", "negative"): {
        "delivery": [
            "快递太慢了，等了一个星期才到",
            "物流信息一直不更新",
            "配送员态度很差，包裹还被压坏了",
            "说好的次日达结果三天才送到",
            "送货不上门，只能自己去驿站取",
        ],
        "quality": [
            "质量很差，用了两天就坏了",
            "和图片描述严重不符",
            "做工粗糙，有明显瑕疵",
            "收到的商品有使用痕迹",
            "尺码偏差太大，面料起球",
        ],
        "price": [
            "价格比别家贵不少",
            "刚买完就降价，也不给保价",
            "优惠券根本用不了，套路太多",
            "会员价和普通价几乎没区别",
            "满减规则太复杂，算下来一点不便宜",
        ],
        "service": [
            "客服半天不回复",
            "客服态度敷衍，问题一直没解决",
            "电话打了好几次都转不到人工",
            "投诉之后没有任何人跟进",
            "门店店员爱答不理",
        ],
        "returns": [
            "退货流程太复杂了",
            "申请退款一周了还没到账",
            "换货要自己出运费，很不合理",
            "退货申请被无理拒绝",
            "退款金额少了，也没有解释",
        ],
        "app": [
            "App老是闪退",
            "付款页面一直卡住",
            "App更新后找不到订单了",
            "小程序登录不上",
            "搜索功能太难用，找不到想要的商品",
        ],
    },
    ("zh", "positive"): {
        "delivery": [
            "物流很快，第二天就到了",
            "快递小哥服务很好，送货上门",
            "包装很仔细，没有任何破损",
            "配送准时，很满意",
            "下单当天就发货了",
        ],
        "quality": [
            "质量很好，做工精细",
            "和描述一致，物超所值",
            "用了一段时间，效果不错",
            "正品，品质有保障",
            "面料舒服，尺码标准",
        ],
        "price": [
            "价格实惠，活动力度大",
            "用券之后很划算",
            "性价比很高，会回购",
            "会员折扣力度很大",
            "比超市便宜不少",
        ],
        "service": [
            "客服耐心专业，很快解决了问题",
            "售后服务周到",
            "导购很热情，推荐很到位",
            "专属顾问服务很贴心",
            "电话回访很及时",
        ],
        "returns": [
            "退货很方便，上门取件",
            "退款速度很快",
            "换货流程简单顺畅",
            "七天无理由退货很放心",
            "售后处理退换非常爽快",
        ],
        "app": [
            "App界面简洁好用",
            "下单流程很顺畅",
            "推荐的商品很合我胃口",
            "小程序用起来很方便",
            "积分兑换一键搞定",
        ],
    },
    ("zh", "neutral"): {
        "delivery": ["希望能增加预约配送时间", "请问偏远地区能配送吗", "建议提供自提点选择"],
        "quality": ["请问这款有没有大一码的", "建议详情页多放些实拍图", "想了解一下保修政策"],
        "price": ["请问下次满减活动是什么时候", "会员积分怎么兑换", "建议推出家庭套餐"],
        "service": ["希望客服能延长服务时间", "请问怎么联系专属顾问", "建议增加视频客服"],
        "returns": ["请问退货需要原包装吗", "换货期间能先发新的吗", "想咨询一下退款到账时间"],
        "app": ["建议App增加夜间模式", "希望小程序能保存常用地址", "请问怎么修改绑定的手机号码"],
    },
    ("en", "negative"): {
        "delivery": [
            "Delivery took over a week",
            "The parcel arrived crushed",
            "Tracking never updated",
        ],
        "quality": [
            "Poor quality, broke after two days",
            "Not as described at all",
            "Cheap material",
        ],
        "price": [
            "Way more expensive than elsewhere",
            "Price dropped right after I bought it",
            "The coupon never worked",
        ],
        "service": [
            "Customer service never replied",
            "Nobody followed up on my complaint",
            "Could not reach a human agent",
        ],
        "returns": [
            "Refund still not received after a week",
            "Return process is far too complicated",
            "They rejected my return for no reason",
        ],
        "app": [
            "The app keeps crashing",
            "Checkout page freezes",
            "Cannot log in to the mini program",
        ],
    },
    ("en", "positive"): {
        "delivery": [
            "Fast delivery, arrived next day",
            "Well packed and on time",
            "Great courier service",
        ],
        "quality": [
            "Excellent quality",
            "Exactly as described, great value",
            "Genuine product, works well",
        ],
        "price": [
            "Great price with the coupon",
            "Good value for money",
            "Member discount is generous",
        ],
        "service": [
            "Support solved my issue quickly",
            "Very helpful personal advisor",
            "Friendly and professional staff",
        ],
        "returns": [
            "Easy return with home pickup",
            "Refund came back fast",
            "Exchange was painless",
        ],
        "app": ["The app is clean and easy", "Smooth checkout", "Recommendations are spot on"],
    },
    ("en", "neutral"): {
        "delivery": ["Can you deliver on weekends?", "Please add a pickup point option"],
        "quality": ["Is there a larger size?", "What is the warranty period?"],
        "price": ["When is the next sale?", "How do I redeem points?"],
        "service": ["Please extend support hours", "How do I contact my advisor?"],
        "returns": ["Do returns need the original box?", "How long does a refund take?"],
        "app": ["Please add a dark mode", "How do I change my saved address?"],
    },
}
OPENERS = {
    "zh": ["", "", "这次购买", "总体来说，", "说实话，", "第三次在这里买了，"],
    "en": ["", "", "Honestly, ", "Overall: ", "Third order here. "],
}
CLOSERS = {
    ("zh", "negative"): ["。", "！", "，希望改进。", "，很失望。", "。😡", "，不会再买了。"],
    ("zh", "positive"): ["。", "！", "，推荐！", "，会回购。", "。👍", "，五星好评！"],
    ("zh", "neutral"): ["？", "。", "，谢谢。", ""],
    ("en", "negative"): [".", "!", ". Very disappointed.", ". Not buying again."],
    ("en", "positive"): [".", "!", ". Recommended!", ". Will buy again 👍"],
    ("en", "neutral"): ["", " Thanks.", "?"],
}


BUT = {"zh": ["，但是", "，不过", "，可是", "；然而"], "en": [", but ", ", however ", ", yet "]}
OTHER = {"positive": "negative", "negative": "positive"}


def _contrast(lang: str, sent: str, n: int, rng: np.random.Generator) -> np.ndarray:
    """n opening clauses of the other sentiment on random topics, each ending in a "but"."""
    pool = [p for phrases in PHRASES[(lang, OTHER[sent])].values() for p in phrases]
    head = np.array(pool, dtype=object)[rng.integers(len(pool), size=n)]
    but = np.array(BUT[lang], dtype=object)[rng.integers(len(BUT[lang]), size=n)]
    return head + but


def compose(
    lang: np.ndarray,
    sentiment: np.ndarray,
    topic: np.ndarray,
    rng: np.random.Generator,
    contrast: float = 0.0,
    extra: np.random.Generator | None = None,
) -> np.ndarray:
    """Texts for arrays of (language, sentiment, topic), one per row; a ``contrast`` share of
    the positive and negative ones open with a clause of the other sentiment (drawn from
    ``extra``, so the other draws of ``rng`` stay as they were).

    Loops over the few (language, sentiment, topic) cells, not over rows, so a million texts
    cost a few vectorised string joins.
    """
    extra = extra if extra is not None else rng
    out = np.empty(len(lang), dtype=object)
    for (lg, sent), by_topic in PHRASES.items():
        for tp, phrases in by_topic.items():
            idx = np.flatnonzero((lang == lg) & (sentiment == sent) & (topic == tp))
            if idx.size == 0:
                continue
            op = np.array(OPENERS[lg], dtype=object)[rng.integers(len(OPENERS[lg]), size=idx.size)]
            ph = np.array(phrases, dtype=object)[rng.integers(len(phrases), size=idx.size)]
            cl_list = CLOSERS[(lg, sent)]
            cl = np.array(cl_list, dtype=object)[rng.integers(len(cl_list), size=idx.size)]
            text = op + ph + cl
            if contrast > 0 and sent in OTHER:
                mix = extra.random(idx.size) < contrast
                if mix.any():
                    main = (
                        ph[mix]
                        if lg == "zh"
                        else np.array([p[0].lower() + p[1:] for p in ph[mix]], dtype=object)
                    )
                    text[mix] = _contrast(lg, sent, int(mix.sum()), extra) + main + cl[mix]
            out[idx] = text
    return out
