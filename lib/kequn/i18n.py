"""One message catalogue for every label and sentence a report shows, in zh and en.

``t(key, lang)`` returns the text; ``t`` falls back to the key itself so a missing entry
shows up as an odd word in a report instead of a crash. Data values that the demo
company uses (categories, channels, city tiers) are translated too; users' own values
pass through unchanged.
"""

from __future__ import annotations

LANGS = ("zh", "en")

CATALOGUE: dict[str, tuple[str, str]] = {
    # report structure
    "profiling.title": ("客户画像与数据质量", "Customer profile and data quality"),
    "profiling.intro": (
        "本报告说明数据从哪里来、清洗做了什么，以及客户是谁：人口、地域、心理和行为特征。",
        "Where the data came from, what cleaning did, and who the customers are: demographic, "
        "geographic, psychographic and behavioural traits.",
    ),
    "sec.inputs": ("输入与参数", "Inputs and parameters"),
    "cav.title": ("数据质量提示", "Data-quality caveats"),
    "cav.count": ("数据质量提示（{n} 条）", "Data-quality caveats ({n})"),
    "cav.none": (
        "本报告用到的数据没有需要提示的质量问题（完整评分卡见客户画像报告）。",
        "No data-quality caveats for the data this report uses (the full scorecard is in the profiling report).",
    ),
    "cav.absent": (
        "数据中没有{table}表：依赖它的部分不做。",
        "The export has no {table} table: the parts that need it are left out.",
    ),
    "cav.columns": (
        "{table}表没有这些可选字段：{cols}。需要它们的分析不做，各节会说明缺了什么。",
        "The {table} table lacks the optional columns {cols}: the analyses that need them are left out "
        "(each section says which input would enable it).",
    ),
    "cav.dropped": (
        "{table}（{file}）：读入 {raw} 行，保留 {clean} 行，删除 {n} 行。",
        "{table} ({file}): {raw} rows read, {clean} kept, {n} dropped.",
    ),
    "cav.rule": ("{table}：{rule}{column}，{n} 行。", "{table}: {rule}{column}: {n}."),
    "cav.stale": (
        "{table}的最新记录是 {latest}，比数据截止日早 {days} 天：近期数字可能偏低。",
        "The latest {table} record is from {latest}, {days} days before the as-of date: recent figures may be low.",
    ),
    "cav.history": (
        "历史从 {first} 开始（导出的第一笔订单），到 {last}，共 {days} 天；没有客户注册日期，所以在网天数、“新客户”和首次购买都从 {first} 算起："
        "此前就买过的客户看起来比实际更新，在网天数最多 {days} 天。",
        "History starts {first} (the export's first order) and runs to {last}, {days} days; with no sign-up "
        'dates, tenure, "new" customers and first purchases count from {first}: customers who bought before '
        "it look newer than they are, and tenure is at most {days} days.",
    ),
    "rules.history": (
        "规则用到在网天数或购买间隔：{note}",
        "A rule uses tenure or time since purchase: {note}",
    ),
    "sec.quality": ("数据质量评分卡", "Data-quality scorecard"),
    "sec.cleaning": ("清洗规则及影响行数", "Cleaning rules and rows affected"),
    "sec.warnings": ("数据问题（已处理）", "Data issues (handled)"),
    "sec.headline": ("客户概况", "Customer base at a glance"),
    "sec.demographic": ("人口特征", "Demographics"),
    "sec.geographic": ("地域分布", "Geography"),
    "sec.psychographic": ("心理特征（问卷 1–7 分）", "Psychographics (survey, 1–7)"),
    "sec.behaviour": ("消费行为", "Purchase behaviour"),
    "sec.spend_by_band": ("各人群的消费水平", "Spend by band"),
    "sec.channels": ("渠道与线上行为", "Channels and online behaviour"),
    "sec.interactions": ("互动记录", "Interaction history"),
    "sec.features": ("客户特征表", "Customer feature table"),
    "h.clv_mean": ("平均客户终身价值（{cur}）", "Average CLV ({cur})"),
    "h.nps": ("NPS", "NPS"),
    "h.sla_share": ("投诉按时解决占比", "Complaints resolved within SLA"),
    "card.now": ("本次", "This run"),
    "card.change": ("较上次（{run}）", "Change since {run}"),
    "card.points": (" 个百分点", " points"),
    "card.size": ("{n} 位客户（占全部客户 {share}）", "{n} customers ({share} of all customers)"),
    "card.revenue": ("贡献全部净收入的 {share}", "{share} of all net revenue"),
    "card.clv": ("平均终身价值 {clv} {cur}", "average CLV {clv} {cur}"),
    "card.clv_ci": (
        "平均终身价值 {clv} {cur}（95% 区间 {low}–{high}）",
        "average CLV {clv} {cur} (95% CI {low}–{high})",
    ),
    "card.f.size": ("规模", "Size"),
    "card.f.value": ("价值", "Value"),
    "card.f.lifecycle": ("生命周期（占本群客户）", "Lifecycle (of its customers)"),
    "card.f.needs": ("需求", "Needs"),
    "card.f.feel": ("感受", "Feeling"),
    "card.plan": ("服务方案", "Service plan"),
    "card.risk": (
        "90 天内不再购买的平均风险 {risk}（按购买客户）",
        "mean risk of no purchase in 90 days {risk} (over buyers)",
    ),
    "card.kano": (
        "Kano（本群每项约 {n} 个回答）：{key}",
        "Kano (about {n} answers per feature in this segment): {key}",
    ),
    "card.kano_differs": ("与全体不同：{items}", "unlike the whole base: {items}"),
    "card.kano_diff": ("{feature} 为{seg}（全体为{all}）", "{feature} is {seg} (everyone: {all})"),
    "card.kano_few": (
        "Kano：本群回答太少，不单独判断",
        "Kano: too few answers in this segment to judge on its own",
    ),
    "card.nps": ("NPS {nps}（{n} 个打分）", "NPS {nps} ({n} scores)"),
    "card.negative": ("负面反馈占 {share}", "negative feedback {share}"),
    "card.topics": ("最常抱怨：{topics}", "commonest complaints: {topics}"),
    "kano.word.M": ("基本需求", "must-be"),
    "kano.word.O": ("期望需求", "one-dimensional"),
    "kano.word.A": ("意外需求", "attractive"),
    "kano.word.I": ("无差异", "indifferent"),
    "kano.word.R": ("反向", "reverse"),
    "kano.word.Q": ("可疑", "questionable"),
    "card.none": ("没有客户群（第 02 阶段未运行）。", "No segments (stage 02 did not run)."),
    "card.rank": ("吸引力第 {rank}", "attractiveness #{rank}"),
    "card.rank_label": ("吸引力第 {rank} 位", "#{rank} by attractiveness"),
    "card.seg_id": ("群 {n}", "segment {n}"),
    "card.clv_over.margin": ("12 个月毛利，按购买客户", "12-month margin, over buyers"),
    "card.clv_over.revenue": ("12 个月收入，按购买客户", "12-month revenue, over buyers"),
    "card.clv12": (
        "人均客户终身价值（{over}）{clv} {cur}",
        "CLV per customer ({over}) {clv} {cur}",
    ),
    "card.clv12_ci": (
        "人均客户终身价值（{over}）{clv} {cur}（95% 区间 {low}–{high}）",
        "CLV per customer ({over}) {clv} {cur} (95% interval {low}–{high})",
    ),
    "card.terms": (
        "NPS（净推荐值）＝推荐者（打 9–10 分）占比减去贬损者（0–6 分）占比，−100 到 +100。"
        "Kano 分类：基本需求＝缺了就不满、有了不加分；期望需求＝做得越好越满意；意外需求＝没有也不会不满、有了是惊喜；"
        "无差异＝不在乎；反向＝有了反而不满。CLV＝客户终身价值。",
        "NPS (net promoter score) = share of promoters (9–10) minus share of detractors (0–6), −100 to +100. "
        "Kano classes: must-be = missed when absent, no credit when present; one-dimensional = the better, "
        "the more satisfied; attractive = not missed, a delight when present; indifferent = does not "
        "matter; reverse = present, it displeases. CLV = customer lifetime value.",
    ),
    "plan.kano.M": (
        "先保证做到：{features}（缺了就不满意）",
        "Secure first: {features} (missed when absent)",
    ),
    "plan.kano.A": (
        "向本群提供：{features}（意外惊喜，能拉开差距）",
        "Offer this segment: {features} (a delight that sets you apart)",
    ),
    "plan.kano.O": (
        "持续做好：{features}（做得越好越满意）",
        "Keep improving: {features} (the better, the more satisfied)",
    ),
    "plan.kano.R": (
        "不要向本群主动推：{features}（他们反感）",
        "Do not push to this segment: {features} (they dislike it)",
    ),
    "plan.why.kano": (
        "本群 Kano 问卷（每项约 {n} 个回答）：{kind}",
        "this segment's Kano answers (about {n} per feature): {kind}",
    ),
    "plan.flexible.winback_high": (
        "先挽回本群 {n} 位沉睡或流失的大客户和重要客户（12 个月终身价值合计 {clv} {cur}）：限时回归礼遇和召回触达",
        "Win back its {n} key and important customers who are sleeping or lapsed (12-month CLV {clv} {cur} "
        "together) first: time-limited come-back offers and win-back contact",
    ),
    "plan.custom.balanced_reverse": (
        "按各自的购买周期提醒补货，不做个性化推荐（本群对 {features} 反感）",
        "Refill reminders on each one's own purchase cycle, no personalised recommendations (this "
        "segment dislikes {features})",
    ),
    "plan.topic_share": (
        "{topic}（占本群负面反馈 {share}）",
        "{topic} ({share} of its negative feedback)",
    ),
    "plan.why.promoters": (
        "NPS {nps}（{n} 个打分），推荐者多于贬损者",
        "NPS {nps} ({n} scores): promoters outnumber detractors",
    ),
    "prio.winback": (
        "挽回 {n} 位沉睡或流失的大客户和重要客户",
        "Win back {n} key and important customers who are sleeping or lapsed",
    ),
    "prio.key_care": (
        "稳住 {n} 位仍活跃的大客户",
        "Keep the {n} active key customers close",
    ),
    "prio.complaint": (
        "解决「{topic}」类投诉（{n} 位客户提过）",
        "Fix the “{topic}” complaints ({n} customers raised them)",
    ),
    "prio.category_seg": (
        "向 {n} 位最可能购买的客户推荐{category}（最多来自「{segment}」，{k} 位）",
        "Offer {category} to the {n} customers most likely to buy it (most from “{segment}”, {k})",
    ),
    "prio.category": (
        "向 {n} 位最可能购买的客户推荐{category}",
        "Offer {category} to the {n} customers most likely to buy it",
    ),
    "prio.short.winback": ("挽回沉睡大客户", "Win back key customers"),
    "prio.short.key_care": ("稳住活跃大客户", "Keep key customers"),
    "prio.short.complaint": ("投诉：{topic}", "Complaints: {topic}"),
    "prio.short.category": ("推荐{category}", "Offer {category}"),
    "prio.basis.clv": (
        "他们的 12 个月客户终身价值合计 {money} {cur}",
        "their 12-month CLV {money} {cur} together",
    ),
    "prio.basis.nps": ("，这些客户的 NPS {nps}", ", NPS {nps} among them"),
    "prio.basis.complaint": (
        "占全部负面反馈的 {share}{nps}；他们的 12 个月客户终身价值合计 {money} {cur}",
        "{share} of all negative feedback{nps}; their 12-month CLV {money} {cur} together",
    ),
    "prio.basis.category": (
        "预计在该品类的消费 {money} {cur}",
        "expected spend in the category {money} {cur}",
    ),
    "prio.clv.margin": ("按毛利计", "in margin"),
    "prio.clv.revenue": ("按收入计", "in revenue"),
    "prio.rule": (
        "排序规则：按涉及的价值（{clv}，{cur}）从高到低，最多 5 项。挽回、关怀和投诉处理的价值＝所涉客户未来 12 个月的客户终身价值之和；"
        "品类推荐的价值＝名单上各客户的购买可能性 × 该品类买家的平均消费（按毛利计时再乘毛利率）。缺数据的事项不列出。",
        "Ranked by the value at stake ({clv}, {cur}), largest first, at most 5. For win-back, key-customer "
        "care and complaints: the 12-month CLV of the customers concerned, summed; for a category offer: each "
        "target's purchase probability × the average spend of the category's buyers in it (times the margin "
        "rate when in margin). An action without its data is not listed.",
    ),
    "prio.chart": ("各优先事项涉及的价值（{clv}）", "Value at stake per priority ({clv})"),
    "prio.chart_alt": (
        "各优先事项涉及价值的条形图",
        "Bar chart of the value at stake per priority",
    ),
    "index.priorities": ("本期优先事项", "This period's priorities"),
    "index.map": ("客户群一览", "The segments at a glance"),
    "map.title": ("客户群地图", "Segment map"),
    "map.x": ("客户数", "Customers"),
    "map.y": ("人均净消费（{cur}）", "Net spend per customer ({cur})"),
    "map.colour": ("90 天内不再购买的平均风险", "Mean risk of no purchase in 90 days"),
    "map.note": (
        "每个气泡是一个客户群（标号为吸引力名次）：越靠右人越多，越靠上人均消费越高，气泡越大收入占比越高，越红越可能 90 天内不再购买。",
        "One bubble per segment (numbered by attractiveness rank): further right, more customers; higher, "
        "more spend per customer; bigger, more of the revenue; redder, more likely to buy nothing in 90 days.",
    ),
    "plan.response": ("价值层应对", "Value-tier response"),
    "plan.custom": ("定制化服务", "Customised service"),
    "plan.flexible": ("柔性服务", "Flexible service"),
    "plan.interactive": ("互动式服务", "Interactive service"),
    "plan.custom.price": (
        "会员价、定向优惠券和满减组合，价格透明",
        "Member prices, targeted coupons and bundles, transparent pricing",
    ),
    "plan.custom.quality": (
        "品质保障、新品试用和延长保修",
        "Quality guarantees, new-product trials and extended warranties",
    ),
    "plan.custom.service": (
        "专属顾问、优先客服和上门服务",
        "A personal advisor, priority support and home service",
    ),
    "plan.custom.balanced": (
        "按常购品类推荐和提醒补货",
        "Recommendations and refill reminders by the categories they buy",
    ),
    "plan.custom.balanced_rhythm": (
        "按各自的购买周期提醒补货（订单没有品类，无从按品类推荐）",
        "Refill reminders on each customer's own purchase cycle (orders have no categories to recommend by)",
    ),
    "plan.flexible.winback": (
        "沉睡和流失占比高：限时回归礼遇和召回触达，先挽回高价值者",
        "Many are sleeping or lapsed: time-limited come-back offers and win-back contact, high value first",
    ),
    "plan.flexible.onboard": (
        "{new} 位新客：首单后 30 天内的引导和第二单激励",
        "{new} new customers: guidance in the 30 days after the first order and a second-order incentive",
    ),
    "plan.flexible.rhythm": (
        "活跃客户占 {active}，大多在正常购买节奏内：按各自的购买周期提醒，不打扰",
        "{active} active, most at their usual rhythm: reminders on each one's own cycle, nothing more",
    ),
    "plan.interactive.fix": (
        "先解决他们最常抱怨的：{topics}；投诉 24 小时内回访",
        "Fix what they complain about most first: {topics}; call back on complaints within 24 h",
    ),
    "plan.interactive.engage": (
        "邀请评价和参与社群、新品共创",
        "Invite reviews, community and co-creation of new products",
    ),
    "plan.why.response": (
        "大客户和重要客户贡献该群 {share} 的收入",
        "key and important customers bring {share} of the segment's revenue",
    ),
    "plan.response_part": ("{who} {n} 位 → {kind}：{what}", "{who} ({n}) → {kind}: {what}"),
    "plan.why.need": ("{share} 的购买客户属于{need}", "{share} of its buyers are {need}"),
    "plan.why.stage": (
        "沉睡+流失 {lapsing}，新客 {new}，90 天内不再购买的平均风险 {risk}",
        "sleeping + lapsed {lapsing}, new {new}, mean risk of no purchase in 90 days {risk}",
    ),
    "plan.why.feel": ("负面反馈占 {neg}，NPS {nps}", "negative feedback {neg}, NPS {nps}"),
    "plan.why.feel_neg": (
        "负面反馈占 {neg}（反馈中没有 NPS 打分）",
        "negative feedback {neg} (the feedback has no NPS answers)",
    ),
    "plan.who.yielding": ("大客户", "key customers"),
    "plan.who.caring": ("重要客户", "important customers"),
    "plan.who.adaptive": ("普通客户和小客户", "ordinary and small customers"),
    "plan.who.indifferent": ("毛利为负的客户", "customers with a negative margin"),
    "card.share": ("客户占比", "Share of customers"),
    "card.revenue_share": ("收入占比", "Share of revenue"),
    "card.high_value": ("大客户+重要客户占比", "Key + important share"),
    "card.churn_risk": ("90 天内不再购买的平均风险", "Mean risk of no purchase in 90 days"),
    "sum.title": ("客群分析总览", "Customer analysis overview"),
    "sum.intro": (
        "先看全局：本次运行的关键数字及与上次相比的变化；再看每个客户群是谁、值多少、需要什么、感受如何，以及该怎么服务他们。"
        "每条建议后面都写着依据的数字，细节见各阶段报告。",
        "The whole picture first: this run's key figures and how they moved since the last run; then for each "
        "segment who they are, what they are worth, what they need, how they feel and how to serve them. Every "
        "recommendation shows the figure behind it; the stage reports have the detail.",
    ),
    "sum.headline": ("关键数字", "Key figures"),
    "sum.attractiveness": (
        "目标客户群选择：吸引力排名",
        "Choosing target segments: attractiveness",
    ),
    "sum.attr_note": (
        "吸引力以价值为主：收入占比和人均客户终身价值权重最高；收入增长和可触达只在数据能算出时计入。公式和权重见表下。",
        "Attractiveness is led by value: revenue share and lifetime value per customer weigh most; growth "
        "and reach count only where the data can measure them. Formula and weights below the table.",
    ),
    "sum.cards": ("各客户群与服务方案", "Segments and their service plans"),
    "sum.cards_note": (
        "服务方案按种子方法组织：价值层应对（屈从型／关怀型／适应型／冷漠型）、定制化、柔性和互动式服务。",
        "Plans follow the seed method: the value-tier response (yielding / caring / adaptive / indifferent) "
        "and customised, flexible and interactive services.",
    ),
    "sum.changes": ("与上次运行相比", "Since the previous run"),
    "sum.sizes": ("客户群规模：上次与本次", "Segment sizes: previous run and this one"),
    "sum.before": ("上次", "Before"),
    "sum.now": ("本次", "Now"),
    "sum.tiers": (
        "价值层迁移（行：上次，列：本次）",
        "Value-tier migration (rows: before, columns: now)",
    ),
    "sum.slipped": (
        "上次是大客户或重要客户、本次已沉睡、流失或降为普通／小客户的：{n} 位。",
        "Key or important last time and now sleeping, lapsed or down to ordinary / small: {n} customers.",
    ),
    "sum.rising": (
        "近 3 个月比之前 3 个月明显增多的抱怨话题：{topics}。",
        "Complaint topics rising in the last 3 months against the 3 before: {topics}.",
    ),
    "sum.stages_ran": ("已完成的阶段", "Stages that ran"),
    "sum.new_topics": (
        "近 3 个月新出现的抱怨话题（之前 3 个月几乎没有）：{topics}。",
        "New complaint topics in the last 3 months (next to absent in the 3 before): {topics}.",
    ),
    "sum.size_moves": (
        "客户群规模变化最大的：{moves}。",
        "Segments that changed most in size: {moves}.",
    ),
    "sum.size_same": ("各客户群规模与上次相同。", "Segment sizes are the same as last run."),
    "sum.changes_more": (
        "规模表和价值层迁移矩阵见总览报告",
        "Size table and value-tier migration matrix in the overview report",
    ),
    "sum.rising_none": (
        "近 3 个月没有明显增多的抱怨话题。",
        "No complaint topic rose significantly in the last 3 months.",
    ),
    "sum.tier_chart": ("价值层迁移", "Value-tier migration"),
    "index.title": ("客群分析报告", "Customer analysis report"),
    "nav.contents": ("目录", "Contents"),
    "nav.sort_hint": ("点击排序", "Click to sort"),
    "index.stages": ("各阶段报告", "Stage reports"),
    "index.changes": ("有什么变化", "What changed"),
    "index.runs": ("历次运行", "All runs"),
    "index.none": ("暂无运行记录。", "No runs yet."),
    "index.previous_none": (
        "这是该数据集的第一次运行，没有可比较的上一次运行。",
        "This is the first run of this data set: there is no previous run to compare with.",
    ),
    "index.previous": ("上一次运行", "Previous run"),
    # table headers and figures
    "table": ("数据表", "Table"),
    "rows_raw": ("原始行数", "Rows read"),
    "rows_clean": ("清洗后行数", "Rows kept"),
    "completeness": ("完整性", "Completeness"),
    "validity": ("有效性", "Validity"),
    "latest": ("最新记录", "Latest record"),
    "days_before_as_of": ("距截止日（天）", "Days before as-of"),
    "rule": ("规则", "Rule"),
    "rows": ("行数", "Rows"),
    "column": ("字段", "Column"),
    "issue": ("问题", "Issue"),
    "examples": ("示例", "Examples"),
    "expected": ("应为", "Expected"),
    "row": ("行", "row"),
    "expect.date": ("日期，如 2024-03-05", "a date such as 2024-03-05"),
    "expect.datetime": (
        "日期时间，如 2024-03-05 14:30",
        "a date and time such as 2024-03-05 14:30",
    ),
    "expect.number": ("数字", "a number"),
    "expect.int": ("整数", "a whole number"),
    "expect.bool": ("是/否、1/0", "yes/no, 1/0"),
    "expect.enum": ("以下取值之一", "one of"),
    "expect.text": ("文本", "text"),
    "expect.kano_answer": (
        "Kano 答案：1–5，或 喜欢 / 理应如此 / 无所谓 / 能忍受 / 不喜欢",
        "a Kano answer: 1–5, or I like it / I expect it / I am neutral / I can live with it / I dislike it",
    ),
    "expect.id": ("编号", "a key"),
    "expect.same_key": (
        "各表中写法相同的编号",
        "the same key, written the same way in every table",
    ),
    "expect.age": ("年龄或年龄段（如 35-39、<25、>65）", "an age or age band (35-39, <25, >65)"),
    "expect.importance": (
        "重要性评分（任意数字量表，如 1–5、1–9；可带文字如“9 - Extremely important”）",
        "an importance score on any numeric scale (1–5, 1–9; text such as '9 - Extremely important' reads 9)",
    ),
    "customers": ("客户数", "Customers"),
    "share_of_customers": ("客户占比", "Share of customers"),
    "revenue_share": ("收入占比", "Revenue share"),
    "avg_monetary": ("人均净消费（{cur}）", "Net spend per customer ({cur})"),
    "avg_orders": ("人均订单数", "Orders per customer"),
    "mean": ("均值", "Mean"),
    "score": ("得分", "Score"),
    "psy_spread": ("各得分的客户占比", "Share of customers at each score"),
    "value": ("数值", "Value"),
    "figure": ("指标", "Figure"),
    "parameter": ("参数", "Parameter"),
    "as_of": ("数据截止日", "As-of date"),
    "data_dir": ("数据目录", "Data folder"),
    "run": ("运行", "Run"),
    "lang": ("报告语言", "Report language"),
    "seed": ("随机种子", "Random seed"),
    "files": ("文件", "Files"),
    "report": ("报告", "Report"),
    "created": ("生成时间", "Created"),
    # headline figures
    "h.customers": ("客户总数", "Customers"),
    "h.buyers": ("有购买的客户", "Customers who bought"),
    "h.active_90d": ("近 90 天下单客户", "Ordered in the last 90 days"),
    "hb.customers": ("全部客户", "all customers"),
    "hb.active_90d": (
        "截止日前 {days} 天内下过单；不是生命周期的“活跃”",
        "an order in the {days} days up to the as-of date; not the lifecycle stage 'active'",
    ),
    "hb.revenue": ("收入减退货，全部订单", "revenue minus returns, all orders"),
    "hb.top20_share": (
        "按净消费排名前 20% 的客户占全部净收入",
        "top 20% of all customers by net spend, of all net revenue",
    ),
    "hb.clv_mean": (
        "今后 {months} 个月{measure}，按月折现，按购买客户平均",
        "{measure} over the next {months} months, discounted, averaged over buyers",
    ),
    "hb.measure.margin": ("毛利", "margin"),
    "hb.measure.revenue": ("收入", "revenue"),
    "hb.nps": (
        "推荐者占比减贬损者占比，分母为打分的反馈",
        "promoters minus detractors, of the scores given",
    ),
    "hb.sla_share": (
        "{hours} 小时内解决，占全部投诉",
        "resolved within {hours} hours, of all complaints",
    ),
    "glossary.title": ("术语表", "Glossary"),
    "glossary.intro": (
        "各页面用到的术语，每个只有一个定义，由一个函数计算（括号中为本次运行的设置）。",
        "The terms the pages use, each with one definition, computed by one function (with this run's settings).",
    ),
    "index.terms": ("术语表", "Terms"),
    "share_of_buyers": ("购买客户占比", "Share of buyers"),
    "h.orders": ("订单数", "Orders"),
    "h.revenue": ("净收入（{cur}）", "Net revenue ({cur})"),
    "h.aov": ("客单价（{cur}）", "Average order value ({cur})"),
    "h.top20_share": ("前 20% 客户贡献的收入占比", "Revenue share of the top 20% customers"),
    "h.return_rate": (
        "退货率（按单数：退货单 ÷ 购买单）",
        "Return rate (by orders: return orders ÷ purchase orders)",
    ),
    "h.median_tenure": ("客户在网时长中位数（天）", "Median tenure (days)"),
    # dimensions
    "age_band": ("年龄段", "Age group"),
    "gender": ("性别", "Gender"),
    "income_band": ("月收入段（{cur}）", "Monthly income ({cur})"),
    "occupation": ("职业", "Occupation"),
    "education": ("学历", "Education"),
    "family_size": ("家庭人数", "Family size"),
    "city_tier": ("城市等级", "City tier"),
    "region": ("省份", "Province"),
    "region.country": ("国家/地区", "Country"),
    "region.area": ("地区", "Region"),
    "returns_only": ("只有退货（导出期内无购买）", "returns only (no purchase in the export)"),
    "channel": ("渠道", "Channel"),
    "category": ("品类", "Category"),
    "event_type": ("行为类型", "Event type"),
    "orders_band": ("购买次数", "Number of orders"),
    "recency_band": ("最近一次购买距今", "Time since last order"),
    "missing": ("未知", "Unknown"),
    "F": ("女", "Female"),
    "M": ("男", "Male"),
    "order_share": ("订单占比", "Share of orders"),
    "events_per_customer": ("人均行为次数", "Events per customer"),
    "customers_with": ("有该行为的客户占比", "Share of customers with it"),
    "avg_monetary_active": ("活跃者人均净消费（{cur}）", "Net spend, active ({cur})"),
    "avg_monetary_inactive": ("未活跃者人均净消费（{cur}）", "Net spend, not active ({cur})"),
    "psy_price_sensitivity": ("价格敏感度", "Price sensitivity"),
    "psy_quality_focus": ("品质关注度", "Quality focus"),
    "psy_brand_loyalty": ("品牌忠诚度", "Brand loyalty"),
    "psy_innovativeness": ("尝新意愿", "Innovativeness"),
    "psy_social_influence": ("社交影响", "Social influence"),
    "psy_service_expectation": ("服务期望", "Service expectation"),
    "interaction.events": ("有线上行为的客户", "Customers with online activity"),
    "interaction.feedback": ("有反馈记录的客户", "Customers who gave feedback"),
    "interaction.complaints": ("有投诉的客户", "Customers who complained"),
    "interaction.returns": ("有退货的客户", "Customers who returned goods"),
    "never": ("从未购买", "never bought"),
    # cleaning rules
    "duplicate_rows_dropped": ("完全重复的行已删除", "Exact duplicate rows dropped"),
    "repeated_customer_keys_first_kept": (
        "重复的客户编号仅保留第一条",
        "Repeated customer keys: first row kept",
    ),
    "anonymous_orders_dropped": (
        "无客户编号的订单（匿名）已删除",
        "Orders without a customer key (anonymous) dropped",
    ),
    "invalid_required_rows_dropped": (
        "必填字段无法识别的行已删除",
        "Rows with unreadable required values dropped",
    ),
    "invalid_values_set_missing": (
        "无法识别或不合理的值已置空",
        "Unreadable or implausible values set missing",
    ),
    "future_dated_rows_dropped": (
        "日期晚于截止日的行已删除",
        "Rows dated after the as-of date dropped",
    ),
    "future_signup_set_missing": (
        "晚于截止日的注册日期已置空",
        "Signup dates after the as-of date set missing",
    ),
    "orphan_rows_dropped": (
        "客户表中不存在的客户的记录已删除",
        "Rows of customers absent from the customer table dropped",
    ),
    "unknown_customer_unlinked": ("未知客户编号已解除关联", "Unknown customer keys unlinked"),
    "customers_derived_from_orders": ("客户表由订单推导", "Customer table derived from orders"),
    "amount_from_quantity_times_price": (
        "金额 = 数量 × 单价",
        "Amount computed as quantity × unit price",
    ),
    "returns_kept": (
        "负金额记为退货/取消（保留）",
        "Negative amounts kept as returns or cancellations",
    ),
    "zero_amount_orders": (
        "金额为 0 的订单（算作购买，不计收入）",
        "Zero-amount orders (count as purchases, no revenue)",
    ),
    "broken_lines_skipped": (
        "无法拆分的行已略过（intake.invalid_rows: drop）",
        "Broken lines left out (intake.invalid_rows: drop)",
    ),
    "dates_out_of_range": (
        "年份超出合理范围的日期（占位值或笔误，如 1900、2999）",
        "Dates with an implausible year (placeholders or typos such as 1900, 2999)",
    ),
    "orders_formed_from_customer_and_day": (
        "无订单号：同一客户同一天的明细合为一单",
        "No order id: a customer's lines on one day form one order",
    ),
    "orders_formed_from_customer_and_time": (
        "无订单号：同一客户同一时刻的明细合为一单",
        "No order id: a customer's lines at one timestamp form one order",
    ),
    "line_attribute_conflicts_most_frequent_kept": (
        "订单明细上客户属性不一致的客户（取最常见值）",
        "Customers whose order lines disagree on an attribute (most frequent kept)",
    ),
    "keys_differ_by_leading_zeros": (
        "仅前导零不同的客户编号",
        "Customer keys differing only by leading zeros",
    ),
    "extreme_amounts_flagged": ("极端金额（已标记，保留）", "Extreme amounts flagged (kept)"),
    "first_response_at_before_creation_set_missing": (
        "早于创建时间的首次响应时间已置空",
        "First response before creation set missing",
    ),
    "resolved_at_before_creation_set_missing": (
        "早于创建时间的解决时间已置空",
        "Resolution before creation set missing",
    ),
    "contact_details_masked_in_text": ("文本中的联系方式已遮盖", "Contact details masked in texts"),
    "contact_details_masked": (
        "字段中的联系方式或身份证号已遮盖",
        "Contact details or ID numbers masked in the column",
    ),
    "pii_columns_dropped": (
        "个人身份信息字段已删除（姓名、电话、邮箱等）",
        "Personal data columns dropped (name, phone, email…)",
    ),
    "not_in_data": ("此数据中没有这一项，已跳过。", "not in this data; skipped."),
    "no_cleaning": ("没有需要清洗的数据。", "Nothing needed cleaning."),
    "no_warnings": ("没有发现数据问题。", "No data issues found."),
    # input problems (kequn.problems): message err.<key> and fix fix.<key>, str.format templates
    # kequn.privacy, kequn.config (paths, run names)
    "err.salt_empty": (
        "privacy.salt 是空的：空文本推导出的盐是公开的，假名可被任何人还原",
        "privacy.salt is empty: a salt derived from nothing is public, and pseudonyms could be "
        "reversed by anyone",
    ),
    "fix.salt_empty": (
        "删除 privacy.salt 一行（将自动生成随机盐文件），或写一段保密的文本",
        "remove the privacy.salt line (a random salt file is then made), or set it to a secret text",
    ),
    "err.salt_file_empty": ("盐文件是空的", "the salt file is empty"),
    "fix.salt_file_empty": (
        "删除这个空文件（下次运行自动生成随机盐），或放回原来的盐文件（保持假名不变）",
        "delete the empty file (the next run makes a random salt), or restore the original "
        "salt file (to keep pseudonyms stable)",
    ),
    "err.path_outside": (
        "{what}“{name}”指向数据目录之外",
        "{what} '{name}' points outside the data folder",
    ),
    "fix.path_outside": (
        "只写数据目录里的文件名（不含 ../ 或绝对路径）；把文件复制进数据目录",
        "name a file inside the data folder (no ../, no absolute path); copy the file into the "
        "data folder",
    ),
    "err.config_path_outside": (
        "设置 {what}“{name}”指向项目、配置文件所在目录和数据目录之外",
        "setting {what} '{name}' points outside the project, the config's folder and the data "
        "folder",
    ),
    "fix.config_path_outside": (
        "把该文件放进项目（如 config/）、配置文件旁边或数据目录，再写它的路径",
        "put the file in the project (e.g. config/), beside the config or in the data folder, "
        "and name that path",
    ),
    "err.bad_run_name": ("运行名“{name}”不可用", "run name '{name}' cannot be used"),
    "fix.bad_run_name": (
        "只用字母、数字、汉字、空格、- 和 _（不以 - 或空格开头，不用 / \\ 或 .，不用 latest）",
        "use letters, digits, CJK, spaces, - and _ only (not starting with - or a space; no / \\ "
        "or .; not 'latest')",
    ),
    "err.file_not_found": ("找不到文件", "file not found"),
    "fix.file_not_found": ("检查 DATA 目录和文件名", "check the DATA folder and the file name"),
    "err.empty_file": ("文件是空的", "the file is empty"),
    "fix.empty_file": ("重新导出该表，包含表头行", "export the table again with its header row"),
    "err.no_columns": ("文件没有任何列", "the file has no columns"),
    "fix.no_columns": ("重新导出该表，包含表头行", "export the table again with its header row"),
    "err.bad_encoding": (
        "文本既不是 UTF-8 也不是 GBK/GB18030 编码",
        "the text is neither UTF-8 nor GBK/GB18030",
    ),
    "fix.bad_encoding": (
        "另存为“CSV UTF-8”（Excel：另存为 > CSV UTF-8）或 GBK",
        "save the file as 'CSV UTF-8' (Excel: Save As > CSV UTF-8) or GBK",
    ),
    "err.unreadable": ("无法作为表格读取（{detail}）", "could not be read as a table ({detail})"),
    "fix.unreadable": (
        "确认文件是完整的 CSV、Parquet 或 Excel 导出（可用文本编辑器或 Excel 打开检查）",
        "check that the file is a complete CSV, Parquet or Excel export (open it in a text editor or Excel)",
    ),
    "err.broken_lines": (
        "{n:,} 行无法按表头拆分（应有 {expected} 列，第一处有 {found} 列），这些行已略过",
        "{n:,} line(s) do not split into the header's fields (expected {expected}, the first has {found}); they were left out",
    ),
    "fix.broken_lines": (
        "修复这些行（常见原因：导出被截断、文本中有未加引号的分隔符），或设置 intake.invalid_rows: drop 略过它们并计数",
        "repair these lines (usual causes: a cut-off export, a delimiter inside unquoted text), or set intake.invalid_rows: drop to leave them out, counted",
    ),
    "err.sheet_not_found": (
        "工作簿中没有工作表“{sheet}”（现有：{sheets}）",
        "the workbook has no sheet '{sheet}' (sheets: {sheets})",
    ),
    "fix.sheet_not_found": (
        "在字段映射的 sheet: 下写明现有的工作表名",
        "name an existing sheet under 'sheet:' in the column map",
    ),
    "err.zip_members": (
        "压缩包中应只有一个数据文件（现有：{members}）",
        "the zip archive should hold one data file (it holds: {members})",
    ),
    "fix.zip_members": (
        "每个压缩包只放一个表，或解压后放入 DATA 目录",
        "put one table per archive, or unzip it into the DATA folder",
    ),
    "err.date_ambiguous": (
        "每个日期都既可读作“月/日/年”也可读作“日/月/年”（如 3/5 是 3 月 5 日还是 5 月 3 日），无法确定",
        "every date fits both month/day/year and day/month/year (is 3/5 the 5th of March or the 3rd of May?)",
    ),
    "fix.date_ambiguous": (
        "在字段映射中写明格式，例如 date_format: {{{table}: {{{col}: '%m/%d/%Y'}}}}（月/日/年）或 '%d/%m/%Y'（日/月/年）；或在配置中设置 intake.date_format",
        "state the format in the column map, e.g. date_format: {{{table}: {{{col}: '%m/%d/%Y'}}}} (month/day/year) or '%d/%m/%Y' (day/month/year); or set intake.date_format in the config",
    ),
    "err.date_style_unknown": (
        "整列都不是可识别的日期写法（共 {n:,} 个值）",
        "no value of the whole column reads as a date ({n:,} values)",
    ),
    "fix.date_style_unknown": (
        "整列是同一种陌生写法时，在字段映射中写明：date_format: {{{table}: {{{col}: '%d.%m.%Y %H:%M'}}}}（按实际写法改）",
        "when the whole column is in one unfamiliar style, state it in the column map: date_format: {{{table}: {{{col}: '%d.%m.%Y %H:%M'}}}} (adapt to the values)",
    ),
    "err.keys_differ_by_zeros": (
        "{n:,} 个客户编号只在前导零上与客户表不同（如 00123 与 123），未合并，按孤立行处理",
        "{n:,} customer key(s) differ from the customer table only by leading zeros (00123 vs 123); they were not merged and count as orphans",
    ),
    "fix.keys_differ_by_zeros": (
        "检查导出：客户编号应在每张表中写法一致（以文本导出，保留前导零）",
        "check the exports: a customer key should be written the same way in every table (exported as text, leading zeros kept)",
    ),
    "err.folder_not_found": ("找不到目录", "folder not found"),
    "fix.folder_not_found": (
        "用 DATA=导出文件所在目录 指定数据",
        "pass DATA=path/to/export-folder",
    ),
    "err.table_missing": ("缺少 {table} 表", "the {table} table is missing"),
    "fix.table_missing": (
        "把 {table}.csv（或 .parquet/.xlsx）放进该目录，或在字段映射的 files: 下写明文件名",
        "put {table}.csv (or .parquet/.xlsx) in the folder, or name its file under 'files:' in the column map",
    ),
    "err.header_only": ("只有表头，没有数据行", "has a header but no rows"),
    "err.spark_invalid_rows": (
        "{n} 行的必填字段（{columns}）无法读取或为空",
        "{n} rows have a required value ({columns}) that is missing or unreadable",
    ),
    "fix.spark_invalid_rows": (
        "Spark 导入不知道原文件的行号：用 make report 的导入查看是哪几行，或设置 invalid_rows: drop 跳过这些行（计数）",
        "Spark's intake does not know the file's row numbers: run the intake of make report to "
        "see which rows, or set invalid_rows: drop to leave them out (counted)",
    ),
    "err.spark_duplicate_keys": (
        "{n} 个客户编号在客户表中出现不止一次",
        "{n} customer ids appear more than once in the customer table",
    ),
    "fix.spark_duplicate_keys": (
        "Spark 不保留文件行序，无法按“第一行为准”去重：导出前去重，或用 make report 的导入",
        "Spark keeps no file order, so 'the first row wins' cannot be applied: remove the "
        "duplicates in the export, or use the intake of make report",
    ),
    "fix.header_only": ("重新导出包含数据的表", "export the table again with its data"),
    "err.missing_column": (
        "缺少必填字段“{col}”（现有表头：{found}）",
        "required column '{col}' is missing (found: {found})",
    ),
    "fix.missing_column": (
        "把表头改为“{col}”，或在字段映射（column_map）中写明 {table}: {{{col}: 你的表头}}",
        "rename the header to '{col}' or map it in a column map ({table}: {{{col}: <your header>}}) "
        "passed as column_map",
    ),
    "err.duplicate_header": (
        "表头“{first}”和“{second}”都对应字段“{target}”",
        "headers '{first}' and '{second}' both mean '{target}'",
    ),
    "fix.duplicate_header": (
        "删除其中一列，或在字段映射中明确指定一列",
        "remove one of them or map one explicitly in the column map",
    ),
    "err.value_unreadable": (
        "值无法识别（应为{expect}）",
        "the value cannot be read (expected {expect})",
    ),
    "err.value_empty": ("必填值为空（应为{expect}）", "the value is empty (expected {expect})"),
    "fix.value_unreadable": (
        "更正这些行，或在配置中设置 intake.invalid_rows: drop 跳过它们",
        "correct these rows, or set intake.invalid_rows: drop to leave them out",
    ),
    "fix.value_empty": (
        "更正这些行，或在配置中设置 intake.invalid_rows: drop 跳过它们",
        "correct these rows, or set intake.invalid_rows: drop to leave them out",
    ),
    "err.values_set_missing": (
        "{n:,} 个值无法识别或不合理（应为{expect}），已置空",
        "{n:,} values could not be read or are implausible (expected {expect}); they were set missing",
    ),
    "err.no_usable_rows": ("清洗后没有可用的行", "no usable rows are left after cleaning"),
    "fix.no_usable_rows": (
        "清洗去掉的行：{counts}。检查 as_of 日期（{as_of}）、日期格式和各表的客户编号是否一致",
        "rows removed by cleaning: {counts}. Check the as_of date ({as_of}), the date format and that customer keys match between tables",
    ),
    "err.invalid_rows_setting": (
        "intake.invalid_rows 的值“{value}”无效",
        "intake.invalid_rows is '{value}'",
    ),
    "fix.invalid_rows_setting": ("使用 error 或 drop", "use 'error' or 'drop'"),
    "err.yaml_not_found": ("找不到{what_zh}", "{what_en} not found"),
    "fix.yaml_not_found": ("{fix_zh}", "{fix_en}"),
    "err.yaml_invalid": ("不是有效的 YAML（{detail}）", "is not valid YAML ({detail})"),
    "fix.yaml_invalid": ("检查缩进和引号", "check indentation and quoting"),
    "err.yaml_not_settings": (
        "应为“名称: 值”形式的设置，而不是 {kind}",
        "should hold 'name: value' settings, not a {kind}",
    ),
    "fix.yaml_not_settings": (
        "参照 config/default.yaml 的格式",
        "see config/default.yaml for the layout",
    ),
    "err.unknown_parameter": ("未知的参数“{name}”", "unknown parameter '{name}'"),
    "fix.unknown_parameter": (
        "最接近的参数：{close}；全部参数及其默认值见 lib/kequn/defaults.yaml",
        "closest: {close}; every parameter and its default is in lib/kequn/defaults.yaml",
    ),
    "err.unknown_settings": ("未知的设置项：{names}", "unknown setting(s): {names}"),
    "fix.unknown_settings": ("只可使用：{allowed}", "use only: {allowed}"),
    "err.setting_type": (
        "设置“{name}”的类型不对：应为{kind_zh}",
        "setting '{name}' should be a {kind_en}",
    ),
    "fix.setting_type": (
        "参照 config/default.yaml 中该项的写法",
        "see how config/default.yaml writes it",
    ),
    "err.bad_lang": ("lang 的值“{value}”无效", "lang is '{value}'"),
    "err.bad_engine": ("engine 的值“{value}”无效", "engine is '{value}'"),
    "fix.bad_engine": ("设置 engine 为 {allowed} 之一", "set engine to one of {allowed}"),
    "err.bad_spark_master": ("spark_master 的值“{value}”无效", "spark_master is '{value}'"),
    "fix.bad_spark_master": (
        "写 local[*]、local[4]、spark://主机:7077、yarn 或 k8s://主机:端口（spark-submit 的 --master 写法）",
        "write local[*], local[4], spark://host:7077, yarn or k8s://host:port (spark-submit's --master)",
    ),
    "fix.bad_lang": ("设置 lang: zh 或 lang: en", "set lang: zh or lang: en"),
    "err.bad_currency": (
        "currency / currency_symbol 的值 {value} 无效",
        "currency / currency_symbol is {value}",
    ),
    "fix.bad_currency": (
        "currency 写三个字母的 ISO 4217 货币代码（如 GBP、USD、EUR）；currency_symbol 写符号文字（如 £）或 null",
        "set currency to a three-letter ISO 4217 code (such as GBP, USD, EUR) and currency_symbol to "
        "a symbol (such as £) or null",
    ),
    "currency": ("货币", "Currency"),
    "err.unknown_table": ("未知的数据表“{table}”", "unknown table '{table}'"),
    "fix.unknown_table": ("可用的数据表：{allowed}", "use one of {allowed}"),
    "err.unknown_column": (
        "数据表“{table}”没有字段“{col}”",
        "unknown column '{col}' for table '{table}'",
    ),
    "fix.unknown_column": ("可用的字段：{allowed}", "use one of {allowed}"),
    # tables
    "t.customers": ("客户", "customers"),
    "t.orders": ("订单", "orders"),
    "t.events": ("行为", "events"),
    "t.feedback": ("反馈", "feedback"),
    "t.kano": ("Kano 问卷", "Kano survey"),
    # city tiers and demo values
    "一线": ("一线", "Tier 1"),
    "新一线": ("新一线", "New tier 1"),
    "二线": ("二线", "Tier 2"),
    "三线": ("三线", "Tier 3"),
    "四线": ("四线", "Tier 4"),
    "五线": ("五线", "Tier 5"),
    "食品生鲜": ("食品生鲜", "Fresh food"),
    "日用百货": ("日用百货", "Household"),
    "服饰鞋包": ("服饰鞋包", "Apparel"),
    "美妆个护": ("美妆个护", "Beauty"),
    "数码家电": ("数码家电", "Electronics"),
    "母婴用品": ("母婴用品", "Mother & baby"),
    "医药保健": ("医药保健", "Health"),
    "家居家装": ("家居家装", "Home"),
    "门店": ("门店", "Store"),
    "App": ("App", "App"),
    "微信小程序": ("微信小程序", "WeChat mini program"),
    "官网": ("官网", "Website"),
    "直播间": ("直播间", "Live stream"),
    "电话订购": ("电话订购", "Phone order"),
    "web": ("网页", "Web"),
    "social": ("社交", "Social"),
    "mobile": ("移动端", "Mobile"),
    "page_view": ("浏览页面", "Page view"),
    "ad_click": ("点击广告", "Ad click"),
    "download": ("下载", "Download"),
    "app_open": ("打开 App", "App open"),
    "like": ("点赞", "Like"),
    "comment": ("评论", "Comment"),
    "share": ("分享", "Share"),
    "qr_pay": ("扫码支付", "QR payment"),
    "学生": ("学生", "Student"),
    "企业职员": ("企业职员", "Office worker"),
    "专业技术人员": ("专业技术人员", "Professional"),
    "管理人员": ("管理人员", "Manager"),
    "个体经营": ("个体经营", "Self-employed"),
    "公务员/事业单位": ("公务员/事业单位", "Public sector"),
    "自由职业": ("自由职业", "Freelancer"),
    "退休": ("退休", "Retired"),
    "高中及以下": ("高中及以下", "High school or less"),
    "大专": ("大专", "College"),
    "本科": ("本科", "Bachelor"),
    "硕士及以上": ("硕士及以上", "Master or above"),
    # stage 02: clustering
    "clustering.title": ("客户分群", "Customer segments"),
    "clustering.intro": (
        "本报告把客户分成可以区别对待的群体，并按分群的三条原则检验：可操作性（每群足够大）、"
        "可区分性（群与群差别明显）和可持续性（重抽样和跨期稳定）。",
        "This report splits customers into groups that can be treated differently, and checks the "
        "three principles of segmentation: actionable (each group large enough), distinguishable "
        "(groups clearly differ) and sustainable (stable under resampling and over time).",
    ),
    "sec.prep": ("分群用的特征及处理", "Features used and how they were prepared"),
    "sec.prep_note": (
        "偏态的数值取对数，极端值截断到 0.5%–99.5% 分位，缺失值用中位数，再标准化；订单少的客户的品类/渠道占比向整体收缩，"
        "行为和反馈按每年次数计。每组特征的总权重如下表（组内平分）。",
        "Skewed numbers are log-scaled, extremes clipped to the 0.5–99.5% quantiles, missing values set "
        "to the median, then standardised; category and channel shares of customers with few orders are "
        "shrunk toward the base mix, and events and feedback are counted per year. Each feature set has "
        "the total weight shown (shared by its columns).",
    ),
    "sec.dropped": ("未使用的特征", "Features not used"),
    "sec.k": ("分几群：选择依据", "How many segments: the criteria"),
    "sec.methods": ("三种算法的比较", "Three algorithms compared"),
    "sec.methods_note": (
        "在同一样本上运行 KMeans、高斯混合和 HDBSCAN；“与所选方案一致度”为调整兰德指数（1 = 完全相同）。",
        "KMeans, a Gaussian mixture and HDBSCAN on the same sample; agreement with the chosen "
        "segmentation is the adjusted Rand index (1 = identical).",
    ),
    "sec.segments": ("客户群及画像", "The segments and their portraits"),
    "sec.sizes": ("各群规模与价值（可操作性）", "Size and value per segment (actionable)"),
    "sec.distinct": (
        "各群的区分特征（可区分性）",
        "What sets each segment apart (distinguishable)",
    ),
    "sec.distinct_note": (
        "标准化差异 d = (本群均值 − 其他客户均值) / 全体标准差；|d| ≥ 0.5 为明显差异。",
        "Standardised difference d = (segment mean − mean of everyone else) / sd of all; |d| ≥ 0.5 is "
        "a clear difference.",
    ),
    "sec.separation": ("分离度指标", "Separation figures"),
    "sec.profile": ("各群与全体对比", "Segments against the whole base"),
    "sec.map": ("客户群分布图（主成分）", "Segment map (principal components)"),
    "sec.stability": ("稳定性（可持续性）", "Stability (sustainable)"),
    "sec.stability_note": (
        "对样本重抽样 {b} 次并重新分群，每群取与新分群的最大 Jaccard 相似度的平均值（Hennig 2007）："
        "≥ 0.75 稳定，0.6–0.75 存疑，< 0.6 正在瓦解。",
        "The sample is resampled {b} times and segmented again; per segment the mean of its best "
        "Jaccard similarity with the new segments (Hennig 2007): ≥ 0.75 stable, 0.6–0.75 doubtful, "
        "< 0.6 dissolving.",
    ),
    "sec.drift": ("与上次运行相比", "Since the previous run"),
    "sec.attract": ("目标客群吸引力排名", "Segment attractiveness ranking"),
    "sec.attract_note": (
        "规模、价值（人均净消费）、增长（近 6 个月收入比前 6 个月）和可触达性（有线上行为的客户占比）"
        "各自在群间缩放到 0–1 后加权平均；权重：{w}。",
        "Size, value (net spend per customer), growth (revenue of the last 6 months over the 6 "
        "before) and reach (share with online activity), each scaled 0–1 across segments, weighted: {w}.",
    ),
    "attr.formula": (
        "吸引力得分 = Σ（权重 × 指标）÷ Σ 权重，每项指标先在各客户群之间缩放到 0–1（最低的群 0，最高的群 1）。"
        "计入的指标和权重：{used}。",
        "Attractiveness score = Σ (weight × figure) ÷ Σ weights, each figure first scaled 0–1 across the "
        "segments (lowest segment 0, highest 1). Figures and weights counted: {used}.",
    ),
    "attr.c.revenue_share": ("收入占比", "revenue share"),
    "attr.c.clv": ("人均客户终身价值", "CLV per customer"),
    "attr.c.value": ("人均净消费", "net spend per customer"),
    "attr.c.size": ("客户占比", "share of customers"),
    "attr.c.growth": (
        "收入增长（近 6 个月比前 6 个月）",
        "revenue growth (last 6 months over the 6 before)",
    ),
    "attr.c.reach": ("可触达", "reach"),
    "attr.c.reach.events": (
        "可触达（有行为记录的客户占比）",
        "reach (share with any recorded event)",
    ),
    "attr.c.reach.online_orders": (
        "可触达（在线上渠道下过单的客户占比）",
        "reach (share who ordered through an online channel)",
    ),
    "attr.left.growth": (
        "收入增长未计入：比较两个完整的 6 个月窗口需要 {needed} 起的订单，而数据从 {first} 开始（导出之前的历史不在数据里）。",
        "Revenue growth is not counted: comparing two complete 6-month windows needs orders from {needed} "
        "on, and the data start on {first} (history before the export is not in the data).",
    ),
    "attr.left.reach": (
        "可触达未计入：没有行为表（events），订单也没有线上渠道（orders 的 channel 字段），无从得知能否在线上触达这些客户。",
        "Reach is not counted: there is no events table and no online order channel (the orders' channel "
        "column), so nothing says whether these customers can be reached online.",
    ),
    "attr.left.clv": (
        "客户终身价值未计入：第 03 阶段没有可用的终身价值模型。",
        "Customer lifetime value is not counted: stage 03 has no usable lifetime model.",
    ),
    "attr.left.clv_later": (
        "客户终身价值由第 03 阶段估计，总览中的排名会把它计入（权重见总览）。",
        "Customer lifetime value is estimated by stage 03; the ranking on the overview counts it "
        "(weights stated there).",
    ),
    "attr.left.revenue_share": (
        "收入占比未计入：没有订单金额。",
        "Revenue share is not counted: there are no order amounts.",
    ),
    "attr.left.value": (
        "人均净消费未计入：没有订单金额。",
        "Net spend per customer is not counted: there are no order amounts.",
    ),
    "attr.left.size": ("客户占比未计入。", "Share of customers is not counted."),
    "sec.rules": ("规则分群与数据分群对比", "Rule-based segments against data-driven ones"),
    "sec.rules_none": (
        "配置中没有定义规则分群（clustering.rules）。",
        "No rule-based segments are defined (clustering.rules).",
    ),
    "sec.rules_note": (
        "每行是一个规则群，各列为其客户落在各数据分群中的占比；两种划分的调整兰德指数为 {ari}。",
        "Each row is a rule segment; columns give the share of its customers in each data-driven "
        "segment. Adjusted Rand index of the two partitions: {ari}.",
    ),
    "seg.sample_note": (
        "在 {n} 名客户的分层样本上拟合，其余 {m} 名按模型归入最近的群。",
        "Fitted on a stratified sample of {n} customers; the other {m} were assigned by the model.",
    ),
    "seg.sample_all": ("在全部 {n} 名客户上拟合。", "Fitted on all {n} customers."),
    "seg.sample_agree": (
        "样本拟合与全量拟合的一致度（调整兰德指数）：{ari}。",
        "Agreement of the sample fit with a fit on everyone (adjusted Rand index): {ari}.",
    ),
    "seg.merged": (
        "{n} 个客户群小于最小占比 {share}，已并入最近的群。",
        "{n} segment(s) below the minimum share of {share} were merged into the nearest one.",
    ),
    "seg.merged_none": (
        "所有客户群都不小于最小占比 {share}。",
        "Every segment holds at least the minimum share of {share}.",
    ),
    "seg.drift_none": (
        "这是该数据集第一次分群，没有上一次运行可比较。",
        "This is the first segmentation of this data set: there is no previous run to compare with.",
    ),
    "seg.drift_figures": (
        "与上次运行（{run}）共有客户 {both}，其中 {changed} 换了群；新客户 {new}，流失客户 {gone}。",
        "Customers in both this run and the previous one ({run}): {both}; {changed} of them changed "
        "segment; {new} are new and {gone} are gone.",
    ),
    "seg.segment": ("客户群", "Segment"),
    "seg.segments": ("群数", "Segments"),
    "seg.method": ("算法", "Algorithm"),
    "seg.set": ("特征组", "Feature set"),
    "seg.feature": ("特征", "Feature"),
    "seg.transform": ("处理", "Preparation"),
    "seg.missing_share": ("缺失占比", "Missing share"),
    "seg.weight": ("权重", "Weight"),
    "seg.reason": ("原因", "Reason"),
    "seg.unassigned_share": ("未归类占比", "Unassigned share"),
    "seg.ari_vs_chosen": ("与所选方案一致度", "Agreement with chosen"),
    "seg.seconds": ("耗时（秒）", "Seconds"),
    "seg.strength": ("平均隶属度", "Mean membership"),
    "seg.segment_mean": ("本群", "Segment"),
    "seg.base_mean": ("全体", "All customers"),
    "seg.std_diff": ("标准化差异 d", "Std. difference d"),
    "seg.direction": ("方向", "Direction"),
    "seg.higher": ("偏高", "higher"),
    "seg.lower": ("偏低", "lower"),
    "seg.jaccard": ("平均 Jaccard", "Mean Jaccard"),
    "seg.jaccard_min": ("最低 Jaccard", "Lowest Jaccard"),
    "seg.verdict": ("判断", "Verdict"),
    "seg.name": ("名称", "Name"),
    "seg.portrait_col": ("画像", "Portrait"),
    "seg.portrait": (
        "{share} 的客户（{n} 人）。{facts}。人均净消费 {spend} {cur}（全体 {base_spend} {cur}）。",
        "{share} of customers ({n}). {facts}. Net spend per customer {spend} {cur} (all: {base_spend}).",
    ),
    "seg.fact": ("{phrase}（{label} {seg}，全体 {base}）", "{phrase} ({label} {seg} vs {base})"),
    "seg.average": ("接近平均", "close to average"),
    "seg.all": ("全体", "All"),
    "seg.unassigned": ("未归类", "Unassigned"),
    "seg.unassigned_portrait": (
        "{share} 的客户（{n} 人）不在任何密集区域内，HDBSCAN 不强行归类。",
        "{share} of customers ({n}) lie in no dense region; HDBSCAN does not force them into a segment.",
    ),
    "seg.median_income": ("月收入中位数（{cur}）", "Median monthly income ({cur})"),
    "seg.median_recency": ("距上次购买中位数（天）", "Median days since last order"),
    "seg.complaints_per_100": ("每百人投诉数", "Complaints per 100 customers"),
    "seg.top_category": ("最主要品类", "Top category"),
    "seg.top_channel": ("最主要渠道", "Top channel"),
    "seg.other": ("其他", "Other"),
    "seg.rule": ("规则群", "Rule segment"),
    "seg.value": ("人均净消费（{cur}）", "Net spend per customer ({cur})"),
    "seg.growth": ("收入增长", "Revenue growth"),
    "seg.reach": ("可触达（线上活跃）", "Reach (online active)"),
    "seg.score": ("吸引力得分", "Attractiveness score"),
    "seg.rank": ("排名", "Rank"),
    "seg.matched": ("对应上次的群", "Matched previous segment"),
    "seg.share_now": ("本次占比", "Share now"),
    "seg.share_before": ("上次占比", "Share before"),
    "seg.stayed": ("留在原群占比", "Share who stayed"),
    "seg.k_axis": ("群数 k", "Number of segments k"),
    "seg.pc": ("主成分 {i}（解释 {v} 的方差）", "Component {i} ({v} of variance)"),
    "verdict.stable": ("稳定", "stable"),
    "verdict.doubtful": ("存疑", "doubtful"),
    "verdict.dissolving": ("正在瓦解", "dissolving"),
    "method.kmeans": ("KMeans", "KMeans"),
    "method.gmm": ("高斯混合", "Gaussian mixture"),
    "method.hdbscan": ("HDBSCAN（密度）", "HDBSCAN (density)"),
    "crit.silhouette": ("轮廓系数（越高越好）", "Silhouette (higher is better)"),
    "crit.calinski_harabasz": (
        "Calinski–Harabasz（越高越好）",
        "Calinski–Harabasz (higher is better)",
    ),
    "crit.davies_bouldin": ("Davies–Bouldin（越低越好）", "Davies–Bouldin (lower is better)"),
    "crit.bic": ("BIC，高斯混合（越低越好）", "BIC, Gaussian mixture (lower is better)"),
    "k.reason.given": ("按配置使用 k = {k}。", "k = {k} as set in the configuration."),
    "k.reason.tolerance": (
        "k = {k}：在 {lo}–{hi} 中，{criterion} 与最优值相差不超过 {tol} 的最大 k。这类指标通常偏好最少的群，"
        "而分群是为了区别对待，分离程度相近时取更细的划分。",
        "k = {k}: the largest k in {lo}–{hi} whose {criterion} is within {tol} of the best. These "
        "scores usually favour the fewest groups; segments are for acting on, so among partitions "
        "that separate about equally well the finer one is taken.",
    ),
    "crit.prediction_strength": (
        "预测强度（≥ 0.8 可复现）",
        "Prediction strength (≥ 0.8 reproducible)",
    ),
    "k.reason.ps": (
        "k = {k}：在 {lo}–{hi} 中预测强度不低于 0.8 的最大 k（Tibshirani & Walther 2005）：把样本分成两半各自分群，"
        "用一半的群心去划分另一半，各群的客户仍被分在一起的比例。达到 0.8 说明这些群在新数据上能重现。",
        "k = {k}: the largest k in {lo}–{hi} with a prediction strength of at least 0.8 (Tibshirani & "
        "Walther 2005): the sample is split in halves and each is segmented; prediction strength is the "
        "share of customers a segment keeps together when the other half's centres assign them. At 0.8 "
        "the segments reappear in new data.",
    ),
    "k.reason.ps_none": (
        "k = {k}：没有 k 的预测强度达到 0.8，取最高者；这些群在新数据上未必能重现。",
        "k = {k}: no k reaches a prediction strength of 0.8; the highest is taken, and these segments "
        "may not reappear in new data.",
    ),
    "k.reason.bic": (
        "k = {k}：在 {lo}–{hi} 中 BIC 最低。",
        "k = {k}: the lowest BIC in {lo}–{hi}.",
    ),
    "k.reason.bic_edge": (
        "k = {k}：BIC 在所试的最大 k 处仍在下降，可考虑放宽 k_range。",
        "k = {k}: BIC still falls at the largest k tried; consider widening k_range.",
    ),
    "k.reason.none": (
        "k = {k}：没有可用的指标，取最小值。",
        "k = {k}: no criterion could be computed; the smallest k is used.",
    ),
    "k.reason.hdbscan": (
        "HDBSCAN 自行决定群数；最小群规模 {mcs}（样本的最小占比）。",
        "HDBSCAN finds the number of segments itself; minimum cluster size {mcs} (the minimum share of the sample).",
    ),
    "set.demographic": ("人口特征", "Demographic"),
    "set.geographic": ("地域", "Geographic"),
    "set.psychographic": ("心理特征", "Psychographic"),
    "set.behaviour": ("消费行为（RFM）", "Behaviour (RFM)"),
    "set.channel": ("渠道偏好", "Channel mix"),
    "set.category": ("品类偏好", "Category mix"),
    "set.online": ("线上行为", "Online behaviour"),
    "set.service": ("服务互动", "Service contacts"),
    "tr.log1p": ("取对数", "log"),
    "tr.clip": ("截断极端值", "clip extremes"),
    "tr.standardise": ("标准化", "standardise"),
    "tr.median": ("{n} 个缺失值用中位数", "median for {n} missing"),
    "drop.all_missing": ("全部缺失", "all values missing"),
    "drop.constant": ("所有客户取值相同", "the same for every customer"),
    "drop.set_absent": ("数据中没有这组特征", "this data has none of these features"),
    "f.age": ("年龄", "Age"),
    "f.income": ("月收入", "Monthly income"),
    "f.family_size": ("家庭人数", "Family size"),
    "f.female": ("女性占比", "Share of women"),
    "f.education_level": ("学历等级", "Education level"),
    "f.city_tier_rank": ("城市等级（1 = 一线）", "City tier (1 = top)"),
    "f.recency_days": ("距上次购买天数", "Days since last order"),
    "f.orders": ("订单数", "Orders"),
    "f.monetary": ("净消费（{cur}）", "Net spend ({cur})"),
    "f.avg_order_value": ("客单价（{cur}）", "Order value ({cur})"),
    "f.tenure_days": ("在网天数", "Tenure (days)"),
    "f.discount_share": ("折扣订单占比", "Share of orders on discount"),
    "f.coupon_share": ("用券订单占比", "Share of orders with a coupon"),
    "f.return_rate": ("退货率（按单数）", "Return rate (by orders)"),
    "f.feedback": ("每年反馈次数", "Feedback per year"),
    "f.complaints": ("每年投诉次数", "Complaints per year"),
    "f.cat": ("{value}消费占比", "{value} share of spend"),
    "f.chan": ("{value}订单占比", "{value} share of orders"),
    "f.ev": ("每年{value}次数", "{value} per year"),
    "err.unknown_feature_set": ("未知的特征组：{names}", "unknown feature set(s): {names}"),
    "fix.unknown_feature_set": ("可用的特征组：{allowed}", "use some of: {allowed}"),
    "err.no_customers_to_cluster": ("特征表中没有客户", "the feature table holds no customers"),
    "fix.no_customers_to_cluster": (
        "先运行画像阶段（make report），检查客户表",
        "run the profiling stage first (make report) and check the customer table",
    ),
    "err.no_usable_features": (
        "所选特征组（{sets}）中没有可用的特征：全部缺失或所有客户取值相同",
        "the chosen feature sets ({sets}) hold no usable feature: all are missing or the same for every customer",
    ),
    "fix.no_usable_features": (
        "在 clustering.feature_sets 中加入数据里有的特征组",
        "add feature sets the data has to clustering.feature_sets",
    ),
    "err.unknown_method": ("未知的分群算法“{value}”", "unknown clustering method '{value}'"),
    "fix.unknown_method": ("可用：{allowed}", "use one of {allowed}"),
    "err.unknown_criterion": ("未知的选择指标“{value}”", "unknown criterion '{value}'"),
    "fix.unknown_criterion": ("可用：{allowed}", "use one of {allowed}"),
    "err.too_few_customers": (
        "只有 {n} 名客户，不足以分成 {k} 群（每群至少需要 5 名）",
        "only {n} customer(s): too few for {k} segments (at least 5 per segment)",
    ),
    "fix.too_few_customers": (
        "减小 clustering.k 或 k_range，或使用更多客户的数据",
        "lower clustering.k or k_range, or use data with more customers",
    ),
    "err.bad_rule": (
        "规则分群“{name}”的表达式“{expr}”无法计算（{detail}）",
        "rule segment '{name}': the expression '{expr}' cannot be evaluated ({detail})",
    ),
    "fix.bad_rule": (
        "用特征表的列名写表达式，如 monetary >= 3000 and recency_days <= 90；可用列：{allowed}",
        "write it over the feature table's columns, e.g. monetary >= 3000 and recency_days <= 90; columns: {allowed}",
    ),
    "err.rule_syntax": (
        "规则分群“{name}”的表达式“{expr}”在第 {pos} 个字符处无法解析（{what}）",
        "rule segment '{name}': the expression '{expr}' cannot be read at character {pos} ({what})",
    ),
    "err.rule_forbidden": (
        "规则分群“{name}”的表达式“{expr}”在第 {pos} 个字符处用了规则不允许的写法：{what}",
        "rule segment '{name}': the expression '{expr}' uses {what} at character {pos}, "
        "which a rule may not",
    ),
    "err.rule_column": (
        "规则分群“{name}”的表达式“{expr}”在第 {pos} 个字符处用了特征表中没有的列“{what}”",
        "rule segment '{name}': the expression '{expr}' names the column '{what}' at "
        "character {pos}, which the feature table does not have",
    ),
    "fix.rule_syntax": (
        "规则只能用列名、数字、带引号的文本、比较（< <= > >= == !=）、and / or / not、"
        "in [列表]、+ - * / // % ** 和括号，如 monetary >= 3000 and recency_days <= 90；"
        "可用列：{allowed}",
        "a rule may use column names, numbers, quoted text, comparisons "
        "(< <= > >= == !=), and / or / not, in [list], + - * / // % ** and parentheses, "
        "e.g. monetary >= 3000 and recency_days <= 90; columns: {allowed}",
    ),
    "fix.rule_forbidden": (
        "规则只能用列名、数字、带引号的文本、比较（< <= > >= == !=）、and / or / not、"
        "in [列表]、+ - * / // % ** 和括号，如 monetary >= 3000 and recency_days <= 90；"
        "可用列：{allowed}",
        "a rule may use column names, numbers, quoted text, comparisons "
        "(< <= > >= == !=), and / or / not, in [list], + - * / // % ** and parentheses, "
        "e.g. monetary >= 3000 and recency_days <= 90; columns: {allowed}",
    ),
    "fix.rule_column": (
        "规则只能用列名、数字、带引号的文本、比较（< <= > >= == !=）、and / or / not、"
        "in [列表]、+ - * / // % ** 和括号，如 monetary >= 3000 and recency_days <= 90；"
        "可用列：{allowed}",
        "a rule may use column names, numbers, quoted text, comparisons "
        "(< <= > >= == !=), and / or / not, in [list], + - * / // % ** and parentheses, "
        "e.g. monetary >= 3000 and recency_days <= 90; columns: {allowed}",
    ),
    "err.rule_lifecycle_word": (
        "规则分群“{name}”（{expr}）的名称用了生命周期用语“{word}”。术语表中“{term_zh}”的定义是：{definition_zh}"
        "一个词只能有一个意思，规则分群不能借用它",
        "rule segment '{name}' ({expr}) is named with the lifecycle word '{word}'. The glossary "
        "defines '{term_en}' as: {definition_en} One word has one meaning, so a rule may not "
        "borrow it",
    ),
    "fix.rule_lifecycle_word": (
        "给规则分群起一个描述其规则的名称，如“近90天高消费”“一年未购”“注册半年内”",
        "name the rule segment by its rule, e.g. 'High spend, ordered in 90 days', "
        "'No purchase for a year', 'Registered within 6 months'",
    ),
    "err.bad_setting": (
        "设置“{name}”的值 {value} 不在允许范围 {rule} 内",
        "setting '{name}' is {value}, outside {rule}",
    ),
    "fix.bad_setting": (
        "参照 config/default.yaml 中该项的说明",
        "see the comment on it in config/default.yaml",
    ),
    # stage 03: value
    "value.title": ("客户价值与生命周期", "Customer value and lifecycle"),
    "value.intro": (
        "本报告回答每位客户现在值多少、将来值多少、处在生命周期的哪个阶段：RFM 评分和八类 RFM 模型、"
        "价值分层（客户金字塔）与应对策略、收入集中度，客户终身价值（CLV：购买次数模型从 BG/NBD、MBG/NBD、"
        "Pareto/NBD、NBD 中按留出期检验或似然选出，金额用 Gamma-Gamma）及其区间，以及生命周期阶段和未购风险。",
        "This report answers what each customer is worth now and later, and where they are in their "
        "lifecycle: RFM scores and the eight-class RFM model, value tiers (the customer pyramid) with a "
        "response strategy, revenue concentration, customer lifetime value (CLV: the purchase model "
        "chosen among BG/NBD, MBG/NBD, Pareto/NBD and the NBD by the holdout or the likelihood, spend "
        "by Gamma-Gamma) with its interval, and lifecycle stages with the risk of no purchase.",
    ),
    "vsec.rfm": (
        "RFM：最近一次购买、购买频次、消费金额",
        "RFM: recency, frequency, monetary value",
    ),
    "vsec.rfm_note": (
        "每位购买过的客户在 R、F、M 上按分位数各得 1–{bins} 分（{bins} 为最好）。下表是常用的 R×F 命名分群，"
        "规则列出每群的 R、F 分数范围。",
        "Every buyer gets a score of 1–{bins} on R, F and M by quantile ({bins} = best). The table "
        "shows the widely used named segments of the R × F grid; the rule column gives each one's R "
        "and F scores.",
    ),
    "vsec.eight": ("八类 RFM 客户", "The eight RFM classes"),
    "v.cuts": (
        "“高”与“低”以购买客户的{rule}为界：最近一次购买 {r} 天、订单 {f} 笔、净消费 {m} {cur}。",
        "“High” and “low” are split at the buyers' {rule}: {r} days since the last order, {f} orders, "
        "{m} net spend.",
    ),
    "v.cut_mean": ("平均值", "mean"),
    "v.cut_median": ("中位数", "median"),
    "vsec.tiers": ("价值分层：客户金字塔", "Value tiers: the customer pyramid"),
    "vsec.tiers_note": (
        "按{basis}从高到低排序分层；下图比较各层的客户占比和价值占比。",
        "Customers ranked by {basis}, highest first; the chart sets each tier's share of customers "
        "against its share of value.",
    ),
    "v.basis_margin": ("毛利（收入减成本）", "margin (revenue − cost)"),
    "v.basis_monetary": ("净消费", "net spend"),
    "vsec.strategy": ("各层的应对策略", "Response strategy per tier"),
    "vsec.concentration": ("收入集中度", "Revenue concentration"),
    "v.conc_facts": (
        "前 20% 的客户贡献 {top} 的{basis}；基尼系数 {gini}（0 = 人人相同，1 = 全部来自一人）。",
        "The top 20% of customers bring {top} of {basis}; Gini coefficient {gini} (0 = everyone equal, "
        "1 = all from one customer).",
    ),
    "v.lorenz": ("洛伦兹曲线", "Lorenz curve"),
    "v.cum_customers": (
        "客户累计占比（从价值最低者起）",
        "Cumulative share of customers (lowest value first)",
    ),
    "v.cum_value": ("价值累计占比", "Cumulative share of value"),
    "v.equality": ("完全平均", "Perfect equality"),
    "vsec.clv": ("客户终身价值（CLV）", "Customer lifetime value (CLV)"),
    "vsec.clv_note": (
        "寿命模型（所用模型及选择理由见下）由每位客户的购买次数、购买时间跨度和观察期估计其今后的购买次数与仍活跃的概率（P(alive)），"
        "Gamma-Gamma 模型估计每次购买的金额；二者相乘并按年折现率 {rate} 逐月折现，得到未来 {months} 个月的 CLV。"
        "{margin}同一天的多笔订单算一次购买。",
        "The lifetime model (which one and why: below) estimates from each customer's number of "
        "repeat purchase days, their span and the time "
        "observed how many purchases will follow and the probability the customer is still active "
        "(P(alive)); Gamma-Gamma estimates the value per purchase. Their product, discounted monthly at "
        "{rate} a year, is the CLV over the next {months} months. {margin}Several orders on one day "
        "count as one purchase.",
    ),
    "v.margin_cost": (
        "CLV 按毛利计：毛利率 {rate}（数据中的成本）。",
        "CLV is in margin: {rate} of spend (from the cost in the data). ",
    ),
    "v.margin_setting": (
        "CLV 按设置的毛利率 {rate} 计。",
        "CLV is in margin at the configured {rate} of spend. ",
    ),
    "v.margin_revenue": (
        "数据中没有成本，CLV 按收入计（设置 value.margin 可改为毛利）。",
        "The data has no cost, so CLV is in revenue (set value.margin for margin). ",
    ),
    "vsec.fits": ("模型参数", "Model parameters"),
    "v.model": ("模型", "Model"),
    "v.parameter": ("参数", "Parameter"),
    "v.estimate": ("估计值", "Estimate"),
    "model.bgnbd": ("BG/NBD（购买次数与流失）", "BG/NBD (purchases and dropout)"),
    "model.gamma_gamma": ("Gamma-Gamma（每次购买金额）", "Gamma-Gamma (value per purchase)"),
    "model.mbgnbd": (
        "MBG/NBD（首次购买后即可流失）",
        "MBG/NBD (dropout possible right after the first purchase)",
    ),
    "model.pareto_nbd": ("Pareto/NBD（随时可能流失）", "Pareto/NBD (dropout at any time)"),
    "model.nbd": ("NBD（不含流失）", "NBD (no dropout)"),
    "v.chosen": ("✓ 用于 P(alive)、流失风险和 CLV", "✓ used for P(alive), churn risk and CLV"),
    "v.choice": ("所用寿命模型：{model}。{why}", "Lifetime model used: {model}. {why}"),
    "v.choice_holdout": (
        "选择规则：留出期检验中每位客户购买次数的平均绝对误差最小（相差 1% 以内时取总数误差较小者）；"
        "各模型 MAE（总数误差）：{figs}。",
        "Rule: the lowest mean absolute error of holdout purchases per customer (within 1%: the "
        "smaller error of the total); MAE (error of the total) per model: {figs}.",
    ),
    "v.choice_aic": (
        "历史不够长，无法做留出期检验，按全部历史上的 AIC（2k − 2 对数似然，越小越好）选择；各模型 AIC：{figs}。",
        "The history is too short for a holdout check, so the rule is the lowest AIC (2k − 2 "
        "log-likelihood) on the whole history; AIC per model: {figs}.",
    ),
    "v.choice_refused": ("未采用：{refused}。", "Refused: {refused}."),
    "v.choice_nbd": (
        "{weeks} 周的历史中看不出客户流失，故用不含流失的 NBD：它假定客户在整个 CLV 期间保持各自的购买速度，"
        "CLV 应视为上限。",
        "On {weeks} weeks of history no dropout can be measured, so the NBD, "
        "which has none, is used: it assumes customers keep their purchase rates over the whole CLV "
        "horizon; read CLV as an upper figure.",
    ),
    "v.choice_none": (
        "没有可用的寿命模型，CLV、P(alive) 和流失风险缺失。{refused}",
        "No lifetime model could be used, so CLV, P(alive) and churn risk are missing. {refused}",
    ),
    "v.ci": ("{mean}（95% 区间 {low}–{high}）", "{mean} (95% CI {low}–{high})"),
    "v.ci_note": (
        "区间：按参数的抽样分布（似然函数在最优点的 Hessian 逆矩阵）抽取 {draws} 组参数，重新计算平均 CLV，取 2.5% 与 97.5% 分位数。"
        "它只反映参数估计的不确定性，不含模型本身的误差。",
        "Interval: {draws} parameter sets drawn from the parameters' sampling distribution (the "
        "inverse Hessian of the likelihood at the optimum), the mean CLV recomputed for each, 2.5 and "
        "97.5 percentiles. It covers the uncertainty of the estimates, not that of the model itself.",
    ),
    "v.clv_ci_mean": ("平均 CLV（购买客户）", "Mean CLV (buyers)"),
    "v.clv_ci_low": ("95% 区间下限", "95% interval, low"),
    "v.clv_ci_high": ("95% 区间上限", "95% interval, high"),
    "v.err.mae_short": ("每位客户 MAE", "MAE per customer"),
    "v.err.total_short": ("总数误差", "Error of the total"),
    "v.err.one_time": (
        "只买过一次的客户：人均预测 − 实际",
        "One-time buyers: predicted − actual per customer",
    ),
    "v.holdout_models": (
        "各寿命模型在同一留出期上的预测误差",
        "Each lifetime model on the same holdout",
    ),
    "v.holdout_none_fit": (
        "拟合期的数据无法识别任何寿命模型。",
        "no lifetime model could be identified on the fitting period.",
    ),
    "fiterr.refused": ("未估计：{reason}", "not fitted: {reason}"),
    "fiterr.too_few": (
        "{n} 位客户、其中 {k} 位重复购买，不足以估计四个参数（至少需要 {min_n} 位客户和 {min_k} 位重复购买客户）",
        "{n} customers, {k} of them repeat buyers: too few to estimate four parameters (at least "
        "{min_n} customers and {min_k} repeat buyers)",
    ),
    "fiterr.at_bound.dropout_zero": (
        "流失概率趋于 0（{weeks} 周的历史无法识别流失；{params} 到达参数边界）",
        "dropout ran to 0 (not identifiable on {weeks} weeks of history; {params} at "
        "the edge of the parameter space)",
    ),
    "fiterr.at_bound.dropout_spread": (
        "客户间流失差异到达边界（{weeks} 周的历史无法识别；{params}）",
        "the spread of dropout between customers ran to its limit (not identifiable on "
        "{weeks} weeks of history; {params})",
    ),
    "fiterr.at_bound.rate_spread": (
        "客户间购买速度的差异到达边界（{params}）",
        "the spread of purchase rates between customers ran to its limit ({params})",
    ),
    "fiterr.at_bound.spend": (
        "金额模型参数到达边界（{params}）",
        "the spend model ran to its limit ({params})",
    ),
    "v.loglik": ("对数似然", "log-likelihood"),
    "v.histories": ("位客户", "customers"),
    "fiterr.no_customers": (
        "未估计：没有观察期足够长的购买客户",
        "not fitted: no buyers observed long enough",
    ),
    "fiterr.bad_values": (
        "未估计：购买历史中有无法使用的数值",
        "not fitted: the purchase histories hold unusable values",
    ),
    "fiterr.no_repeat": (
        "未估计：没有客户重复购买，无法估计复购行为",
        "not fitted: no customer bought again, so repeat behaviour cannot be estimated",
    ),
    "fiterr.not_converged": ("未估计：优化没有收敛", "not fitted: the optimiser did not converge"),
    "fiterr.at_bound": (
        "未估计：数据不足以识别模型（重复购买的客户太少，或都在同一时间购买）",
        "not fitted: the data cannot identify the model (too few repeat buyers, or all bought at once)",
    ),
    "fiterr.too_few_spend": (
        "未估计：少于两位客户有金额为正的重复购买",
        "not fitted: fewer than two repeat buyers with a positive spend",
    ),
    "fiterr.infinite_mean": (
        "未估计：少数极端金额使平均金额无法估计",
        "not fitted: a few extreme amounts make the average spend undefined",
    ),
    "v.clv_missing": (
        "下列 CLV 数字缺失，原因见上表。RFM、价值分层和生命周期规则不受影响。",
        "CLV figures below are missing for the reason in the table above; RFM, value tiers and the "
        "lifecycle rules are not affected.",
    ),
    "v.clv_facts_mean": ("平均 CLV", "Mean CLV"),
    "v.clv_facts_total": ("全部客户 CLV 合计", "Total CLV of all customers"),
    "v.clv_facts_top": ("CLV 前 10% 客户的占比", "Share of CLV from the top 10%"),
    "v.clv_axis": (
        "CLV（{cur}，对数刻度；不足 1 {cur}的计为 1 {cur}）",
        "CLV ({cur}, log scale; below 1 counted as 1)",
    ),
    "v.clv_hist": ("CLV 分布", "Distribution of CLV"),
    "v.customers_axis": ("客户数", "Customers"),
    "vsec.holdout": ("模型检验：留出期预测", "Does the model predict? The holdout check"),
    "vsec.holdout_note": (
        "用 {cal} 之前的购买拟合模型，预测其后 {weeks} 周（到 {as_of}）每位客户的购买次数，再与实际对比。"
        "对照：按过去的购买速度线性外推。",
        "The models are fitted on purchases up to {cal} and predict each customer's purchases in the "
        "{weeks} weeks that followed (to {as_of}); predictions are then compared with what happened. "
        "Baseline: each customer's past rate carried forward.",
    ),
    "vsec.holdout_none": ("没有留出期检验：{reason}", "No holdout check: {reason}"),
    "v.holdout_off": ("value.holdout_weeks 为 0。", "value.holdout_weeks is 0."),
    "v.holdout_short": (
        "历史太短，留出 {weeks} 周后剩下的观察期不足 {weeks} 周。",
        "the history is too short: holding out {weeks} weeks leaves less than {weeks} weeks to fit on.",
    ),
    "v.by_freq": (
        "留出期人均购买：按拟合期重复购买次数",
        "Holdout purchases per customer by repeat purchases before",
    ),
    "v.by_freq_x": (
        "拟合期重复购买次数（{top} = {top} 次及以上）",
        "Repeat purchases in the fitting period ({top} = {top} or more)",
    ),
    "v.per_customer": ("人均购买次数", "Purchases per customer"),
    "v.actual": ("实际", "Actual"),
    "v.predicted": ("模型预测", "Predicted"),
    "v.tracking": ("留出期累计购买次数", "Cumulative purchases in the holdout"),
    "v.week": ("留出期第几周", "Week of the holdout"),
    "v.cum_purchases": ("累计购买次数", "Cumulative purchases"),
    "v.err.total": (
        "留出期购买总数：实际 / 预测（误差）",
        "Holdout purchases: actual / predicted (error)",
    ),
    "v.err.value": (
        "留出期消费总额：实际 / 预测（误差）",
        "Holdout spend: actual / predicted (error)",
    ),
    "v.err.mae": (
        "每位客户的平均绝对误差：模型 / 对照",
        "Mean absolute error per customer: model / baseline",
    ),
    "v.err.rmse": ("均方根误差", "Root mean squared error"),
    "v.err.corr": ("预测与实际的相关系数", "Correlation of predicted and actual"),
    "v.err.churn": (
        "流失风险区分留出期未购买客户的 AUC（Brier 分数）",
        "AUC of churn risk for customers who did not buy in the holdout (Brier score)",
    ),
    "v.err.quiet": (
        "留出期未购买的客户：实际 / 预测",
        "Customers with no holdout purchase: actual / predicted",
    ),
    "vsec.truth": ("与演示数据的真实状态对照", "Against the demo data's planted truth"),
    "vsec.truth_note": (
        "演示数据记录了每位客户在截止日是否仍活跃。下图把重复购买客户按 P(alive) 十等分，比较平均 P(alive) 与真实活跃比例"
        "（只买过一次的客户不在图中：BG/NBD 假定客户只在重复购买之后才会流失，他们的 P(alive) 按假定为 1，其流失由流失风险反映）。",
        "The demo data records whether each customer was still active at the end. The chart splits "
        "repeat buyers into ten bands of P(alive) and compares the mean P(alive) with the share truly "
        "active. One-time buyers are not in it: BG/NBD lets customers drop out only after a repeat "
        "purchase, so their P(alive) is 1 by assumption; churn risk covers them.",
    ),
    "v.truth_facts": (
        "流失风险区分真实流失客户的 AUC {churn_auc}（全部 {n} 位购买客户）；P(alive) 区分真实活跃客户的 AUC {p_alive_auc}，"
        "平均 P(alive) {mean}，真实活跃比例 {share}（{rep} 位重复购买客户）。",
        "AUC of churn risk for the truly churned: {churn_auc} (all {n} buyers); AUC of P(alive) for the "
        "truly active: {p_alive_auc}, mean P(alive) {mean} against {share} truly active ({rep} repeat buyers).",
    ),
    "v.truth_chart": ("P(alive) 校准", "Calibration of P(alive)"),
    "v.p_alive_band": ("P(alive) 平均值（十等分）", "Mean P(alive) (deciles)"),
    "v.alive_share": ("真实活跃比例", "Share truly active"),
    "vsec.lifecycle": ("客户生命周期", "Customer lifecycle"),
    "v.stage_rules": (
        "规则：从未购买为潜在客户；首次购买在 {new_days} 天内为新客户；其余按“沉默期 ÷ 购买节奏”判断——"
        "节奏是该客户自己相邻两次购买的平均间隔（只买过一次的用全体的中位间隔，且不短于 {min_rhythm_days} 天），"
        "不超过 {sleeping_after} 个节奏为活跃，不超过 {churned_after} 个为沉睡，更长为流失；"
        "重复购买客户的 P(alive) 低于 {churn_p_alive} 也算流失。流失风险 = 今后 {risk_days} 天不再购买的概率（所选寿命模型）。",
        "Rules: never bought = potential; first purchase within {new_days} days = new; the others by "
        "silence ÷ rhythm, the rhythm being the customer's own mean gap between purchases (for one-time "
        "buyers the base's median gap; never below {min_rhythm_days} days): up to {sleeping_after} "
        "rhythms = active, up to {churned_after} = sleeping, longer = churned; a repeat buyer whose "
        "P(alive) is below {churn_p_alive} is churned too. Churn risk = the probability of no purchase "
        "in the next {risk_days} days (the lifetime model chosen above).",
    ),
    "v.stage": ("阶段", "Stage"),
    "v.silence": ("沉默期 ÷ 节奏", "Silence ÷ rhythm"),
    "v.p_alive": ("P(alive)", "P(alive)"),
    "v.churn_risk": ("流失风险", "Churn risk"),
    "v.stage_chart": ("生命周期阶段", "Lifecycle stages"),
    "stage.potential": ("潜在客户", "Potential"),
    "stage.new": ("新客户", "New"),
    "stage.active": ("活跃", "Active"),
    "stage.sleeping": ("沉睡", "Sleeping"),
    "stage.churned": ("流失", "Churned"),
    "vsec.by_segment": ("各客户群的价值与生命周期", "Value and lifecycle by segment"),
    "vsec.by_segment_none": (
        "还没有分群结果（分群阶段未运行），按价值层展示。",
        "No segments yet (stage 02 has not run); shown by value tier.",
    ),
    "v.clv_mean": ("平均 CLV", "Mean CLV"),
    "v.clv_share": ("CLV 占比", "Share of CLV"),
    "vsec.migration": ("与上次运行相比的迁移", "Migration since the previous run"),
    "v.migration_none": (
        "这是该数据集的第一次价值分析，没有可比较的上次运行。",
        "This is the first value analysis of this data set; there is no previous run to compare with.",
    ),
    "v.migration_facts": (
        "与上次运行 {run} 相比：两次都在的客户 {both} 位，其中 {down} 位从大客户/重要客户降到普通/小客户，{lapsed} 位从新客户/活跃变为沉睡/流失。",
        "Against the previous run {run}: {both} customers in both, of whom {down} fell from the key or "
        "important tier to ordinary or small, and {lapsed} went from new or active to sleeping or churned.",
    ),
    "v.migration_stage": (
        "生命周期阶段迁移（行 = 上次，列 = 本次）",
        "Lifecycle migration (rows = before, columns = now)",
    ),
    "v.migration_tier": (
        "价值层迁移（行 = 上次，列 = 本次）",
        "Tier migration (rows = before, columns = now)",
    ),
    "v.before": ("上次", "Before"),
    "v.now": ("本次", "Now"),
    "v.recency": ("距上次购买天数", "Days since last order"),
    "v.class": ("类别", "Class"),
    "v.action": ("建议", "Suggested action"),
    "v.rfm_segment": ("RFM 分群", "RFM segment"),
    "v.rule": ("规则", "Rule"),
    "v.tier": ("价值层", "Tier"),
    "v.tier_rule": ("排名区间", "Rank band"),
    "v.value_share": ("价值占比", "Share of value"),
    "v.mean_value": ("人均价值（{cur}）", "Mean value ({cur})"),
    "v.strategy": ("应对策略", "Response strategy"),
    "v.negative_note": (
        "；其中 {n} 位毛利为负，适用冷漠型",
        "; {n} with negative margin: indifferent",
    ),
    "v.for": ("适用客户", "For"),
    "v.what": ("做法", "What it means"),
    "v.measure": ("指标", "Measure"),
    "v.share": ("占比", "Share"),
    "v.segment": ("客户群", "Segment"),
    "tier.key": ("大客户", "Key"),
    "tier.important": ("重要客户", "Important"),
    "tier.ordinary": ("普通客户", "Ordinary"),
    "tier.small": ("小客户", "Small"),
    "strategy.yielding": ("屈从型", "Yielding"),
    "strategy.caring": ("关怀型", "Caring"),
    "strategy.adaptive": ("适应型", "Adaptive"),
    "strategy.indifferent": ("冷漠型", "Indifferent"),
    "strategy_for.yielding": (
        "大客户：贡献最多、最不能失去",
        "Key customers: the largest contribution, the least to lose",
    ),
    "strategy_for.caring": (
        "重要客户：价值高、有成长空间",
        "Important customers: high value with room to grow",
    ),
    "strategy_for.adaptive": ("普通客户和小客户", "Ordinary and small customers"),
    "strategy_for.indifferent": (
        "毛利为负、服务成本高于贡献的客户",
        "Customers whose margin is negative: they cost more than they bring",
    ),
    "strategy_what.yielding": (
        "按客户要求定制，专属客户经理，优先响应",
        "Meet their terms: customised offers, a dedicated account manager, priority response",
    ),
    "strategy_what.caring": (
        "主动关怀和回访，会员权益，交叉销售",
        "Proactive care and follow-up, loyalty benefits, cross-selling",
    ),
    "strategy_what.adaptive": (
        "标准化、低成本的服务，自助渠道，批量营销",
        "Standard, low-cost service, self-service channels, mass campaigns",
    ),
    "strategy_what.indifferent": (
        "不主动投入，减少优惠，必要时调整价格或服务条件",
        "No proactive spend, fewer discounts, adjust prices or terms where needed",
    ),
    "rfm_class.important_value": ("重要价值客户", "Important value"),
    "rfm_class.important_develop": ("重要发展客户", "Important to develop"),
    "rfm_class.important_keep": ("重要保持客户", "Important to keep"),
    "rfm_class.important_winback": ("重要挽留客户", "Important to win back"),
    "rfm_class.general_value": ("一般价值客户", "General value"),
    "rfm_class.general_develop": ("一般发展客户", "General to develop"),
    "rfm_class.general_keep": ("一般保持客户", "General to keep"),
    "rfm_class.general_winback": ("一般挽留客户", "General to win back"),
    "rfm_action.important_value": (
        "近期、常买、花得多：重点维护，提供专属服务",
        "Recent, frequent, high spend: look after them, exclusive service",
    ),
    "rfm_action.important_develop": (
        "近期、花得多但不常买：提高购买频次",
        "Recent and high spend but infrequent: raise purchase frequency",
    ),
    "rfm_action.important_keep": (
        "常买、花得多但近期没来：主动联系，防止流失",
        "Frequent, high spend, but not lately: reach out before they leave",
    ),
    "rfm_action.important_winback": (
        "花得多但久未购买且不常买：重点挽回",
        "High spend but long gone and infrequent: win them back",
    ),
    "rfm_action.general_value": (
        "近期、常买但花得少：提高客单价",
        "Recent and frequent but low spend: raise order value",
    ),
    "rfm_action.general_develop": (
        "近期来过但不常买、花得少：新客培养",
        "Recent but infrequent, low spend: nurture as new customers",
    ),
    "rfm_action.general_keep": (
        "常买但花得少、近期没来：低成本唤醒",
        "Frequent, low spend, not lately: low-cost reactivation",
    ),
    "rfm_action.general_winback": (
        "久未购买、不常买、花得少：低成本触达或放弃",
        "Long gone, infrequent, low spend: low-cost reach or let go",
    ),
    "rfm_segment.champions": ("冠军客户", "Champions"),
    "rfm_segment.loyal": ("忠诚客户", "Loyal"),
    "rfm_segment.potential_loyalists": ("潜在忠诚客户", "Potential loyalists"),
    "rfm_segment.new_customers": ("近期首购", "Recent first buyers"),
    "rfm_segment.promising": ("有潜力", "Promising"),
    "rfm_segment.need_attention": ("需要关注", "Need attention"),
    "rfm_segment.about_to_sleep": ("来得渐少", "Slipping away"),
    "rfm_segment.cant_lose": ("不能失去", "Can't lose them"),
    "rfm_segment.at_risk": ("有流失风险", "At risk"),
    "rfm_segment.hibernating": ("低频久未购", "Long quiet, low frequency"),
    "v.buyers": ("购买过的客户", "Customers who bought"),
    "v.horizon": ("CLV 期限", "CLV horizon"),
    "v.months": ("{n} 个月", "{n} months"),
    "v.discount": ("年折现率", "Annual discount rate"),
    "v.independence": (
        "Gamma-Gamma 假定每次金额与购买次数无关：重复购买客户中二者的相关系数为 {r}（{verdict}）。",
        "Gamma-Gamma assumes the value per purchase does not depend on how often a customer buys: "
        "among repeat buyers their correlation is {r} ({verdict}).",
    ),
    "v.indep_ok": ("接近 0，假定成立", "close to 0: the assumption holds"),
    "v.indep_weak": (
        "不可忽略，CLV 的金额部分需谨慎看待",
        "not negligible: read the spend part of CLV with care",
    ),
    "err.kano_unknown_answer": (
        "Kano 答案无法识别",
        "Kano answers that are not one of the five answers",
    ),
    "fix.kano_unknown_answer": (
        "每个答案用 1–5 或下列说法之一：{known}",
        "give each answer as 1–5 or one of: {known}",
    ),
    "err.kano_no_pairs": (
        "找不到成对的 functional / dysfunctional 列（前几列：{columns}）",
        "no pairs of functional / dysfunctional columns (first columns: {columns})",
    ),
    "fix.kano_no_pairs": (
        "宽表的列名应为 <功能>_functional、<功能>_dysfunctional（可选 <功能>_importance）",
        "name wide columns <feature>_functional, <feature>_dysfunctional (optionally <feature>_importance)",
    ),
    "v.no_buyers": (
        "数据中没有购买过的客户：RFM、价值分层和 CLV 无从计算。",
        "No customer in this data has bought anything: RFM, value tiers and CLV cannot be computed.",
    ),
    # stage 04: needs
    "needs.title": ("客户需求", "Customer needs"),
    "needs.intro": (
        "本报告回答客户需要什么：用 Kano 模型把各项功能分为基本需求（M）、期望需求（O）、意外需求（A）、无差异（I）、"
        "反向（R）和可疑（Q），按客户群和价值层比较，列出重点需求；再按行为和问卷为每位客户打出价格、服务、品质三种需求的得分并分组。",
        "This report answers what customers need: the Kano model sorts each feature into must-be (M), "
        "one-dimensional (O), attractive (A), indifferent (I), reverse (R) and questionable (Q), compares "
        "segments and value tiers and lists the key needs; then every customer gets a price, service and "
        "quality need score from behaviour and survey answers, and a needs group.",
    ),
    "nsec.kano": ("Kano 分类", "Kano categories"),
    "nsec.kano_none": (
        "此数据没有 Kano 问卷（kano 表），跳过 Kano 分析。",
        "This data has no Kano survey (kano table); the Kano analysis is skipped.",
    ),
    "nsec.kano_note": (
        "评价表：{table}；每项功能的类别按{rule}确定（带 * 的回答少于 {min_n} 个或全部相同，仅供参考）。"
        "Better = (A+O)/(A+O+M+I)，Worse = −(O+M)/(A+O+M+I)；Fong 检验比较最多的两个类别是否显著不同。",
        "Evaluation table: {table}; each feature's category by {rule} (* = fewer than {min_n} answers or all "
        "alike: indicative only). Better = (A+O)/(A+O+M+I), Worse = −(O+M)/(A+O+M+I); Fong's test says "
        "whether the two largest categories differ significantly.",
    ),
    "k.table.standard": ("标准表（Berger 等，1993）", "standard (Berger et al. 1993)"),
    "k.table.modified": (
        "修正表（Pouliot：理应如此/理应如此、能忍受/能忍受记为 Q）",
        "modified (Pouliot: expect/expect and live-with/live-with are Q)",
    ),
    "k.rule.mode": ("最多的类别", "the most frequent category"),
    "k.rule.mom": (
        "最多的类别，与最多者相差不到 {margin} 的类别按 M > O > A > I 取舍",
        "the most frequent category, with categories within {margin} of it decided by M > O > A > I",
    ),
    "k.rule.aom": (
        "若 O+A+M 多于 I+R+Q 取 M、O、A 中最多者，否则取 I、R、Q 中最多者",
        "the largest of M, O, A if O+A+M exceeds I+R+Q, else the largest of I, R, Q",
    ),
    "k.feature": ("功能", "Feature"),
    "k.answers": ("回答数", "Answers"),
    "k.category": ("类别", "Category"),
    "k.mode": ("众数类别", "Mode"),
    "k.total_strength": ("总强度", "Total strength"),
    "k.category_strength": ("类别强度", "Category strength"),
    "k.fong": ("Fong 检验", "Fong test"),
    "k.sig": ("显著", "significant"),
    "k.ns": ("不显著", "not significant"),
    "kano.M": ("基本需求（M）", "Must-be (M)"),
    "kano.O": ("期望需求（O）", "One-dimensional (O)"),
    "kano.A": ("意外需求（A）", "Attractive (A)"),
    "kano.I": ("无差异（I）", "Indifferent (I)"),
    "kano.R": ("反向（R）", "Reverse (R)"),
    "kano.Q": ("可疑（Q）", "Questionable (Q)"),
    "kano.short.M": ("M 基本", "M"),
    "kano.short.O": ("O 期望", "O"),
    "kano.short.A": ("A 意外", "A"),
    "kano.short.I": ("I 无差异", "I"),
    "kano.short.R": ("R 反向", "R"),
    "kano.short.Q": ("Q 可疑", "Q"),
    "k.bw_title": ("Better–Worse 图", "Better–Worse map"),
    "k.bw_x": ("|Worse|：没有它时的不满", "|Worse|: dissatisfaction without it"),
    "k.bw_y": ("Better：有它时的满意", "Better: satisfaction with it"),
    "k.q.A": ("意外需求", "Attractive"),
    "k.q.O": ("期望需求", "One-dimensional"),
    "k.q.M": ("基本需求", "Must-be"),
    "k.q.I": ("无差异", "Indifferent"),
    "nsec.continuous": ("连续得分（DuMouchel）", "Continuous scores (DuMouchel)"),
    "nsec.continuous_note": (
        "答案按非对称量表计分（正向：喜欢 4、理应如此 2、无所谓 0、能忍受 −1、不喜欢 −2；反向相反），"
        "取每项功能的平均值；自评重要性为平均值。",
        "Answers scored on the asymmetric scale (functional: like 4, expect 2, neutral 0, live with −1, "
        "dislike −2; dysfunctional the mirror), averaged per feature; self-stated importance averaged.",
    ),
    "k.functional": ("正向得分", "Functional score"),
    "k.dysfunctional": ("反向得分", "Dysfunctional score"),
    "k.importance": ("重要性", "Importance"),
    "nsec.key_needs": ("重点需求", "Key needs"),
    "nsec.key_needs_note": (
        "规则：只列基本、期望、意外需求；先基本需求（缺了会流失客户），再期望需求（满意随之升降），再意外需求（有了才惊喜）；"
        "同类按影响 = Better + |Worse| 排序{imp}。",
        "Rule: must-be, one-dimensional and attractive features only; must-be first (missing it loses "
        "customers), then one-dimensional (satisfaction moves with it), then attractive (delights when "
        "present); within a category by impact = Better + |Worse|{imp}.",
    ),
    "k.imp_note": (
        "，乘以平均重要性 ÷ 量表最大值 {hi}（重要性量表 {lo}–{hi}，按回答判断）",
        ", times mean importance ÷ the scale's maximum {hi} (importance scale {lo}–{hi}, from the answers)",
    ),
    "k.priority": ("优先级", "Priority"),
    "k.frequency": ("该类别占比", "Share in category"),
    "k.impact": ("影响", "Impact"),
    "nsec.by_segment": ("各客户群的 Kano 类别", "Kano categories by segment"),
    "nsec.by_tier": ("各价值层的 Kano 类别", "Kano categories by value tier"),
    "nsec.disagree": ("类别不一致的功能", "Features where groups disagree"),
    "nsec.disagree_none": (
        "各组对每项功能的类别一致（只比较回答不少于 {n} 个的组）。",
        "Groups agree on every feature (groups with at least {n} answers).",
    ),
    "nsec.by_group_none": (
        "没有可用的分组（{what}阶段尚未运行，或问卷未关联客户）。",
        "No groups to compare ({what} stage has not run, or the survey is not linked to customers).",
    ),
    "n.what.segment": ("分群", "segmentation"),
    "n.what.tier": ("价值", "value"),
    "nsec.groups": ("需求分群：价格、服务、品质", "Needs groups: price, service, quality"),
    "nsec.groups_note": (
        "每种需求的得分 = 下列信号在购买客户中的百分位的平均（0–1）；得分最高的需求达到 {min_score} 且领先第二名 {gap} 时归入该组，"
        "否则为“均衡”。",
        "Each need's score is the mean percentile among buyers (0–1) of the signals below; a customer "
        "joins the group of their highest need when it reaches {min_score} and leads the next by {gap}, "
        "otherwise “balanced”.",
    ),
    "n.no_signals": (
        "{need}：此数据中没有它的信号（需要{inputs}），不计算该需求得分，也没有客户归入这一组。",
        "{need}: this data holds none of its signals (they come from {inputs}), so its score is not "
        "computed and no customer is put in that group.",
    ),
    "n.inputs.price": (
        "订单的 discount 或 coupon_used 字段，或客户的 psy_price_sensitivity 问卷分",
        "the orders' discount or coupon_used column, or the customers' psy_price_sensitivity score",
    ),
    "n.inputs.service": (
        "反馈表、订单的 channel 字段，或客户的 psy_service_expectation 问卷分",
        "the feedback table, the orders' channel column, or the customers' psy_service_expectation score",
    ),
    "n.inputs.quality": (
        "订单的 category 字段，或客户的 psy_quality_focus 问卷分（单看客单价不算品质信号，只在二者之一存在时参与）",
        "the orders' category column, or the customers' psy_quality_focus score (order value alone is "
        "no sign of seeking quality; it counts only beside one of them)",
    ),
    "n.no_groups": (
        "此数据中没有任何需求的信号，因此不划分需求群（也不把客户都算作均衡型）；客户群卡片上没有需求群，服务方案中也没有据此制定的定制化服务。",
        "This data holds no signal of any need, so no needs groups are formed (nobody is called balanced "
        "either); the segment cards show no needs group and the plans no customised service built on one.",
    ),
    "k.no_importance": (
        "Kano 表没有重要性字段（importance）：关键需求只按 Better + |Worse| 排序，不乘自评重要性。",
        "The Kano table has no importance column: key needs are ranked by Better + |Worse| alone, "
        "without self-stated importance.",
    ),
    "k.no_customer_id": (
        "Kano 表没有客户编号字段（customer_id）：问卷回答无法关联到客户群或价值层，不做分组比较。",
        "The Kano table has no customer_id column: the answers cannot be linked to segments or value "
        "tiers, so groups are not compared.",
    ),
    "n.need": ("需求", "Need"),
    "n.signals": ("信号", "Signals"),
    "n.group": ("需求组", "Needs group"),
    "n.score_price": ("价格得分", "Price score"),
    "n.score_service": ("服务得分", "Service score"),
    "n.score_quality": ("品质得分", "Quality score"),
    "need.price": ("价格敏感型", "Price-seeking"),
    "need.service": ("服务导向型", "Service-seeking"),
    "need.quality": ("品质导向型", "Quality-seeking"),
    "need.balanced": ("均衡型", "Balanced"),
    "n.groups_chart": ("需求组", "Needs groups"),
    "nsec.groups_by_segment": ("各客户群的需求组构成", "Needs groups within each segment"),
    "nsec.needs_truth": ("与演示数据的真实画像对照", "Against the demo data's planted personas"),
    "n.truth_note": (
        "演示数据中，“精打细算”画像应为价格型，“品质”画像为品质型，“服务”画像为服务型。下表是各画像被分入各组的比例。",
        "In the demo data the bargain persona should be price-seeking, premium quality-seeking and service "
        "service-seeking. The table gives the share of each persona in each group.",
    ),
    "n.persona": ("画像（真实）", "Persona (planted)"),
    "k.respondents": ("受访者", "Respondents"),
    "k.features": ("功能数", "Features"),
    "k.missing": ("缺少答案而未计入", "Left out for a missing answer"),
    "persona.bargain": ("精打细算", "Bargain hunters"),
    "persona.premium": ("品质", "Premium"),
    "persona.trendy": ("潮流", "Trendy"),
    "persona.family": ("家庭", "Family"),
    "persona.silver": ("银发", "Silver"),
    "persona.service": ("服务", "Service"),
    "persona.oneoff": ("一次性", "One-off"),
    "f.assisted_channel_share": ("人工渠道订单占比", "Share of orders in assisted channels"),
    "f.categories_bought": ("购买过的品类数", "Categories bought"),
    "index.actions": (
        "行动名单（CSV 与 Excel，含 CRM 客户编号）",
        "Action lists (CSV and Excel, with CRM ids)",
    ),
    "action.winback": (
        "召回名单：沉睡或流失的大客户和重要客户",
        "Win-back: key and important customers who are sleeping or lapsed",
    ),
    "action.key_care": ("大客户关怀名单", "Key-customer care"),
    "action.category_targets": ("品类推荐名单", "Category offers"),
    "action.complaint_followup": (
        "投诉与负面反馈回访名单",
        "Complaint and negative-feedback follow-up",
    ),
    "crm.act.winback": ("召回", "win back"),
    "crm.act.key_care": ("大客户关怀", "key-customer care"),
    "crm.act.category": ("推荐品类：{category}", "offer: {category}"),
    "crm.act.followup": ("回访", "call back"),
    "crm.why.winback": (
        "{tier}，{stage}：{days} 天未购买",
        "{tier}, {stage}: no purchase for {days} days",
    ),
    "crm.why.key_care": (
        "大客户，{stage}：保持联系、优先服务",
        "key customer, {stage}: keep close, serve first",
    ),
    "crm.col.crm_id": ("客户编号", "CRM id"),
    "crm.col.id_kind": ("编号类型", "Id kind"),
    "crm.col.action": ("行动", "Action"),
    "crm.col.reason": ("原因", "Reason"),
    "crm.col.spend": ("累计净消费", "Net spend"),
    "crm.col.clv_12m": ("12 个月客户价值（CLV）", "12-month CLV"),
    "crm.col.churn_risk_90d": ("90 天内不再购买的概率", "P(no purchase in 90 days)"),
    "crm.col.days_since_purchase": ("距上次购买天数", "Days since last purchase"),
    "crm.col.segment": ("客群", "Segment"),
    "crm.col.score": ("购买倾向得分", "Score"),
    "crm.col.rank": ("名次", "Rank"),
    "crm.col.tier": ("价值层", "Value tier"),
    "crm.col.last_feedback": ("最近反馈时间", "Last feedback"),
    "crm.col.feedback_id": ("反馈编号", "Feedback id"),
    "action.propensity_targets": ("各品类目标客户名单", "Target customers per category"),
    "p.r.orders+": ("订单多", "many orders"),
    "p.r.orders-": ("订单少", "few orders"),
    "p.r.spend+": ("消费高", "high spend"),
    "p.r.spend-": ("消费低", "low spend"),
    "p.r.recency-": ("最近刚买过", "bought recently"),
    "p.r.recency+": ("很久没买", "long since the last order"),
    "p.r.tenure+": ("老客户", "long-standing customer"),
    "p.r.tenure-": ("新客户", "new customer"),
    "p.r.orders_recent+": ("近 90 天订单多", "many orders in the last 90 days"),
    "p.r.orders_recent-": ("近 90 天订单少", "few orders in the last 90 days"),
    "p.r.n+": ("常买{cat}", "often buys {cat}"),
    "p.r.n-": ("很少买{cat}", "rarely buys {cat}"),
    "p.r.rec_self-": ("最近买过{cat}", "bought {cat} recently"),
    "p.r.rec_self+": ("很久没买{cat}", "long since buying {cat}"),
    "p.r.share_self+": ("{cat}占其订单多", "{cat} is a large share of their orders"),
    "p.r.share_self-": ("{cat}占其订单少", "{cat} is a small share of their orders"),
    "nsec.propensity": ("购买可能性评分与目标客户名单", "Purchase propensity and target lists"),
    "nsec.propensity_note": (
        "每个品类一个逻辑回归模型：用 {train} 当天已知的购买记录（最近一次购买、频次、金额、近 90 天订单、各品类订单与距上次购买天数）"
        "预测其后 {h} 天是否购买该品类；在从未参与训练的下一期（{evalc} 之后 {h} 天）检验；最后用最近一期重新拟合，为 {as_of} 之后 {h} 天打分。",
        "One logistic regression per category: what was known on {train} (recency, frequency, spend, "
        "orders in the last 90 days, orders and days since the last order per category) predicts a "
        "purchase in the category in the following {h} days; it is judged on the next period, which "
        "training never saw ({h} days after {evalc}); refitted on that latest period, it scores the "
        "{h} days after {as_of}.",
    ),
    "p.category": ("品类", "Category"),
    "p.base_rate": ("实际购买率", "Base rate"),
    "p.auc": ("AUC", "AUC"),
    "p.lift": ("前 10% 提升度", "Lift, top 10%"),
    "p.brier": ("Brier 分数", "Brier score"),
    "p.cal_title": (
        "校准：预测概率与实际购买率（检验期，全部品类）",
        "Calibration: predicted vs observed (test period, all categories)",
    ),
    "p.cal_x": ("平均预测概率（十等分）", "Mean predicted probability (deciles)"),
    "p.cal_y": ("实际购买率", "Observed purchase rate"),
    "p.observed": ("实际", "Observed"),
    "nsec.targets": ("目标客户名单", "Target lists"),
    "p.targets_note": (
        "每个品类得分最高的 {share} 客户写入 {file}（假名编号、品类、客户群、得分、排名、理由）。下表为各品类名单按客户群的人数，以及第一个品类的前 10 名。",
        "The top {share} of customers per category are written to {file} (pseudonymous id, category, "
        "segment, score, rank, reasons). Below: list sizes per category and segment, and the top 10 of "
        "the first category.",
    ),
    "p.score": ("得分", "Score"),
    "p.rank": ("排名", "Rank"),
    "p.reasons": ("理由", "Reasons"),
    "p.customer": ("客户（假名）", "Customer (pseudonym)"),
    "p.skipped": (
        "这些品类在某一期没有购买者或全部购买，未建模：{cats}",
        "Not modelled (no buyer, or everyone bought, in a period): {cats}",
    ),
    "p.none": (
        "订单没有品类字段，或历史短于两个预测期（2 × {h} 天），不做购买可能性评分。",
        "Orders have no category, or the history is shorter than two periods (2 × {h} days): no propensity scores.",
    ),
    "nsec.trends": ("需求趋势与预测", "Demand trends and forecast"),
    "tr.note": (
        "按月{measure}（只用完整月份，最后一个完整月为 {last}）。趋势：最近 {window} 个月的 Mann–Kendall 检验，p < {alpha} 时为增长或下降，"
        "否则为平稳；斜率为 Theil–Sen 每月变化占平均水平的比例。预测：指数平滑（阻尼趋势，满两年时加年度季节），80% 预测区间；"
        "回测：最近 {origins} 个月逐月只用此前数据预测下月，与“下月 = 本月（有季节时为去年同月）”的朴素预测比较。",
        "Monthly {measure} (complete months only; the last is {last}). Trend: Mann–Kendall test over the "
        "last {window} months, growing or declining when p < {alpha}, else stable; slope = Theil–Sen change "
        "per month as a share of the mean level. Forecast: exponential smoothing (damped trend, yearly "
        "season once two years are known) with an 80% prediction interval. Backtest: each of the last "
        "{origins} months forecast from the months before it only, against the naive forecast (next month = "
        "this month, or the same month last year when seasonal).",
    ),
    "tr.measure.revenue": ("净收入", "net revenue"),
    "tr.measure.orders": ("订单数", "orders"),
    "tr.measure.buyers": ("购买客户数", "buyers"),
    "tr.last": ("最近一月", "Last month"),
    "tr.direction": ("趋势", "Trend"),
    "tr.slope": ("每月变化", "Change per month"),
    "tr.p": ("p 值", "p-value"),
    "tr.next": ("下月预测", "Next month"),
    "tr.interval": ("80% 区间", "80% interval"),
    "tr.mape": ("回测误差（MAPE）", "Backtest MAPE"),
    "tr.naive_mape": ("朴素预测误差", "Naive MAPE"),
    "tr.coverage": ("区间覆盖率", "Interval coverage"),
    "tr.dir.growing": ("增长", "growing"),
    "tr.dir.declining": ("下降", "declining"),
    "tr.dir.stable": ("平稳", "stable"),
    "tr.dir.too_short": ("数据太短", "too short"),
    "tr.chart": ("各品类月度需求与预测", "Monthly demand and forecast per category"),
    "tr.history": ("实际", "Actual"),
    "tr.forecast": ("预测", "Forecast"),
    "tr.band": ("80% 区间", "80% interval"),
    "tr.worse_than_naive": (
        "回测中模型不如朴素预测的品类：{cats}——这些品类的预测仅供参考。",
        "Categories where the model did worse than the naive forecast in the backtest: {cats} — treat their forecasts with care.",
    ),
    "tr.by_segment": (
        "各客户群 × 品类的显著趋势（每月变化占比；空白 = 平稳）",
        "Significant trends by segment × category (change per month; blank = stable)",
    ),
    "tr.by_segment_none": (
        "各客户群 × 品类的需求都没有显著趋势。",
        "No segment × category series has a significant trend.",
    ),
    "tr.none": (
        "订单没有品类字段或完整月份少于 8 个，不做趋势预测。",
        "Orders have no category or fewer than 8 complete months: no trends or forecasts.",
    ),
    # stage 05: feedback
    "feedback.title": ("客户反馈", "Customer feedback"),
    "feedback.intro": (
        "本报告回答客户感受如何：反馈文本的语言、情感和话题，NPS 与满意度（带置信区间）按客户群、价值层、渠道和月份比较，"
        "投诉处理的及时性、全面性和有效性，哪些话题最影响 NPS，以及需要马上跟进的高价值客户名单。",
        "This report answers how customers feel: language, sentiment and topics of the feedback texts; NPS "
        "and satisfaction with confidence intervals by segment, value tier, channel and month; complaint "
        "handling by timeliness, comprehensiveness and effectiveness; which topics move NPS most; and the "
        "valuable customers to follow up now.",
    ),
    "fsec.none": (
        "此数据没有反馈表（feedback），跳过反馈分析。",
        "This data has no feedback table; the feedback analysis is skipped.",
    ),
    "fsec.texts": ("文本：语言与清洗", "Texts: language and cleaning"),
    "f.no_text": (
        "反馈表没有文字字段（text）：语言、情感和话题分析不做；导出时带上反馈文字即可。",
        "The feedback table has no text column: no language, sentiment or topic analysis; export the "
        "feedback with its text to get them.",
    ),
    "f.no_scores": (
        "反馈表没有 NPS 打分（nps）和评分（rating）字段：不计算 NPS 和满意度。",
        "The feedback table has neither an nps nor a rating column: no NPS or satisfaction (CSAT) figures.",
    ),
    "f.no_nps": (
        "反馈表没有 NPS 打分字段（nps）：只计算满意度。",
        "The feedback table has no nps column: satisfaction (CSAT) only, no NPS.",
    ),
    "f.no_rating": (
        "反馈表没有评分字段（rating）：只计算 NPS，不计算满意度。",
        "The feedback table has no rating column: NPS only, no satisfaction (CSAT).",
    ),
    "f.no_channel": (
        "反馈表没有渠道字段（channel）：不按渠道比较。",
        "The feedback table has no channel column: no comparison by channel.",
    ),
    "f.no_kind": (
        "反馈表没有类型字段（kind）：分不出哪些是投诉，投诉处理、投诉占比和未结投诉预警都不做。",
        "The feedback table has no kind column, so complaints cannot be told apart: no complaint handling, "
        "complaint shares or open-complaint alerts.",
    ),
    "f.no_handling": (
        "反馈表没有处理记录字段（{cols}）：依赖它们的及时性和有效性数字显示为“—”。",
        "The feedback table has no {cols} column: the timeliness and effectiveness figures that need it "
        "read “—”.",
    ),
    "f.drivers_no_nps": (
        "反馈表没有 NPS 打分字段（nps）：不做驱动分析。",
        "The feedback table has no nps column: no driver analysis.",
    ),
    "f.text_facts": (
        "共 {n} 条反馈，其中 {boiler} 条是平台默认文字（如“系统默认好评”），{empty} 条没有文字，{cut} 条超过 {max} 字"
        "（模型只读前 {max} 字）；语言按文字判断（不会把短中文判成韩文）。",
        "{n} feedback records, of which {boiler} are platform boilerplate (such as “default positive review”), "
        "{empty} have no text and {cut} run over {max} characters (the models read the first {max}); language "
        "is told by script (short Chinese is never taken for Korean).",
    ),
    "f.language": ("语言", "Language"),
    "f.texts": ("文本数", "Texts"),
    "share_of_texts": ("文本占比", "Share of texts"),
    "lang.zh": ("中文", "Chinese"),
    "lang.en": ("英文", "English"),
    "lang.mixed": ("中英混合", "Mixed"),
    "lang.other": ("其他（韩、日文或仅表情）", "Other (Korean, Japanese, emoji only)"),
    "lang.empty": ("无文字", "No text"),
    "fsec.sentiment": ("情感", "Sentiment"),
    "f.sent_note": (
        "模型：字符 n-gram TF-IDF + 逻辑回归，用本数据的评分作弱标签训练（4–5 分为正面，1–2 分为负面，3 分不用；投诉的评分评的是处理，也不用；{n} 条），"
        "判定阈值由交叉验证选出（{th}）；与阈值相差不到 {band} 的记为中性。五折交叉验证：准确率 {acc}，AUC {auc}。",
        "Model: character n-gram TF-IDF + logistic regression trained on this data's own ratings as weak "
        "labels (4–5 positive, 1–2 negative, 3 left out, and so are complaints' ratings, which judge the handling; {n} texts), decision threshold chosen by "
        "cross-validation ({th}); within {band} of it counts as neutral. Five-fold cross-validation: accuracy "
        "{acc}, AUC {auc}.",
    ),
    "ch.app": ("App", "App"),
    "ch.hotline": ("客服热线", "Hotline"),
    "ch.wechat": ("微信", "WeChat"),
    "ch.store": ("门店", "Store"),
    "ch.web": ("官网", "Website"),
    "ch.email": ("邮件", "E-mail"),
    "ch.phone": ("电话", "Phone"),
    "ch.sms": ("短信", "SMS"),
    "ch.survey": ("问卷", "Survey"),
    "ch.miniprogram": ("小程序", "Mini program"),
    "ch.review": ("商品评价", "Product review"),
    "f.keyword": ("关键词", "Keyword"),
    "f.keywords_title": ("高频关键词（按语言）", "Most used words (by language)"),
    "f.intake_note": (
        "读入时对反馈文件做的处理（行数）：",
        "What intake did to the feedback file (rows):",
    ),
    "f.topic_by_segment": (
        "各客户群在谈什么（有主题的文本中各主题占比）",
        "What each segment talks about (share of its texts with a topic)",
    ),
    "f.topic_by_month": (
        "各主题的月度占比（近 12 个月）",
        "Topic shares by month (last 12 months)",
    ),
    "f.month": ("月份", "Month"),
    "f.topic_trend_note": (
        "最近 {m} 个月与之前 {m} 个月相比，各主题在全部文本中的占比；“上升”指占比增加且双比例检验 p < 0.05。",
        "Each topic's share of all texts in the last {m} months against the {m} months before; "
        "“rising” means the share grew with p < 0.05 (two-proportion test).",
    ),
    "f.recent_share": ("最近占比", "Recent share"),
    "f.before_share": ("之前占比", "Share before"),
    "f.change_pts": ("变化（百分点）", "Change (points)"),
    "f.rising": ("上升", "Rising"),
    "f.rising_yes": ("↑ 上升", "↑ rising"),
    "f.new_yes": ("★ 新出现", "★ new"),
    "f.sent_none": (
        "清洗后没有剩下任何文字，本次不做情感分析。",
        "No text is left after cleaning: no sentiment this time.",
    ),
    "f.sent_default_check": (
        "Kequn 自带的通用模型在这些有评分的文本上：准确率 {acc}，AUC {auc}（本数据自己训练的模型更贴合业务用语）。",
        "Kequn's shipped general model on the same rated texts: accuracy {acc}, AUC {auc} (the model "
        "trained on this data knows its own wording better).",
    ),
    "f.sent_default": (
        "反馈没有足够的评分作弱标签（至少 200 条，正负都有），情感由 Kequn 自带的通用模型给出：字符 n-gram TF-IDF + "
        "逻辑回归，用 {n} 条公开的中英文评论训练（外卖、电商、产品和影评），离线运行。在没参与训练的公开评论上："
        "外卖 {zh1}、电商 {zh2}、英文餐厅点评 {en}。与阈值（{th}）相差不到 {band} 的记为中性。行业用语不同时会变差，"
        "请先抽样核对再据此行动。",
        "The feedback lacks ratings to learn from (at least 200, both sides), so sentiment comes from the "
        "general model shipped with Kequn: character n-gram TF-IDF + logistic regression trained on {n} "
        "public Chinese and English reviews (food delivery, e-commerce, products, films), run offline. On "
        "public reviews it never saw: food delivery {zh1}, e-commerce {zh2}, English restaurant reviews {en}. "
        "Within {band} of the threshold ({th}) counts as neutral. Other trades' wording lowers this: check "
        "a sample by eye before acting on it.",
    ),
    "f.sent_default_rated": (
        "在本数据中带评分的 {n} 条文本上：准确率 {acc}，AUC {auc}。",
        "On this data's {n} rated texts: accuracy {acc}, AUC {auc}.",
    ),
    "f.sentiment": ("情感", "Sentiment"),
    "sent.positive": ("正面", "Positive"),
    "sent.neutral": ("中性", "Neutral"),
    "sent.negative": ("负面", "Negative"),
    "f.sent_chart": ("各客户群的情感构成", "Sentiment by segment"),
    "f.truth_sent": (
        "与演示数据的真实情感对照（不含中性）：准确率 {acc}（{n} 条）。",
        "Against the demo data's planted sentiment (neutral left out): accuracy {acc} ({n} texts).",
    ),
    "fsec.topics": ("话题", "Topics"),
    "f.topics_note": (
        "中文用 jieba 分词，按词性保留名词、动词、形容词并去掉停用词和“请问、建议、谢谢”等反馈用语；英文去掉常用停用词；"
        "NMF 分出 {k} 个话题，以前三个关键词命名。没有明确话题的文本不归类。",
        "Chinese is segmented with jieba, keeping nouns, verbs and adjectives and dropping stopwords and the "
        "words of the feedback act (asking, suggesting, thanking); English drops common stopwords; NMF finds "
        "{k} topics, each named by its three strongest terms. Texts without a clear topic stay unassigned.",
    ),
    "f.topic": ("话题", "Topic"),
    "f.negative_share": ("负面占比", "Negative share"),
    "f.complaint_count": ("投诉数", "Complaints"),
    "f.unassigned": ("有明确话题的文本占 {share}。", "{share} of texts have a clear topic."),
    "f.sent_scored": (
        "有情感判断的文本 {n} 条（其中 {emoji} 条只有或主要是表情，按表情词表判断）；本页的情感占比都以这 {n} 条为分母。",
        "Sentiment is given for {n} texts ({emoji} of them emoji-only or mostly emoji, judged by an emoji "
        "lexicon); every sentiment share on this page is over these {n} texts.",
    ),
    "f.sent_not_scored": (
        "未评分 {n} 条，不计入情感占比：模型不读的语言（只读中文和英文；韩文、日文等）{language} 条，"
        "可识别的信息太少（词表外的表情、数字、模型没见过的字符）{signal} 条。",
        "Not scored: {n} texts, left out of the sentiment shares: {language} in a language the model "
        "does not read (it reads Chinese and English; Korean, Japanese and others), {signal} with too "
        "little known signal (emoji outside the lexicon, digits, characters the model never saw).",
    ),
    "f.too_few_keywords": (
        "{language}文本只有 {n} 条（少于 {min} 条），不列关键词。",
        "Only {n} {language} texts (fewer than {min}): too few to show keywords.",
    ),
    "f.too_few_topics": (
        "{language}文本只有 {n} 条（少于 {min} 条），不提取话题。",
        "Only {n} {language} texts (fewer than {min}): too few to find topics.",
    ),
    "fsec.satisfaction": ("NPS 与满意度", "NPS and satisfaction"),
    "f.sat_note": (
        "NPS = 推荐者（9–10 分）占比 − 贬损者（0–6 分）占比；满意度 = 4–5 分评分占比；括号内为 95% 置信区间。"
        "回答少于 {n} 个或区间宽于 ±{w} 点的数字不显示。",
        "NPS = share of promoters (9–10) − share of detractors (0–6); CSAT = share of ratings 4–5; 95% "
        "confidence interval in brackets. Figures from fewer than {n} answers or with an interval wider "
        "than ±{w} points are not shown.",
    ),
    "f.overall": ("整体", "Overall"),
    "f.nps": ("NPS（95% 区间）", "NPS (95% interval)"),
    "f.nps_n": ("NPS 回答数", "NPS answers"),
    "f.csat": ("满意度（95% 区间）", "CSAT (95% interval)"),
    "f.csat_n": ("评分数", "Ratings"),
    "f.too_few": ("回答太少（n = {n}）", "too few answers (n = {n})"),
    "f.by.segment": ("客户群", "Segment"),
    "f.by.tier": ("价值层", "Tier"),
    "f.by.channel": ("渠道", "Channel"),
    "f.by.month": ("月份", "Month"),
    "f.by.all": ("范围", "Scope"),
    "fsec.complaints": ("投诉处理", "Complaint handling"),
    "f.c_note": (
        "三个标准：及时性（响应和解决时间对比 SLA：响应 {r} 小时、解决 {s} 小时）、全面性（各客户群是否都有反馈渠道发声）、有效性（解决率、重开率、解决后的满意度）。",
        "Three standards: timeliness (response and resolution times against the SLA: response {r} h, "
        "resolution {s} h), comprehensiveness (does every segment have a voice), effectiveness (resolution "
        "rate, reopen rate, satisfaction after resolution).",
    ),
    "f.c.count": ("投诉数", "Complaints"),
    "f.c.response": ("首次响应时间：中位数 / 90% 分位", "First response: median / 90th percentile"),
    "f.c.response_sla": ("{h} 小时内响应的占比", "Responded within {h} h"),
    "f.c.resolution": ("解决时间：中位数 / 90% 分位", "Resolution: median / 90th percentile"),
    "f.c.resolution_sla": ("{h} 小时内解决的占比", "Resolved within {h} h"),
    "f.c.backlog": ("未结投诉", "Open complaints"),
    "f.c.over_sla": ("件超过 SLA", "over the SLA"),
    "f.c.resolution_rate": ("解决率", "Resolution rate"),
    "f.c.reopen": ("重开率", "Reopen rate"),
    "f.c.satisfied_after": ("解决后满意（4–5 分）", "Satisfied after resolution (4–5)"),
    "f.c.time_travel": (
        "时间错误的记录（响应或解决早于创建，已排除）",
        "Records with impossible times (response or resolution before creation; left out)",
    ),
    "fsec.coverage": ("全面性：各客户群的发声情况", "Comprehensiveness: who has a voice"),
    "f.feedback_share": ("有反馈的客户占比", "Customers with feedback"),
    "f.complaint_share": ("有投诉的客户占比", "Customers who complained"),
    "f.silent": ("沉默", "Silent"),
    "f.silent_yes": ("沉默群体", "silent"),
    "fsec.drivers": ("影响 NPS 的话题", "What moves NPS"),
    "f.drivers_note": (
        "模型：NPS 打分（0–10）对各话题的指示变量做最小二乘回归（无话题的文本为基准，稳健标准误）；效应为提到该话题时 NPS 打分的平均差异。",
        "Model: ordinary least squares of the NPS answer (0–10) on one indicator per topic (texts without a "
        "topic are the base, robust standard errors); the effect is the mean difference in the NPS answer "
        "when the topic is mentioned.",
    ),
    "f.effect": ("效应（NPS 分）", "Effect (NPS points)"),
    "f.ci": ("95% 区间", "95% interval"),
    "f.drivers_none": (
        "带 NPS 打分且有话题的反馈太少，不做驱动分析。",
        "Too little feedback with an NPS answer and a topic for a driver analysis.",
    ),
    "fsec.alerts": (
        "预警：需要马上跟进的高价值客户",
        "Alerts: valuable customers to follow up now",
    ),
    "f.alerts_note": (
        "大客户、重要客户或 CLV 前 10% 的客户中，近 {d} 天有负面反馈或投诉尚未解决的，共 {n} 位，按 CLV 排序写入 {file}。",
        "Key or important customers, or the top 10% by CLV, with negative feedback in the last {d} days "
        "or a complaint still open: {n} customers, most valuable first, in {file}.",
    ),
    "f.alerts_none": (
        "目前没有需要预警的高价值客户（或价值阶段尚未运行）。",
        "No valuable customer needs an alert now (or the value stage has not run).",
    ),
    "f.a.negative": ("近期负面反馈", "recent negative feedback"),
    "f.a.unresolved": ("投诉未解决", "complaint still open"),
    "f.a.both": ("负面反馈且投诉未解决", "negative feedback and complaint open"),
    "f.clv": ("CLV（{cur}）", "CLV ({cur})"),
    "f.reason": ("原因", "Reason"),
    "f.last_feedback": ("最近反馈时间", "Last feedback"),
    "f.feedback_id": ("反馈编号", "Feedback id"),
    "action.feedback_alerts": ("反馈预警客户名单", "Feedback alerts"),
}


def t(key, lang: str = "zh", cur=None) -> str:
    """Text of ``key`` in ``lang`` (zh or en); unknown keys come back unchanged. ``{cur}`` in
    an entry is the money unit of ``cur`` (a ``currency.Currency``; default: the run's,
    ``currency.active()``): 元 / CNY, 英镑 / GBP, …"""
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {LANGS}, not {lang!r}")
    pair = CATALOGUE.get(str(key))
    if pair is None:
        return str(key)
    text = pair[0] if lang == "zh" else pair[1]
    if "{cur}" in text:
        from .currency import unit

        text = text.replace("{cur}", unit(lang, cur))
    return text


def expectation(kind: str, lo=None, hi=None, lang: str = "zh", values=None) -> str:
    """What a column of this contract kind should hold, with its range or values if any."""
    text = t(f"expect.{kind}", lang)
    if values:
        text += ("：" if lang == "zh" else ": ") + ", ".join(values)
    if lo is not None and hi is not None:
        text += f" [{lo:g}, {hi:g}]" if lang == "zh" else f" between {lo:g} and {hi:g}"
    return text


def fmt_int(x, lang: str = "zh") -> str:
    return f"{int(round(x)):,}"


def fmt_money(x, lang: str = "zh") -> str:
    """Money for the locale: 万 for large amounts in Chinese, thousands separators in English."""
    if lang == "zh" and abs(x) >= 100_000:
        return f"{x / 10_000:,.1f} 万"
    return f"{x:,.0f}"


def fmt_pct(x, lang: str = "zh", digits: int = 1) -> str:
    """A share as a percentage; "—" when it is missing (never "nan%" on a page)."""
    if x is None or x != x:
        return "—"
    return f"{100 * x:.{digits}f}%"


def fmt_p(p: float) -> str:
    """A p-value as a report reads it: three decimals, "< 0.001" below that, "—" when missing."""
    return "—" if p is None or p != p else ("< 0.001" if p < 0.001 else f"{p:.3f}")
