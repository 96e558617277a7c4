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
    "profiling.intro": ("本报告说明数据从哪里来、清洗做了什么，以及客户是谁：人口、地域、心理和行为特征。",
                        "Where the data came from, what cleaning did, and who the customers are: demographic, "
                        "geographic, psychographic and behavioural traits."),
    "sec.inputs": ("输入与参数", "Inputs and parameters"),
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
    "index.title": ("客群分析报告", "Customer analysis report"),
    "index.stages": ("各阶段报告", "Stage reports"),
    "index.runs": ("历次运行", "All runs"),
    "index.none": ("暂无运行记录。", "No runs yet."),
    "index.previous_none": ("这是该数据集的第一次运行，没有可比较的上一次运行。",
                            "This is the first run of this data set: there is no previous run to compare with."),
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
    "expect.datetime": ("日期时间，如 2024-03-05 14:30", "a date and time such as 2024-03-05 14:30"),
    "expect.number": ("数字", "a number"),
    "expect.int": ("整数", "a whole number"),
    "expect.bool": ("是/否、1/0", "yes/no, 1/0"),
    "expect.enum": ("以下取值之一", "one of"),
    "expect.text": ("文本", "text"),
    "expect.id": ("编号", "a key"),
    "customers": ("客户数", "Customers"),
    "share_of_customers": ("客户占比", "Share of customers"),
    "revenue_share": ("收入占比", "Revenue share"),
    "avg_monetary": ("人均净消费（元）", "Net spend per customer (CNY)"),
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
    "h.active_90d": ("近 90 天活跃客户", "Active in last 90 days"),
    "h.orders": ("订单数", "Orders"),
    "h.revenue": ("净收入（元）", "Net revenue (CNY)"),
    "h.aov": ("客单价（元）", "Average order value (CNY)"),
    "h.top20_share": ("前 20% 客户贡献的收入占比", "Revenue share of the top 20% customers"),
    "h.return_rate": ("退货订单占比", "Share of orders returned"),
    "h.median_tenure": ("客户在网时长中位数（天）", "Median tenure (days)"),
    # dimensions
    "age_band": ("年龄段", "Age group"),
    "gender": ("性别", "Gender"),
    "income_band": ("月收入段（元）", "Monthly income (CNY)"),
    "occupation": ("职业", "Occupation"),
    "education": ("学历", "Education"),
    "family_size": ("家庭人数", "Family size"),
    "city_tier": ("城市等级", "City tier"),
    "region": ("省份", "Province"),
    "channel": ("渠道", "Channel"),
    "category": ("品类", "Category"),
    "event_type": ("行为类型", "Event type"),
    "orders_band": ("购买次数", "Number of orders"),
    "recency_band": ("最近一次购买距今", "Time since last order"),
    "missing": ("未知", "Unknown"),
    "F": ("女", "Female"), "M": ("男", "Male"),
    "order_share": ("订单占比", "Share of orders"),
    "events_per_customer": ("人均行为次数", "Events per customer"),
    "customers_with": ("有该行为的客户占比", "Share of customers with it"),
    "avg_monetary_active": ("活跃者人均净消费（元）", "Net spend, active (CNY)"),
    "avg_monetary_inactive": ("未活跃者人均净消费（元）", "Net spend, not active (CNY)"),
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
    "repeated_customer_keys_first_kept": ("重复的客户编号仅保留第一条", "Repeated customer keys: first row kept"),
    "anonymous_orders_dropped": ("无客户编号的订单（匿名）已删除", "Orders without a customer key (anonymous) dropped"),
    "invalid_required_rows_dropped": ("必填字段无法识别的行已删除", "Rows with unreadable required values dropped"),
    "invalid_values_set_missing": ("无法识别或不合理的值已置空", "Unreadable or implausible values set missing"),
    "future_dated_rows_dropped": ("日期晚于截止日的行已删除", "Rows dated after the as-of date dropped"),
    "future_signup_set_missing": ("晚于截止日的注册日期已置空", "Signup dates after the as-of date set missing"),
    "orphan_rows_dropped": ("客户表中不存在的客户的记录已删除", "Rows of customers absent from the customer table dropped"),
    "unknown_customer_unlinked": ("未知客户编号已解除关联", "Unknown customer keys unlinked"),
    "customers_derived_from_orders": ("客户表由订单推导", "Customer table derived from orders"),
    "amount_from_quantity_times_price": ("金额 = 数量 × 单价", "Amount computed as quantity × unit price"),
    "returns_kept": ("负金额记为退货/取消（保留）", "Negative amounts kept as returns or cancellations"),
    "zero_amount_orders": ("金额为 0 的订单（保留）", "Zero-amount orders (kept)"),
    "extreme_amounts_flagged": ("极端金额（已标记，保留）", "Extreme amounts flagged (kept)"),
    "first_response_at_before_creation_set_missing": ("早于创建时间的首次响应时间已置空",
                                                      "First response before creation set missing"),
    "resolved_at_before_creation_set_missing": ("早于创建时间的解决时间已置空", "Resolution before creation set missing"),
    "contact_details_masked_in_text": ("文本中的联系方式已遮盖", "Contact details masked in texts"),
    "pii_columns_dropped": ("个人身份信息字段已删除（姓名、电话、邮箱等）", "Personal data columns dropped (name, phone, email…)"),
    "not_in_data": ("此数据中没有这一项，已跳过。", "not in this data; skipped."),
    "no_cleaning": ("没有需要清洗的数据。", "Nothing needed cleaning."),
    "no_warnings": ("没有发现数据问题。", "No data issues found."),
    # input problems (kequn.problems): message err.<key> and fix fix.<key>, str.format templates
    "err.file_not_found": ("找不到文件", "file not found"),
    "fix.file_not_found": ("检查 DATA 目录和文件名", "check the DATA folder and the file name"),
    "err.empty_file": ("文件是空的", "the file is empty"),
    "fix.empty_file": ("重新导出该表，包含表头行", "export the table again with its header row"),
    "err.no_columns": ("文件没有任何列", "the file has no columns"),
    "fix.no_columns": ("重新导出该表，包含表头行", "export the table again with its header row"),
    "err.bad_encoding": ("文本既不是 UTF-8 也不是 GBK/GB18030 编码", "the text is neither UTF-8 nor GBK/GB18030"),
    "fix.bad_encoding": ("另存为“CSV UTF-8”（Excel：另存为 > CSV UTF-8）或 GBK",
                         "save the file as 'CSV UTF-8' (Excel: Save As > CSV UTF-8) or GBK"),
    "err.unreadable": ("无法作为表格读取（{detail}）", "could not be read as a table ({detail})"),
    "fix.unreadable": ("确认文件是 CSV、Parquet 或 Excel 导出", "check that the file is a CSV, Parquet or Excel export"),
    "err.folder_not_found": ("找不到目录", "folder not found"),
    "fix.folder_not_found": ("用 DATA=导出文件所在目录 指定数据", "pass DATA=path/to/export-folder"),
    "err.table_missing": ("缺少 {table} 表", "the {table} table is missing"),
    "fix.table_missing": ("把 {table}.csv（或 .parquet/.xlsx）放进该目录，或在字段映射的 files: 下写明文件名",
                          "put {table}.csv (or .parquet/.xlsx) in the folder, or name its file under 'files:' in the column map"),
    "err.header_only": ("只有表头，没有数据行", "has a header but no rows"),
    "fix.header_only": ("重新导出包含数据的表", "export the table again with its data"),
    "err.missing_column": ("缺少必填字段“{col}”（现有表头：{found}）", "required column '{col}' is missing (found: {found})"),
    "fix.missing_column": ("把表头改为“{col}”，或在字段映射（column_map）中写明 {table}: {{{col}: 你的表头}}",
                           "rename the header to '{col}' or map it in a column map ({table}: {{{col}: <your header>}}) "
                           "passed as column_map"),
    "err.duplicate_header": ("表头“{first}”和“{second}”都对应字段“{target}”", "headers '{first}' and '{second}' both mean '{target}'"),
    "fix.duplicate_header": ("删除其中一列，或在字段映射中明确指定一列", "remove one of them or map one explicitly in the column map"),
    "err.value_unreadable": ("值无法识别（应为{expect}）", "the value cannot be read (expected {expect})"),
    "err.value_empty": ("必填值为空（应为{expect}）", "the value is empty (expected {expect})"),
    "fix.value_unreadable": ("更正这些行，或在配置中设置 intake.invalid_rows: drop 跳过它们",
                             "correct these rows, or set intake.invalid_rows: drop to leave them out"),
    "fix.value_empty": ("更正这些行，或在配置中设置 intake.invalid_rows: drop 跳过它们",
                        "correct these rows, or set intake.invalid_rows: drop to leave them out"),
    "err.values_set_missing": ("{n:,} 个值无法识别或不合理（应为{expect}），已置空",
                               "{n:,} values could not be read or are implausible (expected {expect}); they were set missing"),
    "err.no_usable_rows": ("清洗后没有可用的行", "no usable rows are left after cleaning"),
    "fix.no_usable_rows": ("查看清洗计数，检查 as_of 日期和客户编号", "see the cleaning counts above; check the as_of date and customer keys"),
    "err.invalid_rows_setting": ("intake.invalid_rows 的值“{value}”无效", "intake.invalid_rows is '{value}'"),
    "fix.invalid_rows_setting": ("使用 error 或 drop", "use 'error' or 'drop'"),
    "err.yaml_not_found": ("找不到{what_zh}", "{what_en} not found"),
    "fix.yaml_not_found": ("{fix_zh}", "{fix_en}"),
    "err.yaml_invalid": ("不是有效的 YAML（{detail}）", "is not valid YAML ({detail})"),
    "fix.yaml_invalid": ("检查缩进和引号", "check indentation and quoting"),
    "err.yaml_not_settings": ("应为“名称: 值”形式的设置，而不是 {kind}", "should hold 'name: value' settings, not a {kind}"),
    "fix.yaml_not_settings": ("参照 config/default.yaml 的格式", "see config/default.yaml for the layout"),
    "err.unknown_settings": ("未知的设置项：{names}", "unknown setting(s): {names}"),
    "fix.unknown_settings": ("只可使用：{allowed}", "use only: {allowed}"),
    "err.setting_type": ("设置“{name}”的类型不对：应为{kind_zh}", "setting '{name}' should be a {kind_en}"),
    "fix.setting_type": ("参照 config/default.yaml 中该项的写法", "see how config/default.yaml writes it"),
    "err.bad_lang": ("lang 的值“{value}”无效", "lang is '{value}'"),
    "fix.bad_lang": ("设置 lang: zh 或 lang: en", "set lang: zh or lang: en"),
    "err.unknown_table": ("未知的数据表“{table}”", "unknown table '{table}'"),
    "fix.unknown_table": ("可用的数据表：{allowed}", "use one of {allowed}"),
    "err.unknown_column": ("数据表“{table}”没有字段“{col}”", "unknown column '{col}' for table '{table}'"),
    "fix.unknown_column": ("可用的字段：{allowed}", "use one of {allowed}"),
    # tables
    "t.customers": ("客户", "customers"), "t.orders": ("订单", "orders"), "t.events": ("行为", "events"),
    "t.feedback": ("反馈", "feedback"), "t.kano": ("Kano 问卷", "Kano survey"),
    # city tiers and demo values
    "一线": ("一线", "Tier 1"), "新一线": ("新一线", "New tier 1"), "二线": ("二线", "Tier 2"),
    "三线": ("三线", "Tier 3"), "四线": ("四线", "Tier 4"), "五线": ("五线", "Tier 5"),
    "食品生鲜": ("食品生鲜", "Fresh food"), "日用百货": ("日用百货", "Household"),
    "服饰鞋包": ("服饰鞋包", "Apparel"), "美妆个护": ("美妆个护", "Beauty"),
    "数码家电": ("数码家电", "Electronics"), "母婴用品": ("母婴用品", "Mother & baby"),
    "医药保健": ("医药保健", "Health"), "家居家装": ("家居家装", "Home"),
    "门店": ("门店", "Store"), "App": ("App", "App"), "微信小程序": ("微信小程序", "WeChat mini program"),
    "官网": ("官网", "Website"), "直播间": ("直播间", "Live stream"), "电话订购": ("电话订购", "Phone order"),
    "web": ("网页", "Web"), "social": ("社交", "Social"), "mobile": ("移动端", "Mobile"),
    "page_view": ("浏览页面", "Page view"), "ad_click": ("点击广告", "Ad click"), "download": ("下载", "Download"),
    "app_open": ("打开 App", "App open"), "like": ("点赞", "Like"), "comment": ("评论", "Comment"),
    "share": ("分享", "Share"), "qr_pay": ("扫码支付", "QR payment"),
    "学生": ("学生", "Student"), "企业职员": ("企业职员", "Office worker"),
    "专业技术人员": ("专业技术人员", "Professional"), "管理人员": ("管理人员", "Manager"),
    "个体经营": ("个体经营", "Self-employed"), "公务员/事业单位": ("公务员/事业单位", "Public sector"),
    "自由职业": ("自由职业", "Freelancer"), "退休": ("退休", "Retired"),
    "高中及以下": ("高中及以下", "High school or less"), "大专": ("大专", "College"),
    "本科": ("本科", "Bachelor"), "硕士及以上": ("硕士及以上", "Master or above"),
}


def t(key, lang: str = "zh") -> str:
    """Text of ``key`` in ``lang`` (zh or en); unknown keys come back unchanged."""
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {LANGS}, not {lang!r}")
    pair = CATALOGUE.get(str(key))
    if pair is None:
        return str(key)
    return pair[0] if lang == "zh" else pair[1]


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
    return f"{100 * x:.{digits}f}%"
