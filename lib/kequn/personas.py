"""The planted personas of the demo company, and the reference lists they draw from.

Every distribution the generator (`kequn.synth`) uses is a parameter here, so the truth a
test expects to recover is written down in one readable place.

Per persona:
- ``share``: share of customers.
- demographics: ``age`` (mean, sd), ``female`` (P(female)), ``income`` (median monthly CNY,
  log-sd), ``occupation`` / ``education`` weights, ``family`` (mean family size),
  ``tier`` weights over the six city tiers.
- ``psy``: mean of the six 1–7 survey scales in ``PSY_SCALES``.
- buy-till-you-die: ``rate`` (mean purchases per year while alive, Gamma shape ``rate_shape``),
  ``drop`` (Beta a, b of the dropout probability after each purchase), ``spend`` (mean order
  value CNY), ``never`` (share who register and never buy).
- mix: ``cats`` / ``chans`` weights over ``CATEGORIES`` / ``CHANNELS``, ``discount`` (share of
  orders bought on discount), ``coupon`` (share of discounted orders with a coupon),
  ``returns`` (share of orders returned).
- behaviour: ``events`` (mean events per active year per type in ``EVENT_TYPES``).
- feedback: ``fb_rate`` (feedback per active year), ``kinds`` weights over ``FEEDBACK_KINDS``,
  ``topics`` weights over ``TOPICS``, ``pos`` (P(positive) of a review), ``english`` share.
- ``kano``: true Kano category per feature in ``KANO_FEATURES`` (M, O, A, I, R).
"""
from __future__ import annotations

CITY_TIERS = ["一线", "新一线", "二线", "三线", "四线", "五线"]

# (city, province) per tier, after the 2023 city-tier ranking of Yicai's 新一线城市研究所.
CITIES = {
    "一线": [("北京", "北京"), ("上海", "上海"), ("广州", "广东"), ("深圳", "广东")],
    "新一线": [("成都", "四川"), ("重庆", "重庆"), ("杭州", "浙江"), ("武汉", "湖北"),
             ("苏州", "江苏"), ("西安", "陕西"), ("南京", "江苏"), ("长沙", "湖南"),
             ("天津", "天津"), ("郑州", "河南"), ("东莞", "广东"), ("无锡", "江苏"),
             ("宁波", "浙江"), ("青岛", "山东"), ("合肥", "安徽")],
    "二线": [("佛山", "广东"), ("沈阳", "辽宁"), ("昆明", "云南"), ("济南", "山东"),
           ("厦门", "福建"), ("福州", "福建"), ("温州", "浙江"), ("哈尔滨", "黑龙江"),
           ("石家庄", "河北"), ("大连", "辽宁"), ("南宁", "广西"), ("泉州", "福建"),
           ("贵阳", "贵州"), ("常州", "江苏"), ("长春", "吉林"), ("南昌", "江西"),
           ("太原", "山西"), ("珠海", "广东")],
    "三线": [("兰州", "甘肃"), ("扬州", "江苏"), ("洛阳", "河南"), ("唐山", "河北"),
           ("呼和浩特", "内蒙古"), ("汕头", "广东"), ("湖州", "浙江"), ("银川", "宁夏"),
           ("芜湖", "安徽"), ("绵阳", "四川"), ("桂林", "广西"), ("海口", "海南"),
           ("乌鲁木齐", "新疆"), ("西宁", "青海")],
    "四线": [("赣州", "江西"), ("宜昌", "湖北"), ("遵义", "贵州"), ("湛江", "广东"),
           ("岳阳", "湖南"), ("襄阳", "湖北"), ("衡阳", "湖南"), ("南阳", "河南"),
           ("九江", "江西"), ("拉萨", "西藏")],
    "五线": [("天水", "甘肃"), ("丽江", "云南"), ("张家界", "湖南"), ("黄山", "安徽"),
           ("延安", "陕西"), ("酒泉", "甘肃"), ("吉安", "江西"), ("六盘水", "贵州")],
}

OCCUPATIONS = ["学生", "企业职员", "专业技术人员", "管理人员", "个体经营", "公务员/事业单位",
               "自由职业", "退休"]
EDUCATIONS = ["高中及以下", "大专", "本科", "硕士及以上"]
CATEGORIES = ["食品生鲜", "日用百货", "服饰鞋包", "美妆个护", "数码家电", "母婴用品",
              "医药保健", "家居家装"]
CATEGORY_MARGIN = [0.18, 0.25, 0.45, 0.5, 0.12, 0.3, 0.35, 0.3]
CHANNELS = ["门店", "App", "微信小程序", "官网", "直播间", "电话订购"]
EVENT_TYPES = ["page_view", "ad_click", "download", "app_open", "like", "comment", "share",
               "qr_pay"]
# Where each event type happens: (channel, probability) pairs.
EVENT_CHANNELS = {
    "page_view": (("web", 0.6), ("mobile", 0.4)),
    "ad_click": (("web", 0.5), ("social", 0.5)),
    "download": (("mobile", 1.0),),
    "app_open": (("mobile", 1.0),),
    "like": (("social", 1.0),),
    "comment": (("social", 1.0),),
    "share": (("social", 1.0),),
    "qr_pay": (("mobile", 1.0),),
}
FEEDBACK_KINDS = ["complaint", "suggestion", "review", "inquiry"]
FEEDBACK_CHANNELS = ["app", "hotline", "wechat", "store", "web"]
TOPICS = ["delivery", "quality", "price", "service", "returns", "app"]
PSY_SCALES = ["psy_price_sensitivity", "psy_quality_focus", "psy_brand_loyalty",
              "psy_innovativeness", "psy_social_influence", "psy_service_expectation"]
KANO_FEATURES = ["次日达配送", "会员积分", "专属客服顾问", "个性化推荐", "无理由退货",
                 "直播购物", "环保包装", "以旧换新"]

PERSONAS = {
    "bargain": dict(
        zh="精打细算型", en="Bargain hunters", share=0.20,
        age=(38, 9), female=0.62, income=(6500, 0.35), family=3.2,
        occupation=[2, 8, 3, 1, 3, 2, 3, 2], education=[4, 4, 3, 1],
        tier=[0.05, 0.15, 0.25, 0.25, 0.18, 0.12],
        psy=[6.0, 3.5, 2.8, 3.2, 4.0, 3.0],
        rate=10.0, rate_shape=3.0, drop=(2.0, 18.0), spend=85.0, never=0.04,
        cats=[5, 5, 2, 1, 0.5, 1, 0.5, 1], chans=[1, 4, 3, 1, 2, 0.2],
        discount=0.7, coupon=0.75, returns=0.03,
        events=[14, 10, 0.6, 30, 2, 0.6, 1.5, 8],
        fb_rate=0.5, kinds=[3, 2, 3, 2], topics=[2, 1, 5, 1, 1, 1], pos=0.55, english=0.03,
        kano=["O", "A", "I", "I", "M", "I", "I", "A"]),
    "premium": dict(
        zh="品质白领型", en="Premium professionals", share=0.14,
        age=(35, 6), female=0.5, income=(28000, 0.4), family=2.6,
        occupation=[0, 3, 5, 5, 1, 1, 1, 0], education=[0.2, 1, 5, 4],
        tier=[0.45, 0.35, 0.15, 0.04, 0.01, 0.0],
        psy=[2.5, 6.2, 4.5, 5.0, 3.5, 5.0],
        rate=6.0, rate_shape=3.0, drop=(2.0, 25.0), spend=520.0, never=0.03,
        cats=[1, 1, 3, 3, 4, 0.5, 1, 2], chans=[2, 3, 0.5, 3, 0.3, 0.2],
        discount=0.12, coupon=0.2, returns=0.06,
        events=[20, 3, 0.5, 18, 1, 0.4, 0.6, 4],
        fb_rate=0.4, kinds=[2, 2, 4, 2], topics=[2, 5, 0.5, 2, 2, 1], pos=0.7, english=0.2,
        kano=["M", "I", "A", "O", "M", "I", "A", "I"]),
    "trendy": dict(
        zh="潮流青年型", en="Young trend-seekers", share=0.18,
        age=(23, 3), female=0.66, income=(7000, 0.45), family=1.8,
        occupation=[6, 5, 2, 0.2, 1, 0.3, 3, 0], education=[1, 3, 5, 1],
        tier=[0.2, 0.35, 0.25, 0.12, 0.06, 0.02],
        psy=[4.0, 4.0, 2.2, 6.3, 6.2, 3.5],
        rate=7.0, rate_shape=2.0, drop=(3.0, 12.0), spend=160.0, never=0.08,
        cats=[1, 1, 5, 5, 2, 0.1, 0.2, 1], chans=[0.3, 3, 2, 0.5, 5, 0.05],
        discount=0.35, coupon=0.5, returns=0.09,
        events=[16, 12, 1.5, 35, 40, 14, 18, 6],
        fb_rate=0.6, kinds=[2, 2, 5, 1], topics=[2, 2, 2, 1, 2, 3], pos=0.6, english=0.1,
        kano=["A", "I", "I", "A", "O", "A", "I", "I"]),
    "family": dict(
        zh="家庭主理型", en="Family managers", share=0.18,
        age=(36, 5), female=0.75, income=(12000, 0.35), family=4.2,
        occupation=[0, 6, 3, 2, 2, 2, 1, 0], education=[1, 3, 4, 1],
        tier=[0.12, 0.3, 0.3, 0.16, 0.09, 0.03],
        psy=[4.5, 4.8, 4.5, 3.5, 3.8, 4.0],
        rate=16.0, rate_shape=4.0, drop=(2.0, 30.0), spend=180.0, never=0.03,
        cats=[4, 3, 1, 1, 0.5, 5, 1, 1.5], chans=[2, 4, 3, 1, 0.5, 0.2],
        discount=0.35, coupon=0.55, returns=0.04,
        events=[12, 4, 0.6, 25, 3, 1, 1.5, 10],
        fb_rate=0.35, kinds=[3, 2, 2, 3], topics=[4, 3, 1, 1, 2, 1], pos=0.6, english=0.02,
        kano=["M", "O", "I", "I", "M", "I", "A", "A"]),
    "silver": dict(
        zh="银发稳健型", en="Silver loyalists", share=0.14,
        age=(64, 6), female=0.55, income=(5500, 0.3), family=2.3,
        occupation=[0, 0.5, 0.5, 0.3, 0.5, 0.5, 0.3, 8], education=[5, 2, 1.5, 0.3],
        tier=[0.05, 0.1, 0.2, 0.3, 0.22, 0.13],
        psy=[4.8, 4.5, 6.0, 1.8, 2.5, 4.5],
        rate=5.0, rate_shape=4.0, drop=(1.5, 40.0), spend=150.0, never=0.05,
        cats=[4, 3, 0.5, 0.3, 0.5, 0.1, 5, 1], chans=[6, 0.5, 1, 0.2, 0.1, 2],
        discount=0.25, coupon=0.2, returns=0.02,
        events=[2, 0.5, 0.1, 2, 0.3, 0.1, 0.2, 1.5],
        fb_rate=0.25, kinds=[2, 1, 1, 4], topics=[2, 2, 1, 4, 1, 2], pos=0.65, english=0.0,
        kano=["O", "O", "A", "R", "M", "R", "I", "I"]),
    "service": dict(
        zh="服务尊享型", en="Service-first VIPs", share=0.08,
        age=(45, 8), female=0.48, income=(35000, 0.45), family=3.0,
        occupation=[0, 2, 3, 6, 4, 1, 1, 1], education=[0.5, 2, 4, 3],
        tier=[0.35, 0.35, 0.2, 0.07, 0.03, 0.0],
        psy=[2.8, 5.6, 4.0, 3.5, 3.0, 6.6],
        rate=5.0, rate_shape=3.0, drop=(2.0, 20.0), spend=900.0, never=0.02,
        cats=[1, 1, 2, 2, 5, 1, 1.5, 4], chans=[5, 1, 0.5, 1, 0.1, 3],
        discount=0.08, coupon=0.15, returns=0.05,
        events=[6, 1, 0.2, 6, 0.5, 0.2, 0.2, 2],
        fb_rate=2.0, kinds=[4, 2, 1, 4], topics=[1, 2, 0.3, 6, 2, 0.5], pos=0.45, english=0.1,
        kano=["O", "I", "M", "I", "M", "I", "I", "A"]),
    "oneoff": dict(
        zh="一次尝鲜型", en="One-time triers", share=0.08,
        age=(31, 9), female=0.52, income=(9000, 0.5), family=2.6,
        occupation=[2, 4, 2, 1, 1, 1, 2, 1], education=[2, 3, 3, 1],
        tier=[0.15, 0.25, 0.25, 0.2, 0.1, 0.05],
        psy=[4.5, 4.0, 1.6, 4.0, 4.0, 3.5],
        rate=3.0, rate_shape=2.0, drop=(8.0, 3.0), spend=120.0, never=0.25,
        cats=[2, 2, 2, 2, 1, 1, 1, 1], chans=[1, 2, 2, 2, 2, 0.3],
        discount=0.5, coupon=0.6, returns=0.08,
        events=[4, 3, 0.4, 3, 1, 0.3, 0.3, 1],
        fb_rate=0.3, kinds=[4, 1, 2, 2], topics=[3, 2, 2, 2, 3, 1], pos=0.3, english=0.05,
        kano=["I", "I", "I", "I", "O", "I", "I", "I"]),
}

SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余于杜叶程魏苏吕丁任沈姚卢")
GIVEN = list("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红鹏辉玲婷雪琳晨浩宇欣怡轩梓涵睿博佳悦")
